import { formatBytes } from "../../display/bytes";
import { escapeHtml } from "../../display/html";

/** %memory's table, shown by display() through the toMimeBundle() protocol. */
type MimeBundle = Record<string, unknown>;

/** tf.memory() as a two-column table (text and HTML). */
export function memoryTable(memory: object): { toMimeBundle(): MimeBundle } & Record<string, unknown> {
  const first = ["numTensors", "numDataBuffers", "numBytes"];
  const rank = (key: string) => (first.includes(key) ? first.indexOf(key) : first.length);
  const rows = Object.entries(memory)
    .sort(([a], [b]) => rank(a) - rank(b))
    .filter(([, value]) => typeof value !== "object" || value === null || Array.isArray(value))
    .map(([key, value]): [string, string] => [
      key,
      typeof value === "number" && /bytes/i.test(key)
        ? `${value.toLocaleString("en-US")} (${formatBytes(value)})`
        : Array.isArray(value)
          ? value.join("; ")
          : String(value),
    ]);
  const width = Math.max(...rows.map(([key]) => key.length)) + 2;
  const text = rows.map(([key, value]) => `${key.padEnd(width)}${value}`).join("\n");
  const html = `<table><thead><tr><th>tf.memory()</th><th></th></tr></thead><tbody>${rows
    .map(([key, value]) => `<tr><td>${escapeHtml(key)}</td><td>${escapeHtml(value)}</td></tr>`)
    .join("")}</tbody></table>`;
  return { ...memory, toMimeBundle: () => ({ "text/plain": text, "text/html": html }) };
}
