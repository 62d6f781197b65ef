/**
 * One value per process, kept on globalThis under a registered symbol: every copy of a module
 * that asks under the same name (dist/display loaded by the kernel, display/ loaded again through
 * a cell's import) gets the same object, made by the first to ask.
 */
export function processWide<T>(name: string, create: () => T): T {
  const key = Symbol.for(name);
  const holder = globalThis as unknown as Record<symbol, T | undefined>;
  let value = holder[key];
  if (value === undefined) {
    value = create();
    holder[key] = value;
  }
  return value;
}
