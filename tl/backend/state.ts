/** What the last backend selection found: one entry per backend tried, fastest first. */
export interface BackendAttempt {
  backend: string;
  ok: boolean;
  why: string;
}

export interface SelectionState {
  attempts: BackendAttempt[];
  initialised: boolean;
}

export const selection: SelectionState = { attempts: [], initialised: false };

export function recordAttempt(attempt: BackendAttempt): void {
  const existing = selection.attempts.findIndex((entry) => entry.backend === attempt.backend);
  if (existing >= 0) selection.attempts[existing] = attempt;
  else selection.attempts.push(attempt);
}
