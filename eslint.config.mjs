// Lint rules for the whole repository: ESLint's and typescript-eslint's recommended sets, without
// type information (the type-aware set takes several times as long on a 2-core machine, and tsc
// already checks the types). Layout is prettier's job: `npm run lint` runs both.
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "dist/",
      "node_modules/",
      ".venv/",
      "bench/.venv/",
      "bench/.peers/",
      "bench/results/",
      "bench/gpu-check/.carry/",
      "out/",
      "test-output/",
      "lite/node_modules/",
      "lite/lib/",
      "lite/labextension/",
    ],
  },
  // A disable comment that no longer silences anything is removed, not left to mislead.
  { linterOptions: { reportUnusedDisableDirectives: "error" } },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // require() is how the kernel loads a module lazily (start-up time) or optionally (a package
      // the user may not have); the value is typed with `typeof import("...")`.
      "@typescript-eslint/no-require-imports": "off",
      // A leading underscore marks a parameter or binding kept for its position or its interface.
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_" }],
      // A `let` that closures read and one later statement assigns (a timer set after the handlers
      // that clear it) cannot become a const.
      "prefer-const": ["error", { ignoreReadBeforeAssign: true }],
    },
  },
  {
    // Tests read notebooks and Jupyter messages as JSON; their assertions check the shape.
    files: ["test/**/*.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
  {
    // The browser kernel runs in a page and a Web Worker.
    files: ["lite/src/**/*.ts"],
    languageOptions: { globals: { ...globals.browser, ...globals.worker } },
  },
  {
    // Plain CommonJS scripts: bin/, bench/, examples/ builders, test fixtures, jest.config.js.
    files: ["**/*.js", "**/*.cjs"],
    languageOptions: { sourceType: "commonjs" },
  },
);
