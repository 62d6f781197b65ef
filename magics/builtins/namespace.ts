/** The notebook's variables: %who, %whos, %reset. */
import { MagicDefinition } from "../declaration";
import { printText, statementOnly, valueOrStatement } from "./emit";

const who: MagicDefinition = {
  name: "who",
  kind: "line",
  summary: "List the variables defined in this notebook.",
  expand(_args, context) {
    return valueOrStatement(context, "__magics.who(await tsfine.globalNames())");
  },
};

const whos: MagicDefinition = {
  name: "whos",
  kind: "line",
  summary: "Table of variables with type and a short value (tensors: shape and dtype).",
  expand(_args, context) {
    statementOnly(context, "whos", "it prints a table");
    return "__magics.whos(await tsfine.globalNames());";
  },
};

const reset: MagicDefinition = {
  name: "reset",
  kind: "line",
  summary: "Delete every variable you defined (needs -f: there is no prompt to confirm).",
  flags: [{ name: "force", short: "f", type: "bool", help: "really delete, without asking" }],
  expand(args, context) {
    statementOnly(context, "reset", "it deletes variables");
    if (!args.values.force) {
      return printText("%reset deletes every variable you defined and cannot ask you to confirm here. Run %reset -f to do it.");
    }
    return "await __magics.reset(await tsfine.globalNames());";
  },
};

export const namespaceMagics: MagicDefinition[] = [who, whos, reset];
