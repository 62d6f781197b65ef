/**
 * The magics runtime: what expanded magics call while a cell runs. The evaluator puts
 * `magicsRuntime` on the runtime worker's global as `__magics` (and calls killChildren on
 * interrupt, onChangeDirectory once at start); exported scripts import it under that name.
 * It imports nothing heavy, so the worker and plain scripts can load it cheaply.
 */
import { formatTime, startTimer, stopTimer, time, timeit } from "./runtime/timing";
import { killChildren, npm, sh, shLines } from "./runtime/shell";
import { describeValue, lookupGlobal, reset, who, whos } from "./runtime/namespace";
import { cd, env, onChangeDirectory, pwd, writefile } from "./runtime/os";
import { expandUserMagic, printUserMagicHelp, registerMagic, userMagicKind, userMagicNames } from "./runtime/user-magics";
import { memoryTable } from "./runtime/rich";
import { versions } from "./runtime/versions";
import { showResult, standaloneTsfine } from "./runtime/standalone";

export type { TimeitOptions, TimeitResult } from "./runtime/timing";
export type { Versions } from "./runtime/versions";

export const magicsRuntime = {
  time,
  startTimer,
  stopTimer,
  timeit,
  formatTime,
  sh,
  shLines,
  npm,
  killChildren,
  who,
  whos,
  reset,
  lookupGlobal,
  describeValue,
  cd,
  pwd,
  env,
  writefile,
  onChangeDirectory,
  registerMagic,
  userMagicNames,
  userMagicKind,
  expandUserMagic,
  printUserMagicHelp,
  memoryTable,
  versions,
  showResult,
};

export type MagicsRuntime = typeof magicsRuntime;

export { standaloneTsfine };
