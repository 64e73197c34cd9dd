// Data loading speed and peak memory: a 100k × 784 CSV (MNIST-like integers, and [0, 1] decimals),
// a folder of 10k 28×28 PNGs in 10 class folders, and the bundled digits (JSON vs binary cache).
// Generates its files in a temp dir, then loads each in a fresh child process and prints
// seconds and peak RSS (VmHWM of /proc/self/status: unlike getrusage's maxRSS, it is not inherited
// from the parent across fork/exec) next to the float32 size of the data.
//
//   npx tsc -p tsconfig.json && node bench/data-load.mjs [--rows 100000] [--images 10000] [--keep]
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const MB = 1024 * 1024;

/** Peak resident set size of this process in MB. */
function peakRssMB() {
  if (existsSync('/proc/self/status')) {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  }
  return process.resourceUsage().maxRSS / 1024;
}

async function child(kind, path) {
  const { loadCsv } = await import('../dist/data/csv.js');
  const { loadData } = await import('../dist/data/load.js');
  const { loadBundledMnist } = await import('../dist/data/mnist.js');
  const { loadRunData } = await import('../dist/workflow/run-data.js');
  const rssBefore = process.memoryUsage().rss;
  const t0 = performance.now();
  let values = 0;
  if (kind === 'csv') values = loadCsv(path).x.length;
  else if (kind === 'csv-split' || kind === 'png') {
    const s = loadData(path);
    values = s.train.x.length + s.test.x.length;
  } else if (kind === 'csv-standardize') {
    const s = loadRunData(undefined, { spec: path, standardize: true });
    values = s.train.x.length + s.test.x.length;
  } else if (kind === 'mnist-json' || kind === 'mnist-cache') {
    const s = loadBundledMnist(kind === 'mnist-json' ? { cacheDir: null } : { cacheDir: path });
    values = s.train.x.length + s.test.x.length;
  } else throw new Error(`unknown case ${kind}`);
  const seconds = (performance.now() - t0) / 1000;
  process.stdout.write(JSON.stringify({ seconds, values, rssBeforeMB: rssBefore / MB, peakRssMB: peakRssMB() }) + '\n');
}

/** 100k rows of `label,p0..p783`: about 80% zeros; the rest integers 1..255 or 3-decimal values in (0, 1]. */
function writeCsv(path, rows, decimals) {
  const fd = openSync(path, 'w');
  writeSync(fd, 'label,' + Array.from({ length: 784 }, (_, j) => `p${j}`).join(',') + '\n');
  let s = 12345;
  const rand = () => ((s = (s * 1103515245 + 12345) & 0x7fffffff), s / 0x80000000);
  let chunk = [];
  for (let i = 0; i < rows; i++) {
    const cells = [String(i % 10)];
    for (let j = 0; j < 784; j++) {
      const r = rand();
      cells.push(r < 0.8 ? '0' : decimals ? (Math.ceil(rand() * 1000) / 1000).toString() : String(1 + Math.floor(rand() * 255)));
    }
    chunk.push(cells.join(','));
    if (chunk.length === 2000) {
      writeSync(fd, chunk.join('\n') + '\n');
      chunk = [];
    }
  }
  if (chunk.length) writeSync(fd, chunk.join('\n') + '\n');
  closeSync(fd);
}

async function writePngFolder(dir, count) {
  const { PNG } = (await import('pngjs')).default;
  let s = 7;
  const rand = () => ((s = (s * 1103515245 + 12345) & 0x7fffffff), s / 0x80000000);
  for (let c = 0; c < 10; c++) mkdirSync(join(dir, `class${c}`), { recursive: true });
  for (let i = 0; i < count; i++) {
    const img = new PNG({ width: 28, height: 28 });
    img.data = Buffer.from(Array.from({ length: 784 }, () => (rand() < 0.8 ? 0 : Math.floor(rand() * 256))));
    writeFileSync(join(dir, `class${i % 10}`, `${String(i).padStart(5, '0')}.png`), PNG.sync.write(img, { colorType: 0, inputColorType: 0, inputHasAlpha: false }));
  }
}

function run(kind, path) {
  const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child', kind, path ?? ''], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split('\n').pop());
}

async function main() {
  const { values } = parseArgs({ options: { child: { type: 'string' }, rows: { type: 'string', default: '100000' }, images: { type: 'string', default: '10000' }, keep: { type: 'boolean', default: false } }, allowPositionals: true, strict: false });
  if (values.child) return child(values.child, process.argv[4]);
  const rows = Number(values.rows);
  const images = Number(values.images);
  const dir = mkdtempSync(join(os.tmpdir(), 'latentkit-data-bench-'));
  try {
    console.log(`# data loading, ${os.cpus().length} cores, node ${process.version}, ${new Date().toISOString()}`);
    const intCsv = join(dir, 'ints.csv');
    const decCsv = join(dir, 'decimals.csv');
    const pngDir = join(dir, 'png');
    let t = performance.now();
    writeCsv(intCsv, rows, false);
    writeCsv(decCsv, rows, true);
    await writePngFolder(pngDir, images);
    console.log(`generated in ${((performance.now() - t) / 1000).toFixed(1)} s: ${intCsv} (${(statSync(intCsv).size / MB).toFixed(0)} MB), ${decCsv} (${(statSync(decCsv).size / MB).toFixed(0)} MB), ${images} PNGs`);
    const cases = [
      ['csv', intCsv, `loadCsv ${rows}×784 integer CSV`],
      ['csv', decCsv, `loadCsv ${rows}×784 decimal CSV`],
      ['csv-split', intCsv, `loadData (CSV + seeded split) ${rows}×784`],
      ['csv-standardize', intCsv, `loadRunData --standardize (CSV + split + statistics) ${rows}×784`],
      ['png', pngDir, `loadData ${images} PNGs 28×28 in 10 class folders`],
      ['mnist-json', '', 'bundled digits from JSON (no cache)'],
      ['mnist-cache', join(dir, 'cache'), 'bundled digits, first call: JSON + writes the binary cache'],
      ['mnist-cache', join(dir, 'cache'), 'bundled digits from the binary cache'],
    ];
    console.log('| case | seconds | peak RSS MB | RSS before MB | float32 data MB | peak / data |');
    console.log('| --- | --- | --- | --- | --- | --- |');
    for (const [kind, path, label] of cases) {
      const r = run(kind, path);
      const dataMB = (r.values * 4) / MB;
      console.log(`| ${label} | ${r.seconds.toFixed(2)} | ${r.peakRssMB.toFixed(0)} | ${r.rssBeforeMB.toFixed(0)} | ${dataMB.toFixed(0)} | ${(r.peakRssMB / dataMB).toFixed(2)} |`);
    }
  } finally {
    if (!values.keep) rmSync(dir, { recursive: true, force: true });
    else console.log(`kept ${dir}`);
  }
}

await main();
