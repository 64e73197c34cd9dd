// Where the wall time of `latentkit train` goes, phase by phase, in one process.
// Runs the CLI's own `main` with the given arguments after wrapping (in this process only)
// the entry points of each phase with timers:
//   import      loading the CLI's modules (node, onnxruntime-node, commander, zod, …)
//   data+config from the CLI start to Trainer.create (data loading, model config, memory check)
//   graphs      Trainer.create minus its Program.compile calls (graph build, autodiff, init)
//   emit        Program.compile minus session creation (ONNX emission), summed over programs
//   session     onnxruntime InferenceSession.create, summed (compiles run concurrently, so
//               emit + session can exceed their share of the wall time)
//   steps       Trainer.trainEpoch, per epoch
//   eval        Trainer.evaluate, per epoch
//   checkpoint  from evaluate's end to the next epoch (metrics line + checkpoint write)
//   pictures    Codec.compile and the end-of-run pictures and active units
//   release     Trainer.release and exit
// Usage: node bench/train-phases.mjs [--dist DIR] -- train --data fashion-mnist --epochs 3 --no-report
//   (an --out in a fresh temporary folder and --quiet are added unless given)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const t0 = performance.now();
const sep = process.argv.indexOf('--');
const own = sep < 0 ? process.argv.slice(2) : process.argv.slice(2, sep);
const cliArgs = sep < 0 ? ['train', '--data', 'fashion-mnist', '--epochs', '3', '--no-report'] : process.argv.slice(sep + 1);
const distArg = own.indexOf('--dist');
const dist = resolve(distArg >= 0 ? own[distArg + 1] : new URL('../dist', import.meta.url).pathname);
const mod = (p) => import(pathToFileURL(join(dist, p)).href);

const [{ main }, { Trainer }, { Program }, { Codec }, ortMod] = await Promise.all([
  mod('cli/main.js'),
  mod('train/trainer.js'),
  mod('runtime/program.js'),
  mod('latent/codec.js'),
  import('onnxruntime-node'),
]);
const ort = ortMod.default;
const tImported = performance.now();

/** Accumulated seconds and call counts by phase; `events` keeps the order for epochs. */
const phases = new Map();
/** Process CPU time (all threads, user + system) in ms. */
const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
/** CPU time at the last phase boundary, for the phases measured between two events. */
let cpuMark = 0;
const add = (name, ms, cpu = 0) => {
  const p = phases.get(name) ?? { ms: 0, cpu: 0, calls: 0 };
  p.ms += ms;
  p.cpu += cpu;
  p.calls++;
  phases.set(name, p);
};
/** Adds the gap since the last boundary (wall `ms`) to `name`, with the CPU time spent since. */
const addGap = (name, ms) => {
  const c = cpuNow();
  add(name, ms, c - cpuMark);
  cpuMark = c;
};
/** Wraps an async method so its wall time is added to `name` (and `inside` to subtract from an outer phase). */
function wrap(owner, key, name, hooks = {}) {
  const orig = owner[key];
  owner[key] = async function (...args) {
    const s = performance.now();
    hooks.before?.(s);
    const c0 = cpuNow();
    try {
      return await orig.apply(this, args);
    } finally {
      const e = performance.now();
      const c1 = cpuNow();
      if (hooks.cpu !== false) {
        add(name, e - s, c1 - c0);
        cpuMark = c1;
      } else add(name, e - s);
      hooks.after?.(e, e - s);
    }
  };
}

let compileMs = 0;
let sessionMs = 0;
let mainStart = 0;
let createStart = 0;
let createEnd = 0;
let evalEnd = 0;
let lastEnd = 0;
let inCreate = false;
let releaseStart = 0;
// Program.compile emits synchronously, then creates the session; sessions are created one
// after another on the main thread (onnxruntime-node loads the model synchronously), so the
// sums below are wall time, not overlapped time.
let compileStart = 0;
let firstCompile = 0;
wrap(ort.InferenceSession, 'create', 'session create', {
  cpu: false,
  before: (s) => {
    add('emit', s - compileStart);
    if (inCreate) compileMs += s - compileStart;
  },
  after: (_, ms) => inCreate && (sessionMs += ms),
});
const compile = Program.compile;
Program.compile = function (...args) {
  compileStart = performance.now();
  if (inCreate && !firstCompile) firstCompile = compileStart;
  return compile.apply(this, args);
};
wrap(Trainer, 'create', 'trainer create', {
  before: (s) => {
    addGap('data+config', s - mainStart);
    createStart = s;
    inCreate = true;
  },
  after: (e) => {
    inCreate = false;
    lastEnd = e;
    createEnd = e;
  },
});
wrap(Trainer.prototype, 'trainEpoch', 'steps', {
  before: (s) => {
    if (evalEnd) addGap('checkpoint', s - evalEnd);
    else addGap('run dir setup', s - lastEnd);
    evalEnd = 0;
  },
});
wrap(Trainer.prototype, 'evaluate', 'eval', { after: (e) => (evalEnd = e) });
wrap(Codec, 'compile', 'codec compile', {
  before: (s) => {
    if (evalEnd) addGap('checkpoint', s - evalEnd);
    evalEnd = 0;
    lastEnd = s;
  },
});
wrap(Trainer.prototype, 'release', 'trainer release', {
  before: (s) => {
    addGap('pictures (after codec compile)', s - lastEnd - (phases.get('codec compile')?.ms ?? 0));
    releaseStart = s;
  },
});

const args = [...cliArgs];
const tmp = args.includes('--out') ? undefined : mkdtempSync(join(tmpdir(), 'lk-phases-'));
if (tmp) args.push('--out', join(tmp, 'run'));
if (!args.includes('--quiet')) args.push('--quiet');
mainStart = performance.now();
cpuMark = cpuNow();
const cpuAtMain = cpuMark;
const code = await main(['node', 'latentkit', ...args]);
const tEnd = performance.now();
if (tmp) rmSync(tmp, { recursive: true, force: true });

const total = tEnd - t0 + performance.timeOrigin - (performance.timeOrigin - 0); // ms since script start
const rows = [
  ['node start → script', t0],
  ['import modules', tImported - t0, cpuAtMain],
  ...[...phases.entries()].map(([k, v]) => [`${k}${v.calls > 1 ? ` ×${v.calls}` : ''}`, v.ms, v.cpu || undefined]),
  ['  trainer: graphs (build + autodiff)', firstCompile - createStart],
  ['  trainer: emit + sessions + init (wall)', createEnd - firstCompile],
  ['  trainer: emit (sum)', compileMs],
  ['  trainer: session create (sum, overlapping)', sessionMs],
  ['after release → main returns', tEnd - releaseStart - (phases.get('trainer release')?.ms ?? 0)],
  ['total since script start', tEnd - t0, cpuNow()],
];
process.stderr.write(`exit ${code}; ${dist}; latentkit ${cliArgs.join(' ')}\n`);
process.stderr.write(`${'phase'.padEnd(52)}${'wall s'.padStart(9)}${'cpu s'.padStart(9)}\n`);
for (const [k, ms, cpu] of rows) process.stderr.write(`${k.padEnd(52)}${(ms / 1000).toFixed(3).padStart(9)}${cpu === undefined ? '' : (cpu / 1000).toFixed(3).padStart(9)}\n`);
process.stdout.write(`${JSON.stringify(Object.fromEntries(rows.map(([k, ms]) => [k.trim(), +(ms / 1000).toFixed(4)])))}\n`);
void total;
