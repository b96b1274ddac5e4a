// Field builders shared by the configuration schemas: each carries its default and the message that
// completes the sentence "<yaml.path>: …".
import { z } from 'zod';

export const nonNegative = (fallback: number) =>
  z.number({ error: 'must be a number ≥ 0' }).min(0, { error: 'must be a number ≥ 0' }).default(fallback);

export const positiveInt = (fallback: number) =>
  z
    .number({ error: 'must be a whole number ≥ 1' })
    .int({ error: 'must be a whole number ≥ 1' })
    .min(1, { error: 'must be a whole number ≥ 1' })
    .default(fallback);

export const text = (fallback = '') => z.string({ error: 'must be a text value' }).default(fallback);
export const flag = (fallback: boolean) => z.boolean({ error: 'must be true or false' }).default(fallback);
export const textList = (what: string) => z.array(z.string({ error: 'must be a text value' }), { error: `must be a list of ${what}` }).default([]);

export const oneOf = <const T extends readonly [string, ...string[]]>(values: T, fallback: T[number]) =>
  z.enum(values, { error: `must be one of ${values.map((value) => `'${value}'`).join(', ')}` }).default(fallback);
