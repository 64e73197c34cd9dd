// Benchmark process: the reference MLP VAE (784-400-(20,20)-400-784, Bernoulli, Adam 1e-3)
// trained through latentkit's whole library path (model → autodiff → optimizer → Trainer).
// Prints one JSON line: samples/s over the timed epochs (after --warmup-steps), peak RSS,
// last-epoch train terms and (with --eval) test terms.
import { nodeBackend, Trainer, Vae, vaeConfigSchema } from '../dist/index.js';
import { benchArgs, benchData, report } from './common.mjs';

const args = benchArgs();
const { train, test } = benchData(args);
const model = new Vae(vaeConfigSchema.parse({ inputShape: [784] }));
const trainer = await Trainer.create(model, { batchSize: args.batchSize, seed: args.seed, backend: nodeBackend, threads: args.threads, stepsPerRun: args.stepsPerRun, optimizer: { kind: 'adam', lr: 1e-3 } });
if (args.warmupSteps > 0) {
  const n = Math.min(train.n, args.warmupSteps * args.batchSize);
  await trainer.trainEpoch({ ...train, n, x: train.x.subarray(0, n * 784) }, 1);
  trainer.restoreProgress({ ...trainer.progress, epoch: 0 });
}
let seconds = 0;
let last;
for (let e = 0; e < args.epochs; e++) {
  last = await trainer.trainEpoch(train, args.epochs);
  seconds += last.seconds;
}
report({
  engine: 'latentkit',
  threads: args.threads,
  batch_size: args.batchSize,
  epochs: args.epochs,
  samples_per_sec: (train.n * args.epochs) / seconds,
  train: last.train,
  test: args.eval ? await trainer.evaluate(test) : null,
});
