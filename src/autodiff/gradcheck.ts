/**
 * Finite-difference gradient checking for graph functions, used by the tests.
 *
 * For f of graph inputs with output y, checks the gradient of the scalar s = Σ_j R_j·y_j, with
 * R a fixed random N(0,1) weight per output entry (R = 1 when y is a scalar), so that every
 * output entry's Jacobian row counts with a distinct weight. The symbolic gradient from `grad`
 * (compiled and run by ONNX Runtime) is compared with central differences
 *   ∂s/∂x_i ≈ Σ_j R_j·(y_j(x + h·e_i) − y_j(x − h·e_i)) / 2h.
 * The program runs in float32, but the weighted sum of the differences is taken in float64
 * in JS: outputs that do not depend on x_i then cancel exactly instead of adding float32
 * rounding of a large sum. With h = 1e-2 the truncation error is h²·f'''/6 ≈ 2e-5·f''' and the
 * rounding error per output ~6e-8·|y_j|/h, so a 1e-3 tolerance separates a correct rule from
 * one that is wrong by 1%.
 *
 * `alt` compiles a second gradient with other rules into the same program and reports its
 * error against the same finite differences (the tests use it to show a 1%-wrong rule fails).
 */
import { Graph, type Value } from '../graph/graph.js';
import { mul, reduceSum } from '../graph/ops.js';
import { type Shape } from '../graph/shape.js';
import { Rng } from '../nn/rng.js';
import { Program, type RuntimeBackend, type Tensor } from '../runtime/program.js';
import { grad } from './grad.js';
import type { RuleTable } from './rules.js';

export interface GradCheckInput {
  readonly name: string;
  readonly shape: Shape;
  /** Concrete shape fed at run time (symbolic dims resolved). */
  readonly runShape: readonly number[];
  /** Values at which to check; defaults to N(0,1) draws. */
  readonly values?: Float32Array;
}

export interface GradCheckResult {
  /** Largest |analytic − numeric| / max(1, |numeric|) over all checked entries. */
  readonly maxError: number;
  readonly worst: string;
  /** The same measure for the gradient built with `alt` rules, when given. */
  readonly altMaxError?: number;
}

export interface GradCheckOptions {
  /** Runs the forward and gradient programs (one thread). */
  readonly backend: RuntimeBackend;
  readonly h?: number;
  readonly seed?: number;
  /** Indices of the inputs to check (default all). */
  readonly wrt?: readonly number[];
  /** Other rules whose gradient is checked against the same differences. */
  readonly alt?: RuleTable;
}

const WEIGHTS = 'gradcheck:weights';

/** Checks ∂(Σ R ⊙ f)/∂inputs for `f` built on fresh graph inputs (see the module comment). */
export async function gradCheck(inputs: readonly GradCheckInput[], f: (...xs: Value[]) => Value, opts: GradCheckOptions): Promise<GradCheckResult> {
  const h = opts.h ?? 1e-2;
  const rng = new Rng(opts.seed ?? 1);
  const g = new Graph();
  const xs = inputs.map((i) => g.input(i.name, i.shape));
  const y = f(...xs);
  const weights = y.rank === 0 ? undefined : g.input(WEIGHTS, y.shape);
  const s = weights ? reduceSum(mul(y, weights)) : y;
  const wrt = opts.wrt ?? inputs.map((_, i) => i);
  const outputs: Record<string, Value> = { y };
  const grads = grad(
    s,
    wrt.map((i) => xs[i]!),
  );
  wrt.forEach((i, k) => (outputs[`grad:${inputs[i]!.name}`] = grads[k]!));
  if (opts.alt) {
    const altGrads = grad(s, wrt.map((i) => xs[i]!), undefined, { rules: opts.alt });
    wrt.forEach((i, k) => (outputs[`alt:${inputs[i]!.name}`] = altGrads[k]!));
  }
  const program = await Program.compile('gradcheck', outputs, { backend: opts.backend, threads: 1 });
  const forward = await Program.compile('gradcheck.y', { y }, { backend: opts.backend, threads: 1 });
  const data = inputs.map((i) => i.values ?? rng.fillNormal(new Float32Array(i.runShape.reduce((a, b) => a * b, 1))));
  const feeds: Record<string, Tensor> = Object.fromEntries(inputs.map((inp, k) => [inp.name, opts.backend.float32(data[k]!, inp.runShape)]));
  const run = async (): Promise<Tensor> => (await forward.run(feeds))['y']!;
  // One weight per entry of y at its run-time shape.
  let r = Float64Array.of(1);
  if (weights) {
    const dims = (await run()).dims;
    const w = new Rng(`${opts.seed ?? 1}:weights`).fillNormal(new Float32Array(dims.reduce((a, b) => a * b, 1)));
    feeds[WEIGHTS] = opts.backend.float32(w, dims);
    r = Float64Array.from(w);
  }
  const base = await program.run(feeds);
  const project = (up: Float32Array, down: Float32Array): number => {
    let acc = 0;
    for (let j = 0; j < up.length; j++) acc += r[j]! * (up[j]! - down[j]!);
    return acc;
  };
  let maxError = 0;
  let altMaxError = 0;
  let worst = '';
  for (const i of wrt) {
    const analytic = base[`grad:${inputs[i]!.name}`]!.data as Float32Array;
    const alt = opts.alt ? (base[`alt:${inputs[i]!.name}`]!.data as Float32Array) : undefined;
    const x = data[i]!;
    for (let e = 0; e < x.length; e++) {
      const orig = x[e]!;
      x[e] = orig + h;
      const up = (await run()).data as Float32Array;
      x[e] = orig - h;
      const down = (await run()).data as Float32Array;
      x[e] = orig;
      const numeric = project(up, down) / (2 * h);
      const scale = Math.max(1, Math.abs(numeric));
      const err = Math.abs(analytic[e]! - numeric) / scale;
      if (alt) altMaxError = Math.max(altMaxError, Math.abs(alt[e]! - numeric) / scale);
      if (err > maxError) {
        maxError = err;
        worst = `${inputs[i]!.name}[${e}]: analytic ${analytic[e]}, numeric ${numeric}`;
      }
    }
  }
  await Promise.all([program.release(), forward.release()]);
  return opts.alt ? { maxError, worst, altMaxError } : { maxError, worst };
}
