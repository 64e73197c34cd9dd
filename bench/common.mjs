// Shared helpers for the latentkit-side VAE benchmark processes: CLI args, data, JSON output.
import { parseArgs } from 'node:util';
import { loadFashionMnist, Rng } from '../dist/index.js';

export function benchArgs() {
  const { values } = parseArgs({
    options: {
      data: { type: 'string', default: 'random' },
      'data-dir': { type: 'string' },
      epochs: { type: 'string', default: '3' },
      'batch-size': { type: 'string', default: '128' },
      threads: { type: 'string', default: '2' },
      limit: { type: 'string' },
      seed: { type: 'string', default: '0' },
      eval: { type: 'boolean', default: false },
      'warmup-steps': { type: 'string', default: '5' },
      'steps-per-run': { type: 'string' },
    },
  });
  return {
    data: values.data,
    dataDir: values['data-dir'],
    epochs: Number(values.epochs),
    batchSize: Number(values['batch-size']),
    threads: Number(values.threads),
    limit: values.limit ? Number(values.limit) : undefined,
    seed: Number(values.seed),
    eval: values.eval,
    warmupSteps: Number(values['warmup-steps']),
    stepsPerRun: values['steps-per-run'] ? Number(values['steps-per-run']) : undefined,
  };
}

/** Random uniform [0,1) data (10,240 samples unless --limit) or Fashion-MNIST. */
export function benchData(args) {
  if (args.data === 'fashion-mnist') {
    const split = loadFashionMnist(args.dataDir);
    const n = Math.min(args.limit ?? split.train.n, split.train.n);
    return { train: { ...split.train, n, x: split.train.x.subarray(0, n * 784), sampleShape: [784] }, test: { ...split.test, sampleShape: [784] } };
  }
  const n = args.limit ?? 10240;
  const rng = new Rng('bench-data');
  const x = rng.fillUniform(new Float32Array(n * 784));
  return { train: { name: 'random', n, sampleShape: [784], x }, test: { name: 'random', n: 1024, sampleShape: [784], x: x.subarray(0, 1024 * 784) } };
}

export function report(obj) {
  process.stdout.write(`${JSON.stringify({ ...obj, peak_rss_mb: process.resourceUsage().maxRSS / 1024 })}\n`);
}
