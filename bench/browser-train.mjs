// Training speed of the reference MLP VAE (784-400-(20,20)-400-784, Bernoulli decoder, Adam
// 1e-3, batch 128) in headless Chromium (issue 9):
//   latentkit-web   — src/browser.ts on onnxruntime-web (wasm SIMD, threads), web/engine/page.ts
//   tfjs-wasm-web   — TensorFlow.js on tfjs-backend-wasm (SIMD, threads), the model code of the
//                     Node peer (bench/peers/tfjs-vae-model.mjs), web/engine/tfjs-page.mjs
//   latentkit-node  — the same Trainer on onnxruntime-node, in this process
// Each page is served by its own local server (cross-origin isolated, so wasm may use threads;
// nothing is fetched from elsewhere) and runs in its own browser context. Every engine first
// trains once untimed (compilation, JIT), then the rounds run the engines in a rotating order;
// a figure is samples/s over the timed epochs only (no compilation, no data transfer), and the
// reported value is the median over rounds; the ratios are medians of per-round ratios.
// Data: the first --rows bundled digits (default 5,120: an epoch of latentkit-web lasts ~2 s, long
// enough that a burst of load on a shared machine does not decide a round). Prints a table
// (stderr) and one JSON line (stdout).
// Usage: npx tsc -p tsconfig.json && node bench/browser-train.mjs [--rounds 3] [--rows 5120] [--threads N] [--epochs 1]
import os from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadBundledMnist } from '../dist/data/mnist.js';
import { subset } from '../dist/data/ops.js';
import { getFamily } from '../dist/models/registry.js';
import { nodeBackend } from '../dist/runtime/node.js';
import { findOrInstallChromium, launchChromium } from '../dist/test-support/chromium.js';
import { serveEnginePage } from '../dist/test-support/engine-page.js';
import { Trainer } from '../dist/train/trainer.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    rows: { type: 'string', default: '5120' },
    threads: { type: 'string' },
    epochs: { type: 'string', default: '1' },
  },
});
const rounds = Number(values.rounds);
/** Threads for all three engines; default: each engine's own (web: onnxruntime-web's min(4, ⌈cores/2⌉), tfjs: XNNPACK's, node: all cores). */
const threads = values.threads === undefined ? undefined : Number(values.threads);
const epochs = Number(values.epochs);
const BATCH = 128;
const LR = 1e-3;
const SEED = 1;

const train = subset(loadBundledMnist().train, Number(values.rows));
const vae = getFamily('vae');
const modelConfig = vae.parse({ family: 'vae', inputShape: [784] });
const tfjsDist = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm.wasm'));
const TFJS_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];

const loadAvg = () => os.loadavg().map((l) => Number(l.toFixed(2)));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const chromium = await findOrInstallChromium();
if (chromium === null) {
  console.error('browser-train: chromium is not available');
  process.exit(1);
}
const load = { start: loadAvg() };
const lkServer = await serveEnginePage({ entry: 'web/engine/page.ts', data: { train: train.x } });
const tfServer = await serveEnginePage({ entry: 'web/engine/tfjs-page.mjs', data: { train: train.x }, files: Object.fromEntries(TFJS_FILES.map((f) => [`tfjs/${f}`, join(tfjsDist, f)])) });
const browser = await launchChromium(chromium);
const errors = [];
async function open(url, global) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(`${global}: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && errors.push(`${global}: ${m.text()}`));
  await page.goto(url);
  await page.waitForFunction((g) => g in globalThis, global, { timeout: 60_000 });
  return page;
}

try {
  const lkPage = await open(lkServer.url, 'latentkitEngine');
  const tfPage = await open(tfServer.url, 'tfjsEngine');
  const lkInfo = await lkPage.evaluate((t) => globalThis.latentkitEngine.init(t === null ? {} : { threads: t }), threads ?? null);
  const tfInfo = await tfPage.evaluate((t) => globalThis.tfjsEngine.init({ threads: t }), threads ?? null);

  const engines = {
    'latentkit-web': async () => {
      const r = await lkPage.evaluate((req) => globalThis.latentkitEngine.train(req), { model: modelConfig, data: 'train', dim: 784, seed: SEED, batchSize: BATCH, lr: LR, epochs });
      return { samplesPerSec: r.samples / r.seconds, loss: r.losses.at(-1) };
    },
    'tfjs-wasm-web': async () => {
      const r = await tfPage.evaluate((req) => globalThis.tfjsEngine.train(req), { data: 'train', dim: 784, seed: SEED, batchSize: BATCH, lr: LR, epochs, warmupSteps: 5 });
      return { samplesPerSec: r.samples / r.seconds, loss: r.loss };
    },
    'latentkit-node': async () => {
      const trainer = await Trainer.create(vae.create(modelConfig), { backend: nodeBackend, ...(threads !== undefined && { threads }), batchSize: BATCH, seed: SEED, optimizer: { kind: 'adam', lr: LR } });
      try {
        let seconds = 0;
        let samples = 0;
        let loss;
        for (let e = 0; e < epochs; e++) {
          const t0 = performance.now();
          const r = await trainer.trainEpoch(train, epochs);
          seconds += (performance.now() - t0) / 1000;
          samples += r.samples;
          loss = r.train.loss;
        }
        return { samplesPerSec: samples / seconds, loss };
      } finally {
        await trainer.release();
      }
    },
  };
  const names = Object.keys(engines);
  // Untimed, twice: compilation, and the browsers' wasm tier-up (the first epoch runs baseline code at a fraction of the speed).
  for (let w = 0; w < 2; w++) for (const name of names) await engines[name]();
  const results = Object.fromEntries(names.map((n) => [n, []]));
  for (let round = 0; round < rounds; round++) {
    const order = names.map((_, i) => names[(i + round) % names.length]);
    for (const name of order) {
      const r = await engines[name]();
      results[name].push(r);
      console.error(`round ${round + 1}/${rounds} ${name.padEnd(15)} ${r.samplesPerSec.toFixed(0).padStart(7)} samples/s (last loss ${r.loss.toFixed(2)}) load ${loadAvg()[0]}`);
    }
  }
  load.end = loadAvg();
  const perRound = (a, b) => median(results[a].map((r, i) => r.samplesPerSec / results[b][i].samplesPerSec));
  const summary = {
    bench: 'browser-train',
    model: 'vae 784-400-20 (registry defaults = PyTorch examples/vae)',
    batch_size: BATCH,
    rows: train.n,
    epochs_per_round: epochs,
    rounds,
    threads: threads ?? 'engine defaults',
    node_threads: threads ?? os.availableParallelism(),
    chromium: browser.version(),
    latentkit_web: { backend: lkInfo.name, threads: lkInfo.threads, cross_origin_isolated: lkInfo.crossOriginIsolated },
    tfjs_wasm_web: { tfjs: tfInfo.tfjs, threads: tfInfo.threads, simd: tfInfo.simd, multithread: tfInfo.multithread },
    samples_per_sec: Object.fromEntries(names.map((n) => [n, Number(median(results[n].map((r) => r.samplesPerSec)).toFixed(1))])),
    rounds_samples_per_sec: Object.fromEntries(names.map((n) => [n, results[n].map((r) => Number(r.samplesPerSec.toFixed(1)))])),
    ratio_latentkit_web_over_tfjs_wasm_web: Number(perRound('latentkit-web', 'tfjs-wasm-web').toFixed(2)),
    ratio_latentkit_web_over_latentkit_node: Number(perRound('latentkit-web', 'latentkit-node').toFixed(2)),
    load_average: load,
    cpus: os.cpus().length,
    page_errors: errors,
  };
  console.error(
    [
      '',
      `engine            samples/s (median of ${rounds})`,
      ...names.map((n) => `${n.padEnd(18)}${String(summary.samples_per_sec[n]).padStart(10)}`),
      `latentkit-web / tfjs-wasm-web   ${summary.ratio_latentkit_web_over_tfjs_wasm_web}x`,
      `latentkit-web / latentkit-node  ${summary.ratio_latentkit_web_over_latentkit_node}x`,
      `load average ${load.start.join(' ')} -> ${load.end.join(' ')}`,
    ].join('\n'),
  );
  process.stdout.write(`${JSON.stringify(summary)}\n`);
} finally {
  await browser.close();
  await lkServer.close();
  await tfServer.close();
}
