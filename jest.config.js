/**
 * Two jest projects. `unit` is the fast feedback loop (`npm run test:unit`): tests that need no
 * build, and launch no kernel, no Jupyter client, no browser and no training run. `integration`
 * is everything else; it launches the built kernel (dist/), so `npm test` builds first and runs both.
 */
const unit = ["wire", "publisher", "history", "magics", "plain-script", "display", "tl-freeze", "tl-graph-model", "png", "nearest-names", "html-export"].map(
  (name) => `<rootDir>/test/${name}.test.ts`,
);

// ES-module-only packages that our CommonJS code loads with require(): Node does that natively,
// jest's module loader does not, so jest turns them into CommonJS first.
const esmOnlyPackages = ["fast-png", "iobuffer", "marked"];

const shared = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  transform: {
    "^.+\\.ts$": ["ts-jest", { tsconfig: "<rootDir>/tsconfig.test.json", diagnostics: false }],
    [`/node_modules/(${esmOnlyPackages.join("|")})/.+\\.js$`]: ["ts-jest", { tsconfig: { allowJs: true }, diagnostics: false }],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnlyPackages.join("|")})/)`],
};

module.exports = {
  testTimeout: 60000,
  projects: [
    { ...shared, displayName: "unit", testMatch: unit },
    {
      ...shared,
      displayName: "integration",
      testMatch: ["**/*.test.ts"],
      testPathIgnorePatterns: ["/node_modules/", ...unit.map((file) => file.replace(/\./g, "\\."))],
    },
  ],
};
