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

const INPUT_DIM = 784;
const HIDDEN_DIM = 400;
const LATENT_DIM = 20;
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

/** mulberry32: small seeded PRNG for data, shuffling and per-step seeds. */
function mulberry32(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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

/** Copies rows idx[start, end) of a [n, 784] Float32Array into a batch tensor. */
function gatherBatch(tf, data, idx, start, end) {
  const b = end - start;
  const buf = new Float32Array(b * INPUT_DIM);
  for (let r = 0; r < b; r++) {
    const o = idx[start + r] * INPUT_DIM;
    buf.set(data.x.subarray(o, o + INPUT_DIM), r * INPUT_DIM);
  }
  return tf.tensor2d(buf, [b, INPUT_DIM]);
}

function shuffle(idx, rand) {
  for (let i = idx.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = idx[i]; idx[i] = idx[j]; idx[j] = t;
  }
}

// ---------------------------------------------------------------- model

const LAYERS = [
  ['fc1', INPUT_DIM, HIDDEN_DIM], ['fc21', HIDDEN_DIM, LATENT_DIM], ['fc22', HIDDEN_DIM, LATENT_DIM],
  ['fc3', LATENT_DIM, HIDDEN_DIM], ['fc4', HIDDEN_DIM, INPUT_DIM],
];

/** Glorot-uniform kernels, zero biases (tfjs-layers Dense defaults). */
function initParams(tf, seed, prefix = '') {
  const p = {};
  LAYERS.forEach(([name, fanIn, fanOut], i) => {
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    const w0 = tf.randomUniform([fanIn, fanOut], -limit, limit, 'float32', seed * 100 + i);
    const b0 = tf.zeros([fanOut]);
    p[name] = {
      w: tf.variable(w0, true, `${prefix}${name}.w`),
      b: tf.variable(b0, true, `${prefix}${name}.b`),
    };
    tf.dispose([w0, b0]); // the variables hold their own reference
  });
  return p;
}

const varList = (p) => Object.values(p).flatMap((l) => [l.w, l.b]);
const disposeParams = (p) => varList(p).forEach((v) => v.dispose());

const dense = (tf, x, l, activation) => tf.fused.matMul({ a: x, b: l.w, bias: l.b, activation });

/** Forward pass + loss terms (per-sample means). noiseSeed seeds eps ~ N(0, I). */
function lossTerms(tf, p, x, noiseSeed) {
  const n = x.shape[0];
  const h1 = dense(tf, x, p.fc1, 'relu');
  const mu = dense(tf, h1, p.fc21);
  const logvar = dense(tf, h1, p.fc22);
  const std = tf.exp(tf.mul(logvar, 0.5));
  const eps = tf.randomNormal([n, LATENT_DIM], 0, 1, 'float32', noiseSeed);
  const z = tf.add(mu, tf.mul(eps, std));
  const h3 = dense(tf, z, p.fc3, 'relu');
  const logits = dense(tf, h3, p.fc4);
  // BCE with logits, summed over pixels: softplus(l) - x*l
  const recon = tf.div(tf.sum(tf.sub(tf.softplus(logits), tf.mul(x, logits))), n);
  // KL(q(z|x) || N(0, I)) = -0.5 * sum(1 + logvar - mu^2 - exp(logvar))
  const kl = tf.div(tf.mul(tf.sum(tf.sub(tf.sub(tf.add(logvar, 1), tf.square(mu)), tf.exp(logvar))), -0.5), n);
  return { loss: tf.add(recon, kl), recon, kl };
}

/** One Adam step; returns [loss, recon, kl] as numbers (per-sample means). */
function trainStep(tf, p, opt, x, noiseSeed) {
  let recon, kl;
  const cost = opt.minimize(() => {
    const t = lossTerms(tf, p, x, noiseSeed);
    recon = tf.keep(t.recon);
    kl = tf.keep(t.kl);
    return t.loss;
  }, true, varList(p));
  const out = [cost.dataSync()[0], recon.dataSync()[0], kl.dataSync()[0]];
  tf.dispose([cost, recon, kl]);
  return out;
}

const makeAdam = (tf, lr) => tf.train.adam(lr, 0.9, 0.999, 1e-8);

function warmup(tf, args, train) {
  if (args.warmupSteps <= 0) return;
  const p = initParams(tf, args.seed + 7, 'warmup/');
  const opt = makeAdam(tf, args.lr);
  const rand = mulberry32(args.seed + 2000);
  const bs = Math.min(args.batchSize, train.n);
  for (let s = 0; s < args.warmupSteps; s++) {
    const idx = Array.from({ length: bs }, () => Math.floor(rand() * train.n));
    const x = gatherBatch(tf, train, idx, 0, bs);
    trainStep(tf, p, opt, x, Math.floor(rand() * 2 ** 31));
    x.dispose();
  }
  opt.dispose();
  disposeParams(p);
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

  const shuffleRand = mulberry32(args.seed);
  const noiseRand = mulberry32(args.seed + 1);
  const idx = Array.from({ length: train.n }, (_, i) => i);
  let steps = 0;
  let samples = 0;
  let last = null;
  const t0 = performance.now();
  for (let epoch = 0; epoch < args.epochs; epoch++) {
    shuffle(idx, shuffleRand);
    const tot = [0, 0, 0];
    for (let start = 0; start < train.n; start += bs) { // no drop-last
      const end = Math.min(start + bs, train.n);
      const x = gatherBatch(tf, train, idx, start, end);
      const terms = trainStep(tf, params, opt, x, Math.floor(noiseRand() * 2 ** 31));
      x.dispose();
      for (let i = 0; i < 3; i++) tot[i] += terms[i] * (end - start);
      steps += 1;
      samples += end - start;
    }
    last = { loss: tot[0] / train.n, recon: tot[1] / train.n, kl: tot[2] / train.n };
  }
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
