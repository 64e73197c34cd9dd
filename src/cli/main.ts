/**
 * The `latentkit` command line. User mistakes end with one line on stderr and exit code 1;
 * anything else is a bug and keeps its stack trace.
 */
import { createRequire } from 'node:module';
import { Command } from 'commander';
import { ZodError } from 'zod';
import { isUserError } from '../errors.js';
import { targetOfTempPath } from '../persist/atomic.js';

const VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

/**
 * Every subcommand, in the order of `--help`, with the import of its module. A run loads only
 * the module of the subcommand it names (the training stack for `train`, the latent tools for
 * `map`, …), which keeps the start-up of each command to what it uses; help, `--version` and
 * unknown commands load all of them.
 */
const COMMANDS: readonly (readonly [string, () => Promise<Command>])[] = [
  ['train', async () => (await import('./train.js')).trainCommand()],
  ['eval', async () => (await import('./eval.js')).evalCommand()],
  ['export', async () => (await import('./export.js')).exportCommand()],
  ['sample', async () => (await import('./sample.js')).sampleCommand()],
  ['embed', async () => (await import('./latent-commands.js')).embedCommand()],
  ['map', async () => (await import('./latent-commands.js')).mapCommand()],
  ['manifold', async () => (await import('./latent-commands.js')).manifoldCommand()],
  ['interpolate', async () => (await import('./latent-commands.js')).interpolateCommand()],
  ['traverse', async () => (await import('./latent-commands.js')).traverseCommand()],
  ['attribute', async () => (await import('./latent-commands.js')).attributeCommand()],
  ['probe', async () => (await import('./latent-commands.js')).probeCommand()],
  ['report', async () => (await import('./latent-commands.js')).reportCommand()],
  ['compare', async () => (await import('./latent-commands.js')).compareCommand()],
  ['explore', async () => (await import('./explore.js')).exploreCommand()],
];

/** The subcommands to define for `argv` (node, script, command, …): the named one, or all. */
async function commandsFor(argv: readonly string[]): Promise<Command[]> {
  const named = COMMANDS.find(([name]) => name === argv[2]);
  return Promise.all((named ? [named] : COMMANDS).map(([, load]) => load()));
}

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
    .showHelpAfterError('(run with --help for usage)');
  try {
    for (const cmd of await commandsFor(argv)) program.addCommand(cmd);
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
