/** Exit codes: 0 ok, 2 bad input or a rejected command (with the reason), 1 unexpected failure. */
export class UsageError extends Error {
  readonly exitCode = 2;
}
