#!/usr/bin/env node
/**
 * TensorFlow.js peer benchmark: the reference MLP VAE from PyTorch's
 * examples/vae, trained with tfjs-core on the wasm (default) or cpu backend.
 *
 * What it measures
 *   Training throughput (samples/s) of: 784-400-(20 mu, 20 logvar) encoder,
 *   20-400-784 decoder, ReLU, Bernoulli decoder (binary cross-entropy with
 *   logits, summed over pixels), analytic KL to N(0, I) summed over latent
 *   dims; loss = (BCE + KL) per sample, averaged over the batch. Adam lr 1e-3,
 *   betas (0.9, 0.999), eps 1e-8; batch 128; last partial batch used;
 *   reshuffled every epoch. Same model, loss and CLI as pytorch_vae.py.
 *
 * How
 *   Parameters are tf.variable()s, the step is tf.train.adam().minimize().
 *   Dense layers use tf.fused.matMul (bias + ReLU fused), as tfjs-layers'
 *   Dense does; the reconstruction term uses tf.softplus(logits) - x*logits
 *   (numerically stable on both backends). Init: Glorot-uniform weights and
 *   zero biases (tfjs-layers' Dense default), NOT PyTorch's nn.Linear init.
 *   Data is loaded into Float32Arrays before the clock starts; each step
 *   gathers its batch rows into a fresh tensor (counted in the timing).
 *   `--warmup-steps` steps are first run on a throw-away copy of the
 *   parameters with its own optimiser, so the timed run starts from the same
 *   initial weights. samples_per_sec = train samples processed / wall time of
 *   the timed epochs (warmup, data loading and --eval excluded).
 *
 * Caveats
 *   - We use tfjs-core + a backend package, not the @tensorflow/tfjs umbrella.
 *     tfjs-core's Node entry point (a CJS bundle) registers no gradient
 *     functions; the umbrella does that by importing
 *     @tensorflow/tfjs-core/dist/register_all_gradients. Those dist files are
 *     ESM with extension-less imports in a package without "type":"module",
 *     so Node cannot load them as is: a tiny module-resolution hook (below)
 *     adds the ".js" and loads them as ESM. They register into tfjs' global
 *     gradient registry and use the same global engine, so the official
 *     gradient code is what runs.
 *   - tfjs-backend-wasm 4.22 disables its multi-threaded build under Node
 *     (WASM_HAS_MULTITHREAD_SUPPORT is hard-wired false there, tfjs#3830), so
 *     --threads is passed to setThreadsCount() but XNNPACK runs on 1 thread
 *     (SIMD build); the JSON reports the actual count. The cpu backend is
 *     plain JS, single-threaded.
 *
 * Prints one JSON line on stdout (same shape as pytorch_vae.py), e.g.
 *   node bench/peers/tfjs_vae.mjs --data random --limit 2048 --epochs 1
 */

import { register } from 'node:module';
import { gunzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

import { INPUT_DIM, gatherBatch, initParams, lossTerms, makeAdam, mulberry32, trainEpochs, warmup } from './tfjs-vae-model.mjs';
const RANDOM_TRAIN_SAMPLES = 10240;
const RANDOM_TEST_SAMPLES = 10000;
const DEFAULT_DATA_DIR = '/usr/share/datasets/fashion-mnist';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const WASM_DIST = path.resolve(HERE, '../../node_modules/@tensorflow/tfjs-backend-wasm/dist') + path.sep;

// ---------------------------------------------------------------- CLI

const USAGE = `usage: node bench/peers/tfjs_vae.mjs [options]
  --data random|fashion-mnist   (default random)
  --data-dir DIR                (default ${DEFAULT_DATA_DIR})
  --epochs N                    (default 1)
  --batch-size N                (default 128)
  --threads N                   (default 2; wasm setThreadsCount, see caveats)
  --seed N                      (default 1)
  --limit N                     train samples (0 = all; random default ${RANDOM_TRAIN_SAMPLES})
  --test-limit N                test samples for --eval (0 = all; random ${RANDOM_TEST_SAMPLES})
  --warmup-steps N              (default 5)
  --lr X                        (default 1e-3)
  --backend wasm|cpu            (default wasm)
  --eval                        compute test-set loss terms at the end`;

function parseArgs(argv) {
  const a = {
    data: 'random', dataDir: DEFAULT_DATA_DIR, epochs: 1, batchSize: 128, threads: 2,
    seed: 1, limit: 0, testLimit: 0, warmupSteps: 5, lr: 1e-3, backend: 'wasm', eval: false,
  };
  const num = { '--epochs': 'epochs', '--batch-size': 'batchSize', '--threads': 'threads',
    '--seed': 'seed', '--limit': 'limit', '--test-limit': 'testLimit',
    '--warmup-steps': 'warmupSteps', '--lr': 'lr' };
  for (let i = 0; i < argv.length; i++) {
    let [key, val] = argv[i].split(/=(.*)/s, 2);
    const next = () => (val !== undefined ? val : argv[++i]);
    if (key === '--eval') a.eval = true;
    else if (key === '--data') a.data = next();
    else if (key === '--data-dir') a.dataDir = next();
    else if (key === '--backend') a.backend = next();
    else if (key in num) {
      const v = Number(next());
      if (!Number.isFinite(v)) throw new Error(`${key} needs a number`);
      a[num[key]] = v;
    } else if (key === '-h' || key === '--help') { console.log(USAGE); process.exit(0); }
    else throw new Error(`unknown option ${argv[i]}\n${USAGE}`);
  }
  if (!['random', 'fashion-mnist'].includes(a.data)) throw new Error(`--data must be random|fashion-mnist`);
  if (!['wasm', 'cpu'].includes(a.backend)) throw new Error(`--backend must be wasm|cpu`);
  return a;
}

// ---------------------------------------------------------------- tfjs setup

/** Load hook making tfjs-core's ESM dist files (extension-less imports) loadable. */
const HOOKS = `
const DIST = '/node_modules/@tensorflow/tfjs-core/dist/';
export async function resolve(spec, ctx, next) {
  if ((ctx.parentURL ?? '').includes(DIST) && spec.startsWith('.') && !spec.endsWith('.js')) {
    return next(spec + '.js', ctx);
  }
  return next(spec, ctx);
}
export async function load(url, ctx, next) {
  if (url.includes(DIST) && !url.endsWith('.node.js')) return next(url, { ...ctx, format: 'module' });
  return next(url, ctx);
}`;

async function setupTf(args) {
  register('data:text/javascript,' + encodeURIComponent(HOOKS), import.meta.url);
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-core/dist/register_all_gradients.js');
  const info = { backend: args.backend, threads: 1, simd: null, multithread: null };
  if (args.backend === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(WASM_DIST); // local binaries; no network
    wasm.setThreadsCount(args.threads);
    if (!(await tf.setBackend('wasm'))) throw new Error('failed to initialise the wasm backend');
    info.threads = wasm.getThreadsCount();
    info.simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    info.multithread = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  } else {
    await import('@tensorflow/tfjs-backend-cpu');
    if (!(await tf.setBackend('cpu'))) throw new Error('failed to initialise the cpu backend');
  }
  await tf.ready();
  return { tf, info };
}

// ---------------------------------------------------------------- data

function loadIdxImages(file, limit) {
  const raw = gunzipSync(readFileSync(file));
  let n = raw.readUInt32BE(4);
  if (limit) n = Math.min(n, limit);
  const out = new Float32Array(n * INPUT_DIM);
  for (let i = 0; i < out.length; i++) out[i] = raw[16 + i] / 255;
  return { x: out, n };
}

function randomData(n, rand) {
  const x = new Float32Array(n * INPUT_DIM);
  for (let i = 0; i < x.length; i++) x[i] = rand();
  return { x, n };
}

function loadData(args) {
  if (args.data === 'random') {
    const rand = mulberry32(args.seed + 1000);
    const train = randomData(args.limit || RANDOM_TRAIN_SAMPLES, rand);
    const test = args.eval ? randomData(args.testLimit || RANDOM_TEST_SAMPLES, rand) : null;
    return { train, test };
  }
  const d = args.dataDir;
  const train = loadIdxImages(path.join(d, 'train-images-idx3-ubyte.gz'), args.limit);
  const labels = gunzipSync(readFileSync(path.join(d, 'train-labels-idx1-ubyte.gz')));
  if (!args.limit && labels.readUInt32BE(4) !== train.n) throw new Error('image/label count mismatch');
  const test = args.eval ? loadIdxImages(path.join(d, 't10k-images-idx3-ubyte.gz'), args.testLimit) : null;
  return { train, test };
}

/** examples/vae test(): reparameterised forward pass, no gradients. */
function evaluate(tf, p, test, bs, rand) {
  const tot = [0, 0, 0];
  const idx = Array.from({ length: test.n }, (_, i) => i);
  for (let start = 0; start < test.n; start += bs) {
    const end = Math.min(start + bs, test.n);
    const vals = tf.tidy(() => {
      const x = gatherBatch(tf, test, idx, start, end);
      const t = lossTerms(tf, p, x, Math.floor(rand() * 2 ** 31));
      return tf.stack([t.loss, t.recon, t.kl]);
    });
    const v = vals.dataSync();
    vals.dispose();
    for (let i = 0; i < 3; i++) tot[i] += v[i] * (end - start);
  }
  return { loss: tot[0] / test.n, recon: tot[1] / test.n, kl: tot[2] / test.n };
}

// ---------------------------------------------------------------- main

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const { tf, info } = await setupTf(args);
  const { train, test } = loadData(args); // outside the timed region
  const bs = args.batchSize;

  const params = initParams(tf, args.seed);
  const opt = makeAdam(tf, args.lr);
  warmup(tf, args, train);

  const t0 = performance.now();
  const { steps, samples, last } = trainEpochs(tf, params, opt, train, args);
  const trainSeconds = (performance.now() - t0) / 1000;

  const testTerms = args.eval ? evaluate(tf, params, test, bs, mulberry32(args.seed + 3000)) : null;

  const result = {
    engine: `tfjs-${args.backend}`,
    tfjs: tf.version_core,
    threads: info.threads,
    wasm: args.backend === 'wasm'
      ? { requested_threads: args.threads, simd: info.simd, multithread: info.multithread }
      : null,
    init: 'glorot_uniform/zeros',
    data: args.data,
    train_samples: train.n,
    batch_size: bs,
    epochs: args.epochs,
    steps,
    warmup_steps: args.warmupSteps,
    train_seconds: Math.round(trainSeconds * 1e4) / 1e4,
    samples_per_sec: trainSeconds > 0 ? samples / trainSeconds : null,
    peak_rss_mb: process.resourceUsage().maxRSS / 1024,
    train: last,
    test: testTerms,
    live_tensors: tf.memory().numTensors, // leak check: params + Adam slots only
  };
  console.log(JSON.stringify(result));
}

main().catch((err) => {
  console.error(err && err.stack ? err.stack : err);
  process.exit(1);
});
