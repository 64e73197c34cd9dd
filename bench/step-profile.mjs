// Where the time of a training step of the reference MLP VAE goes, by ONNX Runtime's own
// per-node profile: each compiled program gets `enableProfiling` (wrapped in this process
// only), one epoch of Fashion-MNIST (or --limit rows) trains, and the node events of the
// chained step program are summed by operator type and by part of the graph
// (forward/backward Gemm and MatMul, the optimizer's elementwise update, the rest).
// Also prints the per-call overhead: the program's wall time per call minus its node time.
// Usage: node bench/step-profile.mjs [--dist DIR] [--limit 30720] [--optimizer adam|sgd]
import { readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { dist: { type: 'string' }, limit: { type: 'string', default: '30720' }, optimizer: { type: 'string', default: 'adam' }, threads: { type: 'string', default: '2' }, model: { type: 'string', default: 'vae' }, top: { type: 'string', default: '0' } } });
const dist = resolve(values.dist ?? new URL('../dist', import.meta.url).pathname);
const { Trainer, Vae, vaeConfigSchema, loadFashionMnist, nodeBackend } = await import(pathToFileURL(join(dist, 'index.js')).href);
const conv = values.model === 'conv-vae';
if (!conv && values.model !== 'vae') throw new Error(`--model: vae or conv-vae (got ${values.model})`);
const ort = (await import('onnxruntime-node')).default;

const dir = mkdtempSync(join(tmpdir(), 'lk-prof-'));
const sessions = [];
const create = ort.InferenceSession.create;
ort.InferenceSession.create = async function (bytes, opts) {
  const s = await create.call(this, bytes, { ...opts, enableProfiling: true, profileFilePrefix: join(dir, `p${sessions.length}`) });
  sessions.push(s);
  return s;
};

const split = loadFashionMnist();
const n = Math.min(Number(values.limit), split.train.n);
const inputShape = conv ? [1, 28, 28] : [784];
const train = { ...split.train, n, x: split.train.x.subarray(0, n * 784), sampleShape: inputShape };
let model;
if (conv) {
  const { ConvVae } = await import(pathToFileURL(join(dist, 'models/conv-vae/model.js')).href);
  const { convVaeConfigSchema } = await import(pathToFileURL(join(dist, 'models/conv-vae/config.js')).href);
  model = new ConvVae(convVaeConfigSchema.parse({ inputShape, dense: [16] }));
} else model = new Vae(vaeConfigSchema.parse({ inputShape }));
const trainer = await Trainer.create(model, { batchSize: 128, seed: 0, ...(nodeBackend && { backend: nodeBackend }), threads: Number(values.threads), optimizer: { kind: values.optimizer, lr: 1e-3 } });
const r = await trainer.trainEpoch(train, 1);
process.stderr.write(`${r.samplesPerSec.toFixed(0)} samples/s over ${n} rows (${r.step} steps; wall ${(r.seconds * 1000 / r.step).toFixed(3)} ms/step)\n`);
const files = [];
for (const s of sessions) {
  try {
    s.endProfiling();
  } catch {
    // a session released already (e.g. a one-off probe) has nothing to report
  }
}
await trainer.release();
const { readdirSync } = await import('node:fs');
for (const f of readdirSync(dir)) files.push(join(dir, f));
// The chained program is the one with the most node events per run.
let best;
for (const f of files) {
  const events = JSON.parse(readFileSync(f, 'utf8'));
  const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run');
  const nodes = events.filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time'));
  if (runs.length && (!best || nodes.length / runs.length > best.nodes.length / best.runs.length)) best = { f, runs, nodes };
}
rmSync(dir, { recursive: true, force: true });
const { runs, nodes } = best;
// Steps done by the profiled program: the chain's 8 per call, or one per call without a chain.
const steps = trainer.compiled.chain ? r.step - (r.step % trainer.compiled.chain.graph.steps) : runs.length;
const runUs = runs.reduce((a, e) => a + e.dur, 0);
const nodeUs = nodes.reduce((a, e) => a + e.dur, 0);
const byType = new Map();
for (const e of nodes) {
  const t = e.args?.op_name ?? '?';
  const part = /Gemm|MatMul/.test(t) ? 'Gemm/MatMul' : /optim|next:/.test(e.name) ? 'optimizer' : 'other';
  for (const key of [`type ${t}`, `part ${part}`]) byType.set(key, (byType.get(key) ?? 0) + e.dur);
}
process.stderr.write(`chained program: ${runs.length} calls, ${(runUs / 1000 / steps).toFixed(3)} ms/step in model_run, ${(nodeUs / 1000 / steps).toFixed(3)} ms/step in kernels (${nodes.length / runs.length} kernels per call)\n`);
for (const [k, us] of [...byType.entries()].sort((a, b) => b[1] - a[1])) process.stderr.write(`${k.padEnd(40)}${(us / 1000 / steps).toFixed(3).padStart(9)} ms/step ${((100 * us) / nodeUs).toFixed(1).padStart(6)}%\n`);
// --top N: the N costliest nodes of the profiled program, with their input shapes.
if (Number(values.top) > 0) {
  const byNode = new Map();
  for (const e of nodes) {
    const op = e.args?.op_name ?? '?';
    const shapes = JSON.stringify(e.args?.input_type_shape ?? []).replace(/"float":|"int64":|"bool":|[{}"]/g, '');
    // Nodes of the same operator on the same shapes (e.g. one layer's node in each step of a chain) are summed.
    const k = `${op} ${shapes}`;
    const x = byNode.get(k) ?? { us: 0, op, shapes, count: 0 };
    x.count++;
    x.us += e.dur;
    byNode.set(k, x);
  }
  process.stderr.write(`\ncostliest nodes by operator and input shapes (ms/step; calls per step):\n`);
  for (const [k, x] of [...byNode.entries()].sort((a, b) => b[1].us - a[1].us).slice(0, Number(values.top))) process.stderr.write(`${(x.us / 1000 / steps).toFixed(3).padStart(8)} ${(x.count / runs.length / (steps / runs.length)).toFixed(1).padStart(5)}  ${x.op.padEnd(14)}${x.shapes}\n`);
}
