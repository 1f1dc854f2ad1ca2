// End to end, a consent letter (NOM-004 carta de consentimiento bajo información) in the real app:
// the admin publishes the template (one lacking a required content is refused, naming it); at the
// patient's record the letter is signed on screen with pointer strokes and confirmed with the
// podiatrist's password; the stored PDF/A draws the strokes, and its SHA-256 is the one in the audit
// chain. Real app, real WebKit.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { constants, inflateSync } from "node:zlib";
import { eventually, launchOnFreshDatabase, psql } from "./driver.mjs";

const PASSWORD = "firmas en pantalla 2026";

/** How many straight segments (`l` operators) a PDF's compressed streams draw. */
function segments(bytes) {
  const text = bytes.toString("latin1");
  const opening = />>\s*stream\r?\n/g;
  let count = 0;
  for (let m = opening.exec(text); m; m = opening.exec(text)) {
    const start = m.index + m[0].length;
    const end = text.indexOf("endstream", start);
    if (end < 0) break;
    try {
      const content = inflateSync(bytes.subarray(start, end), { finishFlush: constants.Z_SYNC_FLUSH }).toString("latin1");
      count += (content.match(/[\d.] l\s/g) ?? []).length;
    } catch {
      // not a Flate stream
    }
    opening.lastIndex = end;
  }
  return count;
}

/** A file the desk just wrote, once it is whole. */
function written(path) {
  return eventually(() => {
    try {
      return readFileSync(path);
    } catch {
      return null;
    }
  }, `the file ${path}`);
}

test("a consent letter signed on screen is a PDF/A with the strokes, its digest in the audit chain", async (t) => {
  const { db, app } = await launchOnFreshDatabase(t);
  await app.find("[data-test=first-admin-form]", 60_000);
  psql(
    db.url,
    `INSERT INTO podiatrists (id, name, license, color) VALUES (gen_random_uuid(), 'Dra. Lucía Hernández', '1234567', '#0f766e');
     INSERT INTO patients (id, first_name, last_names) VALUES (gen_random_uuid(), 'Ana', 'Quintanar')`,
  );
  await app.firstAdminAndLogin("Dra. Lucía Hernández", "admin", PASSWORD);
  // The podiatrist signs in with her own account (the one who informs the patient signs).
  psql(db.url, "UPDATE podiatrists SET user_id = (SELECT id FROM users WHERE username = 'admin')");
  const main = (await app.windows())[0];

  // Admin → Documentos: the nail-surgery template. A body without the signatures' place is refused.
  const known = await app.windows();
  await app.click("[data-test=open-admin]");
  await app.switchToNewWindow(known);
  await app.click("[data-test=tab-documents]");
  await app.click("[data-test=template-nail_surgery]");
  await app.type("[data-test=template-act]", "Avulsión parcial de la lámina ungueal con anestesia local");
  await app.type("[data-test=template-risksBenefits]", "Dolor, sangrado o infección; alivio del dolor.");
  await app.type("[data-test=template-contingencies]", "Autorizo al personal a atender las urgencias derivadas.");
  const body = ["{{establecimiento}}", "{{titulo}}", "{{lugar_y_fecha}}", "Yo, {{paciente}}, autorizo: {{acto}}.", "{{riesgos_y_beneficios}}", "{{contingencias}}"];
  // WebDriver's Enter key makes the textarea's new lines.
  await app.type("[data-test=template-body]", body.join("\uE007"));
  await app.click("[data-test=template-publish]");
  await app.textIs("[data-test=template-form] [data-test=form-error]", /le falta el campo \{\{firmas\}\}/);
  await app.type("[data-test=template-body]", [...body, "{{firmas}}"].join("\uE007"));
  await app.click("[data-test=template-publish]");
  await app.textIs("[data-test=templates]", /versión 1, publicada por Dra\. Lucía Hernández/);
  assert.deepEqual(await app.layoutProblems(), [], "Admin → Documentos fits the window");
  assert.equal(psql(db.url, "SELECT body FROM consent_templates").split("\n").length, 7, "one placeholder a line");

  // At Ana's record: signed on screen, with the pointer.
  await app.switchToWindow(main);
  await app.click("[data-test=nav-patients]");
  await app.type("[data-test=patient-search]", "ana quintanar");
  await app.click("[data-test=patient-result]");
  await app.find("[data-test=consents-empty]");
  await app.click("[data-test=consent-sign]");
  await app.find("[data-test=signing-view]");
  await app.type("[data-test=signing-view] #field-detail", "primer ortejo derecho");
  const stroke = Array.from({ length: 30 }, (_, i) => [-150 + i * 10, Math.round(30 * Math.sin(i / 2.5))]);
  await app.drawOn("[data-test=pad-signer]", stroke);
  await app.drawOn("[data-test=pad-signer]", [[-60, 40], [-20, -40], [20, 40], [60, -40]]);
  await app.type("[data-test=signing-view] #field-password", "no es la mía");
  await app.click("[data-test=signing-confirm]");
  await app.textIs("[data-test=signing-view] [data-test=form-error]", /^Contraseña: no es correcta/);
  await app.type("[data-test=signing-view] #field-password", PASSWORD);
  await app.click("[data-test=signing-confirm]");
  await app.gone("[data-test=signing-view]");
  await app.textIs("[data-test=consent-notice]", /Carta firmada/);
  await app.textIs("[data-test=consent-letter] [data-test=consent-state]", "vigente");

  const strokes = psql(db.url, "SELECT jsonb_array_length(strokes -> 'signature' -> 'strokes') || ' ' || jsonb_array_length(strokes -> 'signature' -> 'strokes' -> 0) FROM consent_letters").split(" ");
  assert.equal(strokes[0], "2", "two strokes drawn");
  assert.ok(Number(strokes[1]) >= 10, `the first stroke kept its points: ${strokes[1]}`);

  // The letter as stored: a PDF/A whose digest is the database's and the audit chain's.
  await app.click("[data-test=consent-show]");
  const signedPath = await app.textIs("[data-test=consents-card] [data-test=document-path]", /consentimiento-[0-9a-f]{32}\.pdf$/);
  const signed = await written(signedPath);
  const digest = createHash("sha256").update(signed).digest("hex");
  assert.equal(psql(db.url, "SELECT sha256 FROM consent_letters"), digest, "the file is the letter stored");
  assert.equal(psql(db.url, "SELECT after ->> 'sha256' FROM audit_log WHERE action = 'consent.sign'"), digest, "its digest is in the audit chain");
  assert.ok(signed.includes("pdfaid:part>2<") && signed.includes("pdfaid:conformance>B<"), "PDF/A-2b");
  const text = execFileSync("pdftotext", [signedPath, "-"], { encoding: "utf8" }).replace(/\s+/g, " ");
  for (const expected of ["Ana Quintanar", "primer ortejo derecho", "Dra. Lucía Hernández", "1234567", "Firmado con su contraseña"]) {
    assert.ok(text.includes(expected), `the letter lacks ${expected}:\n${text}`);
  }

  // The blank letter, to sign on paper: the same layout without the strokes.
  await app.click("[data-test=consent-blank]");
  const blankPath = await app.textIs("[data-test=consents-card] [data-test=document-path]", /consentimiento-en-blanco-.*\.pdf$/);
  const blank = await written(blankPath);
  const [withInk, without] = [segments(signed), segments(blank)];
  assert.ok(withInk - without >= 20, `the signed letter draws the strokes: ${withInk} segments, blank ${without}`);

  // Revoked: an addendum; the letter stays as signed.
  await app.click("[data-test=consent-revoke]");
  await app.type("[data-test=consents-card] #field-reason", "La paciente lo pensará");
  await app.click("[data-test=consent-revoke-confirm]");
  await app.textIs("[data-test=consent-letter] [data-test=consent-state]", /^revocada/);
  assert.equal(psql(db.url, "SELECT sha256 FROM consent_letters"), digest);
  assert.equal(psql(db.url, "SELECT count(*) FROM audit_log WHERE action IN ('consent.revoke', 'document.consent')"), "3");
});
