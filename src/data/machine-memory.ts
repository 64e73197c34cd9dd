/**
 * How much memory this process may use, and how to print a size: one place for the loaders'
 * bound (data/io.ts `checkFitsInMemory`, the streaming choice) and the training estimate's
 * refusal (workflow/training-memory-check.ts).
 *
 * The control-group limit comes from Node's `process.constrainedMemory()`, which reads cgroup
 * v1 and v2 itself; it reports 0 or ≈2⁶⁴ when there is no limit.
 */
import { freemem, totalmem } from 'node:os';

export interface MachineMemory {
  readonly bytes: number;
  /** Where the figure comes from, for messages: `RAM` or `cgroup limit`. */
  readonly source: string;
}

/** Limits at or above 2⁶⁰ bytes (1 EiB) are "unlimited" markers, not real limits. */
const NO_LIMIT_ABOVE = 2 ** 60;

/** The cgroup memory limit of this process in bytes, or undefined when there is none. */
export function memoryLimitBytes(): number | undefined {
  const limit = typeof process.constrainedMemory === 'function' ? process.constrainedMemory() : 0;
  return limit !== undefined && limit > 0 && limit < NO_LIMIT_ABOVE ? limit : undefined;
}

/** The memory this process may use in all: the machine's RAM (`os.totalmem()`), or the cgroup limit when lower. */
export function machineMemory(): MachineMemory {
  const ram = totalmem();
  const limit = memoryLimitBytes();
  return limit !== undefined && limit < ram ? { bytes: limit, source: 'cgroup limit' } : { bytes: ram, source: 'RAM' };
}

/**
 * Bytes of memory this process may still allocate: the smaller of the system's available memory
 * (`os.freemem()`, MemAvailable on Linux) and the cgroup limit.
 */
export function availableMemoryBytes(): number {
  const free = freemem();
  const limit = memoryLimitBytes();
  return limit !== undefined && limit < free ? limit : free;
}

/** Bytes in decimal units with 3 significant digits (`512 B`, `10.4 GB`, `105 GB`), in powers of ten beyond exabytes. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];
  const k = Math.min(units.length - 1, Math.max(0, Math.floor(Math.log10(Math.max(bytes, 1)) / 3)));
  const v = bytes / 1000 ** k;
  return v >= 1000 ? `${bytes.toExponential(1)} B` : `${Number(v.toPrecision(3))} ${units[k]}`;
}
