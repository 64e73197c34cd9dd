/**
 * Emission-time rewrite of a stride-1 Conv with fewer output than input channels into the
 * equal ConvTranspose. ONNX Runtime's CPU Conv expands the input (im2col: C·KH·KW values per
 * output pixel) before its GEMM; its ConvTranspose runs the GEMM on the input as is and then
 * scatters O·KH·KW columns per pixel (col2im). With O < C the second moves far less memory:
 * the conv VAE's 32 → 1 output layer (3×3, 28×28, batch 128) expands 288 values per pixel as a
 * Conv and 9 as a ConvTranspose: 10.1 → 3.0 ms of CPU per call (bench/conv-as-transposed-speed.mjs).
 *
 * For stride 1, dilation 1, group 1 and pads p ≤ K − 1 per side (per axis; ONNX semantics):
 *   Conv(x, W, b; pads p)[o] = b + Σ_k x[o − p + k]·W[k]
 *                            = ConvTranspose(x, W′, b; pads K − 1 − p)[o],  W′[c, o, k] = W[o, c, K − 1 − k]
 * (ConvTranspose: y[o] = b + Σ_{i,k: i + k − (K − 1 − p) = o} x[i]·W′[k]; substitute k → K − 1 − k.)
 * The output size is the same: (H − 1) + K − 2(K − 1) + pb + pe = H + pb + pe − K + 1.
 * W′ is built in the graph (Transpose, then a Gather of the reversed taps on each spatial axis),
 * so trained weights stay graph inputs. The summation order differs from the Conv's, so results
 * agree to float rounding, not bit for bit.
 */
import type { onnx as OnnxNs } from 'onnx-proto';
import type { Node } from '../graph/graph.js';

export interface RewrittenNodes {
  readonly nodes: OnnxNs.INodeProto[];
  readonly initializers: OnnxNs.ITensorProto[];
}

const ints = (name: string, value: readonly number[]): OnnxNs.IAttributeProto => ({ name, type: 7, ints: [...value] });
const int = (name: string, value: number): OnnxNs.IAttributeProto => ({ name, type: 2, i: value });

/** Whether Conv node `n` is rewritten: stride 1, dilation 1, group 1, pads within the kernel, static O < C. */
export function convRunsFasterTransposed(n: Node): boolean {
  if (n.op !== 'Conv' || n.domain !== '') return false;
  const w = n.inputs[1]!;
  const x = n.inputs[0]!;
  const intsOf = (name: string): readonly number[] | undefined => {
    const a = n.attrs[name];
    return a?.type === 'ints' ? a.value : undefined;
  };
  const group = n.attrs.group?.type === 'int' ? n.attrs.group.value : 1;
  const kernel = intsOf('kernel_shape');
  const pads = intsOf('pads') ?? [0, 0, 0, 0];
  const [o, c] = [w.shape[0], x.shape[1]];
  if (group !== 1 || n.attrs.auto_pad || !kernel || kernel.length !== 2 || typeof o !== 'number' || typeof c !== 'number' || o >= c) return false;
  if ((intsOf('strides') ?? [1, 1]).some((s) => s !== 1) || (intsOf('dilations') ?? [1, 1]).some((d) => d !== 1)) return false;
  return pads.every((p, i) => p >= 0 && p <= kernel[i % 2]! - 1);
}

/**
 * The ConvTranspose equal to Conv node `n` (inputs named `inputs`: x, W[, b]) writing `output`,
 * or null when `convRunsFasterTransposed(n)` is false. Names start with `cvt<id>_`.
 */
export function convAsTransposed(n: Node, inputs: readonly string[], output: string): RewrittenNodes | null {
  if (!convRunsFasterTransposed(n)) return null;
  const kernel = (n.attrs.kernel_shape as { value: readonly number[] }).value;
  const padsAttr = n.attrs.pads;
  const pads = padsAttr?.type === 'ints' ? padsAttr.value : [0, 0, 0, 0];
  const [kh, kw] = [kernel[0]!, kernel[1]!];
  const t = (what: string): string => `cvt${n.id}_${what}`;
  const reversed = (k: number): number[] => Array.from({ length: k }, (_, i) => k - 1 - i);
  const [x, w, b] = inputs;
  const initializers: OnnxNs.ITensorProto[] = [
    { name: t('rows'), dims: [kh], dataType: 7, int64Data: reversed(kh) },
    { name: t('cols'), dims: [kw], dataType: 7, int64Data: reversed(kw) },
  ];
  const nodes: OnnxNs.INodeProto[] = [
    { opType: 'Transpose', name: t('wt'), input: [w!], output: [t('wt')], attribute: [ints('perm', [1, 0, 2, 3])] },
    { opType: 'Gather', name: t('wr'), input: [t('wt'), t('rows')], output: [t('wr')], attribute: [int('axis', 2)] },
    { opType: 'Gather', name: t('wf'), input: [t('wr'), t('cols')], output: [t('wf')], attribute: [int('axis', 3)] },
    {
      opType: 'ConvTranspose',
      name: t('convT'),
      input: [x!, t('wf'), ...(b ? [b] : [])],
      output: [output],
      attribute: [
        ints('kernel_shape', [kh, kw]),
        ints('strides', [1, 1]),
        ints('dilations', [1, 1]),
        ints('pads', [kh - 1 - pads[0]!, kw - 1 - pads[1]!, kh - 1 - pads[2]!, kw - 1 - pads[3]!]),
        int('group', 1),
      ],
    },
  ];
  return { nodes, initializers };
}
