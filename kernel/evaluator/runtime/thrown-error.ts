import { inspect } from "node:util";
import type { ThrownError } from "./messages";

/** What a cell threw, as name/message/stack; values that are not errors (`throw 5`) are shown with inspect. */
export function describeThrown(value: unknown): ThrownError {
  if (value instanceof Error || looksLikeError(value)) {
    const error = value as Error;
    return {
      name: String(error.name || error.constructor?.name || "Error"),
      message: String(error.message ?? ""),
      stack: typeof error.stack === "string" ? error.stack : undefined,
    };
  }
  return { name: "Thrown", message: inspect(value, { depth: 3 }) };
}

function looksLikeError(value: unknown): boolean {
  return typeof value === "object" && value !== null && typeof (value as Error).message === "string" && typeof (value as Error).stack === "string";
}
