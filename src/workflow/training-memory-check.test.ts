/**
 * The refusal of workflow/training-memory-check.ts at a stated machine size (one line naming
 * the flags, the estimate and the machine), size formatting, and cgroup limits.
 */
import { describe, expect, it, vi } from 'vitest';
import { UsageError } from '../errors.js';
import { getFamily } from '../models/registry.js';
import type { OptimizerConfig } from '../optim/optimizer.js';
import { expectOneLineError } from '../test-support/expect-error.js';
import { estimateTrainingMemory } from '../train/memory-estimate.js';
import { formatBytes, machineMemory, memoryLimitBytes } from '../data/machine-memory.js';
import { checkTrainingMemory, MEMORY_FRACTION } from './training-memory-check.js';

const adam: OptimizerConfig = { kind: 'adam', lr: 1e-3 };
const model = (config: Record<string, unknown>) => {
  const family = getFamily(String(config['family']));
  return family.create(family.schema.parse(config));
};

describe('checkTrainingMemory', () => {
  const m = model({ family: 'vae', inputShape: [784], hidden: [512], latent: 100_000 });
  const need = estimateTrainingMemory(m, adam, 128).trainingBytes;
  const config = { family: 'vae', hidden: [512], latent: 100_000 };

  it(`refuses beyond ${MEMORY_FRACTION * 100}% of the machine's memory in one line naming the flags and the estimate; allows up to it`, () => {
    const tooSmall = { bytes: need / MEMORY_FRACTION - 1, source: 'RAM' };
    expectOneLineError(() => checkTrainingMemory(m, config, adam, 128, tooSmall), UsageError, /^--model vae --latent 100000 --hidden 512 on inputs of 784 values has 155 M parameters and needs about 11\.6 GB to train \(16 × 4 B per parameter.*plus 1\.7 GB of activations at --batch-size 128\); this machine has 14\.5 GB \(RAM\) and a run may use 80% of it/);
    expect(checkTrainingMemory(m, config, adam, 128, { bytes: need / MEMORY_FRACTION + 1, source: 'RAM' }).trainingBytes).toBe(need);
  });

  it('formats sizes from bytes to exabytes and beyond', () => {
    expect([512, 999, 1000, 1234567, 10_400_000_000, 105e9, 1683627180032, 9.38e19, 3e22].map(formatBytes)).toEqual(['512 B', '999 B', '1 kB', '1.23 MB', '10.4 GB', '105 GB', '1.68 TB', '93.8 EB', '3.0e+22 B']);
  });

  it("takes a cgroup limit below the machine's RAM; 0 and Node's ≈2⁶⁴ 'unlimited' mean none", () => {
    const constrained = vi.spyOn(process, 'constrainedMemory');
    try {
      constrained.mockReturnValue(4294967296);
      expect(memoryLimitBytes()).toBe(4294967296);
      expect(machineMemory()).toEqual({ bytes: 4294967296, source: 'cgroup limit' });
      for (const none of [0, 18446744073709552000, 9223372036854771712]) {
        constrained.mockReturnValue(none);
        expect(memoryLimitBytes()).toBeUndefined();
        expect(machineMemory().source).toBe('RAM');
      }
    } finally {
      constrained.mockRestore();
    }
  });
});
