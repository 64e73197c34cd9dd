// Streaming bench (issue 10, "data larger than memory"); not part of `npm test`.
//
//   node bench/stream.mjs [--rows 10000000] [--train-rows 1000000] [--repeats 3] [--dir /work/bench-data] [--keep]
//
// 1. Writes <dir>/fmnist-<rows>-u8.npy: `rows` uint8 images of 28x28 (10M rows = 7.84 GB), Fashion-MNIST's
//    60,000 training images tiled, each copy with seeded noise (every pixel ±0..7, clamped), so no two rows repeat.
// 2. Writes <dir>/fmnist-<train-rows>-u8.npy: its first `train-rows` rows, for the in-memory comparison.
// 3. Alternates, `repeats` times each: one epoch of the reference VAE streamed from the big file
//    (`--stream --limit <train-rows>`) and one epoch in memory on the small file, each under /usr/bin/time -v.
//    Prints samples/s (trainer's own figure, --json) and peak RSS, and their medians.
// The data files are removed at the end unless --keep. Run it when the machine is quiet: it trains for minutes.
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const ROWS = Number(opt('rows', 10_000_000));
const TRAIN_ROWS = Number(opt('train-rows', 1_000_000));
const REPEATS = Number(opt('repeats', 3));
const DIR = opt('dir', '/work/bench-data');
const KEEP = args.includes('--keep');
const ROOT = resolve(new URL('..', import.meta.url).pathname);
const BIN = join(ROOT, 'bin', 'latentkit.js');
const D = 784;

function npyHeader(n) {
  let header = `{'descr': '|u1', 'fortran_order': False, 'shape': (${n}, 28, 28), }`;
  header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
  const out = Buffer.alloc(10 + header.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  out.writeUInt16LE(header.length, 8);
  out.write(header, 10, 'latin1');
  return out;
}

function makeBig(path) {
  const src = gunzipSync(readFileSync('/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz')).subarray(16);
  const base = src.length / D;
  const fd = openSync(path, 'w');
  writeSync(fd, npyHeader(ROWS));
  const chunkRows = 16_384;
  const chunk = Buffer.alloc(chunkRows * D);
  let s = 12345;
  const t0 = Date.now();
  for (let r = 0; r < ROWS; r += chunkRows) {
    const rows = Math.min(chunkRows, ROWS - r);
    for (let i = 0; i < rows; i++) {
      const from = ((r + i) % base) * D;
      for (let j = 0; j < D; j++) {
        s = (Math.imul(s, 1103515245) + 12345) >>> 0;
        const v = src[from + j] + ((s >>> 28) & 7) - 3;
        chunk[i * D + j] = v < 0 ? 0 : v > 255 ? 255 : v;
      }
    }
    writeSync(fd, chunk, 0, rows * D);
  }
  closeSync(fd);
  console.log(`wrote ${path}: ${ROWS} rows, ${(statSync(path).size / 1e9).toFixed(2)} GB in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

function makeSmall(big, path) {
  const header = npyHeader(ROWS).length;
  const fd = openSync(path, 'w');
  writeSync(fd, npyHeader(TRAIN_ROWS));
  const src = openSync(big, 'r');
  const buf = Buffer.alloc(16_384 * D);
  for (let r = 0; r < TRAIN_ROWS; r += 16_384) {
    const len = Math.min(16_384, TRAIN_ROWS - r) * D;
    for (let done = 0; done < len; ) {
      const n = readSync(src, buf, done, len - done, header + r * D + done);
      if (n === 0) throw new Error(`${big}: short read`);
      done += n;
    }
    writeSync(fd, buf, 0, len);
  }
  closeSync(src);
  closeSync(fd);
}

/** One training run under /usr/bin/time -v: its samples/s, peak RSS (MB) and wall time. */
function run(label, trainArgs) {
  const out = join(DIR, `run-${label}`);
  rmSync(out, { recursive: true, force: true });
  const t0 = Date.now();
  const r = spawnSync('/usr/bin/time', ['-v', process.execPath, BIN, 'train', ...trainArgs, '--epochs', '1', '--quiet', '--no-report', '--json', '--out', out], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const wall = (Date.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${label} failed:\n${r.stderr}`);
  const summary = JSON.parse(r.stdout.trim().split('\n').at(-1));
  const rss = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)[1]) / 1024;
  rmSync(out, { recursive: true, force: true });
  return { label, samplesPerSec: summary.samples_per_sec, rssMB: rss, wall };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

mkdirSync(DIR, { recursive: true });
const big = join(DIR, `fmnist-${ROWS}-u8.npy`);
const small = join(DIR, `fmnist-${TRAIN_ROWS}-u8.npy`);
if (!existsSync(big) || statSync(big).size !== npyHeader(ROWS).length + ROWS * D) makeBig(big);
if (!existsSync(small) || statSync(small).size !== npyHeader(TRAIN_ROWS).length + TRAIN_ROWS * D) makeSmall(big, small);
if (REPEATS === 0) process.exit(0); // --repeats 0: only make the data files
console.log(`machine: ${execFileSync('nproc').toString().trim()} cores; free: ${execFileSync('free', ['-g']).toString().split('\n')[1]}`);

const streamed = [];
const inMemory = [];
for (let i = 0; i < REPEATS; i++) {
  streamed.push(run('stream', ['--data', big, '--stream', '--limit', String(TRAIN_ROWS)]));
  console.log(JSON.stringify(streamed.at(-1)));
  inMemory.push(run('memory', ['--data', small]));
  console.log(JSON.stringify(inMemory.at(-1)));
}
const table = (name, rs) => `| ${name} | ${rs.map((r) => Math.round(r.samplesPerSec)).join(', ')} | ${Math.round(median(rs.map((r) => r.samplesPerSec)))} | ${Math.round(Math.max(...rs.map((r) => r.rssMB)))} MB | ${median(rs.map((r) => r.wall)).toFixed(0)} s |`;
console.log(`\nreference VAE, one epoch, ${TRAIN_ROWS} rows of ${ROWS} (uint8 28x28), batch 128\n`);
console.log('| data | samples/s (runs) | median | peak RSS | median wall |');
console.log('| --- | --- | --- | --- | --- |');
console.log(table(`streamed from the ${(statSync(big).size / 1e9).toFixed(2)} GB .npy (--stream --limit ${TRAIN_ROWS})`, streamed));
console.log(table(`in memory (${(statSync(small).size / 1e9).toFixed(2)} GB .npy of the same rows)`, inMemory));
if (!KEEP) {
  rmSync(big, { force: true });
  rmSync(small, { force: true });
}
