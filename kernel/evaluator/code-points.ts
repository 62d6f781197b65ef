/**
 * Jupyter counts cursor positions in Unicode code points; JavaScript strings index UTF-16 units.
 * These convert between the two so an emoji before the cursor does not shift completions.
 */
export function codePointToUtf16(text: string, codePoints: number): number {
  let units = 0;
  for (let seen = 0; seen < codePoints && units < text.length; seen++) {
    units += (text.codePointAt(units) ?? 0) > 0xffff ? 2 : 1;
  }
  return units;
}

export function utf16ToCodePoint(text: string, units: number): number {
  return [...text.slice(0, units)].length;
}
