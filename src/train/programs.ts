/**
 * Builds a model's graphs and compiles them into programs that share one state store:
 *   phase step  x, y?, noise, sched, state → phase terms, next:(phase params, phase optimizer state)
 *               (forward, loss, backward, update: one ORT call per phase per batch)
 *   eval        x, y?, noise, sched, params → every term
 * The state store holds the parameters and the optimizer state of every phase.
 */
import { grad } from '../autodiff/grad.js';
import { Graph, type Value } from '../graph/graph.js';
import type { TrainableModel, Batch, PhaseSpec } from '../models/types.js';
import { Builder, type NoiseSpec, type ParamSpec, type ScheduleSpec } from '../nn/builder.js';
import { lrInputName, Optimizer, type OptimizerConfig, type StateSlot } from '../optim/optimizer.js';
import { type BufferSpec, nextName } from '../runtime/buffers.js';
import { Program, type RuntimeOptions } from '../runtime/program.js';

/** Declares the batch inputs of a model: x [B, ...inputShape] and, if conditional, one-hot y [B, C]. */
export function batchInputs(g: Graph, model: TrainableModel): Batch {
  const x = g.input('x', ['B', ...model.inputShape]);
  return model.numClasses > 0 ? { x, y: g.input('y', ['B', model.numClasses]) } : { x };
}

/** The model's phases, or the single default phase over all parameters. */
export function phasesOf(model: TrainableModel): readonly PhaseSpec[] {
  return model.phases ?? [{ name: 'main', loss: 'loss', groups: [], terms: model.trainTerms }];
}

/** Optimizer I/O prefix of a phase: `optim` for single-phase models, `optim.<phase>` otherwise. */
function optimizerPrefix(model: TrainableModel, phase: PhaseSpec): string {
  return model.phases ? `optim.${phase.name}` : 'optim';
}

export interface StepGraph {
  readonly phase: PhaseSpec;
  readonly outputs: Record<string, Value>;
  /** Every parameter the model declares (updated or not). */
  readonly params: readonly ParamSpec[];
  readonly noises: readonly NoiseSpec[];
  readonly schedules: readonly ScheduleSpec[];
  readonly optimizerState: readonly StateSlot[];
  /** State tensors this phase rewrites (its parameters and its optimizer state). */
  readonly updates: readonly string[];
  readonly lrInput: string;
}

/** One phase of the training step as one graph: terms, gradients of the phase loss and its update. */
export function buildStepGraph(model: TrainableModel, optimizer: OptimizerConfig, phase: PhaseSpec = phasesOf(model)[0]!): StepGraph {
  const g = new Graph();
  const b = new Builder(g, 'train');
  const terms = model.terms(b, batchInputs(g, model));
  const loss = terms[phase.loss];
  if (!loss) throw new Error(`model ${model.family}: phase ${phase.name} minimises unknown term ${phase.loss}`);
  const all = b.paramValues();
  const trained = phase.groups.length === 0 ? all : all.filter((p) => phase.groups.includes(p.spec.group));
  const grads = grad(
    loss,
    trained.map((p) => p.value),
  );
  const prefix = optimizerPrefix(model, phase);
  const opt = new Optimizer({ ...optimizer, ...phase.optimizer }, prefix);
  const update = opt.update(
    g,
    trained.map((p, i) => ({ name: p.spec.name, shape: p.spec.shape, value: p.value, grad: grads[i]! })),
  );
  const outputs: Record<string, Value> = {};
  for (const t of phase.terms) {
    const v = terms[t];
    if (!v) throw new Error(`model ${model.family}: phase ${phase.name} reports unknown term ${t}`);
    outputs[t] = v;
  }
  for (const [name, v] of [...update.params, ...update.state]) outputs[nextName(name)] = v;
  return {
    phase,
    outputs,
    params: all.map((p) => p.spec),
    noises: [...b.noises.values()].map((n) => n.spec),
    schedules: [...b.schedules.values()].map((s) => s.spec),
    optimizerState: opt.stateSlots(trained.map((p) => p.spec)),
    updates: [...update.params.keys(), ...update.state.keys()],
    lrInput: lrInputName(prefix),
  };
}

export interface EvalGraph {
  readonly outputs: Record<string, Value>;
  readonly noises: readonly NoiseSpec[];
  readonly schedules: readonly ScheduleSpec[];
  readonly params: readonly ParamSpec[];
}

/** Every term of the model on one batch, without any update. */
export function buildEvalGraph(model: TrainableModel): EvalGraph {
  const g = new Graph();
  const b = new Builder(g, 'eval');
  const terms = model.terms(b, batchInputs(g, model));
  return {
    outputs: { ...terms },
    noises: [...b.noises.values()].map((n) => n.spec),
    schedules: [...b.schedules.values()].map((s) => s.spec),
    params: b.paramValues().map((p) => p.spec),
  };
}

export interface CompiledPhase {
  readonly graph: StepGraph;
  readonly program: Program;
}

export interface CompiledTraining {
  readonly phases: readonly CompiledPhase[];
  readonly eval: Program;
  readonly evalGraph: EvalGraph;
  readonly params: readonly ParamSpec[];
  /** Noise inputs of all phases (drawn once per batch, shared by the phases). */
  readonly noises: readonly NoiseSpec[];
  readonly schedules: readonly ScheduleSpec[];
  /** Everything the state store holds: parameters first, then optimizer state. */
  readonly stateSpecs: readonly BufferSpec[];
}

function uniqueByName<T extends { name: string }>(xs: readonly T[]): T[] {
  return [...new Map(xs.map((x) => [x.name, x])).values()];
}

export async function compileTraining(model: TrainableModel, optimizer: OptimizerConfig, runtime: RuntimeOptions): Promise<CompiledTraining> {
  const graphs = phasesOf(model).map((p) => buildStepGraph(model, optimizer, p));
  const evalGraph = buildEvalGraph(model);
  const [evalProgram, ...programs] = await Promise.all([
    Program.compile(`${model.family}.eval`, evalGraph.outputs, runtime),
    ...graphs.map((sg) => Program.compile(`${model.family}.${sg.phase.name}`, sg.outputs, runtime)),
  ]);
  const params = evalGraph.params.length >= graphs[0]!.params.length ? evalGraph.params : graphs[0]!.params;
  return {
    phases: graphs.map((graph, i) => ({ graph, program: programs[i]! })),
    eval: evalProgram!,
    evalGraph,
    params,
    noises: uniqueByName(graphs.flatMap((sg) => sg.noises)),
    schedules: uniqueByName([...graphs.flatMap((sg) => sg.schedules), ...evalGraph.schedules]),
    stateSpecs: [...params.map((p) => ({ name: p.name, shape: p.shape })), ...graphs.flatMap((sg) => sg.optimizerState)],
  };
}
