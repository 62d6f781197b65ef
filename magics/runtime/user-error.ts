/** An Error about what the user asked for: its stack would only show tsfine's internals, so it has none. */
export function userError(message: string): Error {
  const error = new Error(message);
  error.stack = `Error: ${message}`;
  return error;
}
