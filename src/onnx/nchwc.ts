/**
 * Emission-time rewrite of a Conv into ONNX Runtime's blocked-layout ("NCHWc") kernels, the
 * contrib ops of domain `com.microsoft.nchwc` in the CPU build: ReorderInput → nchwc Conv →
 * ReorderOutput. ORT's own NCHWc graph transformer does this only for Convs whose weights are
 * constant initializers (it reorders them once, offline); a training graph feeds its weights as
 * inputs, so its Convs stay on the im2col + GEMM path. Here the weight is reordered inside the
 * graph instead (a Reshape and a Transpose of a small tensor, every run), which lets trained
 * Convs use the blocked kernels: the conv VAE's stride-2 convs and input gradients took 11–29%
 * less CPU time, reorders included (bench/nchwc-conv.mjs).
 *
 * Layouts, with block size B (MLAS: 8 with AVX2, 16 with AVX-512; C and O multiples of B):
 *   activations  NCHW → NCHWc: [N, C/B, H, W, B] (ReorderInput / ReorderOutput)
 *   weights      OIHW → OIHWBiBo: w′[O/B][C/B][KH][KW][Bi][Bo] = w[ob·B + bo][cb·B + bi][kh][kw]
 *                (Reshape [O/B, B, C/B, B, KH, KW], Transpose perm [0, 2, 4, 5, 3, 1])
 * The block size is the CPU's, found by `nchwcBlockSize` (a probe session); back ends without the
 * domain (onnxruntime-web) get 0 and every Conv is emitted as is.
 */
import type { onnx as OnnxNs } from 'onnx-proto';
import type { Node } from '../graph/graph.js';

export const NCHWC_DOMAIN = 'com.microsoft.nchwc';

export interface RewrittenNodes {
  readonly nodes: OnnxNs.INodeProto[];
  readonly initializers: OnnxNs.ITensorProto[];
}

const ints = (name: string, value: readonly number[]): OnnxNs.IAttributeProto => ({ name, type: 7, ints: [...value] });
const int = (name: string, value: number): OnnxNs.IAttributeProto => ({ name, type: 2, i: value });

/** Whether Conv node `n` runs on the blocked kernels with block `block`: group 1, dilation 1, 2-D, static C and O multiples of the block. */
export function convFitsNchwc(n: Node, block: number): boolean {
  if (block < 8 || n.op !== 'Conv' || n.domain !== '' || n.attrs.auto_pad) return false;
  const group = n.attrs.group?.type === 'int' ? n.attrs.group.value : 1;
  const kernel = n.attrs.kernel_shape;
  const dil = n.attrs.dilations;
  const [o, c] = [n.inputs[1]!.shape[0], n.inputs[0]!.shape[1]];
  if (group !== 1 || kernel?.type !== 'ints' || kernel.value.length !== 2 || (dil?.type === 'ints' && dil.value.some((d) => d !== 1))) return false;
  return typeof o === 'number' && typeof c === 'number' && o % block === 0 && c % block === 0;
}

/**
 * Conv node `n` (inputs named `inputs`: x, W[, b]) on the blocked kernels, writing `output`, or
 * null when `convFitsNchwc(n, block)` is false. Names start with `nc<id>_`.
 */
export function convAsNchwc(n: Node, inputs: readonly string[], output: string, block: number): RewrittenNodes | null {
  if (!convFitsNchwc(n, block)) return null;
  const [o, c] = [n.inputs[1]!.shape[0] as number, n.inputs[0]!.shape[1] as number];
  const kernel = (n.attrs.kernel_shape as { value: readonly number[] }).value;
  const strides = n.attrs.strides?.type === 'ints' ? n.attrs.strides.value : [1, 1];
  const pads = n.attrs.pads?.type === 'ints' ? n.attrs.pads.value : [0, 0, 0, 0];
  const t = (what: string): string => `nc${n.id}_${what}`;
  const [x, w, b] = inputs;
  const initializers: OnnxNs.ITensorProto[] = [
    { name: t('split'), dims: [6], dataType: 7, int64Data: [o / block, block, c / block, block, kernel[0]!, kernel[1]!] },
    { name: t('oihw'), dims: [4], dataType: 7, int64Data: [o, c, kernel[0]!, kernel[1]!] },
  ];
  const nodes: OnnxNs.INodeProto[] = [
    { opType: 'Reshape', name: t('w6'), input: [w!, t('split')], output: [t('w6')] },
    { opType: 'Transpose', name: t('wt'), input: [t('w6')], output: [t('wt')], attribute: [ints('perm', [0, 2, 4, 5, 3, 1])] },
    { opType: 'Reshape', name: t('wb'), input: [t('wt'), t('oihw')], output: [t('wb')] },
    { opType: 'ReorderInput', domain: NCHWC_DOMAIN, name: t('xb'), input: [x!], output: [t('xb')] },
    {
      opType: 'Conv',
      domain: NCHWC_DOMAIN,
      name: t('conv'),
      input: [t('xb'), t('wb'), ...(b ? [b] : [])],
      output: [t('yb')],
      attribute: [ints('kernel_shape', kernel), ints('strides', strides), ints('pads', pads), ints('dilations', [1, 1]), int('group', 1)],
    },
    { opType: 'ReorderOutput', domain: NCHWC_DOMAIN, name: t('y'), input: [t('yb')], output: [output], attribute: [int('channels', o)] },
  ];
  return { nodes, initializers };
}

/**
 * A model that reveals the block size: ReorderInput of x [1, 4, 1, 1] pads the channels up to
 * one block, so its output y is [1, B, 1, 1] (4 channels is the least ReorderInput accepts).
 */
export function nchwcProbeModel(onnx: typeof OnnxNs): Uint8Array {
  const dims = (d: readonly number[]): OnnxNs.ITensorShapeProto => ({ dim: d.map((v) => ({ dimValue: v })) });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'latentkit',
    opsetImport: [{ domain: '', version: 18 }, { domain: NCHWC_DOMAIN, version: 1 }],
    graph: {
      name: 'nchwc-probe',
      node: [{ opType: 'ReorderInput', domain: NCHWC_DOMAIN, name: 'probe', input: ['x'], output: ['y'] }],
      input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: dims([1, 4, 1, 1]) } } }],
      output: [{ name: 'y', type: { tensorType: { elemType: 1 } } }],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}
