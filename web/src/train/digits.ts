/**
 * The bundled digits in the page: `data/digits.bin` (gzipped), written at build time by
 * web/build/digits-asset.ts (layout documented there), inflated with `DecompressionStream` and
 * decoded to the train and test splits `loadBundledMnist` gives in Node, value for value
 * (9,003 train then 997 test rows, sampleShape [1, 28, 28], labels 0–9).
 */
import type { Dataset, Split } from '../../../src/data/dataset.js';

export const DIGITS_URL = 'data/digits.bin';
const MAGIC = 'LKDIGWB1';
const DIGIT_NAMES = Array.from({ length: 10 }, (_, d) => String(d));

/** Decodes the packed (already inflated) digits. Throws when the bytes are not that layout. */
export function unpackDigits(bytes: Uint8Array): Split {
  const magic = String.fromCharCode(...bytes.subarray(0, 8));
  if (magic !== MAGIC) throw new Error(`${DIGITS_URL} is not the page's digits file (magic ${JSON.stringify(magic)})`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const [nTrain, nTest, d, k] = [0, 1, 2, 3].map((i) => view.getUint32(8 + 4 * i, true)) as [number, number, number, number];
  const rows = nTrain + nTest;
  const codebookAt = 24;
  const labelsAt = codebookAt + 4 * k;
  const codesAt = labelsAt + rows;
  if (bytes.length !== codesAt + rows * d) throw new Error(`${DIGITS_URL} holds ${bytes.length} bytes, its header says ${codesAt + rows * d}`);
  const codebook = new Float32Array(bytes.slice(codebookAt, labelsAt).buffer);
  const split = (name: string, first: number, n: number): Dataset => {
    const x = new Float32Array(n * d);
    const codes = bytes.subarray(codesAt + first * d, codesAt + (first + n) * d);
    for (let i = 0; i < x.length; i++) x[i] = codebook[codes[i]!]!;
    return { name, n, sampleShape: [1, 28, 28], x, labels: Int32Array.from(bytes.subarray(labelsAt + first, labelsAt + first + n)), numClasses: 10, classNames: DIGIT_NAMES };
  };
  return { train: split('mnist (bundled) [train]', 0, nTrain), test: split('mnist (bundled) [test]', nTrain, nTest) };
}

/** Fetches and decodes the bundled digits (relative to the page). */
export async function fetchDigits(base: string | URL): Promise<Split> {
  const res = await fetch(new URL(DIGITS_URL, base));
  if (!res.ok) throw new Error(`${DIGITS_URL} is missing (HTTP ${res.status}); rebuild the page with npm run build:web`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  // gzip magic 1f 8b: still compressed (a server that sent it with Content-Encoding: gzip had the browser inflate it already)
  const gzipped = bytes[0] === 0x1f && bytes[1] === 0x8b;
  const raw = gzipped ? new Uint8Array(await new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'))).arrayBuffer()) : bytes;
  return unpackDigits(raw);
}
