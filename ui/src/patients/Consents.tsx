// The patient's consent letters (NOM-004 cartas de consentimiento bajo información): the letters
// signed, whether each covers its act today, and the ways to sign one — on screen (the signing view:
// the patient or their representative and the witnesses draw with a finger, pen or mouse, the
// podiatrist confirms with their password), or on paper (the blank letter printed, its scan
// attached). Revoking is an addendum: the letter stays as signed.
import { useEffect, useState } from "preact/hooks";
import { v7 as uuidv7 } from "uuid";
import type { Letter, SavedDocument, Signer, Template } from "../bindings";
import { call, commands } from "../api";
import { clinicToday } from "../clinicTime";
import { DocumentLink, docLang } from "../components/Document";
import { Pad, type PadHandle } from "../components/SignaturePad";
import { Card, ErrorBox, Field, Pending, useLoad, useSubmit } from "../components/Form";
import { formatDateTime, t } from "../i18n";
import { limit } from "../options";

/** The pads on screen, by their test name (one signing view at a time). */
const pads = new Map<string, PadHandle>();

/** Who signs for the patient, as both ways of signing ask it. */
function SignerFields(p: {
  signer: Signer;
  representative: string;
  relationship: string;
  invalid: string | null;
  onChange: (v: { signer: Signer; representative: string; relationship: string }) => void;
}) {
  return (
    <fieldset>
      <legend>{t("consents.signer")}</legend>
      {(["patient", "representative"] as const).map((s) => (
        <label class="choice">
          <input type="radio" name="signer" data-test={`signer-${s}`} checked={p.signer === s} onChange={() => p.onChange({ ...p, signer: s })} />
          {t(`consents.signers.${s}`)}
        </label>
      ))}
      {p.signer === "representative" ? (
        <>
          <Field
            name="representative"
            value={p.representative}
            maxLength={limit("consent_letters.representative")}
            invalid={p.invalid === "representative"}
            onInput={(representative) => p.onChange({ ...p, representative })}
          />
          <Field
            name="relationship"
            value={p.relationship}
            maxLength={limit("consent_letters.relationship")}
            invalid={p.invalid === "relationship"}
            onInput={(relationship) => p.onChange({ ...p, relationship })}
          />
        </>
      ) : null}
    </fieldset>
  );
}

/** The full-screen signing view: the letter to read, the pads, the podiatrist's password. */
function SigningView(p: { template: Template; patientId: string; patientName: string; onClose: (done: string | null) => void }) {
  const [id] = useState(() => uuidv7());
  const [who, setWho] = useState({ signer: "patient" as Signer, representative: "", relationship: "" });
  const [detail, setDetail] = useState("");
  const [witnesses, setWitnesses] = useState<string[]>(Array.from({ length: p.template.witnesses }, () => ""));
  const [password, setPassword] = useState("");
  const sign = useSubmit(async () => {
    const signature = pads.get("pad-signer")?.read() ?? { width: 1, height: 1, strokes: [] };
    const drawn = witnesses.map((name, i) => ({ name, signature: pads.get(`pad-witness-${i}`)?.read() ?? { width: 1, height: 1, strokes: [] } }));
    const outcome = await call(
      commands.signConsentLetter({ id, patientId: p.patientId, templateId: p.template.id, detail, ...who, signature, witnesses: drawn }, password, docLang()),
    );
    setPassword("");
    p.onClose(outcome.kind === "kept" ? t("consents.kept") : t("consents.signed"));
  });
  useEffect(() => () => pads.clear(), []);
  return (
    <div class="overlay signing" role="dialog" aria-modal="true" aria-label={p.template.title} data-test="signing-view">
      <section class="card sheet">
        <h2>
          {p.template.title} · {p.patientName}
        </h2>
        <div class="letter-text" data-test="signing-letter">
          <p>
            <strong>{t("fields.act")}:</strong> {p.template.act}
          </p>
          <p>
            <strong>{t("fields.risksBenefits")}:</strong> {p.template.risksBenefits}
          </p>
          <p>
            <strong>{t("fields.contingencies")}:</strong> {p.template.contingencies}
          </p>
        </div>
        <Field name="detail" value={detail} maxLength={limit("consent_letters.detail")} invalid={sign.field === "detail"} onInput={setDetail} hint={t("consents.detailHint")} />
        <SignerFields {...who} invalid={sign.field} onChange={setWho} />
        <Pad label={who.signer === "patient" ? t("consents.signers.patient") : t("consents.signers.representative")} test="pad-signer" onPad={(pad) => pads.set("pad-signer", pad)} />
        {witnesses.map((name, i) => (
          <div class="witness">
            <Field
              name="witnesses"
              label={t("consents.witness", { n: i + 1 })}
              value={name}
              invalid={sign.field === "witnesses"}
              onInput={(v) => setWitnesses(witnesses.map((w, j) => (j === i ? v : w)))}
            />
            <Pad label={t("consents.witness", { n: i + 1 })} test={`pad-witness-${i}`} onPad={(pad) => pads.set(`pad-witness-${i}`, pad)} />
          </div>
        ))}
        <Field name="password" type="password" value={password} invalid={sign.field === "password"} onInput={setPassword} hint={t("consents.passwordHint")} />
        <ErrorBox message={sign.message} />
        <div class="row">
          <button type="button" data-test="signing-confirm" disabled={sign.busy} onClick={() => void sign.run()}>
            {t("consents.sign")}
          </button>
          <button type="button" class="secondary" data-test="signing-cancel" onClick={() => p.onClose(null)}>
            {t("common.cancel")}
          </button>
        </div>
      </section>
    </div>
  );
}

/** The scan of a letter signed on paper: the file, the day, who signed. */
function ScanForm(p: { template: Template; patientId: string; onDone: (letter: Letter | null) => void }) {
  const [id] = useState(() => uuidv7());
  const [file, setFile] = useState<{ token: string; fileName: string } | null>(null);
  const [signedOn, setSignedOn] = useState(clinicToday());
  const [who, setWho] = useState({ signer: "patient" as Signer, representative: "", relationship: "" });
  const [witnesses, setWitnesses] = useState<string[]>(Array.from({ length: p.template.witnesses }, () => ""));
  const pick = useSubmit(async () => {
    const picked = await call(commands.pickFile("scan", t("consents.pickTitle")));
    if (picked) setFile(picked);
  });
  const attach = useSubmit(async () => {
    const letter = await call(
      commands.attachConsentScan({
        id,
        patientId: p.patientId,
        templateId: p.template.id,
        detail: "",
        ...who,
        witnesses,
        signedOn,
        file: file?.token ?? "00000000-0000-0000-0000-000000000000",
      }),
    );
    p.onDone(letter);
  });
  return (
    <div class="stack" data-test="scan-form">
      <div class="row">
        <button type="button" class="secondary" data-test="scan-pick" onClick={() => void pick.run()}>
          {t("consents.pickScan")}
        </button>
        <span data-test="scan-file">{file?.fileName ?? t("consents.noFile")}</span>
      </div>
      <Field name="signedOn" type="date" value={signedOn} onInput={setSignedOn} invalid={attach.field === "signedOn"} />
      <SignerFields {...who} invalid={attach.field} onChange={setWho} />
      {witnesses.map((name, i) => (
        <Field
          name="witnesses"
          label={t("consents.witness", { n: i + 1 })}
          value={name}
          invalid={attach.field === "witnesses"}
          onInput={(v) => setWitnesses(witnesses.map((w, j) => (j === i ? v : w)))}
        />
      ))}
      <ErrorBox message={pick.message ?? attach.message} />
      <div class="row">
        <button type="button" data-test="scan-attach" disabled={attach.busy} onClick={() => void attach.run()}>
          {t("consents.attach")}
        </button>
        <button type="button" class="secondary" onClick={() => p.onDone(null)}>
          {t("common.cancel")}
        </button>
      </div>
    </div>
  );
}

function LetterRow(p: { letter: Letter; canSign: boolean; onShow: (doc: SavedDocument) => void; onChanged: () => void }) {
  const l = p.letter;
  const [revoking, setRevoking] = useState(false);
  const [reason, setReason] = useState("");
  const show = useSubmit(async () => p.onShow(await call(commands.exportConsentLetter(l.id))));
  const revoke = useSubmit(async () => {
    await call(commands.revokeConsentLetter({ letterId: l.id, reason }));
    setRevoking(false);
    p.onChanged();
  });
  const state = l.revokedAt ? t("consents.revoked", { when: formatDateTime(l.revokedAt) }) : l.inForce ? t("consents.inForce") : t("consents.expired");
  return (
    <li data-test="consent-letter" data-kind={l.kind}>
      <strong>{l.title}</strong> ({t("consents.version", { version: l.version })}) · {formatDateTime(l.signedAt)} ·{" "}
      {l.signer === "patient" ? t("consents.signers.patient") : `${l.representative} (${l.relationship})`} · {l.podiatristName} ·{" "}
      {t(`consents.sources.${l.source === "scan" ? "scan" : "desk"}`)} · <span data-test="consent-state">{state}</span>
      <div class="row">
        <button type="button" class="secondary" data-test="consent-show" disabled={show.busy} onClick={() => void show.run()}>
          {t("consents.show")}
        </button>
        {p.canSign && !l.revokedAt ? (
          <button type="button" class="secondary" data-test="consent-revoke" onClick={() => setRevoking(!revoking)}>
            {t("consents.revoke")}
          </button>
        ) : null}
      </div>
      {revoking ? (
        <div class="row">
          <Field name="reason" value={reason} maxLength={limit("consent_revocations.reason")} invalid={revoke.field === "reason"} onInput={setReason} />
          <button type="button" data-test="consent-revoke-confirm" disabled={revoke.busy} onClick={() => void revoke.run()}>
            {t("consents.revokeConfirm")}
          </button>
        </div>
      ) : null}
      <ErrorBox message={show.message ?? revoke.message} />
    </li>
  );
}

/** The record's consent card. */
export function ConsentsCard(p: { patientId: string; patientName: string; canSign: boolean }) {
  const letters = useLoad(() => call(commands.listConsentLetters(p.patientId)), [p.patientId]);
  const templates = useLoad(() => (p.canSign ? call(commands.listConsentTemplates()) : Promise.resolve([])), [p.canSign]);
  const [kind, setKind] = useState("");
  const [blankFor, setBlankFor] = useState<Signer>("patient");
  const [mode, setMode] = useState<"sign" | "scan" | null>(null);
  const [doc, setDoc] = useState<SavedDocument | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const template = (templates.data ?? []).find((x) => x.kind === kind) ?? templates.data?.[0] ?? null;
  const blank = useSubmit(async () => {
    if (template) setDoc(await call(commands.exportBlankConsent(p.patientId, template.id, blankFor, docLang())));
  });
  // The letter is read and signed on the version in force now (another desk may have published one).
  const open = async (next: "sign" | "scan") => {
    await templates.reload();
    setMode(next);
  };
  return (
    <Card title={t("consents.title")}>
      <div class="stack" data-test="consents-card">
      <ErrorBox message={letters.error} />
      {!letters.data ? (
        <Pending error={null} />
      ) : letters.data.length === 0 ? (
        <p class="empty" data-test="consents-empty">
          {t("consents.none")}
        </p>
      ) : (
        <ul class="letters" data-test="consent-letters">
          {letters.data.map((l) => (
            <LetterRow letter={l} canSign={p.canSign} onShow={setDoc} onChanged={() => void letters.reload()} />
          ))}
        </ul>
      )}
      {p.canSign && templates.data && templates.data.length === 0 ? <p class="warning">{t("consents.noTemplates")}</p> : null}
      {p.canSign && template ? (
        <div class="row">
          <select data-test="consent-kind" value={template.kind} onChange={(e) => setKind((e.target as HTMLSelectElement).value)}>
            {(templates.data ?? []).map((x) => (
              <option value={x.kind}>{t(`consents.kinds.${x.kind}`)}</option>
            ))}
          </select>
          <button type="button" data-test="consent-sign" onClick={() => void open("sign")}>
            {t("consents.signOnScreen")}
          </button>
          <select data-test="blank-signer" aria-label={t("consents.signer")} value={blankFor} onChange={(e) => setBlankFor((e.target as HTMLSelectElement).value === "representative" ? "representative" : "patient")}>
            <option value="patient">{t("consents.signers.patient")}</option>
            <option value="representative">{t("consents.signers.representative")}</option>
          </select>
          <button type="button" class="secondary" data-test="consent-blank" disabled={blank.busy} onClick={() => void blank.run()}>
            {t("consents.printBlank")}
          </button>
          <button type="button" class="secondary" data-test="consent-scan" onClick={() => void open("scan")}>
            {t("consents.attachScan")}
          </button>
        </div>
      ) : null}
      {notice ? (
        <p class="notice" data-test="consent-notice">
          {notice}
        </p>
      ) : null}
      <ErrorBox message={templates.error ?? blank.message} />
      <DocumentLink doc={doc} />
      {mode === "sign" && template ? (
        <SigningView
          template={template}
          patientId={p.patientId}
          patientName={p.patientName}
          onClose={(done) => {
            setMode(null);
            setNotice(done);
            if (done) void letters.reload();
          }}
        />
      ) : null}
      {mode === "scan" && template ? (
        <ScanForm
          template={template}
          patientId={p.patientId}
          onDone={(letter) => {
            setMode(null);
            if (letter) {
              setNotice(t("consents.attached"));
              void letters.reload();
            }
          }}
        />
      ) : null}
      </div>
    </Card>
  );
}
