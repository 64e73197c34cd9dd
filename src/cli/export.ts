/**
 * `latentkit export <run>`: encoder.onnx, decoder.onnx and model.json with the trained weights
 * baked in (see workflow/export-run.ts).
 */
import { Command } from 'commander';
import { exportRun } from '../workflow/export-run.js';

export function exportCommand(): Command {
  return new Command('export')
    .description('write the encoder and decoder of a run as standalone ONNX models (weights included) plus model.json')
    .argument('<run>', 'run directory')
    .option('--out <dir>', 'output folder (default <run>/export)')
    .option('--json', 'print one JSON object')
    .action(async (dir: string, f: { out?: string; json?: boolean }) => {
      const summary = await exportRun(dir, f.out);
      process.stdout.write(f.json ? `${JSON.stringify(summary)}\n` : `${summary.files.join('\n')}\n`);
    });
}
