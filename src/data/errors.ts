/**
 * Thrown by the data loaders for user-facing input problems: missing file or directory,
 * unsupported extension, malformed content, empty data, non-finite values. The message is a
 * single line that names the offending file (and line/column or row/column when known), e.g.
 * `data file not found: ./x.csv` or `./x.csv:3:2: cell 'abc' is not a finite number`.
 */
export class DataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataError';
  }
}
