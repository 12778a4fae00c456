import type { ValidationError } from 'class-validator';
import { ProblemError } from './problem';

/** Names every bad field, nested ones by their dotted path. */
export function validationProblem(errors: ValidationError[]): ProblemError {
  const fields = flatten(errors);
  return new ProblemError(
    400,
    'VALIDATION_FAILED',
    `Invalid request: ${fields.map((f) => f.field).join(', ')}`,
    { errors: fields },
  );
}

function flatten(errors: ValidationError[], prefix = ''): { field: string; messages: string[] }[] {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, messages: Object.values(error.constraints) }] : [];
    return [...own, ...flatten(error.children ?? [], field)];
  });
}
