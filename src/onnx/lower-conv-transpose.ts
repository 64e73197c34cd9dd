/**
 * Emission-time lowering of a strided ConvTranspose into its output phases (sub-pixel
 * decomposition). ONNX Runtime's CPU ConvTranspose runs, per image, a GEMM into a column
 * buffer and then a scalar col2im; a stride-s transposed conv is instead s² stride-1 Convs
 * (MLAS's fast direct/NCHWc kernels) interleaved by a DepthToSpace, with exactly the same
 * multiply-adds. Per axis, with x [.., H], kernel K, stride s, begin pad pb and output size OH
 * (ONNX: y[o] = b + Σ_{i,k: s·i + k − pb = o} x[i]·w[k]):
 *   output phase ρ ∈ [0, s) holds y[s·j + ρ], j ∈ [0, OH/s);
 *   r = (ρ + pb) mod s, c = ⌊(ρ + pb)/s⌋, M = ⌈(K − r)/s⌉ taps k = r + s·m (m < M);
 *   y[s·j + ρ] = Σ_m x[j + c − m]·w[r + s·m]
 *              = Conv(x, w_ρ)[j] with w_ρ[m'] = w[r + s·(M − 1 − m')], pads (M − 1 − c, OH/s − 1 + c − (H − 1)).
 * In 2-D the weight [C, O, KH, KW] is transposed to Conv's [O, C, KH, KW], each phase's taps are
 * gathered on both spatial axes, the s² phase outputs [N, O, OH/s, OW/s] are concatenated
 * (row phase major) on the channel axis, and DepthToSpace (DCR) interleaves them:
 *   y[n, o, s·j + ρh, s·l + ρw] = cat[n, (ρh·s + ρw)·O + o, j, l].
 * Lowered only when the result is exact in shape: group 1, dilation 1, equal strides ≥ 2,
 * static spatial sizes, output sizes divisible by the stride, every phase with ≥ 1 tap and
 * non-negative pads. Otherwise the ConvTranspose is emitted as is (`null`).
 * The summation order of each output differs from ORT's col2im, so results agree to float
 * rounding, not bit for bit.
 */
import type { onnx as OnnxNs } from 'onnx-proto';
import type { Node } from '../graph/graph.js';

/** One spatial axis of a phase: the gathered kernel taps (in Conv order) and the Conv's pads. */
interface AxisPhase {
  readonly taps: number[];
  readonly padBegin: number;
  readonly padEnd: number;
}

/** The s phases of one axis, or null if one has no tap or would need a negative pad. */
function axisPhases(inSize: number, outSize: number, kernel: number, stride: number, padBegin: number): AxisPhase[] | null {
  if (outSize % stride !== 0) return null;
  const perPhase = outSize / stride;
  const phases: AxisPhase[] = [];
  for (let rho = 0; rho < stride; rho++) {
    const r = (rho + padBegin) % stride;
    const c = Math.floor((rho + padBegin) / stride);
    const m = Math.ceil((kernel - r) / stride);
    if (m < 1) return null;
    const taps = Array.from({ length: m }, (_, i) => r + stride * (m - 1 - i));
    const pb = m - 1 - c;
    const pe = perPhase - 1 + c - (inSize - 1);
    if (pb < 0 || pe < 0) return null;
    phases.push({ taps, padBegin: pb, padEnd: pe });
  }
  return phases;
}

export interface LoweredNodes {
  readonly nodes: OnnxNs.INodeProto[];
  readonly initializers: OnnxNs.ITensorProto[];
}

const ints = (name: string, value: readonly number[]): OnnxNs.IAttributeProto => ({ name, type: 7, ints: [...value] });
const int = (name: string, value: number): OnnxNs.IAttributeProto => ({ name, type: 2, i: value });

/**
 * The phase decomposition of ConvTranspose node `n` (inputs named `inputs`: x, w[, b]) writing
 * `output`, or null when it does not apply (see the module comment). Names start with `ct<id>_`.
 */
export function lowerConvTranspose(n: Node, inputs: readonly string[], output: string, mode: 'phases' | 'merged' = 'phases'): LoweredNodes | null {
  if (n.op !== 'ConvTranspose' || n.domain !== '') return null;
  const x = n.inputs[0]!;
  const y = n.outputs[0]!;
  const attrInts = (name: string): readonly number[] | undefined => {
    const a = n.attrs[name];
    return a?.type === 'ints' ? a.value : undefined;
  };
  const group = n.attrs.group?.type === 'int' ? n.attrs.group.value : 1;
  const kernel = attrInts('kernel_shape');
  const strides = attrInts('strides') ?? [1, 1];
  const dilations = attrInts('dilations') ?? [1, 1];
  const pads = attrInts('pads') ?? [0, 0, 0, 0];
  if (group !== 1 || !kernel || kernel.length !== 2 || n.attrs.output_shape || n.attrs.auto_pad) return null;
  if (dilations.some((d) => d !== 1) || strides[0] !== strides[1] || strides[0]! < 2) return null;
  const dims = [x.shape[2], x.shape[3], y.shape[2], y.shape[3]];
  if (!dims.every((d): d is number => typeof d === 'number')) return null;
  const s = strides[0]!;
  const rows = axisPhases(dims[0]!, dims[2]!, kernel[0]!, s, pads[0]!);
  const cols = axisPhases(dims[1]!, dims[3]!, kernel[1]!, s, pads[1]!);
  if (!rows || !cols) return null;

  const t = (what: string): string => `ct${n.id}_${what}`;
  const nodes: OnnxNs.INodeProto[] = [];
  const initializers: OnnxNs.ITensorProto[] = [];
  const [xName, wName, bName] = inputs;
  nodes.push({ opType: 'Transpose', name: t('wt'), input: [wName!], output: [t('wt')], attribute: [ints('perm', [1, 0, 2, 3])] });
  const gathered = new Map<string, string>();
  const taps = (axis: 'h' | 'w', list: readonly number[]): string => {
    const key = `${axis}${list.join('_')}`;
    if (!gathered.has(key)) {
      gathered.set(key, t(`idx_${key}`));
      initializers.push({ name: t(`idx_${key}`), dims: [list.length], dataType: 7, int64Data: [...list] });
    }
    return gathered.get(key)!;
  };
  if (mode === 'merged') {
    // One Conv over a common window: each phase's taps shifted into it, zeros (tap index K, a
    // zero row/column appended to the kernel) elsewhere; s²·O output channels, phase-major.
    const common = (ph: AxisPhase[], k: number): { idx: number[][]; pb: number; pe: number } => {
      const pb = Math.max(...ph.map((p) => p.padBegin));
      const len = Math.max(...ph.map((p) => p.taps.length + pb - p.padBegin));
      const idx = ph.map((p) => Array.from({ length: len }, (_, i) => p.taps[i - (pb - p.padBegin)] ?? k));
      return { idx, pb, pe: ph[0]!.padEnd + (len - ph[0]!.taps.length) - (pb - ph[0]!.padBegin) };
    };
    const ch = common(rows, kernel[0]!);
    const cw = common(cols, kernel[1]!);
    const wShape = [n.inputs[1]!.shape[1], n.inputs[1]!.shape[0]];
    if (!wShape.every((d): d is number => typeof d === 'number')) return null;
    initializers.push({ name: t('zr'), dims: [wShape[0]!, wShape[1]!, 1, kernel[1]!], dataType: 1, rawData: new Uint8Array(4 * wShape[0]! * wShape[1]! * kernel[1]!) });
    initializers.push({ name: t('zc'), dims: [wShape[0]!, wShape[1]!, kernel[0]! + 1, 1], dataType: 1, rawData: new Uint8Array(4 * wShape[0]! * wShape[1]! * (kernel[0]! + 1)) });
    nodes.push({ opType: 'Concat', name: t('wpr'), input: [t('wt'), t('zr')], output: [t('wpr')], attribute: [int('axis', 2)] });
    nodes.push({ opType: 'Concat', name: t('wp'), input: [t('wpr'), t('zc')], output: [t('wp')], attribute: [int('axis', 3)] });
    const phaseW: string[] = [];
    ch.idx.forEach((ih, i) => {
      nodes.push({ opType: 'Gather', name: t(`w${i}`), input: [t('wp'), taps('h', ih)], output: [t(`w${i}`)], attribute: [int('axis', 2)] });
      cw.idx.forEach((iw, j) => {
        nodes.push({ opType: 'Gather', name: t(`w${i}${j}`), input: [t(`w${i}`), taps('w', iw)], output: [t(`w${i}${j}`)], attribute: [int('axis', 3)] });
        phaseW.push(t(`w${i}${j}`));
      });
    });
    nodes.push({ opType: 'Concat', name: t('wall'), input: phaseW, output: [t('wall')], attribute: [int('axis', 0)] });
    let bias: string[] = [];
    if (bName) {
      nodes.push({ opType: 'Concat', name: t('ball'), input: phaseW.map(() => bName), output: [t('ball')], attribute: [int('axis', 0)] });
      bias = [t('ball')];
    }
    nodes.push({
      opType: 'Conv',
      name: t('conv'),
      input: [xName!, t('wall'), ...bias],
      output: [t('cat')],
      attribute: [ints('kernel_shape', [ch.idx[0]!.length, cw.idx[0]!.length]), ints('pads', [ch.pb, cw.pb, ch.pe, cw.pe]), ints('strides', [1, 1]), ints('dilations', [1, 1]), int('group', 1)],
    });
  } else {
    const phaseOutputs: string[] = [];
    rows.forEach((ph, i) => {
      const wRows = t(`w${i}`);
      nodes.push({ opType: 'Gather', name: wRows, input: [t('wt'), taps('h', ph.taps)], output: [wRows], attribute: [int('axis', 2)] });
      cols.forEach((pw, j) => {
        const wPhase = t(`w${i}${j}`);
        nodes.push({ opType: 'Gather', name: wPhase, input: [wRows, taps('w', pw.taps)], output: [wPhase], attribute: [int('axis', 3)] });
        const out = t(`y${i}${j}`);
        nodes.push({
          opType: 'Conv',
          name: out,
          input: [xName!, wPhase, ...(bName ? [bName] : [])],
          output: [out],
          attribute: [ints('kernel_shape', [ph.taps.length, pw.taps.length]), ints('pads', [ph.padBegin, pw.padBegin, ph.padEnd, pw.padEnd]), ints('strides', [1, 1]), ints('dilations', [1, 1]), int('group', 1)],
        });
        phaseOutputs.push(out);
      });
    });
    nodes.push({ opType: 'Concat', name: t('cat'), input: phaseOutputs, output: [t('cat')], attribute: [int('axis', 1)] });
  }
  nodes.push({ opType: 'DepthToSpace', name: t('d2s'), input: [t('cat')], output: [output], attribute: [int('blocksize', s), { name: 'mode', type: 3, s: new TextEncoder().encode('DCR') }] });
  return { nodes, initializers };
}
