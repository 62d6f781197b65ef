/**
 * `tsfine <command>`: a table from command name to a small module under kernel/commands/.
 * Modules load lazily so `tsfine kernel` starts without paying for the others.
 * Adding a command is one line here plus its module exporting `run(args)`.
 */
export interface CommandModule {
  /** Resolves with the process exit code. */
  run(args: string[]): Promise<number>;
}

interface CommandEntry {
  summary: string;
  load(): CommandModule;
}

const COMMANDS: Record<string, CommandEntry> = {
  kernel: { summary: "run the kernel (what Jupyter launches): kernel --connection-file FILE", load: () => require("./commands/kernel") },
  install: {
    summary: "register the kernel with Jupyter: install [--user|--sys-prefix|--prefix DIR] [--name N] [--display-name S]",
    load: () => require("./commands/install"),
  },
  uninstall: { summary: "remove the kernelspec: uninstall [--user|--sys-prefix|--prefix DIR] [--name N]", load: () => require("./commands/uninstall") },
  start: { summary: "the quick start: run examples/quickstart.ipynb (or NOTEBOOK) into out/ with an HTML export", load: () => require("./commands/start") },
  export: { summary: "write a notebook as one TypeScript script, magics expanded: export NOTEBOOK.ipynb [-o FILE.ts]", load: () => require("./export") },
  backend: {
    summary:
      "show the TensorFlow.js backend and why; backend install cpu|gpu builds native TensorFlow from PyPI (uninstall cpu|gpu removes it), install webgpu; install keras [--with tensorflow|jax|torch] makes the keras engine's Python",
    load: () => require("./commands/backend"),
  },
  lite: {
    summary:
      "a static JupyterLite site with tsfine's browser kernel: lite build [NOTEBOOKS…] -o SITE (installs JupyterLite with pip on first use; lite install does only that)",
    load: () => require("./commands/lite"),
  },
  demo: { summary: "a static page to try a model written by tl.export: demo DIR [-o SITE] (default DIR/demo)", load: () => require("./commands/demo") },
  run: {
    summary: "execute a notebook headlessly: run NOTEBOOK.ipynb [-o OUT] [-p name=value]... [--timeout S] [--kernel NAME]",
    load: () => require("./commands/run"),
  },
};

/** Lets another module add a command without editing the table (e.g. from a plugin). */
export function registerCommand(name: string, summary: string, load: () => CommandModule): void {
  COMMANDS[name] = { summary, load };
}

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, entry]) => `  ${name.padEnd(10)} ${entry.summary}`);
  return `usage: tsfine <command> [options]\n\ncommands:\n${lines.join("\n")}\n`;
}

export async function main(argv: string[]): Promise<void> {
  const [name, ...args] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(usage());
    process.exitCode = name ? 0 : 2;
    return;
  }
  const entry = Object.prototype.hasOwnProperty.call(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!entry) {
    process.stderr.write(`tsfine: unknown command "${name}".\n\n${usage()}`);
    process.exitCode = 2;
    return;
  }
  try {
    process.exitCode = await entry.load().run(args);
  } catch (error) {
    process.stderr.write(`tsfine ${name}: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
