/** npm from the notebook: %npm install PKG... installs into the notebook's folder. */
import { MagicDefinition } from "../declaration";
import { statementOnly } from "./emit";

const npm: MagicDefinition = {
  name: "npm",
  kind: "line",
  summary: "Run npm in the notebook's folder (install, uninstall, update, ls); output streams live.",
  details: "Installed packages (and their typings) can be imported in the next cell; no restart needed.",
  positionals: [
    { name: "command", choices: ["install", "i", "uninstall", "remove", "update", "ls"], help: "the npm command" },
    { name: "packages", rest: true, optional: true, help: "package specs: name, name@version, ./folder" },
  ],
  flags: [{ name: "save-dev", short: "D", type: "bool", help: "record as a devDependency" }],
  examples: ["%npm install lodash @types/lodash", "%npm ls"],
  expand(args, context) {
    statementOnly(context, "npm", "it runs npm");
    const packages = args.code.packages ? args.code.packages.slice(1, -1) : "";
    const words = [JSON.stringify(args.values.command), packages, args.values.saveDev ? '"--save-dev"' : ""].filter(Boolean);
    return `await __magics.npm([${words.join(", ")}]);`;
  },
};

export const npmMagics: MagicDefinition[] = [npm];
