// A stride-1 Conv with fewer output than input channels as ONNX Runtime's Conv (im2col of the
// input, C·K² values per pixel, then a GEMM) against the equal ConvTranspose that emission
// rewrites it into (src/onnx/conv-as-transposed.ts: a GEMM on the input, then col2im of O·K²
// values per pixel). Batch 128, 3×3, pads 1; CPU ms per call (process CPU, all threads) and
// wall ms, medians over interleaved rounds; checks that both agree.
// Usage: node bench/conv-as-transposed-speed.mjs [--threads 1] [--rounds 7] [--calls 5]
import { parseArgs } from 'node:util';
import { compareVariants, convVariant } from './op-variants.mjs';

const { values } = parseArgs({ options: { threads: { type: 'string', default: '1' }, rounds: { type: 'string', default: '7' }, calls: { type: 'string', default: '5' } } });

const N = 128;
const layers = [
  { name: 'conv VAE output layer 32→1, 28²', c: 32, o: 1, h: 28 },
  { name: '32→3 (RGB output), 28²', c: 32, o: 3, h: 28 },
  { name: '64→32, 14²', c: 64, o: 32, h: 14 },
  { name: '32→16, 28²', c: 32, o: 16, h: 28 },
];

const build = (layer, emit) => convVariant(layer, { n: N, strides: 1, threads: Number(values.threads), emit });

const opts = { rounds: Number(values.rounds), calls: Number(values.calls), tolerance: 1e-4 };
for (const layer of layers) await compareVariants(layer.name, { Conv: await build(layer, {}), ConvTranspose: await build(layer, { convAsTransposed: true }) }, opts);
