import type { Filter } from '../read-store.port';

type Comparison = '$eq' | '$ne' | '$lt' | '$lte' | '$gt' | '$gte';
type Operand = string | number | boolean;

interface Condition {
  field: string;
  comparison: Comparison;
  operand: Operand;
}

const RANGES = new Set<string>(['$lt', '$lte', '$gt', '$gte']);

function isOperand(value: unknown): value is Operand {
  return (
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value))
  );
}

/** The conditions of a filter on top-level fields alone, each against a plain value. */
function conditionsOf(filter: Filter): Condition[] | undefined {
  const conditions: Condition[] = [];
  for (const [field, value] of Object.entries(filter)) {
    if (field.startsWith('$') || field.includes('.')) return undefined;
    if (isOperand(value)) {
      conditions.push({ field, comparison: '$eq', operand: value });
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    const entries = Object.entries(value);
    if (entries.length === 0) return undefined;
    for (const [comparison, operand] of entries) {
      if (comparison !== '$eq' && comparison !== '$ne' && !RANGES.has(comparison)) return;
      if (!isOperand(operand)) return undefined;
      // Strings order by UTF-8 bytes in MongoDB and by UTF-16 units in JavaScript.
      if (RANGES.has(comparison) && typeof operand !== 'number') return undefined;
      conditions.push({ field, comparison: comparison as Comparison, operand });
    }
  }
  return conditions;
}

function holds(value: Operand, { comparison, operand }: Condition): boolean {
  switch (comparison) {
    case '$eq':
      return value === operand;
    case '$ne':
      return value !== operand;
    case '$lt':
      return value < operand;
    case '$lte':
      return value <= operand;
    case '$gt':
      return value > operand;
    case '$gte':
      return value >= operand;
  }
}

/**
 * A quick test for a filter of plain comparisons on top-level fields (such as a projection's
 * `{ _id, revision: { $lt: n } }` guard), or undefined for any other filter. The test answers
 * for a document whose fields it compares hold values of the operand's own type, and returns
 * undefined for any other document (an array, a missing field, another type): MongoDB's rules
 * for those are mingo's to apply. Why at all: compiling a mingo Query costs more than the row
 * read it guards.
 */
export function flatFilterTest(
  filter: Filter,
): ((document: Record<string, unknown>) => boolean | undefined) | undefined {
  const conditions = conditionsOf(filter);
  if (conditions === undefined) return undefined;
  return (document) => {
    let matches = true;
    for (const condition of conditions) {
      const value = document[condition.field];
      if (typeof value !== typeof condition.operand) return undefined;
      if (typeof value === 'number' && !Number.isFinite(value)) return undefined;
      matches &&= holds(value as Operand, condition);
    }
    return matches;
  };
}
