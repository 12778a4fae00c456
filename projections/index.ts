import type { Projection } from '../src/projecting/projection';
import { accountSummaryProjection } from './account-summary.projection';
import { accountTransactionsProjection } from './account-transactions.projection';
import { transferStatusProjection } from './transfer-status.projection';

/** Every read model the system maintains. */
export const PROJECTIONS: readonly Projection[] = [
  accountSummaryProjection,
  accountTransactionsProjection,
  transferStatusProjection,
] as unknown as readonly Projection[];
