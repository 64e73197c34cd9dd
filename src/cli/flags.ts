/**
 * Flag parsers for commander. Each validates one flag and fails with a sentence that
 * commander prefixes with the flag's name, e.g.
 * `error: option '--latent <n>' argument '0' is invalid. must be a positive integer (got 0)`.
 */
import { availableParallelism } from 'node:os';
import { InvalidArgumentError } from 'commander';

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`must be a positive integer (got ${value})`);
  return n;
}

/** A positive integer at most `max`, e.g. `--iw` (its cost grows linearly without other bound). */
export function intInRange(max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < 1 || n > max) throw new InvalidArgumentError(`must be an integer in [1, ${max}] (got ${value})`);
    return n;
  };
}

/**
 * `--threads`: a positive integer, capped at the cores this process may use
 * (`os.availableParallelism()`), with one note on stderr when capped. More ONNX Runtime
 * threads than cores only make the threads wait on each other (`--threads 200` on 2 cores
 * trained 50× slower than `--threads 2`).
 */
export function threadCount(value: string): number {
  const n = positiveInt(value);
  const cores = availableParallelism();
  if (n <= cores) return n;
  process.stderr.write(`latentkit: note: --threads ${n} is more than the ${cores} core${cores === 1 ? '' : 's'} here; using ${cores}\n`);
  return cores;
}

export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`must be a non-negative integer (got ${value})`);
  return n;
}

/** A decimal number such as 3, -0.5, 1e-3 (no hex, binary or empty strings, which Number() accepts). */
export function decimal(value: string): number {
  if (!/^\s*[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i.test(value)) throw new InvalidArgumentError(`must be a number (got ${value})`);
  return Number(value);
}

export function positiveNumber(value: string): number {
  const n = decimal(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`must be a positive number (got ${value})`);
  return n;
}

export function nonNegativeNumber(value: string): number {
  const n = decimal(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`must be a non-negative number (got ${value})`);
  return n;
}

/** A comma-separated list of positive integers, e.g. `400,200`; `none` is the empty list (no hidden layer). */
export function positiveIntList(value: string): number[] {
  if (value.trim() === 'none') return [];
  const parts = value.split(',').map((s) => s.trim());
  if (parts.some((p) => !/^\d+$/.test(p) || Number(p) < 1)) throw new InvalidArgumentError(`must be comma-separated positive integers, e.g. 400,200 (got ${value})`);
  return parts.map(Number);
}

export function oneOf<T extends string>(choices: readonly T[]): (value: string) => T {
  return (value) => {
    if (!(choices as readonly string[]).includes(value)) throw new InvalidArgumentError(`must be one of ${choices.join(', ')} (got ${value})`);
    return value as T;
  };
}
