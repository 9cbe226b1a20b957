// Exit codes for the whole CLI: 0 success, 1 runtime failure, 2 bad usage or bad input.
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/**
 * A mistake in what the user gave us (a flag, a file, a field). It is printed as one line, without a stack
 * trace, and the process exits with code 2. The message names the place: `pods.csv:17: column "memory": ...`.
 */
export class UserInputError extends Error {
  override readonly name = 'UserInputError';
}

/**
 * A failure outside the user's input that the user can act on (a service drydock needs does not answer). It is
 * printed as one line naming what failed, without a stack trace, and the process exits with code 1.
 */
export class RuntimeFailure extends Error {
  override readonly name = 'RuntimeFailure';
}
