// im2col formulations for the conv weight gradient (src/autodiff/conv-weight-grad.ts), per layer of
// the conv VAE (batch 128), one ONNX Runtime call each, interleaved; CPU ms per call (process CPU,
// all threads) and wall ms, medians over rounds.
//   grouped     one Conv with a constant one-hot kernel [C·K², 1, KH, KW], group = C (MLAS runs it as
//               C·N tiny im2col + GEMM pairs)
//   depthwise   K² depthwise Convs (kernel [C, 1, KH, KW] one-hot at one tap, group = C: MLAS's
//               depthwise kernels), Concat on a new tap axis → the same [N, C·K², OH·OW] layout
// Usage: node bench/im2col.mjs [--threads 1] [--rounds 7] [--calls 5] [--whole]
//   (--whole: the whole weight gradient, im2col + batched MatMul + ReduceSum, instead of im2col alone)
import { parseArgs } from 'node:util';
import { compareVariants } from './op-variants.mjs';

const { values } = parseArgs({ options: { threads: { type: 'string', default: '1' }, rounds: { type: 'string', default: '7' }, calls: { type: 'string', default: '5' }, whole: { type: 'boolean', default: false } } });
const dist = new URL('../dist/', import.meta.url);
const { Graph } = await import(new URL('graph/graph.js', dist));
const op = await import(new URL('graph/ops.js', dist));
const { conv } = await import(new URL('graph/spatial.js', dist));
const { Program } = await import(new URL('runtime/program.js', dist));
const { nodeBackend, Tensor } = await import(new URL('runtime/node.js', dist));

const N = 128;
/** [C, H, W, O] of x and ȳ's channels for the stride-2, k3, pad-1 layers of the conv VAE. */
const layers = [
  { name: 'enc conv2 32→64, 14→7', c: 32, h: 14, o: 64 },
  { name: 'dec convT1 64→64, 7→14 (im2col of ȳ 14²)', c: 64, h: 14, o: 64 },
  { name: 'dec convT2 64→32, 14→28 (im2col of ȳ 28²)', c: 32, h: 28, o: 64 },
];
const win = { strides: [2, 2], padding: [1, 1, 1, 1] };

function grouped(x, c) {
  const k = new Float32Array(c * 81);
  for (let ch = 0; ch < c; ch++) for (let t = 0; t < 9; t++) k[(ch * 9 + t) * 9 + t] = 1;
  const cols = conv(x, x.graph.constant(k, [c * 9, 1, 3, 3]), undefined, { ...win, group: c });
  return op.reshape(cols, [N, c * 9, -1]);
}
function depthwise(x, c) {
  const taps = [];
  for (let t = 0; t < 9; t++) {
    const k = new Float32Array(c * 9);
    for (let ch = 0; ch < c; ch++) k[ch * 9 + t] = 1;
    const y = conv(x, x.graph.constant(k, [c, 1, 3, 3]), undefined, { ...win, group: c });
    taps.push(op.reshape(y, [N, c, 1, -1]));
  }
  return op.reshape(op.concat(taps, 2), [N, c * 9, -1]);
}
const variants = { grouped, depthwise };

async function build(layer, f) {
  const g = new Graph();
  const x = g.input('x', [N, layer.c, layer.h, layer.h]);
  let out = f(x, layer.c);
  const oh = layer.h / 2;
  if (values.whole) {
    const gy = g.input('gy', [N, layer.o, oh, oh]);
    const prod = op.matmul(op.reshape(gy, [N, layer.o, oh * oh]), op.transpose(out, [0, 2, 1]));
    out = op.reduceSum(prod, [0]);
  }
  const p = await Program.compile(layer.name, { out }, { backend: nodeBackend, threads: Number(values.threads) });
  const feeds = { x: new Tensor('float32', Float32Array.from({ length: N * layer.c * layer.h * layer.h }, () => Math.random()), [N, layer.c, layer.h, layer.h]) };
  if (values.whole) feeds.gy = new Tensor('float32', Float32Array.from({ length: N * layer.o * oh * oh }, () => Math.random() - 0.5), [N, layer.o, oh, oh]);
  return { p, feeds };
}

const opts = { rounds: Number(values.rounds), calls: Number(values.calls), tolerance: 1e-3, labelWidth: 46 };
for (const layer of layers) {
  const built = {};
  for (const [name, f] of Object.entries(variants)) built[name] = await build(layer, f);
  await compareVariants(layer.name, built, opts);
}
