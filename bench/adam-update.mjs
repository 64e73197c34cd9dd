// Micro-benchmark of the Adam update alone, over the reference VAE's parameter shapes, as
// separate ONNX Runtime programs (one call = one update of every parameter):
//   per-param   12 elementwise ops per tensor (today's optim/optimizer.ts)
//   per-gemm    per tensor: g², and the three axpy-like lines as Gemm(1×1, 1×N, C=1×N) with alpha/beta
//   flat        one set of 12 ops over the concatenated vectors (inputs already flat)
//   flat-gemm   the Gemm form over the flat vectors
//   concat      only the plumbing a flat update adds: Concat of the gradients + Slice of the params
// Usage: node bench/adam-update.mjs [--dist DIR] [--runs 200] [--rounds 3] [--threads 2]
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { dist: { type: 'string' }, runs: { type: 'string', default: '30' }, rounds: { type: 'string', default: '3' }, threads: { type: 'string', default: '2' }, only: { type: 'string' } } });
const dist = resolve(values.dist ?? new URL('../dist', import.meta.url).pathname);
const { Graph, ops: op, Program, Tensor, attr, nodeBackend } = await import(pathToFileURL(join(dist, 'index.js')).href);

const SHAPES = [[784, 400], [400], [400, 40], [40], [20, 400], [400], [400, 784], [784]];
const size = (s) => s.reduce((a, b) => a * b, 1);
const N = SHAPES.reduce((a, s) => a + size(s), 0);
const [b1, b2] = [0.9, 0.999];
/** Updates chained in one program, as in the trainer's 8-step chain (state stays inside the call). */
const K = 8;

function adamLines(g, p, gr, m, v, stepSize, epsHat) {
  const m2 = op.add(op.mul(m, b1), op.mul(gr, 1 - b1));
  const v2 = op.add(op.mul(v, b2), op.mul(op.square(gr), 1 - b2));
  const p2 = op.sub(p, op.mul(op.div(m2, op.add(op.sqrt(v2), epsHat)), stepSize));
  return [p2, m2, v2];
}
/** a·alpha·B + beta·C as one Gemm over rows [1, n]: A is [1,1]. */
const axpy = (g, a, B, C, alpha, beta) => g.addNode('Gemm', [a, B, C], { alpha: attr.float(alpha), beta: attr.float(beta) }, [{ shape: B.shape, dtype: 'float32' }])[0];
function adamGemm(g, p, gr, m, v, stepSize, epsHat, one) {
  const m2 = axpy(g, one, m, gr, b1, 1 - b1); // b1·m + (1−b1)·g
  const v2 = axpy(g, one, v, op.mul(gr, gr), b2, 1 - b2);
  const d = op.div(m2, op.add(op.sqrt(v2), epsHat));
  const p2 = axpy(g, op.reshape(op.neg(stepSize), [1, 1]), d, p, 1, 1); // p − stepSize·d
  return [p2, m2, v2];
}
function scalars(g) {
  const lr = g.input('lr', []);
  const step = op.add(g.input('step', []), 1);
  const sqrtBc2 = op.sqrt(op.sub(1, op.pow(b2, step)));
  return { stepSize: op.div(op.mul(lr, sqrtBc2), op.sub(1, op.pow(b1, step))), epsHat: op.mul(sqrtBc2, 1e-8) };
}
function build(kind) {
  const g = new Graph();
  const { stepSize, epsHat } = scalars(g);
  const outs = {};
  const oneV = g.constant(new Float32Array([1]), [1, 1]);
  if (kind === 'per-param' || kind === 'per-gemm') {
    SHAPES.forEach((s, i) => {
      const sh = kind === 'per-gemm' ? [1, size(s)] : s;
      let [p2, gr, m2, v2] = ['p', 'g', 'm', 'v'].map((k) => g.input(`${k}_${i}`, sh));
      for (let k = 0; k < K; k++) [p2, m2, v2] = kind === 'per-gemm' ? adamGemm(g, p2, gr, m2, v2, stepSize, epsHat, oneV) : adamLines(g, p2, gr, m2, v2, stepSize, epsHat);
      Object.assign(outs, { [`p${i}'`]: p2, [`m${i}'`]: m2, [`v${i}'`]: v2 });
    });
  } else if (kind === 'flat' || kind === 'flat-gemm') {
    const sh = kind === 'flat-gemm' ? [1, N] : [N];
    let [p2, gr, m2, v2] = ['p', 'g', 'm', 'v'].map((k) => g.input(`${k}_`, sh));
    for (let k = 0; k < K; k++) [p2, m2, v2] = kind === 'flat-gemm' ? adamGemm(g, p2, gr, m2, v2, stepSize, epsHat, oneV) : adamLines(g, p2, gr, m2, v2, stepSize, epsHat);
    Object.assign(outs, { "p'": p2, "m'": m2, "v'": v2 });
  } else if (kind.startsWith('chunk')) {
    // chunk<C>: each tensor split into pieces of ≤ C values; m, v stay split along the chain,
    // p is split and concatenated again every update (the forward pass needs it whole).
    const C = Number(kind.slice(5));
    SHAPES.forEach((s, i) => {
      const n = size(s);
      const sizes = [];
      for (let o = 0; o < n; o += C) sizes.push(Math.min(C, n - o));
      const split = (x) => (sizes.length === 1 ? [x] : g.addNode('Split', [x, g.ints(sizes)], { axis: attr.int(0) }, sizes.map((c) => ({ shape: [c], dtype: 'float32' }))));
      const join = (xs) => (xs.length === 1 ? xs[0] : op.concat(xs, 0));
      let p = g.input(`p_${i}`, [n]);
      const gr = g.input(`g_${i}`, [n]);
      let ms = split(g.input(`m_${i}`, [n]));
      let vs = split(g.input(`v_${i}`, [n]));
      for (let k = 0; k < K; k++) {
        const ps = split(p);
        const gs = split(gr);
        const res = ps.map((pc, c) => adamLines(g, pc, gs[c], ms[c], vs[c], stepSize, epsHat));
        p = join(res.map((r) => r[0]));
        ms = res.map((r) => r[1]);
        vs = res.map((r) => r[2]);
      }
      Object.assign(outs, { [`p${i}'`]: p, [`m${i}'`]: join(ms), [`v${i}'`]: join(vs) });
    });
  } else if (kind === 'concat') {
    let gs = SHAPES.map((s, i) => g.input(`g_${i}`, s));
    for (let k = 0; k < K; k++) {
      const flat = op.add(op.concat(gs.map((x, i) => op.reshape(x, [size(SHAPES[i])])), 0), stepSize);
      let off = 0;
      gs = SHAPES.map((s) => { const y = op.reshape(op.slice(flat, 0, off, off + size(s)), s); off += size(s); return y; });
    }
    gs.forEach((x, i) => (outs[`p${i}`] = x));
  }
  return outs;
}
const rnd = (n) => Float32Array.from({ length: n }, () => Math.random() * 0.01);
const kinds = (values.only ?? 'per-param,per-gemm,flat,flat-gemm,concat').split(',');
const progs = {};
for (const k of kinds) progs[k] = await Program.compile(k, build(k), { backend: nodeBackend, threads: Number(values.threads) });
function feeds(prog) {
  const f = { lr: new Tensor('float32', new Float32Array([1e-3]), []), step: new Tensor('float32', new Float32Array([3]), []) };
  for (const name of prog.inputNames) {
    if (f[name]) continue;
    const i = Number(name.slice(2));
    const s = name.length === 2 ? [N] : prog.name.startsWith('chunk') ? [size(SHAPES[i])] : SHAPES[i];
    const gemm = prog.name.includes('gemm');
    f[name] = new Tensor('float32', rnd(size(s)), gemm ? [1, size(s)] : s);
  }
  return f;
}
const fs = Object.fromEntries(kinds.map((k) => [k, feeds(progs[k])]));
const outs = {};
for (const k of kinds) {
  const r = await progs[k].run(fs[k]);
  outs[k] = Object.fromEntries(Object.entries(r).map(([n, t]) => [n, new Tensor('float32', new Float32Array(t.data.length), t.dims)]));
}
for (const k of kinds) for (let i = 0; i < 10; i++) await progs[k].run(fs[k]);
const res = Object.fromEntries(kinds.map((k) => [k, []]));
for (let r = 0; r < Number(values.rounds); r++) {
  for (const k of kinds) {
    const t = performance.now();
    for (let i = 0; i < Number(values.runs); i++) await progs[k].run(fs[k], outs[k]);
    res[k].push((performance.now() - t) / Number(values.runs) / K);
  }
}
const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
process.stderr.write(`Adam update of ${N} parameters in ${SHAPES.length} tensors, ${values.threads} threads, median of ${values.rounds} rounds × ${values.runs} calls\n`);
for (const k of kinds) process.stderr.write(`${k.padEnd(12)}${med(res[k]).toFixed(3).padStart(8)} ms/update  [${res[k].map((x) => x.toFixed(3)).join(' ')}]\n`);
