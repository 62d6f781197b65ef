/** Shell commands: %%sh, %%bash (and %sh/%bash, or `!cmd`, for one line); output streams as it comes. %sx captures it. */
import { MagicDefinition, MagicUsageError } from "../declaration";
import { stringLiteral } from "../literals";
import { valueOrStatement } from "./emit";

function shellMagic(shell: "sh" | "bash"): MagicDefinition {
  return {
    name: shell,
    kind: "both",
    summary: `Run the cell (or the rest of the line) with ${shell}; output streams live, a non-zero exit is an error.`,
    rawTail: { name: "command", help: "the command line (for %%" + shell + ": nothing; the cell is the script)", optional: true },
    examples: [`%%${shell}\nls -la\necho done`, `%${shell} ls *.ts`],
    expand(args, context) {
      const script = context.body ?? String(args.values.command ?? "");
      if (context.body !== undefined && args.values.command) {
        throw new MagicUsageError(`%%${shell}: nothing may follow %%${shell} on its line; the cell below it is the script.`);
      }
      if (!script.trim()) throw new MagicUsageError(`%${shell}: missing COMMAND\nUsage: %${shell} COMMAND  or  %%${shell} with the script below`);
      return valueOrStatement(context, `await __magics.sh(${stringLiteral(script)}, { shell: ${stringLiteral(shell)} })`);
    },
  };
}

/**
 * IPython's `files = !ls` cannot be TypeScript: `= !name` is a negation. Capture is `%sx` (IPython's
 * name for it), which reads as what it is wherever a value goes: `const files = %sx ls`.
 */
const captureMagic: MagicDefinition = {
  name: "sx",
  kind: "line",
  summary: "Run a command with sh and give its standard output as an array of lines (stderr still shows; a non-zero exit is an error).",
  rawTail: { name: "command", help: "the command line" },
  examples: ["const files = %sx ls *.ts", "%sx git log --oneline -3"],
  expand(args, context) {
    const command = String(args.values.command ?? "");
    if (!command.trim()) throw new MagicUsageError("%sx: missing COMMAND\nUsage: const lines = %sx COMMAND");
    return valueOrStatement(context, `await __magics.shLines(${stringLiteral(command)})`);
  },
};

export const scriptMagics: MagicDefinition[] = [shellMagic("sh"), shellMagic("bash"), captureMagic];
