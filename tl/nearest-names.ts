/**
 * "Did you mean …?" for every misspelt name a user can type: layers and blocks (tl.freeze),
 * backbones and data sets (tl), magics and their flags (magics/). One rule everywhere, so the
 * same typo gets the same kind of answer wherever it is made.
 */

/** Levenshtein distance: insertions, deletions and substitutions each cost 1. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length];
}

/**
 * Up to `limit` candidates nearest to `word`, case ignored. A candidate is near when its edit
 * distance is within max(2, a third of the word's length), or when it begins with the word (a
 * name cut short counts as distance 1). Only the candidates at the best distance are kept, so
 * one clear answer is not drowned by weaker ones; ties are listed in alphabetical order. An
 * empty result means nothing is close: the caller then points at the list of names instead.
 */
export function nearestNames(word: string, candidates: Iterable<string>, limit = 3): string[] {
  const lower = word.toLowerCase();
  const tolerance = Math.max(2, Math.floor(word.length / 3));
  const scored: Array<{ name: string; score: number }> = [];
  for (const name of new Set(candidates)) {
    const candidate = name.toLowerCase();
    let score = editDistance(lower, candidate);
    if (lower.length >= 2 && candidate.startsWith(lower)) score = Math.min(score, 1);
    if (score <= tolerance) scored.push({ name, score });
  }
  scored.sort((x, y) => x.score - y.score || x.name.localeCompare(y.name));
  const best = scored[0]?.score;
  return scored
    .filter((s) => s.score === best)
    .slice(0, limit)
    .map((s) => s.name);
}

/** " (nearest: a, b)" for an error sentence, or "" when no candidate is near. */
export function nearestNote(word: string, candidates: Iterable<string>): string {
  const near = nearestNames(word, candidates);
  return near.length ? ` (nearest: ${near.join(", ")})` : "";
}
