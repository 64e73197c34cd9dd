/**
 * Parsers of the data flags of `latentkit train` (`--label-column`, `--test-fraction`), in the
 * style of flags.ts: each fails with a sentence that commander prefixes with the flag's name.
 */
import { InvalidArgumentError } from 'commander';
import { decimal } from './flags.js';

/** `--label-column NAME|N`: a header name, or a 0-based column index (digits only). */
export function labelColumn(value: string): string | number {
  const t = value.trim();
  if (t === '') throw new InvalidArgumentError('must be a column name or a 0-based column index (got an empty string)');
  if (/^\d+$/.test(t)) {
    const n = Number(t);
    if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(`must be a column name or a 0-based column index (got ${value})`);
    return n;
  }
  return t;
}

/** A number strictly between 0 and 1, e.g. `--test-fraction 0.1`. */
export function openUnitFraction(value: string): number {
  const f = decimal(value);
  if (!(f > 0 && f < 1)) throw new InvalidArgumentError(`must be a number between 0 and 1, exclusive (got ${value})`);
  return f;
}
