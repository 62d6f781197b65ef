/** "Did you mean ...?" for misspelt magic and flag names. */

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

/** Up to `limit` of the candidates nearest to `word` (ties kept; a name it begins counts as close). */
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
  return scored.filter((s) => s.score === best).slice(0, limit).map((s) => s.name);
}

/** "a", "a or b", "a, b or c". */
export function joinAlternatives(items: string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} or ${items[items.length - 1]}`;
}
