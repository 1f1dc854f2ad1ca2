// Loads one of the UI's import-free TypeScript modules for a test: transpiled by the project's own
// TypeScript, imported from memory.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";

export async function loadTs(relative) {
  const source = readFileSync(join(import.meta.dirname, "../src", relative), "utf8");
  const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
  return import(`data:text/javascript;base64,${Buffer.from(js).toString("base64")}`);
}
