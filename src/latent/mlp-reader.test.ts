/**
 * The MLP reader of class faithfulness: trained on real digits it reads held-out digits
 * correctly far above a 5-NN vote's floor; trained on shuffled labels it reads at chance.
 */
import { describe, expect, it } from 'vitest';
import { bundledMnistSubset } from '../data/mnist.js';
import { MlpReader } from './mlp-reader.js';
import { shuffledLabels } from './probe.js';
import { nodeBackend } from '../runtime/node.js';

describe('MlpReader', () => {
  it('reads real held-out digits (≥ 0.88 after 6 epochs on 3,000), and only chance when trained on shuffled labels', async () => {
    const { train, test } = bundledMnistSubset(3000, 500);
    const accuracy = async (reader: MlpReader): Promise<number> => {
      const read = await reader.predict(test.x, test.n);
      await reader.release();
      return read.filter((c, i) => c === test.labels![i]).length / test.n;
    };
    const real = await accuracy(await MlpReader.fit(train, { epochs: 6, runtime: { backend: nodeBackend } }));
    const shuffled = await accuracy(await MlpReader.fit({ ...train, labels: shuffledLabels(train.labels!, 1) }, { epochs: 6, runtime: { backend: nodeBackend } }));
    console.log(`MLP reader accuracy on held-out digits: ${real.toFixed(3)}; trained on shuffled labels: ${shuffled.toFixed(3)}`);
    expect(real).toBeGreaterThanOrEqual(0.88);
    expect(shuffled).toBeLessThan(0.25);
    await expect(MlpReader.fit(train, { runtime: { backend: nodeBackend } }).then((r) => r.predict(new Float32Array(10), 1))).rejects.toThrow(/expected 1×784 values/);
  }, 60_000);
});
