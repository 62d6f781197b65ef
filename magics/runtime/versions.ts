/** %versions at run time: what a notebook ran on, for the notebook itself and for `tsfine run`'s metadata. */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { escapeHtml } from "../../display/html";

export interface Versions {
  tsfine: string;
  typescript: string;
  tfjs: string;
  backend: string;
  node: string;
  platform: string;
}

/** The part of tf this reads; tf is passed in, so a script that never loads tf can still ask. */
interface TfVersion {
  version?: { tfjs?: string };
  getBackend?(): string | undefined | null;
}

/** tsfine's, TypeScript's, tfjs's versions, the backend, Node and the platform; shown by display() as a table, stored as JSON. */
export function versions(tf?: TfVersion): Versions & { toMimeBundle(): Record<string, unknown> } {
  const root = tsfineRoot();
  const found: Versions = {
    tsfine: root ? packageVersion(join(root, "package.json")) : "unknown",
    typescript: typescriptVersion(root),
    tfjs: tf?.version?.tfjs ?? "not loaded",
    backend: tf?.getBackend?.() ?? "none",
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
  const rows = Object.entries(found);
  const width = Math.max(...rows.map(([key]) => key.length)) + 2;
  const text = rows.map(([key, value]) => `${key.padEnd(width)}${value}`).join("\n");
  const html = `<table><tbody>${rows.map(([key, value]) => `<tr><td>${escapeHtml(key)}</td><td>${escapeHtml(value)}</td></tr>`).join("")}</tbody></table>`;
  return Object.defineProperty({ ...found }, "toMimeBundle", {
    value: () => ({ "text/plain": text, "text/html": html, "application/json": { ...found } }),
    enumerable: false,
  }) as Versions & { toMimeBundle(): Record<string, unknown> };
}

/** The folder of tsfine's package.json, above this file (dist/magics/runtime or magics/runtime). */
function tsfineRoot(): string | undefined {
  for (let dir = __dirname; dirname(dir) !== dir; dir = dirname(dir)) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest) && readManifest(manifest)?.name === "tsfine") return dir;
  }
  return undefined;
}

/** The TypeScript the kernel checks cells with: tsfine's own dependency. */
function typescriptVersion(root: string | undefined): string {
  try {
    return packageVersion(require.resolve("typescript/package.json", { paths: [root ?? __dirname] }));
  } catch {
    return "unknown";
  }
}

function packageVersion(manifest: string): string {
  return String(readManifest(manifest)?.version ?? "unknown");
}

function readManifest(manifest: string): { name?: string; version?: string } | undefined {
  try {
    return JSON.parse(readFileSync(manifest, "utf8")) as { name?: string; version?: string };
  } catch {
    return undefined;
  }
}
