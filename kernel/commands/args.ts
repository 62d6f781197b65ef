/** Argument parsing shared by the commands: node's parseArgs, with errors as one clear sentence. */
export class UsageError extends Error {}

/** Runs a parseArgs call, turning its exceptions into UsageError. */
export function parsingArgs<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}
