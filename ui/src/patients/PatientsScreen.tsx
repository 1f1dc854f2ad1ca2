// Patients: search, the record form (with the likely-duplicate warning on create), archive, history.
import { useDraft } from "../components/draft";
import { useState } from "preact/hooks";
import { v7 as uuidv7 } from "uuid";
import { DIABETES_TYPES, SEXES, TEXT_LIMITS, type ExportFormat, type Patient, type PatientSummary, type SavedDocument } from "../bindings";
import { DocumentLink, docLang } from "../components/Document";
import { chosen } from "../options";
import { call, commands } from "../api";
import { Card, ErrorBox, Field, Form, useLoad, useSubmit } from "../components/Form";
import { PatientPicker } from "../components/PatientPicker";
import { Account } from "../billing/Account";
import { ConsentsCard } from "./Consents";
import { PrivacyCard } from "./Privacy";
import { formatDateTime, formatDay, formatWhen, t } from "../i18n";

function blank(): Patient {
  return {
    id: uuidv7(),
    firstName: "",
    lastNames: "",
    birthDate: null,
    sex: null,
    phone: "",
    phoneAlt: "",
    email: "",
    address: "",
    emergencyContact: "",
    emergencyPhone: "",
    diabetes: "none",
    vascularDisease: false,
    anticoagulants: false,
    allergies: "",
    historyNotes: "",
    curp: null,
    archived: false,
    updatedAt: null,
  };
}

export function PatientsScreen(props: { canWrite: boolean; canSeeAccount: boolean; canReadClinical: boolean; canExportData: boolean; canSignConsents: boolean }) {
  const { canWrite, canSeeAccount, canReadClinical, canExportData, canSignConsents } = props;
  const [editing, setEditing] = useState<{ patient: Patient; isNew: boolean } | null>(null);
  const open = async (p: PatientSummary) => setEditing({ patient: await call(commands.getPatient(p.id)), isNew: false });
  return (
    <div class="patients">
      <div class="toolbar">
        <PatientPicker onPick={(p) => void open(p)} autoFocus />
        {canWrite ? (
          <button data-test="new-patient" onClick={() => setEditing({ patient: blank(), isNew: true })}>
            {t("patients.new")}
          </button>
        ) : null}
      </div>
      {editing ? (
        <PatientForm
          key={editing.patient.id}
          initial={editing.patient}
          isNew={editing.isNew}
          canWrite={canWrite}
          canSeeAccount={canSeeAccount}
          canReadClinical={canReadClinical}
          canSignConsents={canSignConsents}
          canExportData={canExportData}
          onSaved={(patient) => setEditing({ patient, isNew: false })}
          onOpen={(p) => void open(p)}
        />
      ) : null}
    </div>
  );
}

function PatientForm(p: {
  initial: Patient;
  canSeeAccount: boolean;
  canReadClinical: boolean;
  canSignConsents: boolean;
  canExportData: boolean;
  isNew: boolean;
  canWrite: boolean;
  onSaved: (p: Patient) => void;
  onOpen: (p: PatientSummary) => void;
}) {
  const [form, setForm] = useState<Patient>(p.initial);
  const [duplicates, setDuplicates] = useState<PatientSummary[]>([]);
  const [saved, setSaved] = useState(false);
  const kept = useDraft("patient", p.isNew ? "" : p.initial.id, form, setForm, p.canWrite);
  const save = useSubmit(async (allowDuplicate: boolean) => {
    setSaved(false);
    if (p.isNew) {
      const outcome = await call(commands.createPatient(form, allowDuplicate));
      setDuplicates(outcome.possibleDuplicates);
      if (outcome.created) {
        setSaved(true);
        await kept.clear();
        p.onSaved(outcome.created);
      }
    } else {
      setForm(await call(commands.updatePatient(form)));
      setSaved(true);
      await kept.clear();
    }
  });
  const archive = useSubmit(async () => {
    const updated = await call(commands.archivePatient(form.id, !form.archived));
    setForm(updated);
    p.onSaved(updated);
  });
  type TextKey = "firstName" | "lastNames" | "phone" | "phoneAlt" | "email" | "address" | "emergencyContact" | "emergencyPhone" | "allergies" | "historyNotes";
  const text = (k: TextKey, type = "text") => (
    <Field name={k} type={type} value={form[k]} onInput={(v) => setForm({ ...form, [k]: v })} invalid={save.field === k} maxLength={TEXT_LIMITS[`patients.${k}`]} />
  );
  return (
    <div class="patient-page">
      <Card title={p.isNew ? t("patients.new") : `${form.firstName} ${form.lastNames}${form.archived ? ` (${t("patients.archived")})` : ""}`}>
        {kept.restored ? (
          <p class="notice" data-test="draft-restored">
            {t("drafts.restored", { when: formatDateTime(kept.restored) })}
          </p>
        ) : null}
        <Form test="patient-form" onSubmit={() => void save.run(false)}>
          <div class="grid2">
            {text("firstName")}
            {text("lastNames")}
            <Field
              name="birthDate"
              type="date"
              value={form.birthDate ?? ""}
              onInput={(v) => setForm({ ...form, birthDate: v || null })}
              invalid={save.field === "birthDate"}
            />
            <label class="field">
              <span>{t("fields.sex")}</span>
              <select value={form.sex ?? ""} onChange={(e) => setForm({ ...form, sex: chosen(SEXES, (e.target as HTMLSelectElement).value) })}>
                <option value="">—</option>
                {SEXES.map((s) => (
                  <option value={s}>{t(`patients.sexes.${s}`)}</option>
                ))}
              </select>
            </label>
            {text("phone", "tel")}
            {text("phoneAlt", "tel")}
            {text("email", "email")}
            {text("address")}
            {text("emergencyContact")}
            {text("emergencyPhone", "tel")}
            <label class="field">
              <span>{t("fields.diabetes")}</span>
              <select value={form.diabetes} onChange={(e) => setForm({ ...form, diabetes: chosen(DIABETES_TYPES, (e.target as HTMLSelectElement).value) ?? "none" })}>
                {DIABETES_TYPES.map((d) => (
                  <option value={d}>{t(`patients.diabetesTypes.${d}`)}</option>
                ))}
              </select>
            </label>
            <div>
              <label class="choice">
                <input type="checkbox" checked={form.vascularDisease} onChange={(e) => setForm({ ...form, vascularDisease: (e.target as HTMLInputElement).checked })} />
                {t("fields.vascularDisease")}
              </label>
              <label class="choice">
                <input type="checkbox" checked={form.anticoagulants} onChange={(e) => setForm({ ...form, anticoagulants: (e.target as HTMLInputElement).checked })} />
                {t("fields.anticoagulants")}
              </label>
            </div>
            {text("allergies")}
            {text("historyNotes")}
            <Field
              name="curp"
              value={form.curp ?? ""}
              onInput={(v) => setForm({ ...form, curp: v.trim() === "" ? null : v.toUpperCase() })}
              invalid={save.field === "curp"}
              maxLength={18}
            />
          </div>
          <ErrorBox message={save.message ?? archive.message} />
          {duplicates.length ? (
            <div class="warning" data-test="duplicates">
              <strong>{t("patients.duplicatesTitle")}</strong>
              <p>{t("patients.duplicatesBody")}</p>
              <ul>
                {duplicates.map((d) => (
                  <li>
                    <button class="link" onClick={() => p.onOpen(d)}>
                      {d.fullName} {d.birthDate ? formatDay(d.birthDate) : ""} {d.phone}
                    </button>
                  </li>
                ))}
              </ul>
              <button type="button" data-test="create-anyway" onClick={() => void save.run(true)}>
                {t("patients.createAnyway")}
              </button>
            </div>
          ) : null}
          {saved ? <p class="notice" data-test="patient-saved">{t("patients.saved")}</p> : null}
          {p.canWrite ? (
            <div class="row">
              <button type="submit" disabled={save.busy} data-test="save-patient">
                {t("common.save")}
              </button>
              {!p.isNew ? (
                <button type="button" class="secondary" onClick={() => void archive.run()}>
                  {form.archived ? t("patients.restore") : t("patients.archive")}
                </button>
              ) : null}
            </div>
          ) : null}
        </Form>
      </Card>
      {!p.isNew && (p.canReadClinical || p.canExportData) ? (
        <PatientDocuments patientId={form.id} summary={p.canReadClinical} data={p.canExportData} />
      ) : null}
      {!p.isNew ? <PrivacyCard patientId={form.id} patientName={`${form.firstName} ${form.lastNames}`} canWrite={p.canWrite} /> : null}
      {!p.isNew && p.canReadClinical ? (
        <ConsentsCard patientId={form.id} patientName={`${form.firstName} ${form.lastNames}`} canSign={p.canSignConsents} />
      ) : null}
      {!p.isNew ? <History patientId={form.id} /> : null}
      {!p.isNew && p.canSeeAccount ? <Account patientId={form.id} /> : null}
    </div>
  );
}

/** What a patient may ask for: the resumen clínico, printed, and everything the clinic holds about
 * them (the right of access), as JSON. Both readings of the whole record: audited. */
function PatientDocuments(p: { patientId: string; summary: boolean; data: boolean }) {
  const [doc, setDoc] = useState<SavedDocument | null>(null);
  const make = useSubmit(async (what: "summary" | ExportFormat) =>
    setDoc(
      await call(
        what === "summary" ? commands.exportClinicalDocument("summary", p.patientId, docLang()) : commands.exportPatientData(p.patientId, what, docLang()),
      ),
    ),
  );
  return (
    <div class="documents">
      <div class="row">
        {p.summary ? (
          <button type="button" class="secondary" data-test="print-summary" disabled={make.busy} onClick={() => void make.run("summary")}>
            {t("patients.printSummary")}
          </button>
        ) : null}
        {p.data ? (
          <>
            <button type="button" class="secondary" data-test="export-patient-pdf" disabled={make.busy} onClick={() => void make.run("pdf")}>
              {t("patients.exportDataPdf")}
            </button>
            <button type="button" class="secondary" data-test="export-patient-data" disabled={make.busy} onClick={() => void make.run("json")}>
              {t("patients.exportData")}
            </button>
          </>
        ) : null}
      </div>
      <ErrorBox message={make.message} />
      <DocumentLink doc={doc} />
    </div>
  );
}

function History({ patientId }: { patientId: string }) {
  const history = useLoad(() => call(commands.listPatientAppointments(patientId)));
  return (
    <Card title={t("patients.history")}>
      <ErrorBox message={history.error} />
      {history.data && !history.data.length ? <p class="empty">{t("patients.noHistory")}</p> : null}
      <ul class="history">
        {(history.data ?? []).map((a) => (
          <li>
            {formatWhen(a.startsAt)} · {a.reason} · {t(`status.${a.status}`)}
            {a.cancelReason ? ` (${a.cancelReason})` : ""}
          </li>
        ))}
      </ul>
    </Card>
  );
}
