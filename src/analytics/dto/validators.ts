import { isISO8601, registerDecorator, type ValidationArguments } from 'class-validator';

/**
 * A point in time, unambiguous on its own: an ISO-8601 date and time with `Z` or an offset, e.g.
 * `2026-11-05T10:00:00Z`. Local times without a zone are refused rather than guessed.
 */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

export function toEpochMs(instant: string): number {
  return Date.parse(instant);
}

export function IsInstant() {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isInstant',
      target: target.constructor,
      propertyName,
      options: {
        message: `${propertyName} must be an ISO-8601 date-time with a zone, e.g. 2026-11-05T10:00:00Z`,
      },
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' &&
          INSTANT.test(value) &&
          isISO8601(value, { strict: true, strictSeparator: true }) &&
          Number.isFinite(toEpochMs(value)),
      },
    });
}

/** The lower bound of a range given with this upper bound must not lie after it. */
export function NotBefore(lowerBound: string, kind: 'number' | 'instant') {
  const comparable = (value: unknown) =>
    kind === 'number' ? (value as number) : toEpochMs(value as string);
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'notBefore',
      target: target.constructor,
      propertyName,
      constraints: [lowerBound],
      options: { message: `${propertyName} must not be before ${lowerBound}` },
      validator: {
        validate(value: unknown, args: ValidationArguments) {
          const lower = (args.object as Record<string, unknown>)[lowerBound];
          if (value === undefined || lower === undefined) return true;
          const [a, b] = [comparable(lower), comparable(value)];
          // Malformed bounds are reported by their own validators.
          return !Number.isFinite(a) || !Number.isFinite(b) || a <= b;
        },
      },
    });
}

/** Two ways of naming the same thing: at most one may be given. */
export function NotTogetherWith(other: string) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'notTogetherWith',
      target: target.constructor,
      propertyName,
      constraints: [other],
      options: { message: `give ${propertyName} or ${other}, not both` },
      validator: {
        validate: (value: unknown, args: ValidationArguments) =>
          value === undefined || (args.object as Record<string, unknown>)[other] === undefined,
      },
    });
}
