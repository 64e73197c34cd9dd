/**
 * Finite-difference gradient checking for graph functions, used by the tests.
 *
 * For a scalar function f of graph inputs, compares the symbolic gradient from `grad`
 * (compiled and run by ONNX Runtime) with central differences
 *   ∂f/∂x_i ≈ (f(x + h·e_i) − f(x − h·e_i)) / 2h
 * evaluated by the same compiled program. Everything is float32, so h and the
 * tolerances are chosen for float32 rounding.
 */
import { Graph, type Value } from '../graph/graph.js';
import { type Shape } from '../graph/shape.js';
import { Rng } from '../nn/rng.js';
import { Program, Tensor } from '../runtime/program.js';
import { grad } from './grad.js';

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
}

/** Checks ∂f/∂inputs for `f` built on fresh graph inputs. f must return a scalar. */
export async function gradCheck(
  inputs: readonly GradCheckInput[],
  f: (...xs: Value[]) => Value,
  opts: { readonly h?: number; readonly seed?: number; readonly wrt?: readonly number[] } = {},
): Promise<GradCheckResult> {
  const h = opts.h ?? 1e-2;
  const rng = new Rng(opts.seed ?? 1);
  const g = new Graph();
  const xs = inputs.map((i) => g.input(i.name, i.shape));
  const y = f(...xs);
  const wrt = opts.wrt ?? inputs.map((_, i) => i);
  const grads = grad(
    y,
    wrt.map((i) => xs[i]!),
  );
  const outputs: Record<string, Value> = { y };
  wrt.forEach((i, k) => (outputs[`grad:${inputs[i]!.name}`] = grads[k]!));
  const program = await Program.compile('gradcheck', outputs, { threads: 1 });
  const data = inputs.map((i) => i.values ?? rng.fillNormal(new Float32Array(i.runShape.reduce((a, b) => a * b, 1))));
  const feeds = (): Record<string, Tensor> => Object.fromEntries(inputs.map((inp, k) => [inp.name, new Tensor('float32', data[k]!, [...inp.runShape])]));
  const base = await program.run(feeds());
  let maxError = 0;
  let worst = '';
  for (const i of wrt) {
    const analytic = base[`grad:${inputs[i]!.name}`]!.data as Float32Array;
    const x = data[i]!;
    for (let e = 0; e < x.length; e++) {
      const orig = x[e]!;
      x[e] = orig + h;
      const up = ((await program.run(feeds()))['y']!.data as Float32Array)[0]!;
      x[e] = orig - h;
      const down = ((await program.run(feeds()))['y']!.data as Float32Array)[0]!;
      x[e] = orig;
      const numeric = (up - down) / (2 * h);
      const err = Math.abs(analytic[e]! - numeric) / Math.max(1, Math.abs(numeric));
      if (err > maxError) {
        maxError = err;
        worst = `${inputs[i]!.name}[${e}]: analytic ${analytic[e]}, numeric ${numeric}`;
      }
    }
  }
  await program.release();
  return { maxError, worst };
}
