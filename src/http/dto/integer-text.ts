import { Transform } from 'class-transformer';

const INTEGER_TEXT = /^-?[0-9]{1,16}$/;

/**
 * A query parameter that must be an integer written in decimal digits. `Number()` would take an
 * empty value for 0 and `1e3`, `0x10` or ` 5` for numbers, so anything else becomes NaN, which
 * `@IsInt()` refuses.
 */
export const IntegerText = () =>
  Transform(({ value }: { value: unknown }) => {
    if (value === undefined || value === null) return value;
    return typeof value === 'string' && INTEGER_TEXT.test(value) ? Number(value) : Number.NaN;
  });
