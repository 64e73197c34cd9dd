/**
 * Builds a model's graphs and compiles them into programs that share one state store:
 *   step    x, y?, noise, state → terms, next:state     (forward, loss, backward, update: one ORT call)
 *   eval    x, y?, noise, params → every term
 * The state store holds the parameters and the optimizer state, ping-ponged per step.
 */
import { grad } from '../autodiff/grad.js';
import { Graph, type Value } from '../graph/graph.js';
import type { AutoencoderModel, Batch } from '../models/types.js';
import { Builder, type NoiseSpec, type ParamSpec } from '../nn/builder.js';
import { Optimizer, type OptimizerConfig, type StateSlot } from '../optim/optimizer.js';
import { type BufferSpec, nextName } from '../runtime/buffers.js';
import { Program, type RuntimeOptions } from '../runtime/program.js';

/** Declares the batch inputs of a model: x [B, ...inputShape] and, if conditional, one-hot y [B, C]. */
export function batchInputs(g: Graph, model: AutoencoderModel): Batch {
  const x = g.input('x', ['B', ...model.inputShape]);
  return model.numClasses > 0 ? { x, y: g.input('y', ['B', model.numClasses]) } : { x };
}

export interface StepGraph {
  readonly outputs: Record<string, Value>;
  readonly params: readonly ParamSpec[];
  readonly noises: readonly NoiseSpec[];
  readonly optimizerState: readonly StateSlot[];
}

/** The whole training step as one graph: terms, gradients of `loss` and the optimizer update. */
export function buildStepGraph(model: AutoencoderModel, optimizer: Optimizer): StepGraph {
  const g = new Graph();
  const b = new Builder(g, 'train');
  const terms = model.terms(b, batchInputs(g, model));
  const params = b.paramValues();
  const grads = grad(
    terms.loss,
    params.map((p) => p.value),
  );
  const update = optimizer.update(
    g,
    params.map((p, i) => ({ name: p.spec.name, shape: p.spec.shape, value: p.value, grad: grads[i]! })),
  );
  const outputs: Record<string, Value> = {};
  for (const t of model.trainTerms) outputs[t] = terms[t]!;
  for (const [name, v] of update.params) outputs[nextName(name)] = v;
  for (const [name, v] of update.state) outputs[nextName(name)] = v;
  return {
    outputs,
    params: params.map((p) => p.spec),
    noises: [...b.noises.values()].map((n) => n.spec),
    optimizerState: optimizer.stateSlots(params.map((p) => p.spec)),
  };
}

export interface EvalGraph {
  readonly outputs: Record<string, Value>;
  readonly noises: readonly NoiseSpec[];
  readonly params: readonly ParamSpec[];
}

/** Every term of the model on one batch, without any update. */
export function buildEvalGraph(model: AutoencoderModel): EvalGraph {
  const g = new Graph();
  const b = new Builder(g, 'eval');
  const terms = model.terms(b, batchInputs(g, model));
  return {
    outputs: { ...terms },
    noises: [...b.noises.values()].map((n) => n.spec),
    params: b.paramValues().map((p) => p.spec),
  };
}

export interface CompiledTraining {
  readonly step: Program;
  readonly eval: Program;
  readonly stepGraph: StepGraph;
  readonly evalGraph: EvalGraph;
  /** Everything the state store holds: parameters first, then optimizer state. */
  readonly stateSpecs: readonly BufferSpec[];
}

export async function compileTraining(model: AutoencoderModel, optimizer: OptimizerConfig, runtime: RuntimeOptions): Promise<CompiledTraining> {
  const stepGraph = buildStepGraph(model, new Optimizer(optimizer));
  const evalGraph = buildEvalGraph(model);
  const [step, evalProgram] = await Promise.all([
    Program.compile(`${model.family}.step`, stepGraph.outputs, runtime),
    Program.compile(`${model.family}.eval`, evalGraph.outputs, runtime),
  ]);
  const stateSpecs = [...stepGraph.params.map((p) => ({ name: p.name, shape: p.shape })), ...stepGraph.optimizerState];
  return { step, eval: evalProgram, stepGraph, evalGraph, stateSpecs };
}
