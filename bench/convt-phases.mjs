// ConvTranspose (stride 2) as ONNX Runtime runs it (per image: a GEMM into columns, then a scalar
// col2im) against its phase decomposition: the s² output phases of a stride-s transposed conv
// are each a stride-1 Conv of x with a sub-kernel (taps k ≡ r mod s, flipped), so
//   y = DepthToSpace(Concat(Conv(x, W_00), Conv(x, W_01), Conv(x, W_10), Conv(x, W_11)))
// with exactly the ConvTranspose's multiply-adds and no col2im. Layers of the conv VAE (batch 128,
// k3, s2, Keras 'same'). CPU ms per call (process CPU) and wall ms, medians over interleaved rounds.
// Usage: node bench/convt-phases.mjs [--threads 1] [--rounds 7] [--calls 5]
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { threads: { type: 'string', default: '1' }, rounds: { type: 'string', default: '7' }, calls: { type: 'string', default: '5' } } });
const dist = new URL('../dist/', import.meta.url);
const { Graph, attr } = await import(new URL('graph/graph.js', dist));
const { convTranspose } = await import(new URL('graph/spatial.js', dist));
const { Program, Tensor } = await import(new URL('runtime/program.js', dist));

const N = 128;
const layers = [
  { name: 'dec convT1 64→64, 7→14', c: 64, o: 64, h: 7 },
  { name: 'dec convT2 64→32, 14→28', c: 64, o: 32, h: 14 },
  { name: 'enc conv2 x̄: 64→32, 7→14 (no bias)', c: 64, o: 32, h: 7, noBias: true },
];
const rnd = (n, s = 1) => Float32Array.from({ length: n }, () => (Math.random() - 0.5) * s);

async function build(layer, variant) {
  const g = new Graph();
  const x = g.input('x', [N, layer.c, layer.h, layer.h]);
  const w = g.input('w', [layer.c, layer.o, 3, 3]);
  const b = layer.noBias ? undefined : g.input('b', [layer.o]);
  const out = convTranspose(x, w, b, { strides: [2, 2], padding: 'same' });
  const p = await Program.compile(`${layer.name} ${variant}`, { out }, { threads: Number(values.threads), lowerConvTranspose: variant === 'convT' ? false : variant === 'merged' ? 'merged' : true });
  const feeds = { x: new Tensor('float32', rnd(N * layer.c * layer.h * layer.h), [N, layer.c, layer.h, layer.h]), w: new Tensor('float32', rnd(layer.c * layer.o * 9, 0.2), [layer.c, layer.o, 3, 3]) };
  if (b) feeds.b = new Tensor('float32', rnd(layer.o), [layer.o]);
  return { p, feeds };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const calls = Number(values.calls);
for (const layer of layers) {
  const built = { convT: await build(layer, 'convT'), phases: await build(layer, 'phases'), merged: await build(layer, 'merged') };
  const ref = (await built.convT.p.run(built.convT.feeds)).out.data;
  let d = 0;
  for (const v of ['phases', 'merged']) {
    const alt = (await built[v].p.run(built.convT.feeds)).out.data;
    for (let i = 0; i < ref.length; i++) d = Math.max(d, Math.abs(alt[i] - ref[i]));
    if (d > 1e-4) throw new Error(`${v} differs from ConvTranspose by ${d}`);
  }
  const res = Object.fromEntries(Object.keys(built).map((k) => [k, { cpu: [], wall: [] }]));
  for (let r = 0; r < Number(values.rounds); r++) {
    for (const [name, b] of Object.entries(built)) {
      const c0 = cpuMs();
      const t0 = performance.now();
      for (let i = 0; i < calls; i++) await b.p.run(b.feeds);
      res[name].wall.push((performance.now() - t0) / calls);
      res[name].cpu.push((cpuMs() - c0) / calls);
    }
  }
  for (const [name, r] of Object.entries(res)) process.stdout.write(`${layer.name.padEnd(40)} ${name.padEnd(8)} cpu ${median(r.cpu).toFixed(2).padStart(7)} ms  wall ${median(r.wall).toFixed(2).padStart(7)} ms  (max |Δ| ${d.toExponential(1)})\n`);
  for (const b of Object.values(built)) await b.p.release();
}
