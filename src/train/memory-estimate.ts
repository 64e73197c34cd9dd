/**
 * The memory a model needs to train, estimated from its symbolic graphs before anything is
 * allocated or compiled (building the graphs declares every parameter with its static shape
 * but allocates no tensor, so a 10⁵-wide layer costs nothing to describe).
 *
 *   P = Σ over declared parameters of Π shape            (the eval graph declares them all)
 *   S = Σ over the optimizer state slots of each phase    (Adam/AdamW: m and v per trained
 *       parameter, SGD: one momentum buffer; plus a step counter per phase), as compileTraining
 *   A = B · Σ over the eval graph's batch-shaped values v of Π v.shape[1:]
 *       (every per-sample intermediate of one forward pass, B = batch size)
 *
 *   stateBytes      = 4 · (P + S)
 *   trainingBytes   = 4 · P · PARAM_COPIES + 4 · A · ACTIVATION_COPIES
 *
 * PARAM_COPIES is measured, not derived: the trainer holds parameters and optimizer state
 * twice (runtime/buffers.ts ping-pongs them, 2·(P + S) = 6P with Adam), ONNX Runtime returns
 * the updated state as fresh buffers each call (P + S more, collected lazily), and its arena
 * holds the gradients, the update's temporaries and the eval and codec programs' feeds. Peak
 * RSS above the ~250 MB of an idle run, over 4·P, measured 16–26 on the reference machine
 * (Adam and SGD alike; see memory-estimate.test.ts for the configurations):
 *   vae --latent 5000 --hidden 512: 826 MB peak for P = 8.5 M (16.8×),
 *   ae  --latent 5000 --hidden 512: 660 MB for P = 5.9 M (17.0×),
 *   vae --hidden 3000,3000: 1.70–2.43 GB for P = 22.9 M (15.7–23.8×, more with more calls).
 * The estimate takes the low end, 16, so that a model it refuses surely does not fit.
 * ACTIVATION_COPIES = 3: forward values kept for the backward pass, their gradients, and
 * the backward pass's temporaries.
 */
import type { TrainableModel } from '../models/types.js';
import { Optimizer, type OptimizerConfig } from '../optim/optimizer.js';
import { buildEvalGraph, phasesOf } from './programs.js';

/** Measured peak training memory per parameter, in units of one float32 parameter (see the module comment). */
export const PARAM_COPIES = 16;
/** Activation bytes held per forward-pass byte while training (values, their gradients, temporaries). */
export const ACTIVATION_COPIES = 3;

export interface TrainingMemoryEstimate {
  /** Parameters the model declares (P). */
  readonly params: number;
  /** Optimizer state values over all phases (S). */
  readonly optimizerState: number;
  /** Per-sample values of one forward pass (A / B). */
  readonly activationsPerSample: number;
  /** 4 · (P + S): the checkpoint's tensors. */
  readonly stateBytes: number;
  /** 4 · A · ACTIVATION_COPIES at the given batch size. */
  readonly activationBytes: number;
  /** Peak training memory: 4 · P · PARAM_COPIES + activationBytes. */
  readonly trainingBytes: number;
}

const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Estimates a model's training memory at `batchSize` with `optimizer` (see the module comment for the formula). */
export function estimateTrainingMemory(model: TrainableModel, optimizer: OptimizerConfig, batchSize: number): TrainingMemoryEstimate {
  const evalGraph = buildEvalGraph(model);
  const params = evalGraph.params.reduce((a, p) => a + numel(p.shape), 0);
  let optimizerState = 0;
  for (const phase of phasesOf(model)) {
    const trained = phase.groups.length === 0 ? evalGraph.params : evalGraph.params.filter((p) => phase.groups.includes(p.group));
    const slots = new Optimizer({ ...optimizer, ...phase.optimizer }, 'optim').stateSlots(trained);
    optimizerState += slots.reduce((a, s) => a + numel(s.shape), 0);
  }
  let activationsPerSample = 0;
  const values = Object.values(evalGraph.outputs)[0]?.graph.nodes.flatMap((n) => n.outputs) ?? [];
  for (const v of values) if (v.shape[0] === 'B') activationsPerSample += numel(v.shape.slice(1).map((d) => (typeof d === 'number' ? d : 1)));
  const activationBytes = 4 * ACTIVATION_COPIES * batchSize * activationsPerSample;
  return {
    params,
    optimizerState,
    activationsPerSample,
    stateBytes: 4 * (params + optimizerState),
    activationBytes,
    trainingBytes: 4 * PARAM_COPIES * params + activationBytes,
  };
}
