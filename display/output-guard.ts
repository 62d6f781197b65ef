import type { MimeBundle } from "./types";

/** Outputs larger than this make notebooks slow to open and save; they are replaced by a note. */
export const OUTPUT_LIMIT_BYTES = 5_000_000;

const exemptBytesKey = Symbol.for("tsfine.display.exemptBytes");

/**
 * Marks bytes of a bundle that the guard does not count: the one-time inlined plotly.js
 * (~1.5 MB cartesian or ~4.8 MB full bundle) is a fixed cost the user did not choose, and the figure must still render.
 */
export function exemptFromGuard(bundle: MimeBundle, bytes: number): MimeBundle {
  Object.defineProperty(bundle, exemptBytesKey, { value: bytes, enumerable: false });
  return bundle;
}

export function bundleSizeBytes(bundle: MimeBundle): number {
  let total = 0;
  for (const value of Object.values(bundle)) {
    total += typeof value === "string" ? Buffer.byteLength(value) : Buffer.byteLength(JSON.stringify(value) ?? "");
  }
  return total;
}

function formatMegabytes(bytes: number): string {
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

/** Returns the bundle unchanged, or a short note when it is over the limit. */
export function guardOutputSize(bundle: MimeBundle, limit = OUTPUT_LIMIT_BYTES): MimeBundle {
  const exempt = (bundle as Record<symbol, number | undefined>)[exemptBytesKey] ?? 0;
  const size = bundleSizeBytes(bundle) - exempt;
  if (size <= limit) return bundle;
  const types =
    Object.keys(bundle)
      .filter((t) => t !== "text/plain")
      .join(", ") || "text/plain";
  const note =
    `This output (${formatMegabytes(size)}, ${types}) is over the ${formatMegabytes(limit)} limit for one ` +
    `output, so it was not shown. Save it to a file instead, e.g. ` +
    `fs.writeFileSync("output.html", html), and display a smaller part or a summary.`;
  return { "text/plain": note };
}
