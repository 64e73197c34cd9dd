/**
 * Asserts that `fn` throws an error of class `cls` whose message is one line and matches
 * `message` (a RegExp, or a string that must equal the message). Test-only.
 */
import { expect } from 'vitest';

type ErrorClass = new (...a: never[]) => Error;

export function expectOneLineError(fn: () => unknown, cls: ErrorClass, message: string | RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expectOneLine(caught, cls, message);
}

/** {@link expectOneLineError} for an async `fn`: it must reject with such an error. */
export async function expectOneLineRejection(fn: () => Promise<unknown>, cls: ErrorClass, message: string | RegExp): Promise<void> {
  let caught: unknown;
  try {
    await fn();
  } catch (e) {
    caught = e;
  }
  expectOneLine(caught, cls, message);
}

function expectOneLine(caught: unknown, cls: ErrorClass, message: string | RegExp): void {
  expect(caught).toBeInstanceOf(cls);
  const msg = (caught as Error).message;
  expect(msg.includes('\n'), `one line: ${msg}`).toBe(false);
  if (typeof message === 'string') expect(msg).toBe(message);
  else expect(msg).toMatch(message);
}
