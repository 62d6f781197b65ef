/**
 * node:async_hooks' AsyncLocalStorage for display/'s Output widget. A page has no async context: a store
 * set by run() is seen by the code run() calls synchronously, not after that code awaits.
 */
export class AsyncLocalStorage<T> {
  private store: T | undefined;

  getStore(): T | undefined {
    return this.store;
  }

  run<R>(store: T, callback: (...args: unknown[]) => R, ...args: unknown[]): R {
    const previous = this.store;
    this.store = store;
    try {
      return callback(...args);
    } finally {
      this.store = previous;
    }
  }
}
