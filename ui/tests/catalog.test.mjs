// Both languages carry the same keys, and every key the Rust errors can produce has a message.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

const load = (name) => JSON.parse(readFileSync(join(import.meta.dirname, "../src/locales", name), "utf8"));
const keys = (obj, prefix = "") =>
  Object.entries(obj).flatMap(([k, v]) => (typeof v === "object" ? keys(v, `${prefix}${k}.`) : [`${prefix}${k}`]));

test("Spanish and English catalogs have the same keys", () => {
  assert.deepEqual(keys(load("en.json")).sort(), keys(load("es-MX.json")).sort());
});

test("every error key and field the Rust code emits has a message", () => {
  const es = load("es-MX.json");
  const text = ["../../clinic/src", "../../desk/src", "../../src-tauri/src"]
    .map((dir) => join(import.meta.dirname, dir))
    .flatMap((src) =>
      readdirSync(src, { recursive: true })
        .filter((f) => String(f).endsWith(".rs"))
        .map((f) => readFileSync(join(src, String(f)), "utf8")),
    )
    .join("\n");
  const validation = [...text.matchAll(/AppError::validation\("([^"]+)", "([^"]+)"\)/g)];
  const conflicts = [...text.matchAll(/AppError::conflict\("([^"]+)"/g)];
  assert.ok(validation.length > 10 && conflicts.length > 3, "the scan finds the errors");
  for (const [, field, key] of validation) {
    assert.ok(es.fields[field], `fields.${field} missing`);
    assert.ok(es.errors[key], `errors.${key} missing`);
  }
  for (const [, key] of conflicts) assert.ok(es.errors[key], `errors.${key} missing`);
  // An import's row problems: the fields' form names, and each problem's key.
  const formNames = [...text.matchAll(/(?:PatientField|AppointmentField)::\w+ => "([^"]+)"/g)];
  const problems = [...text.matchAll(/problem\([^,()]+, (?:F|PatientField|AppointmentField)::\w+, "([^"]+)"\)/g)];
  assert.ok(formNames.length > 20 && problems.length > 10, "the scan finds the import's fields and problems");
  for (const [, field] of formNames) assert.ok(es.fields[field], `fields.${field} missing`);
  for (const [, key] of problems) assert.ok(es.errors[key], `errors.${key} missing`);
});
