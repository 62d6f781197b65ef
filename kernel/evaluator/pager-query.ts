/**
 * IPython's `name?` and `name??`: a cell that is one expression followed by `?` shows what
 * inspect_request would (signature and docs; `??` asks for more detail) in the front end's pager,
 * as an execute_reply payload with source "page". No TypeScript expression ends in `?`, so such a
 * cell has no other meaning; magics (`%fit?`) keep their own help.
 */
export interface PagerQuery {
  expression: string;
  detailLevel: 0 | 1;
}

const QUERY = /^\s*([A-Za-z_$][\w$]*(?:\s*(?:\?\.|\.)\s*[A-Za-z_$][\w$]*|\[[^\]\n]*\]|\(\))*)\s*(\?\??)\s*$/;

export function parsePagerQuery(code: string): PagerQuery | undefined {
  const match = QUERY.exec(code);
  if (!match) return undefined;
  return { expression: match[1], detailLevel: match[2] === "??" ? 1 : 0 };
}

export function pagePayload(data: Record<string, unknown>): Record<string, unknown> {
  return { source: "page", data, start: 0 };
}
