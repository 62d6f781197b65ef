/**
 * Which cells may run as an ordinary script rather than in V8's REPL mode: only those that bind no
 * global name and do not await at top level (kernel/evaluator/plain-script.ts). A wrong "yes" would
 * break redeclaring names or top-level await in later cells, so every kind of declaration is tried.
 */
import * as typescript from "typescript";
import { runsAsPlainScript } from "../kernel/evaluator/plain-script";

const plain = (js: string) => runsAsPlainScript(typescript, js);

test("expressions and statements that bind nothing globally run as scripts", () => {
  for (const js of [
    "1 + 1;",
    "x * 2;",
    "shared = 5;",
    "console.log([1, 2].map((v) => v * 2));",
    "for (let i = 0; i < 3; i++) { const doubled = i * 2; console.log(doubled); }",
    "if (ready) { class Local {} new Local(); }",
    "try { risky(); } catch (error) { console.log(error); }",
    "(async () => { await 1; var inside = 2; })();",
    "items.forEach(function (item) { var local = item; });",
    "new (class { method() { var m = 1; return m; } })();",
    "",
  ]) {
    expect([js, plain(js)]).toEqual([js, true]);
  }
});

test("any global binding or top-level await keeps the REPL evaluation", () => {
  for (const js of [
    "let x = 1;",
    "const y = 2;",
    "var z = 3;",
    "class C {}",
    "function f() {}",
    "if (ready) { function blockFunction() {} }",
    "if (ready) { var hoisted = 1; }",
    "for (var i = 0; i < 3; i++) {}",
    "for (var key in object) {}",
    "label: var labelled = 1;",
    "await 1;",
    "const v = await fetchValue();",
    "for await (const chunk of stream) {}",
    "if (ready) { await pause(); }",
    "class K { [await key()]() {} }",
    "{ await using resource = open(); }",
    'var E;\n(function (E) { E[E["A"] = 0] = "A"; })(E || (E = {}));',
  ]) {
    expect([js, plain(js)]).toEqual([js, false]);
  }
});
