/**
 * A test-only Interpreter that runs plain JavaScript with node:vm, so the protocol layer can
 * be tested end to end before (and independently of) the TypeScript evaluator.
 * Globals: console (→ sink.stream), display(valueOrBundle, {id, update}), clear(wait),
 * input(prompt), sleep(ms). A cell whose value is a promise is awaited; interrupt() rejects
 * that wait. Synchronous code blocks the main thread (which is what the heartbeat test wants).
 */
"use strict";
const vm = require("node:vm");
const util = require("node:util");

class InterruptedError extends Error {
  constructor() {
    super("Interrupted by the user");
    this.name = "KeyboardInterrupt";
  }
}

function bundleOf(value) {
  return { "text/plain": typeof value === "string" ? util.inspect(value) : util.inspect(value, { depth: 4 }) };
}

function errorInfo(error) {
  // errors thrown inside the vm context are not instances of this realm's Error
  const err = error && typeof error === "object" && "message" in error ? error : new Error(String(error));
  return { ename: err.name || "Error", evalue: err.message, traceback: [String(err.stack || `${err.name}: ${err.message}`)] };
}

function createJsInterpreter() {
  let sink;
  let cancel;
  const context = vm.createContext({
    console: {
      log: (...args) => sink && sink.stream("stdout", util.format(...args) + "\n"),
      error: (...args) => sink && sink.stream("stderr", util.format(...args) + "\n"),
    },
    display: (value, options = {}) => {
      const data = value && typeof value === "object" && !Array.isArray(value) && Object.keys(value).some((k) => k.includes("/")) ? value : bundleOf(value);
      sink.display({ data, displayId: options.id, update: options.update });
    },
    clear: (wait = false) => sink.clearOutput(wait),
    input: (prompt = "", password = false) => sink.input(prompt, password),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    setTimeout,
    Date,
    Promise,
  });

  async function evaluate(code) {
    // tsfine lets a later cell redeclare a const (injected notebook parameters rely on it);
    // plain vm scripts do not, so top-level const/let become var here.
    const redeclarable = code.replace(/^(const|let)\s/gm, "var ");
    let value = vm.runInContext(redeclarable, context, { filename: "cell.js" });
    if (value && typeof value.then === "function") {
      value = await new Promise((resolve, reject) => {
        cancel = () => reject(new InterruptedError());
        value.then(resolve, reject);
      }).finally(() => (cancel = undefined));
    }
    return value;
  }

  return {
    async start() {},
    async execute(request, outputSink) {
      sink = outputSink;
      try {
        const value = await evaluate(request.code);
        const userExpressions = {};
        for (const [name, expression] of Object.entries(request.userExpressions)) {
          try {
            userExpressions[name] = { status: "ok", data: bundleOf(vm.runInContext(expression, context)), metadata: {} };
          } catch (error) {
            userExpressions[name] = { status: "error", ...errorInfo(error) };
          }
        }
        return { status: "ok", result: value === undefined ? undefined : bundleOf(value), userExpressions };
      } catch (error) {
        return { status: "error", ...errorInfo(error) };
      }
    },
    async complete(code, cursorPos) {
      const match = /[A-Za-z_$][\w$]*$/.exec(code.slice(0, cursorPos));
      const prefix = match ? match[0] : "";
      const names = Object.getOwnPropertyNames(context).filter((name) => name.startsWith(prefix));
      return { matches: names.sort(), cursorStart: cursorPos - prefix.length, cursorEnd: cursorPos, metadata: {} };
    },
    async inspect(code, cursorPos) {
      const match = /[A-Za-z_$][\w$]*$/.exec(code.slice(0, cursorPos));
      const name = match ? match[0] : "";
      if (!name || !(name in context)) return { found: false, data: {}, metadata: {} };
      return { found: true, data: { "text/plain": `${name}: ${typeof context[name]}` }, metadata: {} };
    },
    async isComplete(code) {
      try {
        new vm.Script(code);
        return { status: "complete" };
      } catch (error) {
        if (/Unexpected end of input|missing \) after|Unterminated/.test(String(error && error.message))) return { status: "incomplete", indent: "  " };
        return { status: "invalid" };
      }
    },
    interrupt() {
      if (cancel) cancel();
    },
    async shutdown() {},
    languageInfo() {
      return { name: "javascript", version: process.versions.node, mimetype: "text/javascript", file_extension: ".js", codemirror_mode: "javascript" };
    },
    implementationVersion() {
      return "0.0.0-test";
    },
    banner() {
      return "JavaScript test interpreter";
    },
  };
}

module.exports = { createJsInterpreter };
