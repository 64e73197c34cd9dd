/**
 * The O(n²) part of exact t-SNE as a graph: the n × n sums of the gradient of KL(P ‖ Q) with
 * respect to the embedding Y, so ONNX Runtime (MLAS) does the n × n arithmetic; tsne.ts adds
 * the sums up into the gradient (O(n)) and takes the step.
 *
 * Gradient (van der Maaten & Hinton 2008, eq. 5), with early exaggeration α:
 *
 *   w_ij = (1 + ‖y_i − y_j‖²)⁻¹,   Z = Σ_{k≠l} w_kl,   q_ij = w_ij / Z
 *   ∂C/∂y_i = 4 Σ_j (α p_ij − q_ij) w_ij (y_i − y_j)
 *           = 4 [ α (r^P_i y_i − (PW·Y)_i) − (r^W_i y_i − (W²·Y)_i) / Z ]
 *
 * where PW = P ∘ W, W² = W ∘ W (elementwise) and r^P, r^W their row sums. Both products are
 * taken against Ỹ = [Y, 1] (n × 3), so one skinny Gemm gives the product and the row sum.
 * The diagonal blocks multiply W by a constant 0/1 mask, so w_ii = 0 exactly: Z is then a
 * plain sum, and no term has to cancel (subtracting n from Σ w instead loses Z to rounding
 * when the embedding is wide relative to n, e.g. n = 2 went to NaN).
 *
 * 1 + ‖y_i − y_j‖² comes from ONE Gemm of augmented rows: A_i = [y_i, ‖y_i‖² + 1, 1] and
 * B_j = [−2 y_j, 1, ‖y_j‖²], A_i · B_j = 1 + ‖y_i‖² + ‖y_j‖² − 2 y_i·y_j.
 *
 * Blocks and symmetry: P, W and W² are symmetric, so only the upper-triangle blocks
 * (i ≤ j, `blockRows` rows and columns each) are computed. An off-diagonal block serves its
 * rows (PW_ij · Ỹ_j) and, transposed, its columns (Ỹ_iᵀ · PW_ij); partial products are
 * accumulated through Gemm's C input. P is fed as one input per block. Blocks of ~500–1000
 * rows keep each block's temporaries (1+d², W, PW, W²: 1–4 MB each) in the CPU cache instead
 * of streaming 4n² bytes through memory once per op. Single-thread time per iteration,
 * measured on the 2-core dev box (shared, so ±30%): n = 5000: whole matrix ~72 ms, all row
 * blocks of 1000 ~65 ms, upper-triangle blocks of 1000 or 500 ~48–55 ms; n = 2000: blocks of
 * 500 ~9 ms, of 1000 ~12 ms, whole ~15 ms.
 */
import type { Value } from '../graph/graph.js';
import * as op from '../graph/ops.js';

/** Row ranges [start, end) of the blocks for n points and at most `blockRows` rows a block. */
export function blockRanges(n: number, blockRows: number): Array<readonly [number, number]> {
  if (!Number.isInteger(blockRows) || blockRows < 1) throw new RangeError(`t-SNE: block rows must be a positive integer (got ${blockRows})`);
  const out: Array<readonly [number, number]> = [];
  for (let s = 0; s < n; s += blockRows) out.push([s, Math.min(n, s + blockRows)]);
  return out;
}

/** One upper-triangle block (i ≤ j) of P: rows of block i, columns of block j. */
export interface PBlock {
  readonly i: number;
  readonly j: number;
  readonly rows: readonly [number, number];
  readonly cols: readonly [number, number];
  /** Graph input name. */
  readonly name: string;
}

/** The upper-triangle blocks (i ≤ j) of an n × n matrix cut into `blockRows`-row blocks. */
export function pBlocks(n: number, blockRows: number): PBlock[] {
  const r = blockRanges(n, blockRows);
  const out: PBlock[] = [];
  for (let i = 0; i < r.length; i++) for (let j = i; j < r.length; j++) out.push({ i, j, rows: r[i]!, cols: r[j]!, name: `p${i}_${j}` });
  return out;
}

/** Copies block `b` of the row-major n × n matrix `p` into a contiguous buffer. */
export function extractBlock(p: Float32Array, n: number, b: PBlock): Float32Array {
  const [r0, r1] = b.rows;
  const [c0, c1] = b.cols;
  const w = c1 - c0;
  const out = new Float32Array((r1 - r0) * w);
  for (let r = r0; r < r1; r++) out.set(p.subarray(r * n + c0, r * n + c1), (r - r0) * w);
  return out;
}

/** The t-SNE sums over a set of P blocks: Σ_j PW_ij ỹ_j, Σ_j W²_ij ỹ_j ([n, 3] each) and Σ w_ij. */
export interface TsneForces {
  readonly attract: Value;
  readonly repel: Value;
  readonly z: Value;
}

/**
 * The O(n²) sums of the t-SNE gradient at Y [n, 2] over the upper-triangle P blocks `blocks`
 * (a subset of `pBlocks(n, blockRows)`, each counted with its mirror block): per row i,
 * attract_i = Σ_j p_ij w_ij [y_j, 1], repel_i = Σ_j w_ij² [y_j, 1], and z = Σ w_ij. Sums over
 * disjoint subsets add up, so the blocks can be split between programs that run in parallel.
 * `p` maps each block name to its value [rows, cols]; P must be symmetric, zero on the diagonal.
 */
export function tsneForces(y: Value, blockRows: number, p: ReadonlyMap<string, Value>, blocks: readonly PBlock[] = pBlocks(y.shape[0] as number, blockRows)): TsneForces {
  const g = y.graph;
  const n = y.shape[0];
  if (typeof n !== 'number' || y.shape[1] !== 2) throw new RangeError(`t-SNE graph: Y must be [n, 2] with static n (got [${y.shape.join(', ')}])`);
  const ones = g.constant(new Float32Array(n).fill(1), [n, 1]);
  const sq = op.reduceSum(op.mul(y, y), [1], true);
  const a = op.concat([y, op.add(sq, 1), ones], 1);
  const b = op.concat([op.mul(y, -2), ones, sq], 1);
  const yt = op.concat([y, ones], 1);
  const ranges = blockRanges(n, blockRows);
  const part = (x: Value, k: number): Value => (ranges.length === 1 ? x : op.slice(x, 0, ranges[k]![0], ranges[k]![1]));
  // Per block of rows: Σ_j PW_ij ỹ_j and Σ_j W²_ij ỹ_j, as [rows, 3] (from blocks i ≤ j) and
  // as [3, rows] (from the transposed blocks j < i); accumulated through Gemm's C input.
  const rowA: Array<Value | undefined> = ranges.map(() => undefined);
  const rowR: Array<Value | undefined> = ranges.map(() => undefined);
  const colA: Array<Value | undefined> = ranges.map(() => undefined);
  const colR: Array<Value | undefined> = ranges.map(() => undefined);
  const masks = new Map<number, Value>();
  const offDiagonal = (size: number): Value => {
    let m = masks.get(size);
    if (!m) {
      const data = new Float32Array(size * size).fill(1);
      for (let r = 0; r < size; r++) data[r * size + r] = 0;
      m = g.constant(data, [size, size]);
      masks.set(size, m);
    }
    return m;
  };
  let z: Value | undefined;
  for (const blk of blocks) {
    const { i, j } = blk;
    const pij = p.get(blk.name);
    if (!pij) throw new RangeError(`t-SNE graph: missing P block ${blk.name}`);
    const t = op.gemm(part(a, i), part(b, j), undefined, { transB: true }); // 1 + ‖y_i − y_j‖², [rows_i, rows_j]
    const w = i === j ? op.mul(op.div(1, t), offDiagonal(blk.rows[1] - blk.rows[0])) : op.div(1, t);
    const pw = op.mul(pij, w);
    const w2 = op.mul(w, w);
    const zb = op.reduceSum(w);
    const zb2 = i === j ? zb : op.mul(zb, 2);
    z = z ? op.add(z, zb2) : zb2;
    rowA[i] = op.gemm(pw, part(yt, j), rowA[i]);
    rowR[i] = op.gemm(w2, part(yt, j), rowR[i]);
    if (i !== j) {
      colA[j] = op.gemm(part(yt, i), pw, colA[j], { transA: true });
      colR[j] = op.gemm(part(yt, i), w2, colR[j], { transA: true });
    }
  }
  const gather = (rows: Array<Value | undefined>, cols: Array<Value | undefined>): Value => {
    const xs = ranges.map(([s, e], k) => {
      const r = rows[k];
      const c = cols[k] && op.transpose(cols[k]);
      if (r && c) return op.add(r, c);
      return r ?? c ?? g.constant(new Float32Array((e - s) * 3), [e - s, 3]);
    });
    return xs.length === 1 ? xs[0]! : op.concat(xs, 0);
  };
  return { attract: gather(rowA, colA), repel: gather(rowR, colR), z: z ?? g.scalar(0) };
}
