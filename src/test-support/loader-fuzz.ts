/**
 * The loader fuzz (test-only): small valid files of each format, seeded mutations of them
 * ({@link mutate}), and the outcome of loading each mutant. The allowed outcomes are a clean load
 * or a one-line user error (an error class the CLI prints as one `latentkit: error: …` line, see
 * `isUserError` in src/errors.ts: DataError, UsageError, CorruptFileError, …). Anything else (a
 * TypeError, a RangeError, a zlib error, a message with a line break) is a `bug`; a case over
 * {@link SLOW_CASE_MS} is `slow`. A checkpoint mutant that loads must load exactly as the seed
 * checkpoint did (its checksum covers everything that matters), else it is a `bug` too.
 * Every 4th case is a single format-aware edit (an IHDR field with its CRC fixed, a .npy header
 * dict field, a safetensors JSON number, the content of a gzip stream); the rest are 1–3 raw steps.
 * Used by src/data/fuzz.test.ts and `npm run fuzz` (bench/fuzz.mjs).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { createRequire } from 'node:module';
import { loadData } from '../data/load.js';
import { encodeIdx } from '../data/idx.js';
import { encodeNpy } from '../data/npy.js';
import { isUserError } from '../errors.js';
import { Rng } from '../nn/rng.js';
import { CHECKPOINT_FILE, type LoadedCheckpoint } from '../train/checkpoint.js';
import { loadCheckpoint } from '../workflow/checkpoint-file.js';
import { trainRun } from '../workflow/train-run.js';
import { type MutationPlan, type StructuredEdit, crc32, mutate, mutateStructured, splice } from './mutate.js';

/** A case slower than this fails the fuzz (the bound). */
export const SLOW_CASE_MS = 2000;

/** One fuzzed format: a folder of valid seed files, one of which each case mutates, and the loader. */
export interface FuzzTarget {
  readonly format: string;
  /** Folder holding the valid files; each case rewrites one of `files` and restores it after. */
  readonly dir: string;
  /** Paths (relative to `dir`) a case may mutate, with the plan for each. */
  readonly files: readonly { readonly path: string; readonly plan: MutationPlan }[];
  /** Loads the folder's data the way the CLI does; throws (or rejects) on bad input. */
  readonly load: () => unknown;
  /**
   * For formats whose every byte is covered by a checksum: why a mutant that loaded is wrong
   * (it must load exactly as the seed file did), or undefined if it is right.
   */
  readonly checkLoaded?: (loaded: unknown) => string | undefined;
}

export type Outcome = 'loaded' | 'user-error' | 'bug' | 'slow';

export interface CaseResult {
  readonly format: string;
  readonly index: number;
  readonly outcome: Outcome;
  /** The error's class name and message (for user errors and bugs). */
  readonly error?: string;
  readonly ms: number;
  /** Which file was mutated, and how. */
  readonly file: string;
  readonly steps: readonly string[];
}

const text = (s: string): Uint8Array => Buffer.from(s, 'latin1');

/** Tokens for text formats: separators, quotes, line ends, a BOM, special and huge numbers. */
const CSV_TOKENS = [',', '"', '\n', '\r\n', '\t', ';', ' ', '""', '"a,b"', 'NaN', '-Infinity', '1e39', '-0', '.', '1e', '99999999999999999999', '\u00ef\u00bb\u00bf', '\u0000', 'label', '0x10'].map(text);

/**
 * Runs case `index` of `target`: mutates one of its files with `new Rng(`${seed}:${format}:${index}`)`,
 * loads, restores the file. Never throws for the loader's sake: every outcome is returned.
 */
export async function runCase(target: FuzzTarget, seed: number | string, index: number): Promise<CaseResult> {
  const rng = new Rng(`${seed}:${target.format}:${index}`);
  const file = target.files[rng.int(target.files.length)]!;
  const path = join(target.dir, file.path);
  const original = readFileSync(path);
  // Every 4th case is one format-aware header edit alone; the others are 1–3 random steps.
  const { bytes, steps } = index % 4 === 3 ? mutateStructured(original, rng, file.plan) : mutate(original, rng, file.plan);
  writeFileSync(path, bytes);
  const t0 = performance.now();
  let outcome: Outcome = 'loaded';
  let error: string | undefined;
  try {
    const loaded = await target.load(); // not inside `checkLoaded?.(…)`, which would skip it when there is no check
    const wrong = target.checkLoaded?.(loaded);
    if (wrong !== undefined) {
      outcome = 'bug';
      error = wrong;
    }
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    error = `${err.name}: ${err.message}`;
    outcome = isUserError(e) && !err.message.includes('\n') ? 'user-error' : 'bug';
    if (outcome === 'bug' && err.stack) error = err.stack.split('\n').slice(0, 4).join(' | ');
  } finally {
    writeFileSync(path, original);
  }
  const ms = performance.now() - t0;
  if (ms > SLOW_CASE_MS && outcome !== 'bug') outcome = 'slow';
  return { format: target.format, index, outcome, ...(error !== undefined ? { error } : {}), ms, file: file.path, steps };
}

// ------------------------------------------------------------ seed files per format

/** A CSV with a header, a label column, integers, decimals, an exponent, a quoted cell. */
function csvTarget(root: string): FuzzTarget {
  const dir = join(root, 'csv');
  mkdirSync(dir, { recursive: true });
  const rows = ['label,a,b,c'];
  for (let i = 0; i < 12; i++) rows.push(`${i % 3},${i * 0.25},${-i},${i === 4 ? '"1.5e2"' : i / 7}`);
  const body = text(rows.join('\n') + '\n');
  writeFileSync(join(dir, 'data.csv'), body);
  return { format: 'csv', dir, files: [{ path: 'data.csv', plan: { headerBytes: 12, tokens: CSV_TOKENS } }], load: () => loadData(join(dir, 'data.csv')) };
}

/** Rewrites the dict of a .npy v1 header (keeping the data), fixing the header-length field. */
function npyHeaderEdit(bytes: Uint8Array, rng: Rng): Uint8Array {
  if (bytes.length < 10) return bytes;
  const len = bytes[8]! | (bytes[9]! << 8);
  if (10 + len > bytes.length) return bytes;
  const header = Buffer.from(bytes.subarray(10, 10 + len)).toString('latin1');
  const shapes = ['(0, 4)', '(6,)', '()', '(6, 4, 1)', '(-1, 4)', '(4294967296, 4)', '(99999999999999999999, 4)', '(3, 8)', '(6, 0)', '(1e3, 4)', '(6, 4'];
  const descrs = ['<f4', '>f4', '|u1', '<f8', '<i8', '<u2', '<c8', '|b1', '<f2', 'O', "[('a', '<f4')]"];
  let edited: string;
  const r = rng.int(3);
  if (r === 0) edited = header.replace(/\([^)]*\)/, shapes[rng.int(shapes.length)]!);
  else if (r === 1) edited = header.replace(/'descr': '[^']*'/, `'descr': '${descrs[rng.int(descrs.length)]}'`);
  else edited = header.replace('False', 'True');
  const out = text(edited);
  const result = new Uint8Array(10 + out.length + bytes.length - 10 - len);
  result.set(bytes.subarray(0, 8));
  new DataView(result.buffer).setUint16(8, out.length, true);
  result.set(out, 10);
  result.set(bytes.subarray(10 + len), 10 + out.length);
  return result;
}

/** A float32 [6, 4] array and a uint8 [5, 3] array (one is mutated per case). */
function npyTarget(root: string): FuzzTarget {
  const dir = join(root, 'npy');
  mkdirSync(dir, { recursive: true });
  const f4 = encodeNpy(Float32Array.from({ length: 24 }, (_, i) => (i - 10) / 3), [6, 4]);
  writeFileSync(join(dir, 'f4.npy'), f4);
  const u1Header = "{'descr': '|u1', 'fortran_order': False, 'shape': (5, 3), }";
  const pad = ' '.repeat((64 - ((10 + u1Header.length + 1) % 64)) % 64) + '\n';
  const u1 = Buffer.concat([Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, (u1Header + pad).length, 0]), text(u1Header + pad), Buffer.from(Array.from({ length: 15 }, (_, i) => i * 17))]);
  writeFileSync(join(dir, 'u1.npy'), u1);
  const plan: MutationPlan = { headerBytes: 128, tokens: [text('('), text(')'), text(','), text("'"), text('\n'), text('9999999999')], structured: [{ name: 'npy dict', edit: npyHeaderEdit }] };
  return {
    format: 'npy',
    dir,
    files: [
      { path: 'f4.npy', plan },
      { path: 'u1.npy', plan },
    ],
    // The untouched file always loads, so the outcome is the mutant's.
    load: () => [loadData(join(dir, 'f4.npy')), loadData(join(dir, 'u1.npy'))],
  };
}


/** Mutates the decompressed content of a gzip file (so header edits reach the IDX parser), then recompresses it. */
const gzipInner =
  (plan: MutationPlan): StructuredEdit =>
  (bytes, rng) => {
    let inner: Uint8Array;
    try {
      inner = gunzipSync(bytes);
    } catch {
      return bytes;
    }
    return gzipSync(mutate(inner, rng, plan).bytes);
  };

/** An MNIST-style folder: train 6 and test 3 images of 4×4, with labels; plain or gzipped. */
function idxTarget(root: string, gz: boolean): FuzzTarget {
  const dir = join(root, gz ? 'idx-gz' : 'idx');
  mkdirSync(dir, { recursive: true });
  const pixels = (n: number): number[] => Array.from({ length: n * 16 }, (_, i) => (i * 37) % 256);
  const files: Record<string, Uint8Array> = {
    'train-images-idx3-ubyte': encodeIdx([6, 4, 4], pixels(6)),
    'train-labels-idx1-ubyte': encodeIdx([6], [0, 1, 2, 0, 1, 2]),
    't10k-images-idx3-ubyte': encodeIdx([3, 4, 4], pixels(3)),
    't10k-labels-idx1-ubyte': encodeIdx([3], [2, 1, 0]),
  };
  const plain: MutationPlan = { headerBytes: 16 };
  const list = Object.entries(files).map(([name, b]) => {
    const path = gz ? `${name}.gz` : name;
    writeFileSync(join(dir, path), gz ? gzipSync(b) : b);
    return { path, plan: gz ? { headerBytes: 10, structured: [{ name: 'gzip content', edit: gzipInner(plain) }] } : plain };
  });
  return { format: gz ? 'idx-gz' : 'idx', dir, files: list, load: () => loadData(dir) };
}

/**
 * Edits one field of a PNG's IHDR (width, height, bit depth, colour type, interlace) or one byte
 * of its IDAT data, and rewrites that chunk's CRC, so the edit reaches the decoder.
 */
function pngChunkEdit(bytes: Uint8Array, rng: Rng): Uint8Array {
  const out = Uint8Array.from(bytes);
  const dv = new DataView(out.buffer);
  // Chunks start after the 8-byte signature: u32 length, 4-byte type, data, u32 CRC.
  const chunks: { at: number; len: number; type: string }[] = [];
  for (let at = 8; at + 12 <= out.length; ) {
    const len = dv.getUint32(at);
    if (at + 12 + len > out.length) break;
    chunks.push({ at, len, type: Buffer.from(out.subarray(at + 4, at + 8)).toString('latin1') });
    at += 12 + len;
  }
  const ihdr = chunks.find((c) => c.type === 'IHDR' && c.len === 13);
  const idat = chunks.find((c) => c.type === 'IDAT' && c.len > 0);
  let chunk = ihdr;
  if (ihdr && (rng.uniform() < 0.6 || !idat)) {
    const d = ihdr.at + 8;
    const sizes = [0, 1, 3, 65535, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 30000, 1 << 20];
    // Sizes whose product a decoder could still allocate (≤ 4 GB of RGBA): a decompression bomb's header.
    const bomb = [2000, 10000, 30000, 2 ** 31 - 1];
    switch (rng.int(6)) {
      case 0:
        dv.setUint32(d, sizes[rng.int(sizes.length)]!);
        break;
      case 5:
        dv.setUint32(d, bomb[rng.int(bomb.length)]!);
        dv.setUint32(d + 4, bomb[rng.int(bomb.length)]!);
        break;
      case 1:
        dv.setUint32(d + 4, sizes[rng.int(sizes.length)]!);
        break;
      case 2:
        out[d + 8] = [0, 1, 2, 4, 8, 16, 3][rng.int(7)]!;
        break;
      case 3:
        out[d + 9] = [0, 1, 2, 3, 4, 5, 6, 7][rng.int(8)]!;
        break;
      default:
        out[d + 12] = rng.int(3);
    }
  } else if (idat) {
    chunk = idat;
    const at = idat.at + 8 + rng.int(idat.len);
    out[at] = rng.int(256);
  }
  if (chunk) dv.setUint32(chunk.at + 8 + chunk.len, crc32(out.subarray(chunk.at + 4, chunk.at + 8 + chunk.len)));
  return out;
}

/** A class folder of 4×3 PNGs: a/ holds a grayscale and an RGB-less twin, b/ one image. */
function pngTarget(root: string): FuzzTarget {
  const dir = join(root, 'png');
  const { PNG } = createRequire(import.meta.url)('pngjs') as typeof import('pngjs');
  const png = (seed: number): Buffer => {
    const img = new PNG({ width: 4, height: 3 });
    for (let i = 0; i < 12; i++) img.data.set([(i * seed) % 256, (i * seed) % 256, (i * seed) % 256, 255], 4 * i);
    return PNG.sync.write(img, { colorType: 0 });
  };
  const names = ['a/1.png', 'a/2.png', 'b/3.png'];
  for (const [i, name] of names.entries()) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), png(7 + 13 * i));
  }
  const plan: MutationPlan = { headerBytes: 33, structured: [{ name: 'png chunk', edit: pngChunkEdit }] };
  return { format: 'png-folder', dir, files: names.map((path) => ({ path, plan })), load: () => loadData(dir) };
}

/**
 * Rewrites a number in a safetensors JSON header (a shape, an offset, the header length's
 * neighbours) to a boundary value and fixes the u64 header length, so the edit gets past the
 * length check to the table and checksum checks.
 */
function safetensorsJsonEdit(bytes: Uint8Array, rng: Rng): Uint8Array {
  if (bytes.length < 8) return bytes;
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  if (n > bytes.length - 8) return bytes;
  const json = Buffer.from(bytes.subarray(8, 8 + n)).toString('utf8');
  const numbers = [...json.matchAll(/\d+/g)];
  if (numbers.length === 0) return bytes;
  const m = numbers[rng.int(numbers.length)]!;
  const values = ['0', '1', '-1', '4294967296', '9007199254740993', '1e309', '2.5', String(Number(m[0]) + 1), String(Number(m[0]) * 1024)];
  const edited = Buffer.from(json.slice(0, m.index) + values[rng.int(values.length)] + json.slice(m.index! + m[0].length), 'utf8');
  const out = splice(bytes, 8, n, edited);
  new DataView(out.buffer).setBigUint64(0, BigInt(edited.length), true);
  return out;
}

/** The checkpoint of a tiny trained run (ae, 4 → 3 → 2, one epoch on 40 rows). */
async function checkpointTarget(root: string): Promise<FuzzTarget> {
  const dir = join(root, 'ckpt');
  const data = join(root, 'ckpt-data.csv');
  const rows = ['a,b,c,d'];
  for (let i = 0; i < 40; i++) rows.push([i % 5, (i * 3) % 7, (i * 5) % 11, (i * 7) % 13].map((v) => v / 10).join(','));
  writeFileSync(data, rows.join('\n') + '\n');
  await trainRun({ report: false, model: { family: 'ae', hidden: [3], latent: 2 }, train: { epochs: 1, batchSize: 16 }, data: { spec: data }, out: dir, threads: 1 });
  const plan: MutationPlan = { headerBytes: 8, tokens: [text('"'), text('}'), text('{"x":1}'), text('null')], structured: [{ name: 'safetensors json', edit: safetensorsJsonEdit }] };
  const seed = await loadCheckpoint(dir);
  return { format: 'checkpoint', dir, files: [{ path: CHECKPOINT_FILE, plan }], load: () => loadCheckpoint(dir), checkLoaded: (c) => checkpointDifference(seed, c as LoadedCheckpoint) };
}

/** Where checkpoint `b` differs from `a` (family, progress, tensor names, shapes or values), or undefined. */
function checkpointDifference(a: LoadedCheckpoint, b: LoadedCheckpoint): string | undefined {
  if (a.family !== b.family) return `a changed checkpoint loaded: family ${b.family}`;
  if (JSON.stringify(a.progress) !== JSON.stringify(b.progress)) return `a changed checkpoint loaded: progress ${JSON.stringify(b.progress)}`;
  const names = Object.keys(a.tensors).sort();
  if (names.join() !== Object.keys(b.tensors).sort().join()) return `a changed checkpoint loaded: tensors ${Object.keys(b.tensors).join(', ')}`;
  for (const name of names) {
    const x = a.tensors[name]!;
    const y = b.tensors[name]!;
    if (x.shape.join() !== y.shape.join() || !Buffer.from(x.data.buffer, x.data.byteOffset, x.data.byteLength).equals(Buffer.from(y.data.buffer, y.data.byteOffset, y.data.byteLength))) {
      return `a changed checkpoint loaded: tensor ${name}`;
    }
  }
  return undefined;
}

/** Every fuzzed format's target, its seed files written under `root` (the checkpoint needs a short training run). */
export async function makeTargets(root: string): Promise<FuzzTarget[]> {
  return [csvTarget(root), npyTarget(root), idxTarget(root, false), idxTarget(root, true), pngTarget(root), await checkpointTarget(root)];
}
