/** Data loading: datasets, loaders (bundled MNIST, IDX, CSV/TSV, NPY, PNG folders), transforms and row helpers. */
export type { Dataset, Split } from './dataset.js';
export { sampleSize } from './dataset.js';
export { DataError } from './errors.js';
export { bundledMnistSubset, DIGITS_CACHE_FILE, loadBundledMnist, type BundledMnistOptions } from './mnist.js';
export { DEFAULT_FASHION_MNIST_DIR, FASHION_MNIST_CLASSES, loadFashionMnist, loadIdxDir, loadIdxPair, parseIdx, readIdxFile, type IdxArray } from './idx.js';
export { loadCsv, type CsvOptions } from './csv.js';
export { loadNpy, parseNpyHeader, type NpyHeader } from './npy.js';
export { hasTrainTestFolders, listImageFolder, loadImageFolder, loadImageFolderSplit, type ImageFolderListing } from './images.js';
export { loadData, loadDataWithSource, loadSingleFile, SINGLE_FILE_TEST_FRACTION, type LoadDataOptions, type SplitSource } from './load.js';
export { applyStandardize, binarizeStatic, BINARIZE_THRESHOLD, fitStandardize, STD_FLOOR, type StandardizeStats } from './transforms.js';
export { bytesToUnit, sliceRows, splitPermuted, splitTail, subset, takeRows, testRowCount, validateFinite } from './ops.js';
