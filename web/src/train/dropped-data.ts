/**
 * A dataset the user drops on the Train tab, parsed in the page (nothing is uploaded):
 *
 * - one `.csv` / `.tsv` / `.txt` file: numeric cells, parsed by csv-parse; the first line is a
 *   header iff none of its cells is a number; a header column named `label` holds integer class
 *   ids (as `latentkit train --data file.csv`). Cells go through csv-cells.ts, so a bad cell is
 *   the CLI's one-line message (`file.csv:3:2: cell "x" is not a finite number`).
 * - one `.npy` file of shape [n, ...] (f4, f8, u1 scaled by 1/255, i1/i2/i4/u2/u4), C order.
 * - one or more `.png` images: decoded by the browser; [1, H, W] when the PNG is grey (colour
 *   type 0 or 4), else [3, H, W]; values / 255. All must share one size and mode.
 *
 * Anything else, or a file that does not parse, is a {@link DataError} with one line for the page.
 */
import { parse as parseCsv } from 'csv-parse/browser/esm/sync';
import { featureValue, labelValue, unquote } from '../../../src/data/csv-cells.js';
import type { Dataset } from '../../../src/data/dataset.js';
import { DataError } from '../../../src/data/errors.js';
import { validateFinite } from '../../../src/data/ops.js';

export { DataError };

const CSV = /\.(csv|tsv|tab|txt)$/i;
const NPY = /\.npy$/i;
const PNG = /\.png$/i;

/** Parses the dropped files into one dataset (the page then splits it as the CLI does). */
export async function parseDroppedFiles(files: readonly File[]): Promise<Dataset> {
  if (files.length === 0) throw new DataError('nothing was dropped');
  const pngs = files.filter((f) => PNG.test(f.name));
  if (pngs.length > 0 && pngs.length === files.length) return decodePngs(pngs);
  if (files.length > 1) throw new DataError(`drop one CSV/TSV or NPY file, or PNG images only (got ${files.map((f) => f.name).join(', ').slice(0, 200)})`);
  const f = files[0]!;
  let ds: Dataset;
  if (CSV.test(f.name)) ds = parseCsvText(f.name, await f.text());
  else if (NPY.test(f.name)) ds = parseNpy(f.name, new Uint8Array(await f.arrayBuffer()));
  else throw new DataError(`${f.name} is not a dataset the page reads: drop a CSV/TSV file, an NPY file or PNG images`);
  validateFinite(ds);
  return ds;
}

/** A CSV/TSV text as the CLI's loadCsv reads it (delimiter: tab for .tsv/.tab, else the first of `, \t ; |` in the first line). */
export function parseCsvText(name: string, text: string): Dataset {
  const firstLine = text.replace(/^\uFEFF/, '').split(/\r?\n/).find((l) => l.trim() !== '') ?? '';
  if (firstLine === '') throw new DataError(`no data rows in ${name} (file is empty)`);
  const delimiter = /\.(tsv|tab)$/i.test(name) ? '\t' : ([',', '\t', ';', '|'].find((c) => firstLine.includes(c)) ?? ',');
  let records: string[][];
  try {
    records = parseCsv(text, { delimiter, bom: true, skip_empty_lines: true, relax_column_count: true, info: false }) as string[][];
  } catch (e) {
    throw new DataError(`${name}: ${(e as Error).message.split('\n')[0]}`);
  }
  const first = records[0]!.map((c) => unquote(c.trim()));
  const header = first.every((c) => !/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(c));
  const labelCol = header ? first.findIndex((c) => c.toLowerCase() === 'label') : -1;
  const rows = header ? records.slice(1) : records;
  const ncols = first.length;
  const d = ncols - (labelCol >= 0 ? 1 : 0);
  if (rows.length === 0) throw new DataError(`no data rows in ${name} (only a header)`);
  if (d < 1) throw new DataError(`${name}: no feature columns (only a label column)`);
  const x = new Float32Array(rows.length * d);
  const labels = labelCol >= 0 ? new Int32Array(rows.length) : undefined;
  const lineOf = (r: number): number => r + 1 + (header ? 1 : 0);
  rows.forEach((row, r) => {
    if (row.length !== ncols) throw new DataError(`${name}:${lineOf(r)}: ${row.length} columns, expected ${ncols}`);
    let j = 0;
    row.forEach((cell, c) => {
      const where = `${name}:${lineOf(r)}:${c + 1}`;
      const v = cell.trim();
      if (c === labelCol) labels![r] = labelValue(v, where);
      else x[r * d + j++] = featureValue(v, where);
    });
  });
  const base = { name, n: rows.length, sampleShape: [d], x };
  if (!labels) return base;
  const numClasses = labels.reduce((m, l) => Math.max(m, l), -1) + 1;
  return { ...base, labels, numClasses };
}

const NPY_DTYPES: Record<string, { size: number; get: (v: DataView, o: number, le: boolean) => number; scale?: number }> = {
  f4: { size: 4, get: (v, o, le) => v.getFloat32(o, le) },
  f8: { size: 8, get: (v, o, le) => v.getFloat64(o, le) },
  u1: { size: 1, get: (v, o) => v.getUint8(o), scale: 1 / 255 },
  i1: { size: 1, get: (v, o) => v.getInt8(o) },
  u2: { size: 2, get: (v, o, le) => v.getUint16(o, le) },
  i2: { size: 2, get: (v, o, le) => v.getInt16(o, le) },
  u4: { size: 4, get: (v, o, le) => v.getUint32(o, le) },
  i4: { size: 4, get: (v, o, le) => v.getInt32(o, le) },
};

/** A `.npy` array [n, ...] as rows of shape [...] (a 1-d array: rows of one value). */
export function parseNpy(name: string, bytes: Uint8Array): Dataset {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || !magic.every((b, i) => bytes[i] === b)) throw new DataError(`${name}: not a .npy file (missing \\x93NUMPY magic)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6]!;
  const [len, start] = major === 1 ? [view.getUint16(8, true), 10] : [bytes.length >= 12 ? view.getUint32(8, true) : Infinity, 12];
  if (start + len > bytes.length) throw new DataError(`${name}: truncated .npy header`);
  const text = new TextDecoder('latin1').decode(bytes.subarray(start, start + len));
  const descr = /['"]descr['"]\s*:\s*['"]([<>|=])?([a-z]\d+)['"]/.exec(text);
  const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (/['"]fortran_order['"]\s*:\s*True/.test(text)) throw new DataError(`${name}: Fortran-ordered .npy arrays are not supported (save with np.ascontiguousarray)`);
  const dtype = descr ? NPY_DTYPES[descr[2]!] : undefined;
  if (!descr || !dtype) throw new DataError(`${name}: unsupported .npy dtype ${descr ? descr[2] : '(none)'} (use float32, float64 or integers)`);
  if (shapeText === undefined) throw new DataError(`${name}: malformed .npy header`);
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  if (shape.length === 0 || shape.some((s) => !Number.isInteger(s) || s < 0)) throw new DataError(`${name}: .npy shape (${shapeText}) is not an array of rows`);
  const n = shape[0]!;
  const sampleShape = shape.length === 1 ? [1] : shape.slice(1);
  const dim = sampleShape.reduce((a, b) => a * b, 1);
  if (n < 1 || dim < 1) throw new DataError(`${name}: no rows (shape (${shapeText}))`);
  const offset = start + len;
  if (bytes.length - offset !== n * dim * dtype.size) throw new DataError(`${name}: the header's shape (${shapeText}) needs ${n * dim * dtype.size} bytes of data, the file has ${bytes.length - offset}`);
  const le = descr[1] !== '>';
  const x = new Float32Array(n * dim);
  for (let i = 0; i < x.length; i++) x[i] = dtype.get(view, offset + i * dtype.size, le) * (dtype.scale ?? 1);
  return { name, n, sampleShape, x };
}

/** Width, height and grey/colour of a PNG from its IHDR chunk (null when the bytes are not a PNG). */
function pngFormat(bytes: Uint8Array): { width: number; height: number; channels: 1 | 3 } | null {
  const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length < 33 || sig.some((b, i) => bytes[i] !== b)) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const colourType = bytes[25]!;
  return { width: view.getUint32(16), height: view.getUint32(20), channels: colourType === 0 || colourType === 4 ? 1 : 3 };
}

const describe = (f: { width: number; height: number; channels: number }): string => `${f.width}×${f.height} ${f.channels === 1 ? 'grey' : 'colour'}`;

/** PNG images decoded by the browser into rows [C, H, W] (planar, / 255). */
async function decodePngs(files: readonly File[]): Promise<Dataset> {
  const sorted = [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  let ref: { file: string; width: number; height: number; channels: 1 | 3 } | undefined;
  let x = new Float32Array(0);
  for (let i = 0; i < sorted.length; i++) {
    const file = sorted[i]!;
    const bytes = new Uint8Array(await file.arrayBuffer());
    const format = pngFormat(bytes);
    if (!format) throw new DataError(`${file.name} is not a PNG image (no PNG signature)`);
    if (!ref) {
      ref = { file: file.name, ...format };
      x = new Float32Array(sorted.length * format.channels * format.width * format.height);
    } else if (format.width !== ref.width || format.height !== ref.height || format.channels !== ref.channels) {
      throw new DataError(`${file.name} is ${describe(format)}, but the first image ${ref.file} is ${describe(ref)}; all images must share one size and mode`);
    }
    let bitmap: ImageBitmap;
    try {
      bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/png' }), { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
    } catch (e) {
      throw new DataError(`${file.name} is not a readable PNG (${(e as Error).message})`);
    }
    const canvas = new OffscreenCanvas(ref.width, ref.height);
    const ctx = canvas.getContext('2d')!;
    ctx.drawImage(bitmap, 0, 0);
    bitmap.close();
    const rgba = ctx.getImageData(0, 0, ref.width, ref.height).data;
    const hw = ref.width * ref.height;
    const base = i * ref.channels * hw;
    for (let c = 0; c < ref.channels; c++) for (let p = 0; p < hw; p++) x[base + c * hw + p] = rgba[4 * p + c]! / 255;
  }
  const f = ref!;
  return { name: sorted.length === 1 ? f.file : `${sorted.length} PNG images`, n: sorted.length, sampleShape: [f.channels, f.height, f.width], x };
}
