/** The operating system: working directory, environment variables, writing files. */
import { MagicDefinition, MagicUsageError } from "../declaration";
import { objectLiteral, stringLiteral } from "../literals";
import { statementOnly, valueOrStatement } from "./emit";

const cd: MagicDefinition = {
  name: "cd",
  kind: "line",
  summary: "Change the working directory (no argument: home; -: the previous one).",
  positionals: [{ name: "dir", optional: true, help: "the new directory, relative to the current one" }],
  examples: ["%cd data", "%cd ..", "%cd -"],
  expand(args, context) {
    return valueOrStatement(context, `await __magics.cd(${args.code.dir ?? ""})`);
  },
};

const pwd: MagicDefinition = {
  name: "pwd",
  kind: "line",
  summary: "The current working directory.",
  expand(_args, context) {
    return valueOrStatement(context, "__magics.pwd()");
  },
};

const env: MagicDefinition = {
  name: "env",
  kind: "line",
  summary: "Show or set environment variables: %env, %env NAME, %env NAME=VALUE.",
  positionals: [
    { name: "assignment", optional: true, help: "NAME to show it, NAME=VALUE (or NAME VALUE) to set it" },
    { name: "value", optional: true, help: "the value, when written as NAME VALUE" },
  ],
  examples: ["%env", "%env HOME", "%env TF_CPP_MIN_LOG_LEVEL=2", "%env RUN_ID={runId}"],
  expand(args, context) {
    const assignment = args.values.assignment as string | undefined;
    const invalidName = (name: string) => new MagicUsageError(`%env: ${JSON.stringify(name)} is not a variable name.\nUsage: %env [NAME[=VALUE]]`);
    if (assignment === undefined) return valueOrStatement(context, "__magics.env()");
    if (args.given.has("value")) {
      if (!/^[A-Za-z_]\w*$/.test(assignment)) throw invalidName(assignment);
      return valueOrStatement(context, `__magics.env(${stringLiteral(assignment)}, ${args.code.value})`);
    }
    const equals = assignment.indexOf("=");
    if (equals < 0) {
      if (!/^[A-Za-z_]\w*$/.test(assignment)) throw invalidName(assignment);
      return valueOrStatement(context, `__magics.env(${stringLiteral(assignment)})`);
    }
    const name = assignment.slice(0, equals);
    if (!/^[A-Za-z_]\w*$/.test(name)) throw invalidName(name);
    const code = args.code.assignment!;
    const value = code === JSON.stringify(assignment) ? stringLiteral(assignment.slice(equals + 1)) : `String(${code}).slice(${equals + 1})`;
    return valueOrStatement(context, `__magics.env(${stringLiteral(name)}, ${value})`);
  },
};

const writefile: MagicDefinition = {
  name: "writefile",
  kind: "cell",
  summary: "Write the cell's body to a file.",
  flags: [{ name: "append", short: "a", type: "bool", help: "append instead of overwriting" }],
  positionals: [{ name: "file", help: "path relative to the working directory" }],
  examples: ["%%writefile model.ts", "%%writefile -a log.txt"],
  expand(args, context) {
    statementOnly(context, "writefile", "it writes a file");
    let body = context.body ?? "";
    if (body && !body.endsWith("\n")) body += "\n";
    const options = objectLiteral([["append", args.values.append ? "true" : undefined]]);
    return `__magics.writefile(${args.code.file}, ${stringLiteral(body)}, ${options});`;
  },
};

export const osmMagics: MagicDefinition[] = [cd, pwd, env, writefile];
