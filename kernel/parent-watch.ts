/**
 * A kernel whose front end died without shutting it down (a `jupyter console` whose terminal closed,
 * a crashed notebook server) would otherwise run for ever. jupyter_client puts its own process id in
 * JPY_PARENT_PID when it launches a kernel; ipykernel watches that process and so does this. Without
 * JPY_PARENT_PID (a kernel started by hand) nothing is watched.
 */

/** How often the launching process is looked for. */
const POLL_MS = 1000;

/** The launching process's id from JPY_PARENT_PID, or undefined when there is none to watch (absent, not a number, or init's 1). */
export function launchingParentPid(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const pid = Number(env.JPY_PARENT_PID);
  return Number.isInteger(pid) && pid > 1 ? pid : undefined;
}

/**
 * Calls onGone once the process `parentPid` no longer exists, or, when it launched this process
 * directly, once this process has been handed to another parent (a parent that died but was not
 * reaped yet still answers a signal). The timer does not keep the process alive.
 */
export function watchLaunchingParent(parentPid: number, onGone: () => void): () => void {
  const directChild = process.ppid === parentPid;
  const timer = setInterval(() => {
    if (exists(parentPid) && (!directChild || process.ppid === parentPid)) return;
    clearInterval(timer);
    onGone();
  }, POLL_MS);
  timer.unref();
  return () => clearInterval(timer);
}

function exists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
