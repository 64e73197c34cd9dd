/** Data loading: datasets, loaders (bundled MNIST, IDX, CSV/TSV, NPY) and row helpers. */
export type { Dataset, Split } from './dataset.js';
export { sampleSize } from './dataset.js';
export { DataError } from './errors.js';
export { bundledMnistSubset, loadBundledMnist } from './mnist.js';
export { DEFAULT_FASHION_MNIST_DIR, loadFashionMnist, loadIdxDir, loadIdxPair, parseIdx, readIdxFile, type IdxArray } from './idx.js';
export { loadCsv, type CsvOptions } from './csv.js';
export { loadNpy, parseNpyHeader, type NpyHeader } from './npy.js';
export { loadData, loadSingleFile, SINGLE_FILE_TEST_FRACTION, type LoadDataOptions } from './load.js';
export { bytesToUnit, sliceRows, splitTail, subset, takeRows, validateFinite } from './ops.js';
