import type { ValidationError } from 'class-validator';
import { type FieldError, LedgerError } from '../problems/ledger-error';

/** Names every bad field, nested ones by their dotted path. */
export function validationProblem(errors: ValidationError[]): LedgerError {
  const fields = flatten(errors);
  return new LedgerError(
    'VALIDATION_FAILED',
    `Invalid request: ${fields.map((f) => f.field).join(', ')}`,
    { errors: fields },
  );
}

function flatten(errors: ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, messages: Object.values(error.constraints) }] : [];
    return [...own, ...flatten(error.children ?? [], field)];
  });
}
