// Loader fuzz at scale: the cases of src/data/fuzz.test.ts (seeded mutations of small valid CSV,
// NPY, IDX, gzipped IDX, PNG-folder and checkpoint files), by default 1,000 per format. Prints,
// per format, how many mutants loaded, failed with a one-line user error, failed otherwise (bug)
// or took over 2 s (slow), the slowest case, and the largest rise of this process's peak RSS
// (VmHWM) during one case. Lists every bug/slow case with its mutation steps. Exits 1 if any.
//
//   npm run fuzz                              (= tsc -p tsconfig.json && node bench/fuzz.mjs)
//   node bench/fuzz.mjs [--cases 1000] [--seed 1] [--format csv,npy,...]
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { makeTargets, runCase } from '../dist/test-support/loader-fuzz.js';

const { values } = parseArgs({
  options: {
    cases: { type: 'string', default: '1000' },
    seed: { type: 'string', default: '1' },
    format: { type: 'string' },
  },
});
const cases = Number(values.cases);
const only = values.format ? new Set(values.format.split(',')) : undefined;

/** Peak resident set size of this process in bytes (VmHWM), or 0 off Linux. */
function peakRss() {
  if (!existsSync('/proc/self/status')) return 0;
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

const root = mkdtempSync(join(os.tmpdir(), 'latentkit-fuzz-bench-'));
const MB = 1e6;
let failures = 0;
try {
  const targets = (await makeTargets(root)).filter((t) => !only || only.has(t.format));
  console.log(`loader fuzz: ${cases} cases per format, seed ${values.seed}`);
  console.log(['format', 'loaded', 'user-error', 'bug', 'slow', 'total s', 'slowest ms', 'slowest case', 'max peak-RSS rise MB'].join('\t'));
  const problems = [];
  for (const target of targets) {
    const counts = { loaded: 0, 'user-error': 0, bug: 0, slow: 0 };
    let slowest;
    let maxRise = 0;
    const t0 = performance.now();
    for (let i = 0; i < cases; i++) {
      const before = peakRss();
      const r = await runCase(target, values.seed, i);
      maxRise = Math.max(maxRise, peakRss() - before);
      counts[r.outcome]++;
      if (!slowest || r.ms > slowest.ms) slowest = r;
      if (r.outcome === 'bug' || r.outcome === 'slow') problems.push(r);
    }
    const total = (performance.now() - t0) / 1000;
    console.log([target.format, counts.loaded, counts['user-error'], counts.bug, counts.slow, total.toFixed(1), slowest.ms.toFixed(1), `#${slowest.index} [${slowest.steps.join('; ')}]`, (maxRise / MB).toFixed(0)].join('\t'));
    failures += counts.bug + counts.slow;
  }
  for (const r of problems) console.log(`${r.outcome}: ${r.format} #${r.index} (${r.ms.toFixed(0)} ms) ${r.file} [${r.steps.join('; ')}]: ${r.error ?? 'loaded'}`);
  console.log(`peak RSS ${(peakRss() / MB).toFixed(0)} MB; ${failures === 0 ? 'no bugs' : `${failures} bug/slow cases`}`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
process.exitCode = failures === 0 ? 0 : 1;
