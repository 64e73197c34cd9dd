// A/B of latentkit builds on the training loop of one model: each build trains in its own
// process, the builds take turns round by round (A B A B …, after one warm-up round each), and
// the figure per round is the step's CPU time (process user + system, all threads) and wall
// time per step after 5 warm-up steps. Ratios are medians of per-round ratios (B ÷ A), so slow
// drift in the machine's load hits both alike. CPU time on a shared machine varies far less
// than wall time; quote both with the load average. LK_SPIN=1 in an engine's env (--b-env) sets RuntimeOptions.spin, LK_STEPS=K the steps chained per call.
// Usage: node bench/ab.mjs --a DIR --b DIR [--a-env K=V,K=V] [--b-env K=V] [--model vae|conv-vae] [--threads 1] [--limit 3840] [--rounds 7]
//   (DIR: a latentkit checkout with dist/ built; --child is internal)
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    a: { type: 'string' }, b: { type: 'string' }, child: { type: 'string' },
    'a-env': { type: 'string', default: '' }, 'b-env': { type: 'string', default: '' },
    model: { type: 'string', default: 'vae' }, threads: { type: 'string', default: '1' },
    limit: { type: 'string', default: '3840' }, rounds: { type: 'string', default: '7' },
  },
});

async function child(dir) {
  const mod = (p) => import(pathToFileURL(join(dir, 'dist', p)).href);
  const { Trainer, Vae, vaeConfigSchema, loadFashionMnist, nodeBackend } = await mod('index.js');
  const conv = values.model === 'conv-vae';
  const inputShape = conv ? [1, 28, 28] : [784];
  let model;
  if (conv) {
    const { ConvVae } = await mod('models/conv-vae/model.js');
    const { convVaeConfigSchema } = await mod('models/conv-vae/config.js');
    model = new ConvVae(convVaeConfigSchema.parse({ inputShape, dense: [16] }));
  } else model = new Vae(vaeConfigSchema.parse({ inputShape }));
  const t = loadFashionMnist().train;
  const slice = (n) => ({ ...t, n, x: t.x.subarray(0, n * 784), labels: t.labels?.subarray(0, n), sampleShape: inputShape });
  const trainer = await Trainer.create(model, { batchSize: 128, seed: 1, ...(nodeBackend && { backend: nodeBackend }), ...(process.env.LK_SPIN === '1' && { spin: true }), ...(process.env.LK_STEPS && { stepsPerRun: Number(process.env.LK_STEPS) }), threads: Number(values.threads), optimizer: { kind: 'adam', lr: 1e-3 } });
  await trainer.trainEpoch(slice(128 * 8), 1);
  const before = trainer.progress.step;
  const c0 = process.cpuUsage();
  const r = await trainer.trainEpoch(slice(Number(values.limit)), 1);
  const c = process.cpuUsage(c0);
  await trainer.release();
  const steps = r.step - before; // r.step is the global step count, warm-up included
  process.stdout.write(`${JSON.stringify({ cpu_ms: (c.user + c.system) / 1000 / steps, wall_ms: (r.seconds * 1000) / steps, loss: r.train?.loss ?? null })}\n`);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

if (values.child) await child(resolve(values.child));
else {
  const dirs = { A: resolve(values.a), B: resolve(values.b) };
  const envOf = (spec) => Object.fromEntries(spec.split(',').filter(Boolean).map((kv) => kv.split('=')));
  const envs = { A: { ...process.env, ...envOf(values['a-env']) }, B: { ...process.env, ...envOf(values['b-env']) } };
  const runs = { A: [], B: [] };
  const loads = [];
  const self = new URL(import.meta.url).pathname;
  for (let r = 0; r <= Number(values.rounds); r++) {
    for (const k of r % 2 ? ['A', 'B'] : ['B', 'A']) {
      const out = execFileSync('node', [self, '--child', dirs[k], '--model', values.model, '--threads', values.threads, '--limit', values.limit], { encoding: 'utf8', env: envs[k] });
      const res = JSON.parse(out.trim().split('\n').pop());
      if (r > 0) runs[k].push(res);
    }
    if (r > 0) {
      loads.push(os.loadavg()[0]);
      const [a, b] = [runs.A.at(-1), runs.B.at(-1)];
      process.stderr.write(`round ${r}: A ${a.cpu_ms.toFixed(2)} cpu / ${a.wall_ms.toFixed(2)} wall ms/step, B ${b.cpu_ms.toFixed(2)} / ${b.wall_ms.toFixed(2)} (load ${os.loadavg()[0].toFixed(1)})\n`);
    }
  }
  const ratio = (key) => median(runs.A.map((a, i) => runs.B[i][key] / a[key]));
  const summary = {
    date: new Date().toISOString(), model: values.model, threads: Number(values.threads), limit: Number(values.limit), rounds: Number(values.rounds),
    load_1min: loads.map((l) => +l.toFixed(1)), a: dirs.A, b: dirs.B, a_env: values['a-env'], b_env: values['b-env'],
    a_cpu_ms: median(runs.A.map((x) => x.cpu_ms)), b_cpu_ms: median(runs.B.map((x) => x.cpu_ms)),
    a_wall_ms: median(runs.A.map((x) => x.wall_ms)), b_wall_ms: median(runs.B.map((x) => x.wall_ms)),
    cpu_b_over_a: ratio('cpu_ms'), wall_b_over_a: ratio('wall_ms'),
    cpu_ratios: runs.A.map((a, i) => +(runs.B[i].cpu_ms / a.cpu_ms).toFixed(3)),
    loss_a: runs.A[0]?.loss, loss_b: runs.B[0]?.loss,
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}
