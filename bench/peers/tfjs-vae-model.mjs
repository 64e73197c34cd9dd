/**
 * The reference MLP VAE of PyTorch's examples/vae in TensorFlow.js, as bench/peers/tfjs_vae.mjs
 * trains it in Node and web/engine/tfjs-page.mjs in a browser (bench/browser-train.mjs): every
 * function takes the `tf` namespace (tfjs-core with a backend set), so the same model code runs
 * on both. See tfjs_vae.mjs for the model, loss, optimiser and init.
 */

export const INPUT_DIM = 784;
export const HIDDEN_DIM = 400;
export const LATENT_DIM = 20;

/** mulberry32: small seeded PRNG for data, shuffling and per-step seeds. */
export function mulberry32(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Copies rows idx[start, end) of a [n, 784] Float32Array into a batch tensor. */
export function gatherBatch(tf, data, idx, start, end) {
  const b = end - start;
  const buf = new Float32Array(b * INPUT_DIM);
  for (let r = 0; r < b; r++) {
    const o = idx[start + r] * INPUT_DIM;
    buf.set(data.x.subarray(o, o + INPUT_DIM), r * INPUT_DIM);
  }
  return tf.tensor2d(buf, [b, INPUT_DIM]);
}

export function shuffle(idx, rand) {
  for (let i = idx.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = idx[i]; idx[i] = idx[j]; idx[j] = t;
  }
}

export const LAYERS = [
  ['fc1', INPUT_DIM, HIDDEN_DIM], ['fc21', HIDDEN_DIM, LATENT_DIM], ['fc22', HIDDEN_DIM, LATENT_DIM],
  ['fc3', LATENT_DIM, HIDDEN_DIM], ['fc4', HIDDEN_DIM, INPUT_DIM],
];

/** Glorot-uniform kernels, zero biases (tfjs-layers Dense defaults). */
export function initParams(tf, seed, prefix = '') {
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

export const varList = (p) => Object.values(p).flatMap((l) => [l.w, l.b]);
export const disposeParams = (p) => varList(p).forEach((v) => v.dispose());

export const dense = (tf, x, l, activation) => tf.fused.matMul({ a: x, b: l.w, bias: l.b, activation });

/** Forward pass + loss terms (per-sample means). noiseSeed seeds eps ~ N(0, I). */
export function lossTerms(tf, p, x, noiseSeed) {
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
export function trainStep(tf, p, opt, x, noiseSeed) {
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

export const makeAdam = (tf, lr) => tf.train.adam(lr, 0.9, 0.999, 1e-8);

/** `warmupSteps` Adam steps on a throw-away copy of the parameters (own optimiser), on random batches of `train`. */
export function warmup(tf, args, train) {
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

/**
 * `epochs` epochs of `train` ({ x, n }) in batches of `batchSize` (reshuffled every epoch, last
 * partial batch used), the noise seeded from `seed`: steps, samples and the last epoch's mean terms.
 */
export function trainEpochs(tf, params, opt, train, { batchSize: bs, epochs, seed }) {
  const shuffleRand = mulberry32(seed);
  const noiseRand = mulberry32(seed + 1);
  const idx = Array.from({ length: train.n }, (_, i) => i);
  let steps = 0;
  let samples = 0;
  let last = null;
  for (let epoch = 0; epoch < epochs; epoch++) {
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
  return { steps, samples, last };
}
