// Benchmark: one whole conv VAE training step (forward, loss, autodiff backward, Adam update) as
// one ONNX Runtime call, with each weight-gradient formulation of src/autodiff/conv-weight-grad.ts
// and each ReLU backward, interleaved. Architecture of the Keras VAE example on 28×28×1:
//   conv 32 k3 s2 → conv 64 k3 s2 → dense 16 → (μ, log σ²) of 2 → dense 7·7·64 →
//   convT 64 k3 s2 → convT 32 k3 s2 → conv 1 k3 (logits), Bernoulli likelihood, batch 128.
// Parameters and Adam state are fed and returned like the Trainer's (outputs into fixed buffers).
//   npx vite-node bench/conv-vae-step.ts -- [--threads 2] [--rounds 5] [--steps 10]
import { parseArgs } from 'node:util';
import { type ConvWeightGrad, convWeightGrad, weightGradIm2colBatched, weightGradIm2colGemm, weightGradTransposed } from '../src/autodiff/conv-weight-grad.js';
import { grad } from '../src/autodiff/grad.js';
import { type RuleTable, type VjpRule, rules } from '../src/autodiff/rules.js';
import { convRules } from '../src/autodiff/spatial-rules.js';
import { Graph, type Value } from '../src/graph/graph.js';
import * as op from '../src/graph/ops.js';
import { gaussianKlToStandard } from '../src/losses/divergence.js';
import { batchMean, bceWithLogits } from '../src/losses/reconstruction.js';
import { Builder } from '../src/nn/builder.js';
import { convStack, deconvStack, flatten, planConvStack, unflatten } from '../src/nn/conv.js';
import { dense } from '../src/nn/layers.js';
import { Rng } from '../src/nn/rng.js';
import { Optimizer } from '../src/optim/optimizer.js';
import { nodeBackend, Tensor } from '../src/runtime/node.js';
import { Program } from '../src/runtime/program.js';

const { values } = parseArgs({ options: { threads: { type: 'string', default: '2' }, rounds: { type: 'string', default: '5' }, steps: { type: 'string', default: '10' } }, allowPositionals: true });
const threads = Number(values.threads);
const rounds = Number(values.rounds);
const stepsPerRound = Number(values.steps);
const B = 128;
const plan = planConvStack([1, 28, 28], { channels: [32, 64], kernel: 3, stride: 2 });

function buildStep(table: RuleTable): { outputs: Record<string, Value>; params: { name: string; shape: readonly number[]; init: (r: Rng, s: readonly number[]) => Float32Array }[]; state: { name: string; shape: readonly number[] }[] } {
  const g = new Graph();
  const b = new Builder(g, 'train');
  const x = g.input('x', ['B', 1, 28, 28]);
  const eps = g.input('eps', ['B', 2]);
  const e = b.scope('enc');
  const h = op.relu(dense(e.scope('h'), flatten(convStack(e, x, plan)), 16));
  const mu = dense(e.scope('mu'), h, 2);
  const logVar = dense(e.scope('logvar'), h, 2);
  const z = op.add(mu, op.mul(op.exp(op.mul(logVar, 0.5)), eps));
  const d = b.scope('dec');
  const logits = deconvStack(d, unflatten(op.relu(dense(d.scope('h'), z, 7 * 7 * 64)), plan.output), plan);
  const loss = batchMean(op.add(bceWithLogits(logits, x), gaussianKlToStandard(mu, logVar)));
  const ps = b.paramValues();
  const grads = grad(loss, ps.map((p) => p.value), undefined, { rules: table });
  const opt = new Optimizer({ kind: 'adam', lr: 1e-3 });
  const upd = opt.update(g, ps.map((p, i) => ({ name: p.spec.name, shape: p.spec.shape, value: p.value, grad: grads[i]! })));
  const outputs: Record<string, Value> = { loss };
  for (const [k, v] of upd.params) outputs[`next:${k}`] = v;
  for (const [k, v] of upd.state) outputs[`next:${k}`] = v;
  return { outputs, params: ps.map((p) => p.spec), state: opt.stateSlots(ps.map((p) => p.spec)) };
}

const reluVariants: Record<string, VjpRule> = {
  'dY·Cast(Greater(x,0))': rules['Relu']!,
  'Where(Greater(x,0), dY, 0)': (n, g) => [op.where(op.greater(n.inputs[0]!, 0), g, 0)],
  'dY·Sign(relu(x))': (n, g) => [op.mul(g, op.sign(n.outputs[0]!))],
};
const weightGrads: Record<string, ConvWeightGrad> = {
  'convWeightGrad (default)': convWeightGrad,
  'im2col + batched MatMul': weightGradIm2colBatched,
  'im2col + Gemm': weightGradIm2colGemm,
  'transposed Conv': weightGradTransposed,
};
// The default rules first, then one change at a time.
const variants: [string, RuleTable][] = [];
for (const [wn, wg] of Object.entries(weightGrads)) variants.push([`${wn} | relu dY·Cast(Greater(x,0))`, { ...rules, ...convRules(wg) }]);
for (const [rn, rr] of Object.entries(reluVariants).slice(1)) variants.push([`convWeightGrad (default) | relu ${rn}`, { ...rules, Relu: rr }]);

const rng = new Rng(0);
const xData = rng.fillUniform(new Float32Array(B * 784));
const epsData = rng.fillNormal(new Float32Array(B * 2));
interface Case {
  label: string;
  program: Program;
  feeds: Record<string, Tensor>;
  fetches: Record<string, Tensor>;
  times: number[];
  /** Process CPU time (user + system, all threads) per step: robust to other processes on the machine. */
  cpu: number[];
  loss: number;
}
const cases: Case[] = [];
for (const [label, table] of variants) {
  const step = buildStep(table);
  const program = await Program.compile(label, step.outputs, { backend: nodeBackend, threads });
  const feeds: Record<string, Tensor> = { x: new Tensor('float32', xData, [B, 1, 28, 28]), eps: new Tensor('float32', epsData, [B, 2]), 'optim.lr': new Tensor('float32', Float32Array.of(1e-3), []) };
  const fetches: Record<string, Tensor> = {};
  const init = new Rng(1);
  for (const p of step.params) {
    feeds[p.name] = new Tensor('float32', p.init(init, p.shape), [...p.shape]);
    fetches[`next:${p.name}`] = new Tensor('float32', new Float32Array(p.shape.reduce((a, c) => a * c, 1)), [...p.shape]);
  }
  for (const s of step.state) {
    feeds[s.name] = new Tensor('float32', new Float32Array(s.shape.reduce((a, c) => a * c, 1)), [...s.shape]);
    fetches[`next:${s.name}`] = new Tensor('float32', new Float32Array(s.shape.reduce((a, c) => a * c, 1)), [...s.shape]);
  }
  cases.push({ label, program, feeds, fetches, times: [], cpu: [], loss: NaN });
}
for (const c of cases) for (let i = 0; i < 2; i++) c.loss = ((await c.program.run(c.feeds, c.fetches))['loss']!.data as Float32Array)[0]!;
for (let r = 0; r < rounds; r++) {
  for (const c of cases) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    for (let i = 0; i < stepsPerRound; i++) await c.program.run(c.feeds, c.fetches);
    const cu = process.cpuUsage(c0);
    c.times.push((performance.now() - t0) / stepsPerRound);
    c.cpu.push((cu.user + cu.system) / 1000 / stepsPerRound);
  }
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`conv VAE step (Keras example architecture), batch ${B}, threads ${threads}, ${rounds} interleaved rounds of ${stepsPerRound} steps`);
console.log(`${'variant'.padEnd(60)} ${'wall ms'.padStart(8)} ${'samples/s'.padStart(10)} (best round) ${'CPU ms'.padStart(8)} (best)  loss`);
for (const c of cases) {
  const m = median(c.times);
  const best = Math.min(...c.times);
  console.log(`${c.label.padEnd(60)} ${m.toFixed(1).padStart(8)} ${(B / (m / 1000)).toFixed(0).padStart(10)} (${(B / (best / 1000)).toFixed(0)}) ${median(c.cpu).toFixed(1).padStart(8)} (${Math.min(...c.cpu).toFixed(1)})  ${c.loss.toFixed(3)}`);
}
await Promise.all(cases.map((c) => c.program.release()));
