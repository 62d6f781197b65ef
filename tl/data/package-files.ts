import * as fs from "fs";
import * as path from "path";

/** Absolute path of a file inside an installed package, or null when the package is absent. */
export function packageFile(pkg: string, relative: string): string | null {
  let main: string;
  try {
    main = require.resolve(`${pkg}/package.json`);
  } catch {
    try {
      main = require.resolve(pkg);
    } catch {
      return null;
    }
  }
  // Walk up from the resolved file to the package root (the folder with its package.json).
  let dir = path.dirname(main);
  while (!fs.existsSync(path.join(dir, "package.json")) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return path.join(dir, relative);
}

export function missingPackage(pkg: string, what: string): Error {
  return new Error(`${what} needs the optional package ${pkg}, which is not installed: run \`%npm install ${pkg}\` (or \`npm install ${pkg}\`) and try again.`);
}
