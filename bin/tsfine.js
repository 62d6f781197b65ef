#!/usr/bin/env node
// Entry point for the `tsfine` command; the CLI itself is TypeScript compiled to dist/.
require("../dist/kernel/cli.js").main(process.argv.slice(2));
