/**
 * Errors caused by what the user asked for (a bad flag, a missing file, an existing run
 * directory). The CLI prints their message as one line and exits non-zero, without a stack.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Error classes whose messages are complete, user-facing sentences. */
const USER_ERROR_NAMES = new Set([
  'UsageError',
  'DataError',
  'CorruptFileError',
  'MissingFileError',
  'NoCheckpointError',
  'UnknownModelError',
  'DivergedError',
  'ConfigError',
]);

export function isUserError(e: unknown): e is Error {
  return e instanceof Error && USER_ERROR_NAMES.has(e.name);
}
