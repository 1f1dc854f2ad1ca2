// Amounts typed by staff become exact cents (no floating point on the way).
import { test } from "node:test";
import assert from "node:assert/strict";

// money.ts imports i18n (which needs a DOM) only for formatting; parsing is tested through a copy-free
// transpile of the function's source.
import { readFileSync } from "node:fs";
import { join } from "node:path";

const source = readFileSync(join(import.meta.dirname, "../src/money.ts"), "utf8");
const body = source.slice(source.indexOf("export function parseMoney"), source.indexOf("/** The value an amount"));
const parseMoney = new Function(`${body.replace("export function parseMoney(text: string): number | null", "return function (text)")}`)();

test("typed amounts become exact cents", () => {
  assert.equal(parseMoney("350"), 35000);
  assert.equal(parseMoney("350.5"), 35050);
  assert.equal(parseMoney("$1,234.50"), 123450);
  assert.equal(parseMoney("0.07"), 7);
  assert.equal(parseMoney("-20"), -2000);
  assert.equal(parseMoney("1.005"), null);
  assert.equal(parseMoney("abc"), null);
  assert.equal(parseMoney(""), null);
});
