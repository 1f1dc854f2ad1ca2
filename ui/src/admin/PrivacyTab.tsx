// Admin → Privacidad: the clinic's privacy notice (published in versions; a patient's consent names
// the one they accepted) and the register of ARCO requests, with their legal due dates and answers.
// A granted cancellation blocks the patient's record; it is read afterwards only from its request,
// and deleted from it once its retention (five years after the last act) is over.
import { useState } from "preact/hooks";
import { v7 as uuid } from "uuid";
import { ARCO_KINDS, type ArcoKind, type ArcoOutcome, type ArcoRequest, type ExportFormat, type PatientSummary, type SavedDocument } from "../bindings";
import { call, commands, session } from "../api";
import { clinicToday } from "../clinicTime";
import { DocumentLink, docLang } from "../components/Document";
import { Card, ErrorBox, Field, Form, Pending, useLoad, useSubmit } from "../components/Form";
import { PatientPicker } from "../components/PatientPicker";
import { formatDate, formatDateTime, formatDay, t } from "../i18n";
import { useObserved } from "../observable";
import { limit } from "../options";

export function PrivacyTab() {
  return (
    <div class="stack">
      <NoticeEditor />
      <Register />
    </div>
  );
}

function NoticeEditor() {
  const notice = useLoad(() => call(commands.getPrivacyNotice()).then((n) => ({ n })));
  const [draft, setDraft] = useState<{ simplified: string; integral: string } | null>(null);
  const current = notice.data?.n ?? null;
  const shown = draft ?? { simplified: current?.simplified ?? "", integral: current?.integral ?? "" };
  const publish = useSubmit(async () => {
    await call(commands.publishPrivacyNotice({ id: uuid(), ...shown }));
    setDraft(null);
    await notice.reload();
  });
  if (!notice.data) return <Pending error={notice.error} />;
  return (
    <Card title={t("privacy.noticeTitle")}>
      <p data-test="notice-current">
        {current
          ? t("privacy.noticePublished", { version: current.version, who: current.publishedByName, when: formatDateTime(current.publishedAt) })
          : t("privacy.noNotice")}
      </p>
      <Form onSubmit={() => void publish.run()} test="notice-form">
        <label class={publish.field === "simplified" ? "field invalid" : "field"}>
          <span>{t("privacy.simplified")}</span>
          <textarea
            rows={6}
            data-test="notice-simplified"
            maxLength={limit("privacy_notices.simplified")}
            value={shown.simplified}
            onInput={(e) => setDraft({ ...shown, simplified: (e.target as HTMLTextAreaElement).value })}
          />
        </label>
        <label class={publish.field === "integral" ? "field invalid" : "field"}>
          <span>{t("privacy.integral")}</span>
          <textarea
            rows={10}
            data-test="notice-integral"
            maxLength={limit("privacy_notices.integral")}
            value={shown.integral}
            onInput={(e) => setDraft({ ...shown, integral: (e.target as HTMLTextAreaElement).value })}
          />
        </label>
        <ErrorBox message={publish.message} />
        <button type="submit" data-test="notice-publish" disabled={publish.busy || draft === null}>
          {t("privacy.publish", { version: (current?.version ?? 0) + 1 })}
        </button>
      </Form>
    </Card>
  );
}

function Register() {
  const list = useLoad(() => call(commands.listArcoRequests()));
  const [adding, setAdding] = useState(false);
  const [doc, setDoc] = useState<SavedDocument | null>(null);
  const today = clinicToday();
  return (
    <Card title={t("privacy.registerTitle")}>
      {list.data === null ? <Pending error={list.error} /> : null}
      {list.data && !list.data.length ? <p class="empty">{t("privacy.noRequests")}</p> : null}
      <ul class="plain arco" data-test="arco-requests">
        {(list.data ?? []).map((r) => (
          <RequestRow key={r.id} request={r} today={today} onChanged={() => void list.reload()} onDocument={setDoc} />
        ))}
      </ul>
      <DocumentLink doc={doc} />
      {adding ? (
        <NewRequest
          today={today}
          onDone={() => {
            setAdding(false);
            void list.reload();
          }}
        />
      ) : (
        <button type="button" data-test="arco-new" onClick={() => setAdding(true)}>
          {t("privacy.newRequest")}
        </button>
      )}
    </Card>
  );
}

function NewRequest(p: { today: string; onDone: () => void }) {
  const [id] = useState(() => uuid());
  const [patient, setPatient] = useState<PatientSummary | null>(null);
  const [kind, setKind] = useState<ArcoKind>("access");
  const [requester, setRequester] = useState("");
  const [details, setDetails] = useState("");
  const [receivedOn, setReceivedOn] = useState(p.today);
  const save = useSubmit(async () => {
    if (!patient) throw new Error(t("privacy.pickPatient"));
    await call(commands.receiveArcoRequest({ id, patientId: patient.id, kind, requester, details, receivedOn }));
    p.onDone();
  });
  return (
    <Form onSubmit={() => void save.run()} test="arco-form">
      {patient ? (
        <p data-test="arco-patient">
          <strong>{patient.fullName}</strong>{" "}
          <button type="button" class="link" onClick={() => setPatient(null)}>
            {t("privacy.otherPatient")}
          </button>
        </p>
      ) : (
        <PatientPicker onPick={setPatient} />
      )}
      <label class="field">
        <span>{t("privacy.kind")}</span>
        <select data-test="arco-kind" value={kind} onChange={(e) => setKind((e.target as HTMLSelectElement).value as ArcoKind)}>
          {ARCO_KINDS.map((k) => (
            <option value={k}>{t(`privacy.kinds.${k}`)}</option>
          ))}
        </select>
      </label>
      <Field name="requester" label={t("privacy.requester")} value={requester} onInput={setRequester} invalid={save.field === "requester"} maxLength={limit("arco_requests.requester")} />
      <label class={save.field === "details" ? "field invalid" : "field"}>
        <span>{t("privacy.details")}</span>
        <textarea rows={3} data-test="arco-details" maxLength={limit("arco_requests.details")} value={details} onInput={(e) => setDetails((e.target as HTMLTextAreaElement).value)} />
      </label>
      <Field name="receivedOn" type="date" label={t("privacy.receivedOn")} value={receivedOn} onInput={setReceivedOn} invalid={save.field === "receivedOn"} />
      <ErrorBox message={save.message} />
      <div class="row">
        <button type="submit" data-test="arco-save" disabled={save.busy}>
          {t("privacy.receive")}
        </button>
        <button type="button" class="secondary" onClick={p.onDone}>
          {t("common.cancel")}
        </button>
      </div>
    </Form>
  );
}

function RequestRow(p: { request: ArcoRequest; today: string; onChanged: () => void; onDocument: (d: SavedDocument) => void }) {
  const r = p.request;
  const [outcome, setOutcome] = useState<ArcoOutcome>("granted");
  const [answer, setAnswer] = useState("");
  const respond = useSubmit(async () => {
    await call(commands.answerArcoRequest({ requestId: r.id, outcome, answer }));
    p.onChanged();
  });
  const read = useSubmit(async (format: ExportFormat) =>
    p.onDocument(await call(r.kind === "access" ? commands.exportPatientData(r.patientId, format, docLang()) : commands.exportBlockedRecord(r.id))),
  );
  const late = r.outcome === null && r.dueOn < p.today;
  const canRead = (r.kind === "access" && !r.blocked) || (r.kind === "cancellation" && r.outcome === "granted");
  return (
    <li data-test="arco-row" class={late ? "late" : ""}>
      <p>
        <strong>{t(`privacy.kinds.${r.kind}`)}</strong> · <span data-test="arco-row-patient">{r.patientName}</span> · {r.requester}
        <br />
        <small>
          {t("privacy.received", { day: formatDay(r.receivedOn), who: r.createdByName })} ·{" "}
          <span data-test="arco-due">{t("privacy.due", { day: formatDay(r.dueOn) })}</span>
          {late ? ` · ${t("privacy.late")}` : ""}
        </small>
      </p>
      {r.details ? <p class="muted">{r.details}</p> : null}
      {r.outcome ? (
        <p data-test="arco-answered">
          {t(`privacy.outcomes.${r.outcome}`)} · {r.answeredOn ? formatDay(r.answeredOn) : ""} · {r.answeredByName}
          {r.answer ? ` — ${r.answer}` : ""}
          {r.blocked && r.kind === "cancellation" ? <strong data-test="arco-blocked"> · {t("privacy.blocked")}</strong> : null}
        </p>
      ) : (
        <Form class="inline" onSubmit={() => void respond.run()} test="arco-answer-form">
          <select data-test="arco-outcome" value={outcome} onChange={(e) => setOutcome((e.target as HTMLSelectElement).value as ArcoOutcome)}>
            <option value="granted">{t("privacy.outcomes.granted")}</option>
            <option value="denied">{t("privacy.outcomes.denied")}</option>
          </select>
          <input
            data-test="arco-answer"
            aria-label={t("privacy.answer")}
            placeholder={t("privacy.answer")}
            maxLength={limit("arco_requests.answer")}
            value={answer}
            onInput={(e) => setAnswer((e.target as HTMLInputElement).value)}
          />
          <button type="submit" data-test="arco-respond" disabled={respond.busy}>
            {r.kind === "cancellation" && outcome === "granted" ? t("privacy.grantBlock") : t("privacy.respond")}
          </button>
        </Form>
      )}
      {canRead && r.kind === "access" ? (
        <div class="row">
          <button type="button" class="secondary" data-test="arco-read-pdf" disabled={read.busy} onClick={() => void read.run("pdf")}>
            {t("patients.exportDataPdf")}
          </button>
          <button type="button" class="secondary" data-test="arco-read" disabled={read.busy} onClick={() => void read.run("json")}>
            {t("patients.exportData")}
          </button>
        </div>
      ) : null}
      {canRead && r.kind === "cancellation" && !r.purgedAt ? (
        <button type="button" class="secondary" data-test="arco-read" disabled={read.busy} onClick={() => void read.run("json")}>
          {t("privacy.readBlocked")}
        </button>
      ) : null}
      <Retention request={r} onChanged={p.onChanged} />
      <ErrorBox message={respond.message ?? read.message} />
    </li>
  );
}

/** A blocked record's retention: kept until its date; then, to whoever may delete records, the
 * supervised deletion (what goes and what stays said first, confirmed with their password). */
function Retention(p: { request: ArcoRequest; onChanged: () => void }) {
  const r = p.request;
  const me = useObserved(session);
  const [open, setOpen] = useState(false);
  const [password, setPassword] = useState("");
  const [report, setReport] = useState<string | null>(null);
  const purge = useSubmit(async () => {
    const done = await call(commands.purgePatientRecord(r.id, password));
    const sum = (counts: Partial<Record<string, number>>) => Object.values(counts).reduce<number>((a, n) => a + (n ?? 0), 0);
    setReport(t("privacy.purgedReport", { erased: sum(done.erased), kept: sum(done.kept), redacted: done.redacted.length }));
    setOpen(false);
    p.onChanged();
  });
  if (r.purgedAt) {
    return (
      <p data-test="arco-purged">
        <strong>{t("privacy.purged", { day: formatDate(r.purgedAt) })}</strong>
        {report ? <span data-test="arco-purge-report"> · {report}</span> : null}
      </p>
    );
  }
  if (!r.retentionEnds) return null;
  const due = new Date(r.retentionEnds).getTime() <= Date.now();
  if (!due) {
    return (
      <p class="muted" data-test="arco-retention">
        {t("privacy.keptUntil", { day: formatDate(r.retentionEnds) })}
      </p>
    );
  }
  const allowed = me?.permissions.includes("records.purge") ?? false;
  return (
    <div data-test="arco-retention">
      <p class="muted">{t("privacy.purgeDue", { day: formatDate(r.retentionEnds) })}</p>
      {allowed && !open ? (
        <button type="button" class="danger" data-test="arco-purge-open" onClick={() => setOpen(true)}>
          {t("privacy.purgeOpen")}
        </button>
      ) : null}
      {open ? (
        <Form onSubmit={() => void purge.run()} test="arco-purge-form">
          <h4>{t("privacy.purgeTitle")}</h4>
          <p>{t("privacy.purgeGoes")}</p>
          <p>{t("privacy.purgeStays")}</p>
          <Field name="password" type="password" label={t("fields.password")} value={password} invalid={purge.field === "password"} onInput={setPassword} />
          <ErrorBox message={purge.message} />
          <div class="row">
            <button type="submit" class="danger" data-test="arco-purge" disabled={purge.busy || password === ""}>
              {t("privacy.purgeConfirm")}
            </button>
            <button type="button" class="secondary" onClick={() => setOpen(false)}>
              {t("common.cancel")}
            </button>
          </div>
        </Form>
      ) : null}
    </div>
  );
}
