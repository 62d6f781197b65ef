/**
 * Notebook parameters, papermill's convention: `-p name=value` values become a new cell
 * tagged `injected-parameters` right after the cell tagged `parameters` (or first, when no
 * cell has that tag). Values are JSON when they parse as JSON, strings otherwise, and are
 * written as TypeScript `const` declarations (redeclaring a const is allowed in tsfine).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a notebook cell is JSON with fields of any nbformat version
export type NotebookCell = Record<string, any> & { cell_type: string; source: string | string[]; metadata?: Record<string, any> };

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** "name=value" → [name, value]; throws with one sentence when malformed. */
export function parseParameter(argument: string): [string, unknown] {
  const split = argument.indexOf("=");
  const name = split < 0 ? argument : argument.slice(0, split);
  if (split < 0 || !IDENTIFIER.test(name)) {
    throw new Error(`Parameter "${argument}" must look like name=value, with name a valid identifier.`);
  }
  const raw = argument.slice(split + 1);
  try {
    return [name, JSON.parse(raw)];
  } catch {
    return [name, raw];
  }
}

export function parametersSource(parameters: Record<string, unknown>): string {
  return Object.entries(parameters)
    .map(([name, value]) => `const ${name} = ${JSON.stringify(value) ?? "undefined"};`)
    .join("\n");
}

function tags(cell: NotebookCell): string[] {
  const value = cell.metadata?.tags;
  return Array.isArray(value) ? value : [];
}

/** Returns the cells with the injected cell in place (replacing an earlier injected one). */
export function injectParameters(cells: NotebookCell[], parameters: Record<string, unknown>, newId: () => string): NotebookCell[] {
  const kept = cells.filter((cell) => !tags(cell).includes("injected-parameters"));
  if (Object.keys(parameters).length === 0) return kept;
  const injected: NotebookCell = {
    cell_type: "code",
    id: newId(),
    metadata: { tags: ["injected-parameters"] },
    execution_count: null,
    outputs: [],
    source: parametersSource(parameters),
  };
  const anchor = kept.findIndex((cell) => tags(cell).includes("parameters"));
  kept.splice(anchor + 1, 0, injected);
  return kept;
}
