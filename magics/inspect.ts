/** Help for the magic under the cursor (inspect_request, Shift-Tab in Jupyter). */
import { helpText } from "./arguments";
import { lookupMagic } from "./expand";
import { findMagicSites } from "./scanner";

/** The `%name?` text when the cursor is on a magic's line, else undefined. */
export function inspectMagic(code: string, cursorPos: number): string | undefined {
  const lineStart = code.lastIndexOf("\n", cursorPos - 1) + 1;
  const line = code.slice(0, lineStart).split("\n").length - 1;
  const site = findMagicSites(code).find((s) => s.line === line);
  if (!site || cursorPos < lineStart + site.column) return undefined;
  const name = /^%%?(\w+)/.exec(site.text)?.[1];
  const definition = name ? lookupMagic(name) : undefined;
  return definition ? helpText(definition) : undefined;
}
