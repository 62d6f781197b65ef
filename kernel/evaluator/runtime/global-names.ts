/**
 * Lets a cell's `var` bindings (imports become vars too: module-syntax-rewriter.ts) take over a name
 * the runtime already defines as a global. Node defines some globals as accessors with a getter only
 * (`crypto`, `navigator`), or not writable; a top-level `var crypto = …` then declares nothing new
 * and its assignment is silently dropped, so `import * as crypto from "crypto"` left Web Crypto in
 * place. Before such a cell runs, each of those names becomes a plain writable property holding the
 * value it had, which the cell's assignment then replaces. Accessors with a setter (Node's
 * `performance`, tsfine's lazy `tf`) already accept the assignment and are left alone.
 */
export function claimGlobalNames(names: readonly string[]): void {
  for (const name of names) {
    const descriptor = Object.getOwnPropertyDescriptor(globalThis, name);
    if (!descriptor?.configurable) continue;
    const takesAssignment = descriptor.get || descriptor.set ? descriptor.set !== undefined : descriptor.writable;
    if (takesAssignment) continue;
    let value: unknown;
    try {
      value = descriptor.get ? descriptor.get.call(globalThis) : descriptor.value;
    } catch {
      value = undefined;
    }
    Object.defineProperty(globalThis, name, { value, writable: true, enumerable: descriptor.enumerable, configurable: true });
  }
}
