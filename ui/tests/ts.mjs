// Loads one of the UI's TypeScript modules for a test: transpiled by the project's own TypeScript,
// imported from memory. Its packages (preact) are resolved from the UI's node_modules; a module
// that imports the UI's own files is not loadable this way.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";

export async function loadTs(relative) {
  const source = readFileSync(join(import.meta.dirname, "../src", relative), "utf8");
  const js = ts
    .transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } })
    .outputText.replace(/from "([a-z@][^"]*)"/g, (_, name) => `from "${import.meta.resolve(name)}"`);
  return import(`data:text/javascript;base64,${Buffer.from(js).toString("base64")}`);
}
