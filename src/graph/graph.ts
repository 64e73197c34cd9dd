/**
 * The symbolic IR: a `Graph` of `Node`s over `Value`s.
 *
 * A `Value` is a symbolic tensor (shape with possibly symbolic dims, dtype). It is produced
 * by exactly one of: a graph input, a constant, or a node. Nodes are ONNX operators with
 * attributes. Nodes are appended in creation order, which is always a topological order,
 * because an op can only consume values that already exist. Nothing here knows about
 * training: autodiff and optimizers only append more nodes.
 */
import { type DType, type Shape, ShapeError, formatShape, numel } from './shape.js';

/** An ONNX attribute, tagged with its ONNX type. */
export type Attr =
  | { readonly type: 'int'; readonly value: number }
  | { readonly type: 'float'; readonly value: number }
  | { readonly type: 'ints'; readonly value: readonly number[] }
  | { readonly type: 'floats'; readonly value: readonly number[] }
  | { readonly type: 'string'; readonly value: string };
export type Attrs = Readonly<Record<string, Attr>>;

export const attr = {
  int: (value: number): Attr => ({ type: 'int', value }),
  float: (value: number): Attr => ({ type: 'float', value }),
  ints: (value: readonly number[]): Attr => ({ type: 'ints', value }),
  floats: (value: readonly number[]): Attr => ({ type: 'floats', value }),
  string: (value: string): Attr => ({ type: 'string', value }),
};

/** Constant payload: float32 data, int64 data (as numbers), or bools. */
export type ConstData = Float32Array | readonly number[];

export class Node {
  constructor(
    readonly id: number,
    readonly op: string,
    readonly inputs: readonly Value[],
    readonly attrs: Attrs,
    readonly outputs: readonly Value[],
    readonly domain: string = '',
  ) {}

  /** Reads an int attribute, or `fallback` when absent. */
  intAttr(name: string, fallback: number): number {
    const a = this.attrs[name];
    return a && (a.type === 'int' || a.type === 'float') ? a.value : fallback;
  }

  floatAttr(name: string, fallback: number): number {
    return this.intAttr(name, fallback);
  }

  intsAttr(name: string): readonly number[] | undefined {
    const a = this.attrs[name];
    return a && a.type === 'ints' ? a.value : undefined;
  }
}

export type ValueSource =
  | { readonly kind: 'input'; readonly name: string }
  | { readonly kind: 'const'; readonly data: ConstData }
  | { readonly kind: 'node'; readonly node: Node; readonly index: number };

export class Value {
  constructor(
    readonly graph: Graph,
    readonly id: number,
    readonly shape: Shape,
    readonly dtype: DType,
    readonly source: ValueSource,
  ) {}

  get rank(): number {
    return this.shape.length;
  }

  /** The producing node, or null for inputs and constants. */
  get producer(): Node | null {
    return this.source.kind === 'node' ? this.source.node : null;
  }

  /** Integer payload of an int64 constant (e.g. axes), or throws. */
  constInts(): readonly number[] {
    if (this.source.kind !== 'const' || this.source.data instanceof Float32Array) {
      throw new ShapeError(`value ${this.id} is not an int64 constant`);
    }
    return this.source.data;
  }

  /** Scalar payload of a float constant, or undefined if this is not one. */
  constScalar(): number | undefined {
    if (this.source.kind === 'const' && this.source.data instanceof Float32Array && this.source.data.length === 1) {
      return this.source.data[0];
    }
    return undefined;
  }

  toString(): string {
    const what = this.source.kind === 'input' ? `input ${this.source.name}` : this.source.kind === 'node' ? this.source.node.op : 'const';
    return `${what}${formatShape(this.shape)}:${this.dtype}`;
  }
}

/** The shape and dtype a node declares for one of its outputs. */
export interface OutputSpec {
  readonly shape: Shape;
  readonly dtype: DType;
}

export class Graph {
  private readonly valueList: Value[] = [];
  private readonly nodeList: Node[] = [];
  private readonly inputsByName = new Map<string, Value>();
  private readonly scalarCache = new Map<number, Value>();

  get nodes(): readonly Node[] {
    return this.nodeList;
  }

  get inputs(): readonly Value[] {
    return [...this.inputsByName.values()];
  }

  /** Declares a named graph input. Names are unique within a graph. */
  input(name: string, shape: Shape, dtype: DType = 'float32'): Value {
    if (this.inputsByName.has(name)) throw new ShapeError(`graph input "${name}" declared twice`);
    const v = this.newValue(shape, dtype, { kind: 'input', name });
    this.inputsByName.set(name, v);
    return v;
  }

  /** The input called `name`, if declared. */
  findInput(name: string): Value | undefined {
    return this.inputsByName.get(name);
  }

  /** A float32 constant tensor with a static shape. */
  constant(data: Float32Array, shape: readonly number[]): Value {
    if (data.length !== numel(shape)) throw new ShapeError(`constant: ${data.length} values for shape ${formatShape(shape)}`);
    return this.newValue(shape, 'float32', { kind: 'const', data });
  }

  /** A float32 scalar constant (shape []), shared per value within this graph. */
  scalar(x: number): Value {
    let v = this.scalarCache.get(x);
    if (!v) {
      v = this.constant(Float32Array.of(x), []);
      this.scalarCache.set(x, v);
    }
    return v;
  }

  /** A 1-D int64 constant, e.g. axes or a target shape. */
  ints(values: readonly number[]): Value {
    return this.newValue([values.length], 'int64', { kind: 'const', data: [...values] });
  }

  /** Appends a node and returns its outputs. Op builders in `ops.ts` are the only callers. */
  addNode(op: string, inputs: readonly Value[], attrs: Attrs, outputs: readonly OutputSpec[], domain = ''): Value[] {
    for (const v of inputs) {
      if (v.graph !== this) throw new ShapeError(`${op}: input ${v} belongs to another graph`);
    }
    const values: Value[] = [];
    const node = new Node(this.nodeList.length, op, inputs, attrs, values, domain);
    outputs.forEach((o, index) => values.push(this.newValue(o.shape, o.dtype, { kind: 'node', node, index })));
    this.nodeList.push(node);
    return values;
  }

  private newValue(shape: Shape, dtype: DType, source: ValueSource): Value {
    for (const d of shape) {
      if (typeof d === 'number' && (!Number.isInteger(d) || d < 0)) throw new ShapeError(`invalid dimension ${d} in ${formatShape(shape)}`);
    }
    const v = new Value(this, this.valueList.length, [...shape], dtype, source);
    this.valueList.push(v);
    return v;
  }
}
