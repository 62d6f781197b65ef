/**
 * Waits until `condition` holds, checking every `intervalMs`, and fails naming `what` when
 * `timeoutMs` passes first. Tests wait for the state they need (a cell has started, a line was
 * logged) rather than sleeping for a time that is too short on a loaded machine and wasted on
 * an idle one.
 */
export async function waitUntil(condition: () => boolean | Promise<boolean>, what: string, { timeoutMs = 10_000, intervalMs = 10 } = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
