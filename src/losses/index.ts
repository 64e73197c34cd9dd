/** Loss functions: pure graph functions returning per-sample values [B]. */
export { batchMean, bceWithLogits, featureAxes, gaussianNll, meanSquaredError, sumSquaredError } from './reconstruction.js';
export { gaussianKlToStandard } from './divergence.js';
export { klSparsity, l1Activity } from './sparsity.js';
export { contractiveAutodiff, contractiveExact } from './contractive.js';
export { discriminatorLoss, generatorLoss } from './adversarial.js';
