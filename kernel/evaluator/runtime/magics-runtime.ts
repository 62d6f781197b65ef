import { requireBuilt } from "../tsfine-root";

/** magics/runtime as the worker uses it (every member optional: magics/ may not be built). */
export interface MagicsRuntime {
  registerMagic?(spec: unknown): void;
  userMagicNames?(): string[];
  expandUserMagic?(name: string, argsText: string, body?: string): Promise<string>;
  killChildren?(): void;
  onChangeDirectory?(changer: (directory: string) => Promise<void>): void;
}

let runtime: MagicsRuntime | undefined | null = null;

/** The runtime expanded magics call (`__magics`), loaded once; undefined when magics/ is not built. */
export function magicsRuntime(): MagicsRuntime | undefined {
  if (runtime === null) runtime = requireBuilt<{ magicsRuntime?: MagicsRuntime }>("magics/runtime")?.magicsRuntime;
  return runtime;
}
