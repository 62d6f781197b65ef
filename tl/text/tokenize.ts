/**
 * Tokens as the pretrained English vectors spell them: lower case words, numbers, and the
 * symbols `$ ! ? %` as tokens of their own (GloVe-style vocabularies carry vectors for them).
 * A word keeps one inner apostrophe or hyphen ("don't", "e-mail"), as those vocabularies do.
 */
export const tokenPattern = /[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)?|[$!?%]/gu;

export function tokenize(text: string): string[] {
  if (typeof text !== "string") throw new Error(`tokenize needs a string, got ${text === null ? "null" : typeof text}.`);
  return (text.toLowerCase().match(tokenPattern) ?? []).map((t) => t.replace("’", "'"));
}
