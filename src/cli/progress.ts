/**
 * Training progress on stderr: a live bar (cli-progress) on a terminal, otherwise one
 * line per epoch, so logs and CI output stay readable. stdout is left for `--json`.
 */
import cliProgress from 'cli-progress';
import type { EpochSummary } from '../workflow/train-run.js';
import type { StepEvent } from '../train/trainer.js';

const fmt = (x: number | undefined): string => (x === undefined ? '-' : x.toFixed(2));

export class TrainingProgress {
  private bar: cliProgress.SingleBar | null = null;
  private readonly live: boolean;
  private epochStart = 0;

  constructor(private readonly quiet: boolean) {
    this.live = !quiet && Boolean(process.stderr.isTTY) && !process.env['CI'];
  }

  step(e: StepEvent & { epochs: number }): void {
    if (!this.live) return;
    if (!this.bar) {
      this.bar = new cliProgress.SingleBar(
        { stream: process.stderr, format: 'epoch {epoch}/{epochs} [{bar}] {percentage}% | loss {loss} | {rate} samples/s | eta {eta}s', hideCursor: true, clearOnComplete: true },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(e.stepsPerEpoch, 0, { epoch: e.epoch, epochs: e.epochs, loss: '-', rate: '-' });
      this.epochStart = performance.now();
    }
    const elapsed = (performance.now() - this.epochStart) / 1000;
    this.bar.update(e.stepInEpoch, { epoch: e.epoch, epochs: e.epochs, loss: fmt(e.terms['loss']), rate: elapsed > 0 ? Math.round(e.samples / elapsed) : '-' });
  }

  epoch(s: EpochSummary): void {
    this.bar?.stop();
    this.bar = null;
    if (this.quiet) return;
    const terms = (t: Record<string, number>): string =>
      Object.entries(t)
        .map(([k, v]) => `${k} ${fmt(v)}`)
        .join(', ');
    process.stderr.write(`epoch ${s.epoch}/${s.epochs}  train: ${terms(s.train)}  |  test: ${terms(s.test)}  |  ${Math.round(s.samplesPerSec).toLocaleString('en-US')} samples/s\n`);
  }
}

/**
 * Progress of a long job in phases (e.g. a projection's neighbour search, then its layout):
 * a live bar on a terminal, nothing otherwise. Pass `update` as the job's `onProgress`.
 */
export class PhaseProgress {
  private bar: cliProgress.SingleBar | null = null;
  private phase = '';
  private readonly live: boolean;

  constructor(quiet = false) {
    this.live = !quiet && Boolean(process.stderr.isTTY) && !process.env['CI'];
  }

  readonly update = (done: number, total: number, phase: string): void => {
    if (!this.live) return;
    if (phase !== this.phase || !this.bar) {
      this.bar?.stop();
      this.phase = phase;
      this.bar = new cliProgress.SingleBar({ stream: process.stderr, format: `${phase} [{bar}] {value}/{total} | eta {eta}s`, hideCursor: true, clearOnComplete: true }, cliProgress.Presets.shades_classic);
      this.bar.start(total, done);
    }
    this.bar.update(done);
  };

  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }
}
