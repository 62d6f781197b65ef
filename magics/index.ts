/**
 * magics/: IPython-style %line and %%cell magics that expand to plain TypeScript.
 * The evaluator calls expandCell before type-checking and completeMagic on complete_request;
 * the runtime worker exposes `magicsRuntime` (magics/runtime) as the global `__magics`.
 */
export { expandCell, knownMagics, lookupMagic, registerPackageMagic as registerMagic } from "./expand";
export type { ExpandOutcome } from "./expand";
export { completeMagic } from "./complete";
export { inspectMagic } from "./inspect";
export type { MagicCompletion } from "./complete";
export type { MagicHost } from "./host";
export { MagicRegistry, expandWithSpec } from "./registry";
export { helpText, usageLine, parseArguments } from "./arguments";
export type { MagicArgs, MagicDeclaration, MagicDefinition, MagicKind, Payload, SetNextInputPayload, UserMagicSpec } from "./declaration";
export { MagicUsageError } from "./declaration";
