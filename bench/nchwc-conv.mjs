// The conv VAE's trained stride-2 Convs (forward and input gradients; weights as graph inputs) on
// ONNX Runtime's im2col + GEMM Conv against its NCHWc kernels with the weight reordered in the
// graph (src/onnx/nchwc.ts: Reshape + Transpose of W, ReorderInput, nchwc Conv, ReorderOutput).
// Batch 128, 3×3, pads 1; CPU ms per call (process CPU, all threads) and wall ms, medians over
// interleaved rounds; checks that both agree.
// Usage: node bench/nchwc-conv.mjs [--threads 1] [--rounds 7] [--calls 5]
import { parseArgs } from 'node:util';
import { compareVariants, convVariant } from './op-variants.mjs';

const { values } = parseArgs({ options: { threads: { type: 'string', default: '1' }, rounds: { type: 'string', default: '7' }, calls: { type: 'string', default: '5' } } });
const dist = new URL('../dist/', import.meta.url);
const { nodeBackend: backend } = await import(new URL('runtime/node.js', dist));

const N = 128;
const { nchwcBlockSize } = await import(new URL('train/programs.js', dist));
const block = await nchwcBlockSize(backend);
if (!block) throw new Error('no NCHWc kernels on this CPU / back end');
const layers = [
  { name: 'enc conv2 32→64, 14² → 7²', c: 32, o: 64, h: 14 },
  { name: 'convT1 x̄: 64→64, 14² → 7²', c: 64, o: 64, h: 14 },
  { name: 'convT2 x̄: 32→64, 28² → 14²', c: 32, o: 64, h: 28 },
];

const build = (layer, emit) => convVariant(layer, { n: N, strides: 2, threads: Number(values.threads), emit });

const opts = { rounds: Number(values.rounds), calls: Number(values.calls), tolerance: 1e-4 };
for (const layer of layers) await compareVariants(layer.name, { Conv: await build(layer, {}), NCHWc: await build(layer, { nchwcBlock: block }) }, opts);
