/**
 * Graph → ONNX ModelProto bytes (via onnx-proto), at one pinned opset.
 *
 * Only the nodes needed for the requested outputs are emitted. Graph inputs stay inputs
 * unless `bake` gives them a value, in which case they become initializers (this is how
 * inference exports carry their weights). Constants become initializers.
 */
import onnxProto, { type onnx as OnnxNs } from 'onnx-proto';
import type { Value } from '../graph/graph.js';
import { type DType, type Shape, ShapeError } from '../graph/shape.js';
import { convAsTransposed } from './conv-as-transposed.js';
import { convAsNchwc, NCHWC_DOMAIN, nchwcProbeModel } from './nchwc.js';

/** onnx-proto is CommonJS: its `module.exports` arrives as the default import (Node ESM, Vite, esbuild alike). */
const { onnx } = onnxProto as unknown as { onnx: typeof OnnxNs };

/** The ONNX operator set every latentkit graph targets (ONNX 1.13, IR version 8). */
export const OPSET = 18;
export const IR_VERSION = 8;

const ELEM_TYPE: Record<DType, number> = { float32: 1, int64: 7, bool: 9 };

export interface EmitOptions {
  /** Model graph name. */
  readonly name?: string;
  /** Inputs to turn into initializers: name → float32 data (shape from the input's declared shape). */
  readonly bake?: ReadonlyMap<string, Float32Array>;
  /** Free-form metadata written into the model (e.g. latentkit version, model family). */
  readonly metadata?: Readonly<Record<string, string>>;
  /** Symbolic dims to fix in the declared I/O shapes, e.g. { B: 128 } for a static batch. */
  readonly bindDims?: Readonly<Record<string, number>>;
  /**
   * Emit stride-1 Convs with fewer output than input channels as the equal ConvTranspose
   * (see conv-as-transposed.ts), which ONNX Runtime's CPU kernels run faster. Default false, so
   * exported models keep the graph's own ops; the training compiler turns it on.
   */
  readonly convAsTransposed?: boolean;
  /**
   * Block size of ONNX Runtime's NCHWc kernels on this CPU (see nchwc.ts and `nchwcProbeBytes`);
   * when ≥ 8, Convs whose channel counts are multiples of it run on those kernels. Default 0: off.
   */
  readonly nchwcBlock?: number;
}

function valueInfo(name: string, shape: Shape, dtype: DType, bind: Readonly<Record<string, number>> = {}): OnnxNs.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: ELEM_TYPE[dtype],
        shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : bind[d] !== undefined ? { dimValue: bind[d] } : { dimParam: d })) },
      },
    },
  };
}

function floatTensor(name: string, data: Float32Array, dims: readonly number[]): OnnxNs.ITensorProto {
  return { name, dims: [...dims], dataType: 1, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/** Values needed to compute `outputs`, in topological (creation) order. */
function reachable(outputs: readonly Value[]): Value[] {
  const seen = new Map<number, Value>();
  const stack = [...outputs];
  while (stack.length) {
    const v = stack.pop()!;
    if (seen.has(v.id)) continue;
    seen.set(v.id, v);
    const p = v.producer;
    if (p) for (const x of [...p.inputs, ...p.outputs]) if (!seen.has(x.id)) stack.push(x);
  }
  return [...seen.values()].sort((a, b) => a.id - b.id);
}

/** Names of the graph inputs `outputs` depend on: the inputs of the emitted model, before baking (a declared input nothing reads is not one). */
export function inputsUsedBy(outputs: Readonly<Record<string, Value>>): string[] {
  return reachable(Object.values(outputs)).flatMap((v) => (v.source.kind === 'input' ? [v.source.name] : []));
}

/** Serialises the sub-graph computing `outputs` (name → value) to ONNX bytes. */
export function emitModel(outputs: Readonly<Record<string, Value>>, opts: EmitOptions = {}): Uint8Array {
  const outEntries = Object.entries(outputs);
  if (outEntries.length === 0) throw new ShapeError('emitModel: no outputs');
  const values = reachable(outEntries.map(([, v]) => v));
  const names = new Map<number, string>();
  const nodes: OnnxNs.INodeProto[] = [];
  const inputs: OnnxNs.IValueInfoProto[] = [];
  const initializers: OnnxNs.ITensorProto[] = [];

  // A node output that is returned exactly once takes the output's name directly.
  const claimed = new Set<number>();
  for (const [name, v] of outEntries) {
    if (v.source.kind === 'node' && !claimed.has(v.id)) {
      claimed.add(v.id);
      names.set(v.id, name);
    }
  }
  for (const v of values) {
    if (names.has(v.id)) continue;
    names.set(v.id, v.source.kind === 'input' ? v.source.name : `${v.source.kind === 'const' ? 'c' : 'v'}${v.id}`);
  }

  // Softplus is lowered to relu(x) + log(1 + exp(−|x|)): the same stable function, but five
  // vectorised kernels run ~2× faster than ONNX Runtime's scalar Softplus kernel.
  let needOne = false;
  let usesNchwc = false;
  const lowerSoftplus = (x: string, y: string, id: number): void => {
    needOne = true;
    const t = (s: string): string => `sp${id}_${s}`;
    nodes.push({ opType: 'Abs', name: t('abs'), input: [x], output: [t('abs')] });
    nodes.push({ opType: 'Neg', name: t('neg'), input: [t('abs')], output: [t('neg')] });
    nodes.push({ opType: 'Exp', name: t('exp'), input: [t('neg')], output: [t('exp')] });
    nodes.push({ opType: 'Add', name: t('add1'), input: [t('exp'), 'latentkit_one'], output: [t('add1')] });
    nodes.push({ opType: 'Log', name: t('log'), input: [t('add1')], output: [t('log')] });
    nodes.push({ opType: 'Relu', name: t('relu'), input: [x], output: [t('relu')] });
    nodes.push({ opType: 'Add', name: t('sum'), input: [t('relu'), t('log')], output: [y] });
  };

  const emittedNodes = new Set<number>();
  for (const v of values) {
    const src = v.source;
    if (src.kind === 'input') {
      const baked = opts.bake?.get(src.name);
      if (baked) initializers.push(floatTensor(src.name, baked, v.shape as number[]));
      else inputs.push(valueInfo(src.name, v.shape, v.dtype, opts.bindDims));
    } else if (src.kind === 'const') {
      const data = src.data;
      if (data instanceof Float32Array) initializers.push(floatTensor(names.get(v.id)!, data, v.shape as number[]));
      else initializers.push({ name: names.get(v.id)!, dims: [...(v.shape as number[])], dataType: 7, int64Data: [...data] });
    } else if (!emittedNodes.has(src.node.id)) {
      const n = src.node;
      emittedNodes.add(n.id);
      if (n.op === 'Softplus' && n.domain === '') {
        lowerSoftplus(names.get(n.inputs[0]!.id)!, names.get(n.outputs[0]!.id) ?? `v${n.outputs[0]!.id}`, n.id);
        continue;
      }
      if (n.op === 'Conv') {
        const ins = n.inputs.map((x) => names.get(x.id)!);
        const out = names.get(n.outputs[0]!.id) ?? `v${n.outputs[0]!.id}`;
        const rewritten = (opts.convAsTransposed ? convAsTransposed(n, ins, out) : null) ?? convAsNchwc(n, ins, out, opts.nchwcBlock ?? 0);
        if (rewritten) {
          nodes.push(...rewritten.nodes);
          initializers.push(...rewritten.initializers);
          if (rewritten.nodes.some((r) => r.domain === NCHWC_DOMAIN)) usesNchwc = true;
          continue;
        }
      }
      nodes.push({
        opType: n.op,
        domain: n.domain,
        name: `n${n.id}_${n.op}`,
        input: n.inputs.map((x) => names.get(x.id)!),
        output: n.outputs.map((x) => names.get(x.id) ?? `v${x.id}`),
        attribute: Object.entries(n.attrs).map(([name, a]) => {
          switch (a.type) {
            case 'int': return { name, type: onnx.AttributeProto.AttributeType.INT, i: a.value };
            case 'float': return { name, type: onnx.AttributeProto.AttributeType.FLOAT, f: a.value };
            case 'ints': return { name, type: onnx.AttributeProto.AttributeType.INTS, ints: [...a.value] };
            case 'floats': return { name, type: onnx.AttributeProto.AttributeType.FLOATS, floats: [...a.value] };
            case 'string': return { name, type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(a.value) };
          }
        }),
      });
    }
  }

  if (needOne) initializers.push(floatTensor('latentkit_one', Float32Array.of(1), []));

  // Outputs that are inputs, constants or repeated values get an Identity of their own.
  const graphOutputs: OnnxNs.IValueInfoProto[] = [];
  for (const [name, v] of outEntries) {
    if (names.get(v.id) !== name) nodes.push({ opType: 'Identity', name: `out_${name}`, input: [names.get(v.id)!], output: [name] });
    graphOutputs.push(valueInfo(name, v.shape, v.dtype, opts.bindDims));
  }

  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    producerName: 'latentkit',
    opsetImport: [{ domain: '', version: OPSET }, ...(usesNchwc ? [{ domain: NCHWC_DOMAIN, version: 1 }] : [])],
    graph: { name: opts.name ?? 'latentkit', node: nodes, input: inputs, output: graphOutputs, initializer: initializers },
    metadataProps: Object.entries(opts.metadata ?? {}).map(([key, value]) => ({ key, value })),
  });
  return onnx.ModelProto.encode(model).finish();
}

/** The NCHWc block-size probe (nchwc.ts): run it, and output `y`'s dims[1] is the block size. */
export function nchwcProbeBytes(): Uint8Array {
  return nchwcProbeModel(onnx);
}
