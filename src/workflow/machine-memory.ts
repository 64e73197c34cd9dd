/**
 * The memory this process may use: the machine's RAM (`os.totalmem()`), or less when a
 * control group limits it (cgroup v2 `/sys/fs/cgroup/memory.max`, cgroup v1
 * `/sys/fs/cgroup/memory/memory.limit_in_bytes`; "max" or a v1 value near 2⁶³ means none).
 */
import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';

export interface MachineMemory {
  readonly bytes: number;
  /** Where the figure comes from, for messages: `RAM` or the cgroup file. */
  readonly source: string;
}

const CGROUP_FILES = ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes'];

/** A cgroup limit in bytes from the file's text, or undefined for none / unreadable. */
export function parseCgroupLimit(text: string): number | undefined {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return undefined;
  const n = Number(t);
  return n > 0 && n < 2 ** 60 ? n : undefined;
}

export function machineMemory(): MachineMemory {
  let best: MachineMemory = { bytes: totalmem(), source: 'RAM' };
  for (const file of CGROUP_FILES) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const limit = parseCgroupLimit(text);
    if (limit !== undefined && limit < best.bytes) best = { bytes: limit, source: `cgroup limit, ${file}` };
  }
  return best;
}
