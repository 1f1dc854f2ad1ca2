// Dates typed and shown the clinic's way (issue 17): dd/mm/aaaa in es-MX whatever the OS says.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadTs } from "./ts.mjs";

const { dateOrder, formatIsoDate, parseDate } = await loadTs("dates.ts");

test("es-MX writes and reads day first, English month first", () => {
  assert.equal(dateOrder("es-MX"), "dmy");
  assert.equal(dateOrder("en"), "mdy");
  assert.equal(formatIsoDate("2026-03-05", "dmy"), "05/03/2026");
  assert.equal(formatIsoDate("2026-03-05", "mdy"), "03/05/2026");
  assert.equal(formatIsoDate("", "dmy"), "");
  assert.equal(parseDate("05/03/2026", "dmy"), "2026-03-05");
  assert.equal(parseDate("05/03/2026", "mdy"), "2026-05-03");
  assert.equal(parseDate(" 5-3-2026 ", "dmy"), "2026-03-05");
  assert.equal(parseDate("5.3.2026", "dmy"), "2026-03-05");
  assert.equal(parseDate("2026-03-05", "dmy"), "2026-03-05");
});

test("a date that is not whole or not real is refused", () => {
  for (const text of ["", "31/02/2026", "13/13/2026", "00/01/2026", "15/03/26", "15/03", "hoy", "15/03/2026x", "29/02/2025"]) {
    assert.equal(parseDate(text, "dmy"), null, text);
  }
  assert.equal(parseDate("29/02/2024", "dmy"), "2024-02-29");
  assert.equal(parseDate("12/31/2026", "dmy"), null, "no 31st month in day-first order");
  assert.equal(parseDate("12/31/2026", "mdy"), "2026-12-31");
});
