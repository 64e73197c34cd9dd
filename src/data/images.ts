/**
 * Folders of PNG images as datasets, laid out as torchvision's `ImageFolder` expects:
 *
 *   data/cats/a.png, data/cats/b.png, data/dogs/c.png   → labelled: sub-folder = class
 *   data/a.png, data/b.png                              → unlabelled
 *   data/train/<class>/*.png and data/test/<class>/*.png → a fixed train/test split
 *
 * Class names are the sub-folder names sorted by code point; label = index in that list (the
 * same ids torchvision assigns). Within a class folder, PNGs are found recursively and taken in
 * sorted path order. Hidden entries (names starting with `.`) and non-PNG files are ignored.
 *
 * Pixels: decoded with `pngjs` (8-bit; 16-bit images are rescaled to 8 bits), scaled `v / 255`
 * to [0, 1] and stored channel-first (CHW). Grayscale PNGs (colour types 0 and 4) give samples
 * [1, H, W]; RGB and palette PNGs (colour types 2, 3, 6) give [3, H, W]. An alpha channel is
 * dropped, as PIL's `convert('RGB')` in torchvision's default loader does: a pixel keeps its
 * stored colour whatever its opacity. The first image fixes the shape; every other image must
 * have the same size and mode.
 */
import { readdirSync, readFileSync, statSync, type Dirent } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Dataset, Split } from './dataset.js';
import { DataError } from './errors.js';
import { checkFitsInMemory } from './io.js';

/** The PNG files of an image folder and, when it has class sub-folders, their labels. */
export interface ImageFolderListing {
  readonly files: readonly string[];
  /** Class id per file (absent for a folder of PNGs without sub-folders). */
  readonly labels?: Int32Array;
  /** Sorted class sub-folder names (index = label). */
  readonly classNames?: readonly string[];
}

/** Shape and mode of one decoded image, e.g. 28×28 grayscale. */
interface ImageFormat {
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 3;
}

const isPng = (name: string): boolean => name.toLowerCase().endsWith('.png');
const visible = (e: Dirent): boolean => !e.name.startsWith('.');

function readDir(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter(visible)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DataError(`data directory not found: ${dir}`);
    throw new DataError(`cannot read directory ${dir}: ${(err as Error).message}`);
  }
}

/** Is `e` (in `dir`) a directory, following symbolic links? */
function isDir(dir: string, e: Dirent): boolean {
  if (e.isDirectory()) return true;
  if (!e.isSymbolicLink()) return false;
  try {
    return statSync(join(dir, e.name)).isDirectory();
  } catch {
    return false;
  }
}

/** Every PNG under `dir`, recursively, in sorted path order. */
function walkPngs(dir: string, out: string[]): void {
  for (const e of readDir(dir)) {
    const p = join(dir, e.name);
    if (isDir(dir, e)) walkPngs(p, out);
    else if (isPng(e.name)) out.push(p);
  }
}

/**
 * Lists an image folder (see the module comment). Throws {@link DataError} for a missing or
 * empty folder, a folder without PNGs, a class folder without PNGs, or PNGs beside class folders.
 */
export function listImageFolder(dir: string): ImageFolderListing {
  const entries = readDir(dir);
  const subdirs = entries.filter((e) => isDir(dir, e)).map((e) => e.name);
  const pngs = entries.filter((e) => !isDir(dir, e) && isPng(e.name)).map((e) => join(dir, e.name));
  if (subdirs.length > 0 && pngs.length > 0) {
    throw new DataError(`${dir} holds both PNG files (e.g. ${pngs[0]}) and sub-folders (e.g. ${join(dir, subdirs[0]!)}); put every image in a class sub-folder, or remove the sub-folders`);
  }
  if (subdirs.length === 0) {
    if (pngs.length === 0) {
      const other = entries.find((e) => !isDir(dir, e));
      throw new DataError(
        other === undefined
          ? `no PNG images in ${dir} (the folder is empty)`
          : `no PNG images in ${dir} (found ${join(dir, other.name)}; only .png files are read)`,
      );
    }
    return { files: pngs };
  }
  const files: string[] = [];
  const labels: number[] = [];
  subdirs.forEach((cls, label) => {
    const before = files.length;
    walkPngs(join(dir, cls), files);
    if (files.length === before) throw new DataError(`class folder ${join(dir, cls)} has no PNG images; add some or remove the folder`);
    for (let i = before; i < files.length; i++) labels.push(label);
  });
  return { files, labels: Int32Array.from(labels), classNames: subdirs };
}

function describe(f: ImageFormat): string {
  return `${f.width}×${f.height} ${f.channels === 1 ? 'grayscale' : 'RGB'}`;
}

/** [0, 1] value of each byte, as float32 (the same values as `v / 255` stored in a Float32Array). */
function unitTable(): Float32Array {
  const t = new Float32Array(256);
  for (let v = 0; v < 256; v++) t[v] = v / 255;
  return t;
}

type PngSyncRead = (typeof import('pngjs'))['PNG']['sync']['read'];

/** pngjs's decoder, loaded on first use (it is CommonJS, and most commands never read a PNG). */
function pngReader(): PngSyncRead {
  return (createRequire(import.meta.url)('pngjs') as typeof import('pngjs')).PNG.sync.read;
}

/** Channels per pixel of each PNG colour type (gray, -, RGB, palette, gray+alpha, -, RGBA) and the bit depths it allows. */
const PNG_COLOUR_TYPES: Readonly<Record<number, { readonly channels: number; readonly depths: readonly number[] }>> = {
  0: { channels: 1, depths: [1, 2, 4, 8, 16] },
  2: { channels: 3, depths: [8, 16] },
  3: { channels: 1, depths: [1, 2, 4, 8] },
  4: { channels: 2, depths: [8, 16] },
  6: { channels: 4, depths: [8, 16] },
};

/** Largest output of one compressed byte of deflate data (a 258-byte match in 2 bits: 1032:1). */
const DEFLATE_MAX_RATIO = 1032;

/**
 * Checks a PNG's IHDR before decoding (PNG spec §11.2.2): signature, IHDR as the first chunk,
 * width and height in [1, 2^31 − 1], a valid colour type and bit depth. Then bounds its size:
 * the filtered image data, height × (1 + ⌈width · channels · depth / 8⌉) bytes, cannot exceed
 * 1032× the IDAT bytes (deflate's largest ratio), so an edited or corrupt header claiming huge
 * dimensions fails here instead of making the decoder allocate them. Finally the decoded RGBA
 * (4 bytes per pixel) plus the dataset's float32 copy for `count` images must fit in free memory.
 */
function checkPngHeader(file: string, bytes: Uint8Array, count: number): void {
  const bad = (why: string): DataError => new DataError(`${file} is not a readable PNG (${why})`);
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length < 33 || signature.some((b, i) => bytes[i] !== b)) throw bad('no PNG signature and header');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dv.getUint32(8) !== 13 || Buffer.from(bytes.subarray(12, 16)).toString('latin1') !== 'IHDR') throw bad('the first chunk is not a 13-byte IHDR');
  const width = dv.getUint32(16);
  const height = dv.getUint32(20);
  const depth = bytes[24]!;
  const colourType = bytes[25]!;
  if (width < 1 || height < 1 || width > 0x7fffffff || height > 0x7fffffff) throw bad(`IHDR size ${width}×${height} is out of range`);
  const type = PNG_COLOUR_TYPES[colourType];
  if (type === undefined || !type.depths.includes(depth)) throw bad(`IHDR colour type ${colourType} with bit depth ${depth} is not valid`);
  let idat = 0;
  for (let at = 8; at + 12 <= bytes.length; ) {
    const len = dv.getUint32(at);
    if (Buffer.from(bytes.subarray(at + 4, at + 8)).toString('latin1') === 'IDAT') idat += Math.min(len, bytes.length - at - 12);
    at += 12 + len;
  }
  const filtered = height * (1 + Math.ceil((width * type.channels * depth) / 8));
  if (filtered > DEFLATE_MAX_RATIO * idat + 258) {
    throw bad(`IHDR says ${width}×${height} pixels, ${filtered} bytes of image data, but its ${idat} compressed bytes hold at most ${DEFLATE_MAX_RATIO * idat + 258}`);
  }
  const channels = colourType === 0 || colourType === 4 ? 1 : 3;
  checkFitsInMemory(file, `a ${width}×${height} image (of ${count})`, filtered + 4 * width * height + 4 * channels * width * height * count);
}

/** Reads and decodes one PNG; throws DataError naming the file if it is unreadable or corrupt. `count`: images in the dataset (for the memory check). */
function decodePng(file: string, read: PngSyncRead, count: number): { format: ImageFormat; rgba: Uint8Array } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new DataError(`cannot read image ${file}: ${(err as Error).message.replace(/\s+/g, ' ')}`);
  }
  checkPngHeader(file, bytes, count);
  try {
    const png = read(bytes);
    return { format: { width: png.width, height: png.height, channels: png.color ? 3 : 1 }, rgba: png.data };
  } catch (err) {
    throw new DataError(`${file} is not a readable PNG (${(err as Error).message.replace(/\s+/g, ' ')})`);
  }
}

/**
 * Decodes `files` into one dataset. The first file fixes sampleShape ([1, H, W] or [3, H, W]);
 * a file of another size or mode is a {@link DataError} naming both files.
 */
export function decodeImages(name: string, files: readonly string[], expect?: { readonly format: ImageFormat; readonly file: string }): Dataset & { readonly format: ImageFormat } {
  if (files.length === 0) throw new DataError(`no PNG images in ${name}`);
  const table = unitTable();
  const read = pngReader();
  let ref = expect;
  let x = new Float32Array(0);
  let dim = 0;
  for (let i = 0; i < files.length; i++) {
    const file = files[i]!;
    const { format, rgba } = decodePng(file, read, files.length);
    if (ref === undefined) ref = { format, file };
    const f = ref.format;
    if (format.width !== f.width || format.height !== f.height || format.channels !== f.channels) {
      throw new DataError(`${file} is ${describe(format)}, but the first image ${ref.file} is ${describe(f)}; all images must share one size and mode`);
    }
    if (dim === 0) {
      dim = f.channels * f.width * f.height;
      x = new Float32Array(files.length * dim);
    }
    const hw = f.width * f.height;
    const base = i * dim;
    if (f.channels === 1) {
      for (let p = 0; p < hw; p++) x[base + p] = table[rgba[4 * p]!]!;
    } else {
      for (let c = 0; c < 3; c++) {
        const plane = base + c * hw;
        for (let p = 0; p < hw; p++) x[plane + p] = table[rgba[4 * p + c]!]!;
      }
    }
  }
  const f = ref!.format;
  return { name, n: files.length, sampleShape: [f.channels, f.height, f.width], x, format: f };
}

/** Loads a folder of PNGs (see the module comment) as one {@link Dataset}. */
export function loadImageFolder(dir: string, name: string = dir): Dataset {
  const listing = listImageFolder(dir);
  const { format: _format, ...ds } = decodeImages(name, listing.files);
  return withListingLabels(ds, listing);
}

function withListingLabels(ds: Dataset, listing: ImageFolderListing): Dataset {
  if (listing.labels === undefined || listing.classNames === undefined) return ds;
  return { ...ds, labels: listing.labels, numClasses: listing.classNames.length, classNames: listing.classNames };
}

/** Does `dir` hold `train/` and `test/` sub-folders (a pre-split image folder)? */
export function hasTrainTestFolders(dir: string): boolean {
  const names = new Set(readDir(dir).filter((e) => isDir(dir, e)).map((e) => e.name));
  return names.has('train') && names.has('test');
}

/**
 * Loads `dir/train` and `dir/test` as a fixed split. Classes are those of `train/`; every class
 * folder of `test/` must also exist in `train/`, and test images must match the train images'
 * size and mode. Throws {@link DataError} otherwise.
 */
export function loadImageFolderSplit(dir: string): Split {
  const trainDir = join(dir, 'train');
  const testDir = join(dir, 'test');
  const trainList = listImageFolder(trainDir);
  const testList = listImageFolder(testDir);
  if ((trainList.classNames === undefined) !== (testList.classNames === undefined)) {
    const [withClasses, without] = trainList.classNames ? [trainDir, testDir] : [testDir, trainDir];
    throw new DataError(`${withClasses} has class sub-folders but ${without} does not; give both the same layout`);
  }
  let testLabels = testList.labels;
  if (trainList.classNames && testList.classNames && testList.labels) {
    const index = new Map(trainList.classNames.map((c, i) => [c, i]));
    const remap = testList.classNames.map((c) => {
      const i = index.get(c);
      if (i === undefined) throw new DataError(`class folder ${join(testDir, c)} has no counterpart in ${trainDir} (classes: ${trainList.classNames!.slice(0, 8).join(', ')}${trainList.classNames!.length > 8 ? ', ...' : ''})`);
      return i;
    });
    testLabels = testList.labels.map((l) => remap[l]!);
  }
  const { format, ...train } = decodeImages(`${dir} [train]`, trainList.files);
  const { format: _f, ...test } = decodeImages(`${dir} [test]`, testList.files, { format, file: trainList.files[0]! });
  return {
    train: withListingLabels(train, trainList),
    test: withListingLabels(test, testLabels ? { ...testList, labels: testLabels, classNames: trainList.classNames! } : testList),
  };
}
