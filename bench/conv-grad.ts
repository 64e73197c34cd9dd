// Benchmark: formulations of the conv weight gradient (src/autodiff/conv-weight-grad.ts) and of
// the ReLU backward, on the conv VAE's layer shapes at batch 128 (Keras VAE example:
// 28×28×1 → conv 32 k3 s2 → 14×14 → conv 64 k3 s2 → 7×7, decoder transposed convs back).
// Each candidate is its own ONNX Runtime program fed random x and ȳ; rounds interleave the
// candidates and the median time per call is printed.
//   npx vite-node bench/conv-grad.ts -- [--threads 2] [--rounds 7] [--calls 20] [--only weights|relu|im2col]
import { parseArgs } from 'node:util';
import { Graph, type Value } from '../src/graph/graph.js';
import * as op from '../src/graph/ops.js';
import { conv, type Window } from '../src/graph/spatial.js';
import { type ConvWeightGrad, convWeightGrad, weightGradIm2colBatched, weightGradIm2colGemm, weightGradIm2colOutput, weightGradTransposed } from '../src/autodiff/conv-weight-grad.js';
import { Rng } from '../src/nn/rng.js';
import { nodeBackend, Tensor } from '../src/runtime/node.js';
import { Program } from '../src/runtime/program.js';

const { values } = parseArgs({ options: { threads: { type: 'string', default: '2' }, rounds: { type: 'string', default: '7' }, calls: { type: 'string', default: '20' }, only: { type: 'string', default: 'all' } }, allowPositionals: true });
const threads = Number(values.threads);
const rounds = Number(values.rounds);
const calls = Number(values.calls);
const B = 128;

/** A weight-gradient problem: x [B, C, H, W], ȳ [B, O, OH, OW], the window. */
interface Layer {
  readonly name: string;
  readonly x: readonly number[];
  readonly gy: readonly number[];
  readonly win: Window;
}
const s2: Window = { kernel: [3, 3], strides: [2, 2], pads: [0, 0, 1, 1], dilations: [1, 1] };
const s1: Window = { kernel: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1] };
// Decoder layers are ConvTransposes; their weight gradient is convWeightGrad(ȳ, x): the conv roles swap.
const tSame: Window = { kernel: [3, 3], strides: [2, 2], pads: [0, 0, 1, 1], dilations: [1, 1] };
const layers: Layer[] = [
  { name: 'enc1 conv 1→32 s2 28→14', x: [1, 28, 28], gy: [32, 14, 14], win: s2 },
  { name: 'enc2 conv 32→64 s2 14→7', x: [32, 14, 14], gy: [64, 7, 7], win: s2 },
  { name: 'dec1 convT 64→64 s2 7→14', x: [64, 14, 14], gy: [64, 7, 7], win: tSame },
  { name: 'dec2 convT 64→32 s2 14→28', x: [32, 28, 28], gy: [64, 14, 14], win: tSame },
  { name: 'dec3 convT 32→1 s1 28→28', x: [1, 28, 28], gy: [32, 28, 28], win: s1 },
  { name: 'out conv 32→1 s1 28→28 (deconvStack)', x: [32, 28, 28], gy: [1, 28, 28], win: s1 },
];
const formulations: Record<string, ConvWeightGrad> = {
  'im2col + batched MatMul + ReduceSum': weightGradIm2colBatched,
  'im2col + one Gemm (batch folded)': weightGradIm2colGemm,
  'Conv over batch-transposed tensors': weightGradTransposed,
  'im2col of ȳ + batched MatMul (stride 1)': weightGradIm2colOutput,
  'convWeightGrad (the rules\' choice)': convWeightGrad,
};

const rng = new Rng(0);
const tensor = (shape: readonly number[]): Tensor => new Tensor('float32', rng.fillNormal(new Float32Array(shape.reduce((a, b) => a * b, 1))), [...shape]);

interface Case {
  readonly label: string;
  readonly program: Program;
  readonly feeds: Record<string, Tensor>;
  readonly times: number[];
  /** Process CPU time (user + system, all threads) per call: robust to other processes on the machine. */
  readonly cpu: number[];
}

async function compile(label: string, build: (g: Graph) => { outputs: Record<string, Value>; feeds: Record<string, Tensor> }): Promise<Case> {
  const g = new Graph();
  const { outputs, feeds } = build(g);
  return { label, program: await Program.compile(label, outputs, { backend: nodeBackend, threads }), feeds, times: [], cpu: [] };
}

const cases: Case[] = [];
for (const [fname, f] of Object.entries(values.only === 'relu' || values.only === 'im2col' ? {} : formulations)) {
  const usable = layers.filter((l) => f !== weightGradIm2colOutput || l.win.strides[0] === 1);
  for (const l of usable) {
    cases.push(
      await compile(`${fname} | ${l.name}`, (g) => {
        const x = g.input('x', ['B', ...l.x]);
        const gy = g.input('gy', ['B', ...l.gy]);
        return { outputs: { w: f(x, gy, l.win) }, feeds: { x: tensor([B, ...l.x]), gy: tensor([B, ...l.gy]) } };
      }),
    );
  }
  // All layers in one program, as in a training step (the Keras decoder ends in dec3, deconvStack in 'out').
  if (usable.length < layers.length) continue;
  cases.push(
    await compile(`${fname} | all six layers`, (g) => {
      const outputs: Record<string, Value> = {};
      const feeds: Record<string, Tensor> = {};
      layers.forEach((l, i) => {
        const x = g.input(`x${i}`, ['B', ...l.x]);
        const gy = g.input(`gy${i}`, ['B', ...l.gy]);
        outputs[`w${i}`] = f(x, gy, l.win);
        feeds[`x${i}`] = tensor([B, ...l.x]);
        feeds[`gy${i}`] = tensor([B, ...l.gy]);
      });
      return { outputs, feeds };
    }),
  );
}
// ReLU backward: ȳ·[h > 0] as Where (the repo's rule), as Mul by Cast(Greater), and as Mul by Sign(h) (h = relu output ≥ 0),
// each after the forward Relu and before a ReduceSum (the same for all three).
const reluShapes: Record<string, readonly number[]> = { '[128,32,28,28]': [32, 28, 28], '[128,32,14,14]': [32, 14, 14], '[128,64,7,7]': [64, 7, 7] };
const reluBackward: Record<string, (h: Value, g: Value) => Value> = {
  'Where(Greater(h,0), dY, 0)': (h, g) => op.where(op.greater(h, 0), g, 0),
  'dY·Cast(Greater(h,0))': (h, g) => op.mul(g, op.cast(op.greater(h, 0), 'float32')),
  'dY·Sign(h)': (h, g) => op.mul(g, op.sign(h)),
};
for (const [rname, f] of Object.entries(values.only === 'weights' || values.only === 'im2col' ? {} : reluBackward)) {
  for (const [sname, shape] of Object.entries(reluShapes)) {
    cases.push(
      await compile(`relu backward ${rname} | ${sname}`, (g) => {
        const a = g.input('a', ['B', ...shape]);
        const gy = g.input('gy', ['B', ...shape]);
        // Only a scalar leaves the program, so the output copy to JS does not swamp the kernels.
        return { outputs: { s: op.reduceSum(f(op.relu(a), gy)) }, feeds: { a: tensor([B, ...shape]), gy: tensor([B, ...shape]) } };
      }),
    );
  }
}

// The im2col step alone: the grouped Conv with a one-hot kernel (what the rules use) against
// Pad + nine strided Slices + Concat (the third formulation), 3×3 kernels.
function im2colBySlices(x: Value, pads: readonly number[], stride: number, oh: number, ow: number): Value {
  const g = x.graph;
  const c = x.shape[1] as number;
  const xp = op.pad(x, [0, 0, pads[0]!, pads[1]!], [0, 0, pads[2]!, pads[3]!]);
  const parts: Value[] = [];
  for (let p = 0; p < 3; p++) {
    for (let q = 0; q < 3; q++) {
      const ends = [p + stride * (oh - 1) + 1, q + stride * (ow - 1) + 1];
      const tap = g.addNode('Slice', [xp, g.ints([p, q]), g.ints(ends), g.ints([2, 3]), g.ints([stride, stride])], {}, [{ shape: [x.shape[0]!, c, oh, ow], dtype: 'float32' }])[0]!;
      parts.push(op.reshape(tap, [x.shape[0]!, c, 1, oh * ow]));
    }
  }
  return op.concat(parts, 2);
}
function im2colByConv(x: Value, pads: readonly number[], stride: number): Value {
  const c = x.shape[1] as number;
  const k = new Float32Array(c * 81);
  for (let ch = 0; ch < c; ch++) for (let t = 0; t < 9; t++) k[(ch * 9 + t) * 9 + t] = 1;
  return conv(x, x.graph.constant(k, [c * 9, 1, 3, 3]), undefined, { strides: stride, padding: [pads[0]!, pads[1]!, pads[2]!, pads[3]!], group: c });
}
const im2colCases: [string, readonly number[], Window][] = [
  ['x [128,32,28,28] s2', [32, 28, 28], s2],
  ['x [128,32,14,14] s2', [32, 14, 14], s2],
  ['x [128,32,28,28] s1', [32, 28, 28], s1],
];
for (const [kind, f] of Object.entries(values.only === 'im2col' ? { 'grouped Conv, one-hot kernel': 'conv', 'Pad + 9 strided Slices + Concat': 'slices' } : {})) {
  for (const [name, shape, win] of im2colCases) {
    cases.push(
      await compile(`im2col by ${kind} | ${name}`, (g) => {
        const x = g.input('x', ['B', ...shape]);
        const [oh, ow] = [0, 1].map((a) => Math.floor((shape[a + 1]! + win.pads[a]! + win.pads[a + 2]! - 3) / win.strides[a]!) + 1);
        const cols = f === 'conv' ? im2colByConv(x, win.pads, win.strides[0]) : im2colBySlices(x, win.pads, win.strides[0], oh!, ow!);
        return { outputs: { s: op.reduceSum(cols) }, feeds: { x: tensor([B, ...shape]) } };
      }),
    );
  }
}

for (const c of cases) for (let i = 0; i < 3; i++) await c.program.run(c.feeds); // warm-up
for (let r = 0; r < rounds; r++) {
  for (const c of cases) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    for (let i = 0; i < calls; i++) await c.program.run(c.feeds);
    const cu = process.cpuUsage(c0);
    c.times.push((performance.now() - t0) / calls);
    c.cpu.push((cu.user + cu.system) / 1000 / calls);
  }
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`threads ${threads}, batch ${B}, ${rounds} interleaved rounds of ${calls} calls; per call: median wall ms (best round), median CPU ms (best round)`);
for (const c of cases) {
  console.log(`${c.label.padEnd(75)} wall ${median(c.times).toFixed(2).padStart(7)} (${Math.min(...c.times).toFixed(2)})  cpu ${median(c.cpu).toFixed(2).padStart(7)} (${Math.min(...c.cpu).toFixed(2)})`);
}
await Promise.all(cases.map((c) => c.program.release()));
