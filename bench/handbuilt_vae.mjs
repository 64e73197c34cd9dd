// Benchmark process: the same VAE training step as a HAND-BUILT graph — latentkit's graph
// IR and ONNX emission, but the backward pass and Adam update written out by hand (as in
// ../shared/reference), no autodiff, no Trainer. It measures what the library's
// abstractions cost: latentkit_vae.mjs should be within 15% of this.
import { Graph, nodeBackend, ops as op, Program, Tensor, Rng } from '../dist/index.js';
import { benchArgs, benchData, report } from './common.mjs';

const args = benchArgs();
const { train } = benchData(args);
const B = args.batchSize, D = 784, H = 400, Z = 20;
const g = new Graph();
const shapes = { W1: [D, H], b1: [H], Wm: [H, Z], bm: [Z], Wv: [H, Z], bv: [Z], W2: [Z, H], b2: [H], W3: [H, D], b3: [D] };
const P = {}, M = {}, V = {};
for (const [k, s] of Object.entries(shapes)) { P[k] = g.input(k, s); M[k] = g.input(`m_${k}`, s); V[k] = g.input(`v_${k}`, s); }
const x = g.input('x', [B, D]), eps = g.input('eps', [B, Z]), lr = g.input('lr', []), epsA = g.input('epsA', []);
// forward
const a1 = op.gemm(x, P.W1, P.b1), h1 = op.relu(a1);
const mu = op.gemm(h1, P.Wm, P.bm), lv = op.gemm(h1, P.Wv, P.bv);
const std = op.exp(op.mul(lv, 0.5)), z = op.add(mu, op.mul(std, eps));
const a2 = op.gemm(z, P.W2, P.b2), h2 = op.relu(a2);
const lg = op.gemm(h2, P.W3, P.b3);
const bce = op.reduceSum(op.sub(op.softplus(lg), op.mul(x, lg)));
const elv = op.exp(lv);
const kl = op.mul(op.reduceSum(op.sub(op.sub(op.add(lv, 1), op.square(mu)), elv)), -0.5);
const loss = op.mul(op.add(bce, kl), 1 / B);
// backward, by hand
const dlg = op.mul(op.sub(op.sigmoid(lg), x), 1 / B);
const G = {};
const denseBack = (xin, W, dy, name, needDx) => {
  G[`W${name}`] = op.gemm(xin, dy, undefined, { transA: true });
  G[`b${name}`] = op.reduceSum(dy, [0]);
  return needDx ? op.gemm(dy, W, undefined, { transB: true }) : null;
};
const reluBack = (a, d) => op.where(op.greater(a, 0), d, 0);
const da2 = reluBack(a2, denseBack(h2, P.W3, dlg, '3', true));
const dz = denseBack(z, P.W2, da2, '2', true);
const dmu = op.add(dz, op.mul(mu, 1 / B));
const dlv = op.add(op.mul(op.mul(op.mul(dz, eps), std), 0.5), op.mul(op.sub(elv, 1), 0.5 / B));
const dh1 = op.add(denseBack(h1, P.Wm, dmu, 'm', true), denseBack(h1, P.Wv, dlv, 'v', true));
denseBack(x, P.W1, reluBack(a1, dh1), '1', false);
// Adam, bias correction folded into the lr and eps inputs
const outputs = { loss };
for (const k of Object.keys(shapes)) {
  const gk = G[k];
  const m = op.add(op.mul(M[k], 0.9), op.mul(gk, 0.1));
  const v = op.add(op.mul(V[k], 0.999), op.mul(op.square(gk), 0.001));
  outputs[`${k}_new`] = op.sub(P[k], op.mul(op.div(m, op.add(op.sqrt(v), epsA)), lr));
  outputs[`m_${k}_new`] = m;
  outputs[`v_${k}_new`] = v;
}
const program = await Program.compile('handbuilt', outputs, { backend: nodeBackend, threads: args.threads });
const rng = new Rng(args.seed);
const state = {};
for (const [k, s] of Object.entries(shapes)) {
  const n = s.reduce((p, q) => p * q, 1);
  const bound = 1 / Math.sqrt(s[0]);
  state[k] = new Tensor('float32', rng.fillUniform(new Float32Array(n), -bound, bound), s);
  state[`m_${k}`] = new Tensor('float32', new Float32Array(n), s);
  state[`v_${k}`] = new Tensor('float32', new Float32Array(n), s);
}
const epsT = new Tensor('float32', new Float32Array(B * Z), [B, Z]);
const lrT = new Tensor('float32', new Float32Array(1), []), epsAT = new Tensor('float32', new Float32Array(1), []);
const xBuf = new Float32Array(B * D), xT = new Tensor('float32', xBuf, [B, D]);
let t = 0, lastLoss = 0;
async function step(order, start) {
  for (let i = 0; i < B; i++) { const r = order[start + i]; xBuf.set(train.x.subarray(r * D, r * D + D), i * D); }
  rng.fillNormal(epsT.data);
  t++;
  const c2 = Math.sqrt(1 - 0.999 ** t);
  lrT.data[0] = (1e-3 * c2) / (1 - 0.9 ** t);
  epsAT.data[0] = 1e-8 * c2;
  const r = await program.run({ ...state, x: xT, eps: epsT, lr: lrT, epsA: epsAT });
  for (const k of Object.keys(state)) state[k] = r[`${k}_new`];
  lastLoss = r.loss.data[0];
}
// Full batches only (the graph has a static batch): this is the upper bound.
const stepsPerEpoch = Math.floor(train.n / B);
for (let s = 0; s < args.warmupSteps; s++) await step(rng.permutation(train.n), 0);
const t0 = performance.now();
for (let e = 0; e < args.epochs; e++) {
  const order = rng.permutation(train.n);
  for (let s = 0; s < stepsPerEpoch; s++) await step(order, s * B);
}
const seconds = (performance.now() - t0) / 1000;
report({ engine: 'handbuilt', threads: args.threads, batch_size: B, epochs: args.epochs, samples_per_sec: (stepsPerEpoch * B * args.epochs) / seconds, train: { loss: lastLoss } });
