/** Unit and integration tests. Integration tests launch the built kernel (dist/), so `npm test` builds first. */

// ES-module-only packages that our CommonJS code loads with require(): Node does that natively,
// jest's module loader does not, so jest turns them into CommonJS first.
const esmOnlyPackages = ["fast-png", "iobuffer", "marked"];

module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.ts$": ["ts-jest", { tsconfig: "<rootDir>/tsconfig.test.json", diagnostics: false }],
    [`/node_modules/(${esmOnlyPackages.join("|")})/.+\\.js$`]: ["ts-jest", { tsconfig: { allowJs: true }, diagnostics: false }],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnlyPackages.join("|")})/)`],
  testTimeout: 60000,
};
