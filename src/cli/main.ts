/**
 * The `latentkit` command line. User mistakes end with one line on stderr and exit code 1;
 * anything else is a bug and keeps its stack trace.
 */
import { Command } from 'commander';
import { ZodError } from 'zod';
import { isUserError } from '../errors.js';
import { targetOfTempPath } from '../persist/atomic.js';
import { VERSION } from '../workflow/train-run.js';
import { evalCommand } from './eval.js';
import { attributeCommand, compareCommand, embedCommand, interpolateCommand, manifoldCommand, mapCommand, probeCommand, reportCommand, traverseCommand } from './latent-commands.js';
import { exploreCommand } from './explore.js';
import { exportCommand } from './export.js';
import { sampleCommand } from './sample.js';
import { trainCommand } from './train.js';

/** Messages for the file-system errors a user's paths cause (a missing folder, a file where a folder should be, a full disk). */
const FS_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'it is a folder',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EEXIST: 'it already exists',
};

/** One line for a file-system error on a path, or undefined for anything else. */
export function describeFsError(e: unknown): string | undefined {
  const err = e as NodeJS.ErrnoException;
  if (!(e instanceof Error) || typeof err.code !== 'string' || !(err.code in FS_ERRORS)) return undefined;
  const where = err.path ? ` ${targetOfTempPath(err.path)}` : '';
  return `cannot ${err.syscall ?? 'access'}${where}: ${FS_ERRORS[err.code]} (${err.code})`;
}

export async function main(argv: readonly string[]): Promise<number> {
  // `latentkit eval … | head` closes stdout early: that is not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
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
    .addCommand(compareCommand())
    .addCommand(exploreCommand());
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (e) {
    if (isUserError(e)) {
      process.stderr.write(`latentkit: error: ${e.message}\n`);
      return 1;
    }
    const fsMessage = describeFsError(e);
    if (fsMessage) {
      process.stderr.write(`latentkit: error: ${fsMessage}\n`);
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
