/**
 * The keras engine's Python process (python/tsfine_keras/server.py): started on first use, one per
 * kernel (per Node process), ended with it (its stdin closes). Requests are JSON lines on its
 * stdin; replies come back on a pipe of their own (fd 3), so library chatter on its stdout and
 * stderr never mixes with them. Tensors cross as .npy files in `exchangeDir`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Readable, Writable } from "node:stream";
import { environmentDir, environmentPython, FRAMEWORKS, pythonPackageDir, readMarker, type Framework } from "./paths";
import { defaultFramework } from "./install";

/** The Python process ended while tsfine was waiting for it. */
export class EngineDiedError extends Error {}

export interface EngineInterpreter {
  python: string;
  /** Set for tsfine's own environments; with TSFINE_PYTHON, Keras picks (KERAS_BACKEND or its config). */
  framework?: Framework;
  /** Why this one: shown by tl.engine.describe(). */
  why: string;
}

/** TSFINE_PYTHON, else the environment for TSFINE_KERAS_FRAMEWORK, the machine's default, or any installed one. */
export function findInterpreter(): EngineInterpreter | undefined {
  if (process.env.TSFINE_PYTHON) return { python: process.env.TSFINE_PYTHON, why: "TSFINE_PYTHON names it" };
  const asked = process.env.TSFINE_KERAS_FRAMEWORK as Framework | undefined;
  const preferred = asked ? [asked] : [defaultFramework(), ...FRAMEWORKS];
  for (const framework of preferred) {
    const dir = environmentDir(framework);
    if (readMarker(dir)) {
      const why = asked ? "TSFINE_KERAS_FRAMEWORK names it" : framework === preferred[0] ? "the default for this machine" : "the one installed";
      return { python: environmentPython(dir), framework, why };
    }
  }
  return undefined;
}

export const NOT_INSTALLED =
  "The keras engine is not installed: run `npx tsfine backend install keras` (or set TSFINE_PYTHON to a Python that has Keras 3), then run this again.";

interface Pending {
  resolve(reply: Record<string, unknown>): void;
  reject(error: Error): void;
}

/** Where batches and weights cross: shared memory where the machine has it, else the temp folder. */
function makeExchangeDir(): string {
  const base = fs.existsSync("/dev/shm") ? "/dev/shm" : os.tmpdir();
  return fs.mkdtempSync(path.join(base, "tsfine-keras-"));
}

export class KerasProcess {
  readonly exchangeDir = makeExchangeDir();
  private readonly child: ChildProcess;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private stderrTail: string[] = [];
  private ended?: string;
  private buffered = "";

  constructor(readonly interpreter: EngineInterpreter) {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PYTHONPATH: [pythonPackageDir(), process.env.PYTHONPATH].filter(Boolean).join(path.delimiter),
      PYTHONUNBUFFERED: "1",
      TF_CPP_MIN_LOG_LEVEL: process.env.TF_CPP_MIN_LOG_LEVEL ?? "2",
    };
    if (interpreter.framework) env.KERAS_BACKEND = interpreter.framework;
    this.child = spawn(interpreter.python, ["-m", "tsfine_keras.server"], { stdio: ["pipe", "pipe", "pipe", "pipe"], env });
    const replies = this.child.stdio[3] as Readable;
    replies.setEncoding("utf8");
    replies.on("data", (chunk: string) => this.onReplies(chunk));
    const keepTail = (chunk: Buffer) => {
      if (process.env.TSFINE_KERAS_DEBUG) process.stderr.write(chunk);
      this.stderrTail.push(
        ...chunk
          .toString("utf8")
          .split("\n")
          .filter((l) => l.trim()),
      );
      this.stderrTail = this.stderrTail.slice(-20);
    };
    this.child.stdout!.on("data", keepTail);
    this.child.stderr!.on("data", keepTail);
    // A request written after the process ended fails with EPIPE here; its exit (below) is what the caller hears.
    this.child.stdin!.on("error", () => undefined);
    this.child.on("error", (error) => this.onEnd(`could not start ${interpreter.python} (${error.message})`));
    this.child.on("exit", (code, signal) => this.onEnd(signal ? `was killed by ${signal}` : `exited with code ${code}`));
    this.setKeepsNodeAlive(false);
  }

  get alive(): boolean {
    return this.ended === undefined;
  }

  /** A file name in the exchange folder. */
  file(name: string): string {
    return path.join(this.exchangeDir, name);
  }

  request(op: string, fields: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    if (this.ended !== undefined) return Promise.reject(new EngineDiedError(this.deathSentence()));
    const id = this.nextId++;
    const promise = new Promise<Record<string, unknown>>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    this.setKeepsNodeAlive(true);
    (this.child.stdin as Writable).write(`${JSON.stringify({ id, op, ...fields })}\n`);
    return promise;
  }

  /** Ends the process (its loop ends when stdin closes) and removes the exchange folder. */
  close(): void {
    if (this.ended === undefined) {
      this.child.stdin?.end();
      this.onEnd("was closed by tsfine");
    }
    fs.rmSync(this.exchangeDir, { recursive: true, force: true });
  }

  /** Kills the process at once (tests use this to check what a death leaves behind). */
  kill(signal: NodeJS.Signals = "SIGKILL"): void {
    this.child.kill(signal);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Waiting for a reply keeps a plain Node script alive; an idle engine does not. */
  private setKeepsNodeAlive(keep: boolean): void {
    const handles = [this.child, this.child.stdio[3], this.child.stdout, this.child.stderr] as unknown as { ref?(): void; unref?(): void }[];
    for (const h of handles) (keep ? h?.ref : h?.unref)?.call(h);
  }

  private onReplies(chunk: string): void {
    this.buffered += chunk;
    let newline: number;
    while ((newline = this.buffered.indexOf("\n")) >= 0) {
      const line = this.buffered.slice(0, newline);
      this.buffered = this.buffered.slice(newline + 1);
      if (!line.trim()) continue;
      const reply = JSON.parse(line) as Record<string, unknown>;
      const waiting = this.pending.get(reply.id as number);
      if (!waiting) continue;
      this.pending.delete(reply.id as number);
      if (reply.ok) waiting.resolve(reply);
      else waiting.reject(new Error(String(reply.error)));
    }
    if (this.pending.size === 0) this.setKeepsNodeAlive(false);
  }

  private deathSentence(): string {
    const last = this.stderrTail.filter((l) => !/^\s*(File |Traceback)/.test(l)).slice(-1)[0];
    return `The keras engine's Python process ${this.ended}${last ? ` (its last words: ${last.trim().slice(0, 300)})` : ""}`;
  }

  private onEnd(how: string): void {
    if (this.ended !== undefined) return;
    this.ended = how;
    const error = new EngineDiedError(this.deathSentence());
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
    this.setKeepsNodeAlive(false);
    fs.rmSync(this.exchangeDir, { recursive: true, force: true });
  }
}

let current: KerasProcess | undefined;

/** The running engine process, started now if there is none (or the last one died). */
export function kerasProcess(): KerasProcess {
  if (current?.alive) return current;
  const interpreter = findInterpreter();
  if (!interpreter) throw new Error(NOT_INSTALLED);
  current = new KerasProcess(interpreter);
  return current;
}

/** The engine process if one runs; starts none. */
export function runningKerasProcess(): KerasProcess | undefined {
  return current?.alive ? current : undefined;
}

process.once("exit", () => current?.close());
