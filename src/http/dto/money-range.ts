import { MAX_MINOR_UNITS } from '../../domain/money';

/**
 * What the OpenAPI description says of an amount or a limit. The range itself is the domain's to
 * enforce (422 AMOUNT_OUT_OF_RANGE), so a body only has to hold integers to get that far.
 */
export const AMOUNT_DOC = {
  type: 'integer',
  minimum: 1,
  maximum: MAX_MINOR_UNITS,
  description: `Positive integer of minor units, at most ${MAX_MINOR_UNITS}; beyond it 422 AMOUNT_OUT_OF_RANGE`,
} as const;

export const LIMIT_DOC = {
  type: 'integer',
  minimum: 0,
  maximum: MAX_MINOR_UNITS,
  description: `Minor units >= 0, at most ${MAX_MINOR_UNITS}; granted by tellers only`,
} as const;
