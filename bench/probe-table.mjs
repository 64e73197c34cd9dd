// Probe table per family (latentkit issue 6, "Speed and scale"): how useful each dense family's
// codes are for the labels on Fashion-MNIST, next to PCA with the same k and raw pixels.
//
// For every family F in (ae, dae, sparse, cae, stacked, vae, cvae, aae) and k in --ks:
//   - train F with its defaults except `latent: k` (trainRun, --epochs, batch 128, Adam 1e-3,
//     seed 0; the stacked AE keeps its default greedy pretraining), in a temp run dir;
//   - encode train and test with the run's codec (`z`: μ for the VAEs; cvae's encoder reads the
//     label too, q(z | x, y), so its codes are meant to carry little of the class);
//   - probe the codes (latent/probe.ts): test accuracy of a 5-NN vote over the training codes and
//     of a linear probe (logistic regression on standardised codes, 20 epochs of Adam 1e-2);
//   - record the run's test MSE per pixel (summary.test.mse) and the training wall time.
// Once per k: PCA with k components fitted on the train split (same probes, reconstruction MSE).
// Once: raw pixels (784-D; linear probe at PIXEL_LINEAR_PROBE_DEFAULTS).
// For cvae also: the same probes on label-blind codes (every row encoded as class 0; with the true
// label the conditional encoder hands the class to the probe), and the class faithfulness of its
// samples, read by an MLP trained on the real pixels (latent/mlp-reader.ts).
//
// Prints a markdown table (stdout) and writes the raw numbers to bench/out/probe-table.json.
// Usage: npx tsc -p tsconfig.json && node bench/probe-table.mjs [--epochs 10] [--families ae,vae]
//        [--ks 2,10] [--limit N (train rows)] [--threads 2] [--out bench/out/probe-table.json]
//        node bench/probe-table.mjs --render bench/out/probe-table.json   (reprint a saved table)
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  classFaithfulness, loadRun, nodeBackend, loadRunData, MlpReader, openCodec, Pca, PIXEL_LINEAR_PROBE_DEFAULTS, probeFeatures,
  requireLabels, trainRun,
} from '../dist/index.js';

const FAMILIES = ['ae', 'dae', 'sparse', 'cae', 'stacked', 'vae', 'cvae', 'aae'];

const { values: v } = parseArgs({
  options: {
    epochs: { type: 'string', default: '10' },
    families: { type: 'string', default: FAMILIES.join(',') },
    ks: { type: 'string', default: '2,10' },
    limit: { type: 'string' },
    threads: { type: 'string', default: String(os.availableParallelism()) },
    out: { type: 'string', default: join(dirname(new URL(import.meta.url).pathname), 'out', 'probe-table.json') },
    render: { type: 'string' },
  },
});
if (v.render !== undefined) {
  // --render FILE: print the table of a saved JSON (no training).
  process.stdout.write(table(JSON.parse(readFileSync(v.render, 'utf8'))));
  process.exit(0);
}
const EPOCHS = Number(v.epochs);
const KS = v.ks.split(',').map(Number);
const LIMIT = v.limit === undefined ? undefined : Number(v.limit);
const THREADS = Number(v.threads);
const families = v.families.split(',');
for (const f of families) if (!FAMILIES.includes(f)) throw new Error(`unknown family ${f}; known: ${FAMILIES.join(', ')}`);
const runtime = { backend: nodeBackend, threads: THREADS };
const log = (line) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);

const dataSettings = { spec: 'fashion-mnist', ...(LIMIT !== undefined && { limit: LIMIT }) };
// The same split every run trains on (fashion-mnist has a fixed split; limit keeps the first train rows).
const { train, test } = loadRunData(undefined, dataSettings, { seed: 0 });
const { numClasses } = requireLabels(train);
const D = train.x.length / train.n;
const features = (x, n, labels) => ({ x, n, d: x.length / n, labels });
log(`fashion-mnist: ${train.n} train, ${test.n} test rows, ${D} pixels, ${numClasses} classes; ${THREADS} threads`);

const tStart = performance.now();
const tmp = mkdtempSync(join(os.tmpdir(), 'latentkit-probe-table-'));
const command = `node bench/probe-table.mjs ${process.argv.slice(2).join(' ')}`.trim();
const result = { date: new Date().toISOString(), command, epochs: EPOCHS, ks: KS, limit: LIMIT ?? null, train_rows: train.n, test_rows: test.n, threads: THREADS, host: { cpus: os.cpus().length, loadavg: os.loadavg() }, pixels: null, pca: {}, families: {} };

try {
  // Raw pixels, once.
  let t0 = performance.now();
  const pix = await probeFeatures(features(train.x, train.n, train.labels), features(test.x, test.n, test.labels), numClasses, { linear: { ...PIXEL_LINEAR_PROBE_DEFAULTS }, runtime });
  result.pixels = { ...pix, probe_seconds: (performance.now() - t0) / 1000 };
  log(`pixels: 5-NN ${pct(pix.knn)}, linear ${pct(pix.linear)}`);

  // PCA, once per k.
  for (const k of KS) {
    t0 = performance.now();
    const pca = await Pca.fit(train, k, runtime);
    const fitSeconds = (performance.now() - t0) / 1000;
    const mse = pca.reconstructionMse(test);
    const scores = await probeFeatures(features(pca.project(train.x, train.n), train.n, train.labels), features(pca.project(test.x, test.n), test.n, test.labels), numClasses, { runtime });
    result.pca[k] = { ...scores, mse, explained_variance: pca.explainedVarianceRatio, fit_seconds: fitSeconds };
    log(`pca k=${k}: 5-NN ${pct(scores.knn)}, linear ${pct(scores.linear)}, mse ${mse.toFixed(5)}`);
  }

  // The MLP reader of cvae's class faithfulness, once.
  const reader = families.includes('cvae') ? await MlpReader.fit(train, { runtime }) : undefined;
  try {
    for (const family of families) {
      result.families[family] = {};
      for (const k of KS) {
        const out = join(tmp, `${family}-${k}`);
        t0 = performance.now();
        const summary = await trainRun({ model: { family, latent: k }, train: { epochs: EPOCHS }, data: dataSettings, out, report: false, threads: THREADS, onNote: (line) => log(`  ${family} k=${k}: ${line}`), onEpoch: (e) => log(`  ${family} k=${k}: epoch ${e.epoch}/${e.epochs}, ${e.seconds.toFixed(0)} s, ${Math.round(e.samplesPerSec)} samples/s, test mse ${e.test['mse'].toFixed(5)}`) });
        const trainSeconds = (performance.now() - t0) / 1000;
        t0 = performance.now();
        const run = await loadRun(out);
        const codec = await openCodec(run, runtime);
        let row;
        try {
          const zTrain = (await codec.encode(train.x, train.n, train.labels))['z'];
          const zTest = (await codec.encode(test.x, test.n, test.labels))['z'];
          const scores = await probeFeatures(features(zTrain, train.n, train.labels), features(zTest, test.n, test.labels), numClasses, { runtime });
          row = { ...scores, mse: summary.test['mse'], test: summary.test, samples_per_sec: summary.samples_per_sec, train_seconds: trainSeconds };
          if (run.model.numClasses > 0) {
            // The encoder reads the label, so the codes above can carry it in from the input.
            // Label-blind codes: every train and test row encoded as class 0.
            const blind = async (ds) => (await codec.encode(ds.x, ds.n, new Int32Array(ds.n)))['z'];
            row.label_blind = await probeFeatures(features(await blind(train), train.n, train.labels), features(await blind(test), test.n, test.labels), numClasses, { runtime });
          }
          if (reader && run.model.numClasses > 0) {
            const f = await classFaithfulness(codec, reader, run.model.numClasses);
            row.faithfulness = { mean: f.mean, per_class: f.perClass };
          }
        } finally {
          await codec.release();
        }
        row.probe_seconds = (performance.now() - t0) / 1000;
        result.families[family][k] = row;
        rmSync(out, { recursive: true, force: true });
        log(`${family} k=${k}: 5-NN ${pct(row.knn)}, linear ${pct(row.linear)}, mse ${row.mse.toFixed(5)}, train ${trainSeconds.toFixed(0)} s, probe ${row.probe_seconds.toFixed(0)} s${row.label_blind ? `, label-blind 5-NN ${pct(row.label_blind.knn)} linear ${pct(row.label_blind.linear)}` : ''}${row.faithfulness ? `, faithfulness ${pct(row.faithfulness.mean)}` : ''}`);
      }
    }
  } finally {
    await reader?.release();
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
result.wall_seconds = (performance.now() - tStart) / 1000;
mkdirSync(dirname(v.out), { recursive: true });
writeFileSync(v.out, `${JSON.stringify(result, null, 2)}\n`);
process.stdout.write(table(result));
log(`wall time ${(result.wall_seconds / 60).toFixed(1)} min; raw numbers in ${v.out}`);

function pct(x) {
  return `${(100 * x).toFixed(1)}%`;
}

/** The markdown table: a row per family, then PCA and raw pixels; per k 5-NN, linear, MSE. */
function table(r) {
  const cell = (s, k) => (s?.[k] ? [pct(s[k].knn), pct(s[k].linear), s[k].mse.toFixed(4)] : ['', '', '']);
  const head = ['codes', ...r.ks.flatMap((k) => [`k=${k} 5-NN`, `k=${k} linear`, `k=${k} MSE`]), 's/run (train)'];
  const lines = [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`];
  for (const [family, byK] of Object.entries(r.families)) {
    const secs = r.ks.map((k) => (byK[k] ? byK[k].train_seconds.toFixed(0) : '')).join(' / ');
    const conditional = r.ks.some((k) => byK[k]?.label_blind);
    lines.push(`| ${family}${conditional ? ' ¹' : ''} | ${r.ks.flatMap((k) => cell(byK, k)).join(' | ')} | ${secs} |`);
    if (conditional) lines.push(`| ${family}, label-blind ² | ${r.ks.flatMap((k) => (byK[k]?.label_blind ? [pct(byK[k].label_blind.knn), pct(byK[k].label_blind.linear), ''] : ['', '', ''])).join(' | ')} | |`);
  }
  lines.push(`| PCA | ${r.ks.flatMap((k) => cell(r.pca, k)).join(' | ')} | ${r.ks.map((k) => r.pca[k].fit_seconds.toFixed(0)).join(' / ')} (fit) |`);
  const p = r.pixels;
  lines.push(`| raw pixels (784-D) | ${r.ks.flatMap(() => [pct(p.knn), pct(p.linear), '0']).join(' | ')} | – |`);
  const faithful = Object.entries(r.families).flatMap(([family, byK]) => r.ks.filter((k) => byK[k]?.faithfulness).map((k) => `${family} k=${k} ${pct(byK[k].faithfulness.mean)}`));
  const notes = [
    '',
    `\`${r.command ?? `node bench/probe-table.mjs --epochs ${r.epochs}${r.limit ? ` --limit ${r.limit}` : ''}`}\` (${r.date.slice(0, 10)}, wall time ${(r.wall_seconds / 60).toFixed(0)} min).`,
    `Fashion-MNIST, ${r.train_rows} train / ${r.test_rows} test rows; test accuracy of a 5-NN vote and of a linear probe (logistic regression, standardised codes) trained on the train codes; MSE = test reconstruction MSE per pixel (PCA: with k components).`,
    `Each family: its defaults except latent = k, ${r.epochs} epochs, batch 128, Adam 1e-3, seed 0 (stacked: plus its default greedy pretraining, 5 epochs per layer). Codes: z (μ for vae/cvae; cvae's encoder also reads the label).`,
    `s/run = wall seconds of trainRun (k=${r.ks.join(' / k=')}), ${r.threads} threads on a shared ${r.host.cpus}-core machine (load average ${r.host.loadavg[0].toFixed(1)} at the start).`,
  ];
  if (Object.values(r.families).some((byK) => r.ks.some((k) => byK[k]?.label_blind))) {
    notes.push("¹ Encoded with each row's true label, q(z | x, y). The decoder is handed the class, so training pushes the class out of z (z keeps the style); low accuracy here is the intended outcome, not comparable with the unconditional rows.");
    notes.push('² The same run, every train and test row encoded as class 0: what the code holds of the class when it is not given the label.');
  }
  if (faithful.length) notes.push(`cvae class faithfulness (share of samples of class c read as c by an MLP trained on the real pixels): ${faithful.join(', ')}.`);
  return `${lines.join('\n')}\n${notes.join('\n')}\n`;
}
