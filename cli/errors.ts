/** The CLI's one error type: a one-line message and the exit code it ends with. */

export const EXIT = { ok: 0, error: 1, changes: 2 } as const;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.error,
    /** The server's error code, when the failure is an API answer. */
    readonly code?: string,
  ) {
    super(message);
  }
}
