// Shared by the per-op benches (conv-as-transposed, nchwc-conv, im2col): compiled variants of one
// computation, checked to agree, then timed in interleaved rounds. Each figure is CPU ms per call
// (process CPU, all threads: it repeats within a few % on a loaded machine) and wall ms per call,
// medians over rounds. Variants are `{ p: Program, feeds }`; the first is the reference, and every
// variant is run on the reference's feeds for the check. Needs dist/ (npx tsc -p tsconfig.json).

const dist = new URL('../dist/', import.meta.url);
const { Graph } = await import(new URL('graph/graph.js', dist));
const { conv } = await import(new URL('graph/spatial.js', dist));
const { Program } = await import(new URL('runtime/program.js', dist));
const { nodeBackend, Tensor } = await import(new URL('runtime/node.js', dist));

const rnd = (n, s = 1) => Float32Array.from({ length: n }, () => (Math.random() - 0.5) * s);

/**
 * One 3×3, pad-1 Conv of `layer` ({ name, c → o channels, h×h input }) at batch `n` with weights
 * and bias as graph inputs (as in a training step), compiled on the node back end with the
 * emission options `emit` (e.g. `{ convAsTransposed: true }` or `{ nchwcBlock: 8 }`), and random feeds.
 */
export async function convVariant(layer, { n, strides, threads, emit }) {
  const g = new Graph();
  const x = g.input('x', [n, layer.c, layer.h, layer.h]);
  const out = conv(x, g.input('w', [layer.o, layer.c, 3, 3]), g.input('b', [layer.o]), { strides, padding: 1 });
  const p = await Program.compile(layer.name, { out }, { threads, backend: nodeBackend, ...emit });
  const feeds = {
    x: new Tensor('float32', rnd(n * layer.c * layer.h * layer.h), [n, layer.c, layer.h, layer.h]),
    w: new Tensor('float32', rnd(layer.c * layer.o * 9, 0.2), [layer.o, layer.c, 3, 3]),
    b: new Tensor('float32', rnd(layer.o), [layer.o]),
  };
  return { p, feeds };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/**
 * Checks that every variant's `out` is within `tolerance` of the first's, times them (`rounds` ×
 * `calls` runs each, interleaved), prints one line per variant labelled with `label`, and releases them.
 */
export async function compareVariants(label, built, { rounds, calls, tolerance, labelWidth = 34 }) {
  const entries = Object.entries(built);
  const [, reference] = entries[0];
  const ref = (await reference.p.run(reference.feeds)).out.data;
  let worst = 0;
  for (const [name, b] of entries.slice(1)) {
    const alt = (await b.p.run(reference.feeds)).out.data;
    let d = 0;
    for (let i = 0; i < ref.length; i++) d = Math.max(d, Math.abs(alt[i] - ref[i]));
    if (d > tolerance) throw new Error(`${label}: ${name} differs from ${entries[0][0]} by ${d}`);
    worst = Math.max(worst, d);
  }
  const res = Object.fromEntries(entries.map(([k]) => [k, { cpu: [], wall: [] }]));
  for (let r = 0; r < rounds; r++) {
    for (const [name, b] of entries) {
      const c0 = cpuMs();
      const t0 = performance.now();
      for (let i = 0; i < calls; i++) await b.p.run(b.feeds);
      res[name].wall.push((performance.now() - t0) / calls);
      res[name].cpu.push((cpuMs() - c0) / calls);
    }
  }
  for (const [name, r] of Object.entries(res)) {
    process.stdout.write(`${label.padEnd(labelWidth)} ${name.padEnd(14)} cpu ${median(r.cpu).toFixed(2).padStart(7)} ms  wall ${median(r.wall).toFixed(2).padStart(7)} ms  (max |Δ| ${worst.toExponential(1)})\n`);
  }
  for (const [, b] of entries) await b.p.release();
}
