/** Shell commands: %%sh, %%bash (and %sh/%bash for one line); output streams as it comes. */
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

export const scriptMagics: MagicDefinition[] = [shellMagic("sh"), shellMagic("bash")];
