/**
 * The model-building context. A model's graph functions receive a `Builder`: it declares
 * parameters (graph inputs with a static shape and an initialiser), per-batch noise inputs
 * (filled by the trainer from the seeded Rng) and data inputs. The same model built into
 * several graphs (train step, eval, encode, decode) names its parameters identically, so
 * all compiled programs share one set of parameter buffers.
 */
import type { Graph, Value } from '../graph/graph.js';
import { ShapeError, formatShape, sameShape } from '../graph/shape.js';
import type { Initializer } from './init.js';
import type { Rng } from './rng.js';

export interface ParamSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly init: Initializer;
  /** Parameters in the same group share an optimizer (adversarial AEs have several). */
  readonly group: string;
}

export type NoiseKind = 'normal' | 'uniform' | 'custom';

/**
 * Fills `out` (count × prod(shape) values, row-major) for one batch; `labels` are the
 * batch's class ids when the data has labels (e.g. to draw a class's prior component).
 */
export type NoiseSampler = (rng: Rng, out: Float32Array, count: number, labels: Int32Array | null) => void;

export interface NoiseSpec {
  readonly name: string;
  /** Shape of one sample's noise; the graph input is [B, ...shape]. */
  readonly shape: readonly number[];
  readonly kind: NoiseKind;
  /** The sampler of a 'custom' noise. */
  readonly sample?: NoiseSampler;
}

/**
 * A non-trained state tensor of the model (e.g. batch norm's running statistics): a graph
 * input like a parameter, but never differentiated or given to an optimizer. A training graph
 * may emit its next value (`Builder.updateState`), which the state store feeds back as the
 * next step's input, exactly like optimizer state, so checkpoints and resume carry it.
 */
export interface StateSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly init: Initializer;
  /** The parameter group of the scope that declared it: the phase training that group updates it. */
  readonly group: string;
}

/** Where training is when a scheduled scalar is evaluated. */
export interface ScheduleAt {
  /** Global step, 0-based. */
  readonly step: number;
  /** 1-based epoch being trained. */
  readonly epoch: number;
  readonly stepsPerEpoch: number;
  readonly totalSteps: number;
}

/** A scalar graph input set by the trainer before every step, e.g. a KL warm-up weight. */
export interface ScheduleSpec {
  readonly name: string;
  readonly value: (at: ScheduleAt) => number;
}

/** Fills one batch of a noise input: N(0,1), U[0,1) or the spec's own sampler. */
export function fillNoise(spec: NoiseSpec, rng: Rng, out: Float32Array, count: number, labels: Int32Array | null): void {
  if (spec.kind === 'normal') rng.fillNormal(out);
  else if (spec.kind === 'uniform') rng.fillUniform(out);
  else spec.sample!(rng, out, count, labels);
}

/**
 * How one copy of a model inside an unrolled multi-step graph gets its inputs: per-step
 * inputs (noise, scheduled scalars) get `suffix`, and parameters come from `params`
 * (the previous step's updated values) instead of graph inputs.
 */
export interface StepBinding {
  readonly suffix: string;
  readonly params?: ReadonlyMap<string, Value>;
  /** Model state (see `StateSpec`) from the previous step's updates, by name. */
  readonly states?: ReadonlyMap<string, Value>;
}

export class Builder {
  readonly params = new Map<string, { spec: ParamSpec; value: Value }>();
  readonly noises = new Map<string, { spec: NoiseSpec; value: Value }>();
  readonly schedules = new Map<string, { spec: ScheduleSpec; value: Value }>();
  /** Model state by name: its value in this graph and, once `updateState` was called, its next value. */
  readonly states = new Map<string, { spec: StateSpec; value: Value; next?: Value }>();
  private readonly binding: StepBinding;

  constructor(
    readonly graph: Graph,
    /** 'train' or 'eval'; eval graphs may still draw noise (a VAE's sampling, a DAE's corruption metrics). */
    readonly mode: 'train' | 'eval',
    private readonly prefix = '',
    private readonly groupName = 'main',
    private readonly root?: Builder,
    binding?: StepBinding,
  ) {
    this.binding = root?.binding ?? binding ?? { suffix: '' };
  }

  /** A top-level builder for one step of an unrolled multi-step graph. */
  static forStep(graph: Graph, binding: StepBinding): Builder {
    return new Builder(graph, 'train', '', 'main', undefined, binding);
  }

  private get top(): Builder {
    return this.root ?? this;
  }

  /** A child builder whose names get `prefix.` and whose params join `group` (default: same). */
  scope(prefix: string, group?: string): Builder {
    return new Builder(this.graph, this.mode, this.name(prefix), group ?? this.groupName, this.top);
  }

  private name(local: string): string {
    return this.prefix ? `${this.prefix}.${local}` : local;
  }

  /** This scope's dotted name ('' at the top), for messages naming a layer. */
  get path(): string {
    return this.prefix;
  }

  /** Declares (or re-uses, for weight sharing) the parameter `name` of a static shape. */
  param(local: string, shape: readonly number[], init: Initializer): Value {
    const name = this.name(local);
    if (this.top.states.has(name)) throw new ShapeError(`param ${name}: a model state has this name`);
    const existing = this.top.params.get(name);
    if (existing) {
      if (!sameShape(existing.spec.shape, shape)) throw new ShapeError(`param ${name}: re-declared as ${formatShape(shape)}, was ${formatShape(existing.spec.shape)}`);
      return existing.value;
    }
    const bound = this.binding.params?.get(name);
    if (bound && !sameShape(bound.shape, shape)) throw new ShapeError(`param ${name}: bound to ${formatShape(bound.shape)}, declared ${formatShape(shape)}`);
    const value = bound ?? this.graph.input(name, shape);
    this.top.params.set(name, { spec: { name, shape: [...shape], init, group: this.groupName }, value });
    return value;
  }

  /**
   * Declares (or re-uses) the model state `name` of a static shape (see `StateSpec`); its
   * value is a graph input, or the previous step's update inside an unrolled chain.
   */
  state(local: string, shape: readonly number[], init: Initializer): Value {
    const name = this.name(local);
    if (this.top.params.has(name)) throw new ShapeError(`state ${name}: a parameter has this name`);
    const existing = this.top.states.get(name);
    if (existing) {
      if (!sameShape(existing.spec.shape, shape)) throw new ShapeError(`state ${name}: re-declared as ${formatShape(shape)}, was ${formatShape(existing.spec.shape)}`);
      return existing.value;
    }
    const bound = this.binding.states?.get(name);
    if (bound && !sameShape(bound.shape, shape)) throw new ShapeError(`state ${name}: bound to ${formatShape(bound.shape)}, declared ${formatShape(shape)}`);
    const value = bound ?? this.graph.input(name, shape);
    this.top.states.set(name, { spec: { name, shape: [...shape], init, group: this.groupName }, value });
    return value;
  }

  /** Records the value state `local` takes after this step (training graphs only; once per state). */
  updateState(local: string, next: Value): void {
    const name = this.name(local);
    const s = this.top.states.get(name);
    if (!s) throw new ShapeError(`state ${name}: updated before it was declared`);
    if (s.next) throw new ShapeError(`state ${name}: updated twice in one step`);
    if (!sameShape(next.shape, s.spec.shape)) throw new ShapeError(`state ${name}: update ${formatShape(next.shape)} must be ${formatShape(s.spec.shape)}`);
    s.next = next;
  }

  /** A per-batch noise input of shape [B, ...shape], drawn fresh for every step. */
  noise(local: string, shape: readonly number[], kind: NoiseKind | NoiseSampler = 'normal'): Value {
    const name = `noise.${this.name(local)}${this.binding.suffix}`;
    const existing = this.top.noises.get(name);
    if (existing) return existing.value;
    const value = this.graph.input(name, ['B', ...shape]);
    const spec: NoiseSpec = typeof kind === 'function' ? { name, shape: [...shape], kind: 'custom', sample: kind } : { name, shape: [...shape], kind };
    this.top.noises.set(name, { spec, value });
    return value;
  }

  /**
   * A scalar input named `sched.<name>` whose value the trainer computes each step from
   * `value(at)`. In eval graphs it is fed `value` at the end of training.
   */
  scheduled(local: string, value: (at: ScheduleAt) => number): Value {
    const name = `sched.${this.name(local)}${this.binding.suffix}`;
    const existing = this.top.schedules.get(name);
    if (existing) return existing.value;
    const v = this.graph.input(name, []);
    this.top.schedules.set(name, { spec: { name, value }, value: v });
    return v;
  }

  /** Parameter values in declaration order, optionally of one group. */
  paramValues(group?: string): { spec: ParamSpec; value: Value }[] {
    return [...this.top.params.values()].filter((p) => group === undefined || p.spec.group === group);
  }
}
