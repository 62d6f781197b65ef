import type { Callback, FitState } from "./callback";

export type ScheduleName = "constant" | "cosine" | "onecycle";

/** Learning-rate multiplier at training progress t ∈ [0, 1]. */
export type Schedule = (t: number) => number;

const cosineBetween = (from: number, to: number, t: number) => to + ((from - to) * (1 + Math.cos(Math.PI * t))) / 2;

export const schedules: Record<ScheduleName, Schedule> = {
  constant: () => 1,
  /** Cosine decay from lr to 0. */
  cosine: (t) => cosineBetween(1, 0, t),
  /** Smith's one-cycle as in fastai: warm up from lr/25 to lr over 25%, then anneal to lr/1e5. */
  onecycle: (t) => (t < 0.25 ? cosineBetween(1 / 25, 1, t / 0.25) : cosineBetween(1, 1e-5, (t - 0.25) / 0.75)),
};

export function scheduleCallback(schedule: ScheduleName | Schedule): Callback {
  const f = typeof schedule === "function" ? schedule : schedules[schedule];
  if (!f) throw new Error(`Unknown schedule "${String(schedule)}"; use "constant", "cosine" or "onecycle".`);
  return {
    name: "schedule",
    beforeBatch(state: FitState) {
      state.lr = state.baseLr * f(state.step / Math.max(1, state.totalSteps));
    },
  };
}
