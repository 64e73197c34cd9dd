/**
 * The `latentkit` command line. User mistakes end with one line on stderr and exit code 1;
 * anything else is a bug and keeps its stack trace.
 */
import { Command } from 'commander';
import { ZodError } from 'zod';
import { isUserError } from '../errors.js';
import { VERSION } from '../workflow/train-run.js';
import { evalCommand } from './eval.js';
import { attributeCommand, compareCommand, embedCommand, interpolateCommand, manifoldCommand, mapCommand, probeCommand, reportCommand, traverseCommand } from './latent-commands.js';
import { exportCommand } from './export.js';
import { sampleCommand } from './sample.js';
import { trainCommand } from './train.js';

export async function main(argv: readonly string[]): Promise<number> {
  const program = new Command('latentkit')
    .description('autoencoders in TypeScript: train, explore and export')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .addCommand(trainCommand())
    .addCommand(evalCommand())
    .addCommand(exportCommand())
    .addCommand(sampleCommand())
    .addCommand(embedCommand())
    .addCommand(mapCommand())
    .addCommand(manifoldCommand())
    .addCommand(interpolateCommand())
    .addCommand(traverseCommand())
    .addCommand(attributeCommand())
    .addCommand(probeCommand())
    .addCommand(reportCommand())
    .addCommand(compareCommand());
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (e) {
    if (isUserError(e)) {
      process.stderr.write(`latentkit: error: ${e.message}\n`);
      return 1;
    }
    if (e instanceof ZodError) {
      const issue = e.issues[0]!;
      process.stderr.write(`latentkit: error: invalid ${issue.path.join('.') || 'option'}: ${issue.message}\n`);
      return 1;
    }
    throw e;
  }
}
