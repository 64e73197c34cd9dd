/**
 * Refuses, before anything is compiled or allocated, a model whose estimated training memory
 * (train/memory-estimate.ts) exceeds MEMORY_FRACTION of what this process may use
 * (machine-memory.ts). The estimate is the low end of measured peaks and real peaks ran up
 * to 1.5× it, so a refused model would need at least 80% of the memory, and likely all of it;
 * the rest is left to the OS, the data set and other processes.
 */
import { UsageError } from '../errors.js';
import type { TrainableModel } from '../models/types.js';
import type { OptimizerConfig } from '../optim/optimizer.js';
import { estimateTrainingMemory, PARAM_COPIES, type TrainingMemoryEstimate } from '../train/memory-estimate.js';
import { machineMemory, type MachineMemory } from './machine-memory.js';

/** Share of the machine's memory a training run may be estimated to need. */
export const MEMORY_FRACTION = 0.8;

/** Bytes in decimal units with 3 significant digits (`10.4 GB`, `105 GB`, `1.2 TB`), in powers of ten beyond exabytes. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];
  const k = Math.min(units.length - 1, Math.max(0, Math.floor(Math.log10(Math.max(bytes, 1)) / 3)));
  const v = bytes / 1000 ** k;
  return v >= 1000 ? `${bytes.toExponential(1)} B` : `${Number(v.toPrecision(3))} ${units[k]}`;
}

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
