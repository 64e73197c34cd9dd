/**
 * Refuses, before anything is compiled or allocated, a model whose estimated training memory
 * (train/memory-estimate.ts) exceeds MEMORY_FRACTION of what this process may use
 * (data/machine-memory.ts). The estimate is the low end of measured peaks and real peaks ran up
 * to 1.5× it, so a refused model would need at least 80% of the memory, and likely all of it;
 * the rest is left to the OS, the data set and other processes.
 */
import { formatBytes, machineMemory, type MachineMemory } from '../data/machine-memory.js';
import { UsageError } from '../errors.js';
import type { TrainableModel } from '../models/types.js';
import type { OptimizerConfig } from '../optim/optimizer.js';
import { estimateTrainingMemory, PARAM_COPIES, type TrainingMemoryEstimate } from '../train/memory-estimate.js';

/** Share of the machine's memory a training run may be estimated to need. */
export const MEMORY_FRACTION = 0.8;

/** A count with 3 significant digits: `153 M`, `1.63 G`, beyond 10¹² in powers of ten. */
function formatCount(n: number): string {
  if (n >= 1e12) return n.toExponential(2);
  return n >= 1e9 ? `${Number((n / 1e9).toPrecision(3))} G` : n >= 1e6 ? `${Number((n / 1e6).toPrecision(3))} M` : `${n}`;
}

/** The size flags of a model config, e.g. `--model vae --latent 100000 --hidden 512`. */
export function describeModelSize(config: Readonly<Record<string, unknown>>): string {
  const parts = [`--model ${String(config['family'])}`];
  if (config['latent'] !== undefined) parts.push(`--latent ${String(config['latent'])}`);
  if (Array.isArray(config['hidden'])) parts.push(`--hidden ${config['hidden'].length ? config['hidden'].join(',') : 'none'}`);
  return parts.join(' ');
}

/**
 * Throws a one-line UsageError when `model` is estimated to need more than MEMORY_FRACTION of
 * `memory` to train; returns the estimate otherwise.
 */
export function checkTrainingMemory(model: TrainableModel, config: Readonly<Record<string, unknown>>, optimizer: OptimizerConfig, batchSize: number, memory: MachineMemory = machineMemory()): TrainingMemoryEstimate {
  const est = estimateTrainingMemory(model, optimizer, batchSize);
  if (est.trainingBytes <= MEMORY_FRACTION * memory.bytes) return est;
  const inputs = model.inputShape.reduce((a, b) => a * b, 1);
  const classes = model.numClasses > 0 ? ` and ${model.numClasses} classes` : '';
  throw new UsageError(
    `${describeModelSize(config)} on inputs of ${inputs} values${classes} has ${formatCount(est.params)} parameters and needs about ${formatBytes(est.trainingBytes)} to train ` +
      `(${PARAM_COPIES} × 4 B per parameter for parameters, optimizer state and their copies, plus ${formatBytes(est.activationBytes)} of activations at --batch-size ${batchSize}); ` +
      `this machine has ${formatBytes(memory.bytes)} (${memory.source}) and a run may use ${Math.round(MEMORY_FRACTION * 100)}% of it: make the model smaller`,
  );
}
