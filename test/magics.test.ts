/**
 * Magics as a notebook user meets them: what each line turns into, what is left alone,
 * the messages for mistakes, help, and completion. (Running the expansions: magics-runtime.test.ts.)
 */
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";
import { completeMagic, expandCell, inspectMagic, MagicHost, registerMagic } from "../magics";
import { magicsRuntime } from "../magics/runtime";

function hostWith(overrides: Partial<MagicHost> = {}): MagicHost {
  return {
    history: () => [],
    cwd: () => process.cwd(),
    expandUserMagic: (name, argsText, body) => magicsRuntime.expandUserMagic(name, argsText, body),
    userMagicNames: () => magicsRuntime.userMagicNames(),
    ...overrides,
  };
}

async function expand(code: string, host = hostWith()): Promise<string> {
  const result = await expandCell(code, host);
  if (!result.ok) throw new Error(`expected an expansion, got: ${result.message}`);
  return result.code;
}

async function failure(code: string, host = hostWith()): Promise<string> {
  const result = await expandCell(code, host);
  if (result.ok) throw new Error(`expected an error, got code: ${result.code}`);
  return result.message;
}

describe("where magics are recognised", () => {
  test("a cell without magics comes back unchanged", async () => {
    const cell = "const a = 10 % 3;\nlet b = a %2;\nb %= 2;\nconsole.log(`${a}%`);";
    expect(await expand(cell)).toBe(cell);
  });

  test("% inside strings, escaped quotes, comments and templates is never touched", async () => {
    const cell = [
      `const s = "say \\"%time\\" here"; const t = 'it\\'s %pwd';`,
      "// %time in a comment",
      "/* a block comment",
      "%pwd",
      "*/",
      "const html = `",
      "%pwd",
      "${ [1, 2].map((n) => `%time ${n}`).join(`\n%pwd`) }",
      "%%html",
      "`;",
      "const re = /'%pwd/;",
      "%pwd",
    ].join("\n");
    const original = cell.split("\n");
    const lines = (await expand(cell)).split("\n");
    expect(lines.slice(0, -1)).toEqual(original.slice(0, -1));
    expect(lines[lines.length - 1]).toBe("__magics.pwd();");
  });

  test("escaped line breaks inside strings do not shift later magics", async () => {
    const cell = 'const s = "one \\\ntwo";\nconst t = `a \\\nb`;\n%pwd';
    expect((await expand(cell)).split("\n")).toEqual([...cell.split("\n").slice(0, 4), "__magics.pwd();"]);
  });

  test("line magics keep their indentation and the cell keeps its line count", async () => {
    const cell = "function f() {\n    %pwd\n  return 1\n}\n\t%cd /tmp";
    const out = await expand(cell);
    expect(out.split("\n")).toEqual(["function f() {", "    __magics.pwd();", "  return 1", "}", '\tawait __magics.cd("/tmp");']);
  });

  test("CRLF line endings are read like LF, line numbers unchanged", async () => {
    const out = await expand("const a = 1\r\n%time a + 1\r\nconsole.log(a)\r\n");
    expect(out.split("\n")).toEqual(["const a = 1", "await __magics.time(() => (a + 1));", "console.log(a)", ""]);
  });

  test("a magic after an assignment gives its value", async () => {
    expect(await expand("const x = %time 1+1")).toBe("const x = await __magics.time(() => (1+1))");
    expect(await expand("let here = %pwd;")).toBe("let here = __magics.pwd()");
    expect(await expand("const f = () => %env HOME")).toBe('const f = () => __magics.env("HOME")');
    expect(await expand("function here() {\n  return %pwd\n}")).toBe("function here() {\n  return __magics.pwd()\n}");
    expect(await expand("const same = a >= %b")).toBe("const same = a >= %b");
  });

  test("a cell magic owns the cell; the lines above it may be blank", async () => {
    expect(await expand("\n%%html\n<b>%pwd</b>")).toBe('\ndisplay.html("<b>%pwd</b>");');
  });
});

describe("arguments read like a shell", () => {
  test("quotes, escapes, --flag=value, short flags and {expr}", async () => {
    expect(await expand(`%backbone "my model" --input=96 --alpha 0.75 --as base`)).toBe(
      'const base = await tl.backbone("my model", { inputShape: [96, 96, 3], alpha: 0.75 });',
    );
    expect(await expand(`%save model "out dir/it's"`)).toBe(`await tl.save(model, "out dir/it's");`);
    expect(await expand(`%save model "runs/{runName}/model"`)).toBe("await tl.save(model, `runs/${runName}/model`);");
    expect(await expand('%fit model data --epochs {n * 2} --lr {rates["head"]}')).toBe('await tl.fit(model, data, { epochs: (n * 2), lr: (rates["head"]) });');
    expect(await expand("%timeit -n 5 -r 2 xs.sort()")).toBe("await __magics.timeit(() => (xs.sort()), { number: 5, repeat: 2 });");
    expect(await expand("%save model \\{literal}")).toBe('await tl.save(model, "{literal}");');
  });
});

describe("built-in magics expand to plain TypeScript", () => {
  const cases: Array<[string, string]> = [
    ["%time fib(20)", "await __magics.time(() => (fib(20)));"],
    ["%time const y = await load()", "const y = await __magics.time(async () => (await load()));"],
    ["%time for (const x of xs) f(x) // note", "await __magics.time(() => { for (const x of xs) f(x) });"],
    ["%timeit await step()", "await __magics.timeit(async () => (await step()), { repeat: 7 });"],
    ["const r = %timeit -q f()", "const r = await __magics.timeit(() => (f()), { repeat: 7, quiet: true, returnResult: true })"],
    ["%who", "__magics.who(await tsfine.globalNames());"],
    ["%whos", "__magics.whos(await tsfine.globalNames());"],
    ["%reset -f", "await __magics.reset(await tsfine.globalNames());"],
    ["%env", "__magics.env();"],
    ["%env HOME", '__magics.env("HOME");'],
    ["%env MODE=fast", '__magics.env("MODE", "fast");'],
    ["%env MODE fast", '__magics.env("MODE", "fast");'],
    ["%cd", "await __magics.cd();"],
    ["%cd ../data", 'await __magics.cd("../data");'],
    ["%pwd", "__magics.pwd();"],
    ["%npm install lodash @types/lodash", 'await __magics.npm(["install", "lodash", "@types/lodash"]);'],
    ["%typecheck warn", 'tsfine.setTypecheck("warn");'],
    ["%seed 42", "tl.seed(42);"],
    ["%backend", "display(await tl.backend.describe());"],
    ["%backend wasm", 'await tl.backend.use("wasm");'],
    ["%memory", "display(__magics.memoryTable(tf.memory()));"],
    ["%backbone mobilenet_v2 --input 96 --as base", 'const base = await tl.backbone("mobilenet_v2", { inputShape: [96, 96, 3] });'],
    ["%freeze base --up-to block_13", 'tl.freeze(base, { upTo: "block_13" });'],
    ["%freeze base", "tl.freeze(base);"],
    ["%unfreeze model --last 2", "tl.unfreeze(model, { last: 2 });"],
    ["%summary model", "display(tl.summary(model));"],
    ["%dataset fashion-mnist --per-class 20 --seed 1 --as data", 'const data = await tl.data.load("fashion-mnist", { perClass: 20, seed: 1 });'],
    [
      "%fit model data --epochs 5 --lr 1e-3 --batch 32 --schedule onecycle",
      'await tl.fit(model, data, { epochs: 5, lr: 0.001, batchSize: 32, schedule: "onecycle" });',
    ],
    ["%fit model data --as history", "const history = await tl.fit(model, data);"],
    ["%fit model data --epochs 2 --engine keras", 'await tl.fit(model, data, { epochs: 2, engine: "keras" });'],
    ["%fit model data --epochs 2 --controls", "await tl.fit(model, data, { epochs: 2, controls: true });"],
    ["%engine", "display(await tl.engine.describe());"],
    ["%finetune model data --freeze-epochs 1 --epochs 3", "await tl.fineTune(model, data, { epochs: 3, freezeEpochs: 1 });"],
    ["%lr_find model data", "await tl.lrFind(model, data);"],
    ["%evaluate model data.test", "await tl.evaluate(model, data.test);"],
    ["%evaluate model data.test --engine keras", 'await tl.evaluate(model, data.test, { engine: "keras" });'],
    ["%lr_find model data --engine keras --as found", 'const found = await tl.lrFind(model, data, { engine: "keras" });'],
    ["%predict model data.test", "await tl.showPredictions(model, data.test, 16);"],
    ["%predict model data.test --n 4", "await tl.showPredictions(model, data.test, 4);"],
    ["%predict model ./photos/cat.png", 'display(await tl.predict(model, "./photos/cat.png"));'],
    ["%predict model seven.jpg --top 5", 'display(await tl.predict(model, "seven.jpg", { top: 5 }));'],
    ["%export model ./out/digits --data data", 'display(await tl.export(model, "./out/digits", { data: data }));'],
    ['%predict model "win free money"', 'display(await tl.predict(model, "win free money"));'],
    ["%predict model {photo} --as p", "const p = await tl.predict(model, (photo));"],
    ["%export model out --labels cat,dog", 'display(await tl.export(model, "out", { labels: "cat,dog".split(",") }));'],
    ["%demo model", "display(await tl.demo(model));"],
    ["%demo ./out/digits --height 700", 'display(await tl.demo("./out/digits", { height: 700 }));'],
    ["%demo {models[0]}", "display(await tl.demo((models[0])));"],
    ["%save model ./out/model", 'await tl.save(model, "./out/model");'],
    ["%%html\n<b>hi</b>", 'display.html("<b>hi</b>");'],
    ["%%markdown\n# Title", 'display.markdown("# Title");'],
    ["%%latex\n$x^2$", 'display.latex("$x^2$");'],
    ["%%svg\n<svg/>", 'display.svg("<svg/>");'],
    ["%%javascript\nalert(1)", 'display.bundle({ "application/javascript": "alert(1)" });'],
    ["%%sh\necho hi\nls", 'await __magics.sh("echo hi\\nls", { shell: "sh" });'],
    ["%%bash\necho $HOME", 'await __magics.sh("echo $HOME", { shell: "bash" });'],
    ["%sh ls -la", 'await __magics.sh("ls -la", { shell: "sh" });'],
    ["!ls -la", 'await __magics.sh("ls -la", { shell: "sh" });'],
    ["  !./build.sh --fast", '  await __magics.sh("./build.sh --fast", { shell: "sh" });'],
    ["%sx ls", 'await __magics.shLines("ls");'],
    ["const files = %sx ls *.ts", 'const files = await __magics.shLines("ls *.ts")'],
    ["%%writefile notes.txt\nline", '__magics.writefile("notes.txt", "line\\n", {  });'],
    ["%%writefile -a notes.txt\nmore\n", '__magics.writefile("notes.txt", "more\\n", { append: true });'],
  ];
  test.each(cases)("%s", async (cell, expected) => {
    expect(await expand(cell)).toBe(expected);
  });

  test("a ! that negates stays TypeScript", async () => {
    for (const cell of ["const ok =\n  !done", "const ok = !done", "f(\n  !a,\n  !b\n)", "x\n!== y", "!(a && b)", "!!x", "const s = `\n!ls`", "// !ls"]) {
      expect(await expand(cell)).toBe(cell);
    }
  });

  test("%%time runs the cell at top level and still shows its last value", async () => {
    expect(await expand("%%time\nconst a = slow()\na * 2")).toBe("__magics.startTimer();\nconst a = slow()\n__magics.stopTimer(a * 2);");
    expect(await expand("%%time\nlet b = 1")).toBe("__magics.startTimer();\nlet b = 1\n__magics.stopTimer();");
  });

  test("%%timeit takes setup code on its first line and awaits async bodies", async () => {
    expect(await expand("%%timeit -n 3 const xs = [3, 1, 2]\nawait sortAsync(xs)")).toBe(
      "{ const xs = [3, 1, 2]; await __magics.timeit(async () => {\nawait sortAsync(xs)\n}, { number: 3, repeat: 7 }); }",
    );
  });

  test("line magics inside %%time are expanded too", async () => {
    expect(await expand("%%time\n%pwd")).toBe("__magics.startTimer();\n__magics.stopTimer(__magics.pwd());");
  });

  test("%reset without -f explains instead of deleting", async () => {
    expect(await expand("%reset")).toMatch(/^console\.log\(".*Run %reset -f.*"\);$/);
  });

  test("%history prints the session's cells, numbered or by range", async () => {
    const host = hostWith({
      history: () => [
        { executionCount: 1, code: "const a = 1" },
        { executionCount: 2, code: "a + 1\nconsole.log(a)" },
        { executionCount: 3, code: "%pwd" },
      ],
    });
    expect(await expand("%history -n 2-3", host)).toBe(`console.log(${JSON.stringify("   2: a + 1\n      console.log(a)\n   3: %pwd")});`);
    expect(await expand("%history -l 1", host)).toBe('console.log("%pwd");');
    expect(await failure("%history two", host)).toContain('"two" is not a range');
  });

  test("%load puts the file into the cell instead of running anything", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "magics-load-"));
    await fs.writeFile(path.join(dir, "helper.ts"), "export const answer = 42;\r\nconsole.log(answer);\r\n");
    const result = await expandCell("// above\n%load helper.ts", hostWith({ cwd: () => dir }));
    expect(result).toEqual({
      ok: true,
      code: "",
      payload: [{ source: "set_next_input", text: "// above\n// %load helper.ts\nexport const answer = 42;\nconsole.log(answer);", replace: true }],
    });
    expect(await failure("%load missing.ts", hostWith({ cwd: () => dir }))).toBe(
      `%load: no such file missing.ts (looked for ${path.join(dir, "missing.ts")}).`,
    );
  });

  test("%run inlines the file's TypeScript so its declarations join the notebook", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "magics-run-"));
    await fs.writeFile(path.join(dir, "lib.ts"), "export function double(x: number) { return 2 * x; }\nexport const seven = 7;\n");
    const code = await expand("%run lib.ts", hostWith({ cwd: () => dir }));
    expect(code).toBe("/* %run lib.ts */ function double(x: number) { return 2 * x; }\nconst seven = 7;\n");
    expect(await failure("%run notes.txt", hostWith({ cwd: () => dir }))).toContain("not a TypeScript or JavaScript file");
  });
});

describe("mistakes give one clear message and run nothing", () => {
  test("unknown magic names the nearest ones", async () => {
    expect(await failure("%fitt model data")).toBe("Unknown magic %fitt. Did you mean %fit? (%lsmagic lists them)");
    expect(await failure("%%htm\n<b/>")).toBe("Unknown magic %%htm. Did you mean %%html? (%lsmagic lists them)");
    expect(await failure("%zzzzzz")).toBe("Unknown magic %zzzzzz. (%lsmagic lists them)");
  });

  test("bad flags and values show what was wrong and the usage line", async () => {
    const usage =
      "Usage: %fit MODEL DATA [--epochs N] [--lr X] [--batch B] [--schedule {constant,cosine,onecycle}] [--engine {tfjs,keras}] [--controls] [--as VAR]";
    expect(await failure("%fit model data --epoch 3")).toBe(`%fit: unknown flag --epoch. Did you mean --epochs?\n${usage}`);
    expect(await failure("%fit model data --epochs three")).toBe(`%fit: --epochs expects a whole number, got "three"\n${usage}`);
    expect(await failure("%fit model data --lr fast")).toBe(`%fit: --lr expects a number, got "fast"\n${usage}`);
    expect(await failure("%fit model data --schedule cosin")).toBe(
      `%fit: --schedule must be one of constant, cosine, onecycle; got "cosin" (did you mean cosine?)\n${usage}`,
    );
    expect(await failure("%fit model")).toBe(`%fit: missing DATA\n${usage}`);
    expect(await failure("%fit model data extra")).toBe(`%fit: unexpected argument "extra"\n${usage}`);
    expect(await failure("%fit model data --epochs")).toBe(`%fit: --epochs needs a value (N)\n${usage}`);
    expect(await failure("%fit 3model data")).toContain("MODEL must name a variable");
    expect(await failure("%backbone mobilenet_v2 --as 2x")).toContain('--as must be a variable name, got "2x"');
    expect(await failure("%typecheck maybe")).toBe('%typecheck: MODE must be one of on, warn, off; got "maybe"\nUsage: %typecheck {on,warn,off}');
    expect(await failure('%save model "unclosed')).toContain('Unclosed "');
    expect(await failure("%pwd --now")).toBe("%pwd: unknown flag --now. %pwd takes no flags.\nUsage: %pwd");
  });

  test("line and cell magics in the wrong place", async () => {
    expect(await failure("const a = 1\n%%time\na")).toBe("%%time must be on the first line of the cell: a cell magic applies to the whole cell.");
    expect(await failure("%html <b>x</b>")).toBe("%%html is a cell magic: put %%html on the first line of the cell, with the content below it.");
    expect(await failure("%%pwd\nx")).toBe("%pwd is a line magic: write %pwd ... on a line of its own (one %).");
    expect(await failure("const b = %backbone mobilenet_v2 --as base")).toContain("%backbone cannot be used as a value");
    expect(await failure("const x = %time for (;;) {}")).toBe("%time: only an expression can be timed where a value is expected.");
    expect(await failure("%timeit -n 0 f()")).toBe("%timeit: -n must be at least 1, got 0");
  });

  test("an error anywhere in the cell stops the whole cell", async () => {
    const result = await expandCell("%pwd\n%nosuchmagic\n%pwd", hostWith());
    expect(result.ok).toBe(false);
  });
});

describe("help comes from each magic's declaration", () => {
  test("%name? prints usage, summary, arguments and options with defaults", async () => {
    const code = await expand("%timeit?");
    const printed = JSON.parse(code.slice("console.log(".length, -2)) as string;
    expect(printed).toContain("Usage: %timeit [-n N] [-r R] [-q] [-o] [CODE]");
    expect(printed).toContain("       %%timeit [-n N] [-r R] [-q] [-o] [CODE]");
    expect(printed).toMatch(/-r, --repeat R\s+runs \(default: 7\)/);
    expect(printed).toContain("mean ± std. dev.");
  });

  test("%name?? and %expand show the expansion without running it", async () => {
    expect(await expand("%fit?? model data --epochs 2")).toBe(`console.log(${JSON.stringify("await tl.fit(model, data, { epochs: 2 });")});`);
    expect(await expand("%expand %seed 3")).toBe('console.log("tl.seed(3);");');
    expect(await expand("%expand seed 3")).toBe('console.log("tl.seed(3);");');
    expect(await expand("%%expand\n%%html\n<i>x</i>")).toBe(`console.log(${JSON.stringify('display.html("<i>x</i>");')});`);
    expect(await failure("%expand %fit model")).toContain("%fit: missing DATA");
  });

  test("%lsmagic lists line and cell magics, %magic describes them", async () => {
    const listing = JSON.parse((await expand("%lsmagic")).slice("console.log(".length, -2)) as string;
    expect(listing).toMatch(/Available line magics:\n.*%time {2}%timeit/);
    expect(listing).toMatch(/Available cell magics:\n.*%%html/);
    for (const name of ["%backbone", "%fit", "%who", "%npm", "%memory"]) expect(listing).toContain(name);
    const described = JSON.parse((await expand("%magic")).slice("console.log(".length, -2)) as string;
    expect(described).toMatch(/%fit\s+Train a model/);
  });
});

test("inspecting a magic's line gives its help (Shift-Tab)", () => {
  expect(inspectMagic("x = 1\n%fit model data --ep", 12)).toMatch(/^Usage: %fit MODEL DATA/);
  expect(inspectMagic("const s = '%fit'", 12)).toBeUndefined();
});

describe("magics registered by packages and by cells", () => {
  test("a package magic expands, validates its declared flags, and is listed", async () => {
    registerMagic({
      name: "greet",
      summary: "Say hello.",
      positionals: [{ name: "who" }],
      flags: [{ name: "times", short: "t", type: "int", default: 1 }],
      expand: (args) => `console.log(${args.code.who}.repeat(${args.code.times}));`,
    });
    expect(await expand("%greet world -t 2")).toBe('console.log("world".repeat(2));');
    expect(await failure("%greet world --times x")).toBe('%greet: --times expects a whole number, got "x"\nUsage: %greet WHO [-t TIMES]');
    expect(await expand("%lsmagic")).toContain("%greet");
    expect(() => registerMagic({ name: "time", expand: () => "" })).toThrow("%time is a built-in magic; register yours under another name.");
  });

  test("a magic registered at run time (tsfine.registerMagic) expands through the host", async () => {
    magicsRuntime.registerMagic({ name: "shout", kind: "both", expand: (args, body) => `console.log(${JSON.stringify((body ?? args.text).toUpperCase())});` });
    expect(await expand("%shout hello there")).toBe('console.log("HELLO THERE");');
    expect(await expand("%%shout\nquiet words")).toBe('console.log("QUIET WORDS");');
    expect(await expand("%shout?")).toBe('__magics.printUserMagicHelp("shout");');
    expect(await failure("%shoutt x")).toBe("Unknown magic %shoutt. Did you mean %shout? (%lsmagic lists them)");
    expect(completeMagic("%sho", 4, magicsRuntime.userMagicNames())?.matches).toEqual(["%shout"]);
  });

  test("a run-time magic's own error reaches the user as its message", async () => {
    magicsRuntime.registerMagic({ name: "strict", flags: [{ name: "level", type: "int" }], expand: () => "1" });
    expect(await failure("%strict --level high")).toBe('%strict: --level expects a whole number, got "high"\nUsage: %strict [--level LEVEL]');
  });
});

describe("completion of names, flags and choices", () => {
  test("magic names after % and %%", () => {
    expect(completeMagic("%ti", 3)).toEqual({ matches: ["%time", "%timeit"], cursorStart: 0, cursorEnd: 3 });
    expect(completeMagic("%%ht", 4)?.matches).toEqual(["%%html"]);
    expect(completeMagic("const a = 1\n  %pw", 17)).toEqual({ matches: ["%pwd"], cursorStart: 14, cursorEnd: 17 });
    expect(completeMagic("const t = %ti", 13)?.matches).toEqual(["%time", "%timeit"]);
  });

  test("flags of the magic being typed", () => {
    expect(completeMagic("%fit model data --e", 19)).toEqual({ matches: ["--engine", "--epochs"], cursorStart: 16, cursorEnd: 19 });
    expect(completeMagic("%backbone mobilenet_v2 --", 25)?.matches).toEqual(["--alpha", "--as", "--input", "--weights"]);
  });

  test("choices of a flag or positional", () => {
    expect(completeMagic("%fit m d --schedule c", 21)?.matches).toEqual(["constant", "cosine"]);
    expect(completeMagic("%typecheck ", 11)?.matches).toEqual(["on", "warn", "off"]);
  });

  test("outside magics there is nothing to complete here", () => {
    expect(completeMagic("const x = 1", 5)).toBeUndefined();
    expect(completeMagic("const s = '%ti", 14)).toBeUndefined();
  });
});
