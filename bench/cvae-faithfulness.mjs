// Class faithfulness of the conditional VAE (latentkit issue 6): train cvae variants on the bundled
// digits at the default settings (latent 20, hidden 400, 10 epochs, batch 128, Adam 1e-3), decode
// z ~ N(0, I) with every label c (100 draws per class) and count how often a reference classifier
// trained on the real training digits reads the sample as c. Also prints each variant's test loss
// (−ELBO for β = 1), reconstruction NLL, KL and MSE, averaged over the seeds.
//
// Reference classifier: latentkit's `Classifier` (MLP 784-512-10, ReLU), 20 epochs of Adam 1e-3 on
// the 9,003 training digits, seed 0 (95.6% test accuracy on the 997 test digits, printed).
//
// Usage: npx tsc -p tsconfig.json && node bench/cvae-faithfulness.mjs [--variants a,b,...]
//        [--seeds 2] [--epochs 10] [--per-class 100] [--threads 2]
// Variants (default: all): see VARIANTS below.
import { parseArgs } from 'node:util';
import {
  Builder, Classifier, Codec, Cvae, Graph, nodeBackend, Program, Rng, Tensor, Trainer, activate, classifierConfigSchema,
  cvaeConfigSchema, dense, loadBundledMnist, losses, mlp, ops as op,
} from '../dist/index.js';

const { values: v } = parseArgs({
  options: {
    variants: { type: 'string' },
    seeds: { type: 'string', default: '2' },
    epochs: { type: 'string', default: '10' },
    'per-class': { type: 'string', default: '100' },
    threads: { type: 'string', default: '2' },
  },
});
const EPOCHS = Number(v.epochs);
const PER_CLASS = Number(v['per-class']);
const THREADS = Number(v.threads);
const SEEDS = Array.from({ length: Number(v.seeds) }, (_, i) => i);

/**
 * A conditional VAE written out in the bench so remedies that the library does not offer can be
 * measured. With its defaults it is latentkit's Cvae (same layers, names, init and loss).
 *   yScale       the one-hot is multiplied by this before it is concatenated
 *   yScaleEnc    the encoder's own scale (default: yScale)
 *   yEveryLayer  y is concatenated to the input of every decoder layer, not only the first
 *   encoderY     false: q(z|x) (only the decoder is conditioned)
 *   mmd          λ of Σ_c (n_c/B)·MMD²(q(z|c), q(z)) on the sampled z (VFAE, Louizos et al. 2016)
 *   zDrop        probability of zeroing a sample's whole z at the decoder input during training
 */
class BenchCvae {
  family = 'cvae';
  numClasses = 10;
  inputShape = [784];
  trainTerms = ['loss', 'recon', 'kl', 'mse'];
  constructor(o) {
    this.o = { latent: 20, hidden: [400], yScale: 1, yScaleEnc: undefined, yEveryLayer: false, encoderY: true, beta: 1, klWarmup: 0, mmd: 0, mmdOnMu: false, zDrop: 0, ...o };
    this.latentDim = this.o.latent;
  }
  y(y, s = this.o.yScale) {
    return s === 1 ? y : op.mul(y, s);
  }
  encode(b, x, y) {
    const e = b.scope('enc');
    const input = this.o.encoderY ? op.concat([x, this.y(y, this.o.yScaleEnc ?? this.o.yScale)], 1) : x;
    const h = activate(mlp(e, input, this.o.hidden, { activation: 'relu', init: 'torch' }), 'relu');
    const mu = dense(e.scope('mu'), h, this.o.latent, { init: 'torch' });
    const logVar = dense(e.scope('logvar'), h, this.o.latent, { init: 'torch' });
    return { z: mu, mu, logVar };
  }
  decodeRaw(b, z, y) {
    const d = b.scope('dec');
    const sizes = [...[...this.o.hidden].reverse(), 784];
    let h = op.concat([z, this.y(y)], 1);
    sizes.forEach((n, i) => {
      if (i > 0 && this.o.yEveryLayer) h = op.concat([h, this.y(y)], 1);
      h = dense(d.scope(String(i)), h, n, { init: 'torch' });
      if (i < sizes.length - 1) h = op.relu(h);
    });
    return h;
  }
  decode(b, z, y) {
    return op.sigmoid(this.decodeRaw(b, z, y));
  }
  samplePrior(b) {
    return b.noise('prior', [this.o.latent]);
  }
  terms(b, batch) {
    const x = batch.x.rank === 2 ? batch.x : op.reshape(batch.x, ['B', 784]);
    const y = batch.y;
    const { mu, logVar } = this.encode(b, x, y);
    const eps = b.noise('eps', [this.o.latent]);
    let z = op.add(mu, op.mul(op.exp(op.mul(logVar, 0.5)), eps));
    const zDec = this.o.zDrop > 0 && b.mode === 'train' ? op.mul(z, b.noise('zkeep', [1], (rng, out) => { for (let i = 0; i < out.length; i++) out[i] = rng.uniform() < this.o.zDrop ? 0 : 1; })) : z;
    const raw = this.decodeRaw(b, zDec, y);
    const nll = losses.bceWithLogits(raw, x);
    const kl = losses.gaussianKlToStandard(mu, logVar);
    const { beta, klWarmup } = this.o;
    const w = klWarmup === 0 ? beta : b.scheduled('kl_weight', (at) => beta * Math.min(1, (at.step + 1) / (klWarmup * at.stepsPerEpoch)));
    let loss = losses.batchMean(op.add(nll, op.mul(kl, w)));
    if (this.o.mmd > 0) loss = op.add(loss, op.mul(classMmd(this.o.mmdOnMu ? mu : z, y), this.o.mmd));
    return {
      loss,
      recon: losses.batchMean(nll),
      kl: losses.batchMean(kl),
      elbo: losses.batchMean(op.neg(op.add(nll, kl))),
      mse: losses.batchMean(losses.meanSquaredError(op.sigmoid(raw), x)),
    };
  }
}

/**
 * Σ_c (n_c/B)·MMD²(q(z|c), q(z)) over one batch, Gaussian kernel k(a, b) = exp(−‖a − b‖² / (2k)).
 * With A = Y / n (columns: class-c weights) and u = 1/B:  MMD²_c = a_cᵀKa_c − 2a_cᵀKu + uᵀKu.
 */
function classMmd(z, y) {
  const k = z.shape[1];
  const sq = op.reduceSum(op.square(z), [1], true); // [B,1]
  const d2 = op.sub(op.add(sq, op.transpose(sq)), op.mul(op.matmul(z, op.transpose(z)), 2)); // [B,B]
  const K = op.exp(op.mul(d2, -1 / (2 * k)));
  const n = op.reduceSum(y, [0], true); // [1,C]
  const A = op.div(y, op.clip(n, 1, 1e9)); // [B,C]
  const aKa = op.reduceSum(op.mul(A, op.matmul(K, A)), [0]); // [C]
  const aKu = op.reduceSum(op.mul(A, op.reduceMean(K, [1], true)), [0]); // [C]
  const uKu = op.reduceMean(K);
  const mmd = op.add(op.sub(aKa, op.mul(aKu, 2)), uKu); // [C]
  return op.reduceSum(op.mul(mmd, op.reduceMean(y, [0])));
}

/** The library's cvae (its own defaults), with `extra` config fields. */
const lib = (extra = {}) => () => new Cvae(cvaeConfigSchema.parse({ inputShape: [784], ...extra }));
const bench = (o = {}) => () => new BenchCvae(o);

const VARIANTS = {
  'default': lib(),
  'default-labelScale-1': lib({ labelScale: 1 }),
  'bench-unscaled': bench(),
  'y-every-layer': bench({ yEveryLayer: true }),
  'y-scale-2': bench({ yScale: 2 }),
  'y-scale-3.33': bench({ yScale: 10 / 3 }),
  'y-scale-4.47': bench({ yScale: Math.sqrt(20) }),
  'y-scale-5': bench({ yScale: 5 }),
  'y-scale-10': bench({ yScale: 10 }),
  'y-scale-20': bench({ yScale: 20 }),
  'y-scale-10-latent-2': bench({ yScale: 10, latent: 2 }),
  'y-scale-5-dec-only': bench({ yScale: 5, yScaleEnc: 1 }),
  'y-scale-5-latent-2': bench({ yScale: 5, latent: 2 }),
  'latent-2': bench({ latent: 2 }),
  'y-scale-5-every': bench({ yScale: 5, yEveryLayer: true }),
  'decoder-only-y': bench({ encoderY: false }),
  'beta-2': bench({ beta: 2 }),
  'kl-warmup-5': bench({ klWarmup: 5 }),
  'latent-5': bench({ latent: 5 }),
  'latent-10': bench({ latent: 10 }),
  'z-drop-0.2': bench({ zDrop: 0.2 }),
  'mmd-100': bench({ mmd: 100 }),
  'mmd-1000': bench({ mmd: 1000 }),
};
const names = v.variants ? v.variants.split(',') : Object.keys(VARIANTS);
for (const n of names) if (!VARIANTS[n]) throw new Error(`unknown variant ${n}; known: ${Object.keys(VARIANTS).join(', ')}`);

const { train, test } = loadBundledMnist();
const options = (seed) => ({ batchSize: 128, seed, backend: nodeBackend, threads: THREADS, optimizer: { kind: 'adam', lr: 1e-3 } });

// Reference classifier.
const classifier = new Classifier(classifierConfigSchema.parse({ inputShape: [784], hidden: [512], numClasses: 10 }));
const judge = await Trainer.create(classifier, options(0));
for (let e = 0; e < 20; e++) await judge.trainEpoch(train, 20);
const judgeAcc = (await judge.evaluate(test)).accuracy;
const g = new Graph();
const gx = g.input('x', ['B', 784]);
const logitsProgram = await Program.compile('classifier.logits', { logits: classifier.logits(new Builder(g, 'eval'), gx) }, { backend: nodeBackend, threads: THREADS });
console.log(`reference classifier: MLP 784-512-10, 20 epochs, test accuracy ${(100 * judgeAcc).toFixed(1)}%`);

/** Per-class share of `samples` (n × 784, labels[i]) that the classifier reads as their label. */
async function faithfulness(samples, labels) {
  const n = labels.length;
  const logits = (await logitsProgram.run({ ...judge.state.feeds(), x: new Tensor('float32', samples, [n, 784]) })).logits.data;
  const hits = new Array(10).fill(0);
  const counts = new Array(10).fill(0);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < 10; c++) if (logits[i * 10 + c] > logits[i * 10 + best]) best = c;
    counts[labels[i]]++;
    if (best === labels[i]) hits[labels[i]]++;
  }
  return hits.map((h, c) => h / counts[c]);
}

// Second judge: 5-NN on the raw training pixels (src/latent/knn.ts), when it is built.
const knnModule = await import('../dist/latent/knn.js').catch(() => null);
const trainLabels = Int32Array.from(train.labels);
const knn = knnModule ? await knnModule.KnnClassifier.fit(train.x, train.n, 784, trainLabels, 10, { k: 5, runtime: { backend: nodeBackend, threads: THREADS } }) : null;
if (knn) console.log(`reference 5-NN on the training pixels: test accuracy ${(100 * (await knn.accuracy(test.x, test.n, Int32Array.from(test.labels)))).toFixed(1)}%`);

/** Per-class share of `samples` that the 5-NN reads as their label. */
async function knnFaithfulness(samples, labels) {
  const pred = await knn.predict(samples, labels.length);
  const hits = new Array(10).fill(0);
  const counts = new Array(10).fill(0);
  for (let i = 0; i < labels.length; i++) {
    counts[labels[i]]++;
    if (pred[i] === labels[i]) hits[labels[i]]++;
  }
  return hits.map((h, c) => h / counts[c]);
}

const labels = Int32Array.from({ length: PER_CLASS * 10 }, (_, i) => i % 10);
const rows = [];
for (const name of names) {
  const perClass = new Array(10).fill(0);
  let knnMean = 0;
  const terms = {};
  let seconds = 0;
  for (const seed of SEEDS) {
    const model = VARIANTS[name]();
    const t0 = performance.now();
    const trainer = await Trainer.create(model, options(seed));
    for (let e = 0; e < EPOCHS; e++) await trainer.trainEpoch(train, EPOCHS);
    seconds += (performance.now() - t0) / 1000 / SEEDS.length;
    const ev = await trainer.evaluate(test);
    for (const k of ['loss', 'elbo', 'recon', 'kl', 'mse']) terms[k] = (terms[k] ?? 0) + ev[k] / SEEDS.length;
    const codec = await Codec.compile(model, trainer.state, { backend: nodeBackend, threads: THREADS });
    const samples = await codec.sample(labels.length, new Rng(`faithful-${seed}`), labels);
    const f = await faithfulness(samples, labels);
    f.forEach((x, c) => (perClass[c] += x / SEEDS.length));
    if (knn) knnMean += (await knnFaithfulness(samples, labels)).reduce((a, b) => a + b) / 10 / SEEDS.length;
    await Promise.all([codec.release(), trainer.release()]);
  }
  const mean = perClass.reduce((a, b) => a + b) / 10;
  const min = Math.min(...perClass);
  const row = { variant: name, mean, min, minClass: perClass.indexOf(min), knnMean, perClass, ...terms, seconds };
  rows.push(row);
  console.log(JSON.stringify({ ...row, perClass: perClass.map((x) => +x.toFixed(2)) }));
}

console.log(`\n${EPOCHS} epochs, ${SEEDS.length} seed(s), ${PER_CLASS} samples per class; test terms in nats per digit (997 test digits)\n`);
console.log('| variant | faithfulness mean (MLP) | min class (MLP) | mean (5-NN) | test −ELBO | recon NLL | KL | MSE | s/run |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows) {
  console.log(`| ${r.variant} | ${(100 * r.mean).toFixed(1)}% | ${(100 * r.min).toFixed(0)}% (${r.minClass}) | ${knn ? `${(100 * r.knnMean).toFixed(1)}%` : 'n/a'} | ${(-r.elbo).toFixed(2)} | ${r.recon.toFixed(2)} | ${r.kl.toFixed(2)} | ${r.mse.toFixed(4)} | ${r.seconds.toFixed(1)} |`);
}
await Promise.all([logitsProgram.release(), judge.release(), knn?.release()]);
