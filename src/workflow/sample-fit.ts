/**
 * Whether a dataset's samples fit a trained model's input layer: the same number of values
 * and, for images, the same channels and size. Dense models read [784] and conv models
 * [1, 28, 28]: both take 28×28 grayscale images. A mismatch (RGB data given to a model trained
 * on grayscale, or another image size) is one line naming the input layer, both shapes and the fix.
 */
import type { Dataset } from '../data/dataset.js';
import { sampleSize } from '../data/dataset.js';
import { UsageError } from '../errors.js';
import type { AutoencoderModel } from '../models/types.js';
import { imageLayout } from '../viz/image-layout.js';

/** "RGB 32×32 images [3, 32, 32]", "grayscale 28×28 images [784]" or "samples [10]". */
function describeShape(shape: readonly number[]): string {
  const l = imageLayout(shape);
  return l ? `${l.channels === 3 ? 'RGB' : 'grayscale'} ${l.height}×${l.width} images [${shape.join(', ')}]` : `samples [${shape.join(', ')}]`;
}

/** `spec` is the data as the user named it (for the fix). */
export function checkSamplesFit(model: AutoencoderModel, data: Pick<Dataset, 'name' | 'sampleShape'>, command: string, spec: string): void {
  const want = imageLayout(model.inputShape);
  const got = imageLayout(data.sampleShape);
  const sameImage = want && got ? want.channels === got.channels && want.height === got.height && want.width === got.width : true;
  if (sameImage && sampleSize(data) === model.inputShape.reduce((a, b) => a * b, 1)) return;
  throw new UsageError(
    `${command}: ${data.name} has ${describeShape(data.sampleShape)}, but the ${model.family} model's input layer takes ${describeShape(model.inputShape)}; give it data shaped like its training data, or train a model on ${spec}`,
  );
}
