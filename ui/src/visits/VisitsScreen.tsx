// The podiatrist's consultation: pick today's patient, fill the foot chart per foot, record the
// procedures done, choose the diabetic-foot risk and sign. A signed note is read-only; corrections
// go in addenda.
import { useDraft } from "../components/draft";
import { useEffect, useRef, useState } from "preact/hooks";
import type {
  CallusFinding,
  Cie10Code,
  Diagnosis,
  FootFindings,
  NailFinding,
  Procedure,
  Pulse,
  ReferralInput,
  SavedDocument,
  SkinFinding,
  Treatment,
  Visit,
  VisitInput,
  Vitals,
} from "../bindings";
import { call, CommandError, commands } from "../api";
import { limit } from "../options";
import { ErrorBox, Form, Pending, SubmitOrCancel, useLoad, useSubmit } from "../components/Form";
import { TodayPicker } from "../components/TodayPicker";
import { DocumentLink, docLang } from "../components/Document";
import { HistoryPanel } from "./HistoryPanel";
import { formatDateTime, t } from "../i18n";
import { v7 as uuid } from "uuid";

const NAILS: NailFinding[] = ["onychomycosis", "ingrown", "thickened", "dystrophic", "onycholysis", "subungual"];
const SKIN: SkinFinding[] = ["dry", "fissures", "maceration", "tinea", "hyperhidrosis", "wart"];
const CALLUSES: CallusFinding[] = ["callus", "hard_corn", "soft_corn", "plantar_hyperkeratosis"];
const PULSES: Pulse[] = ["not_checked", "present", "diminished", "absent"];

export function VisitsScreen({ canWrite, canOverrideStock }: { canWrite: boolean; canOverrideStock: boolean }) {
  const [appointment, setAppointment] = useState<string | null>(null);
  return (
    <div class="two-columns">
      <TodayPicker
        test="visit-queue"
        statuses={["arrived", "in_consultation", "completed"]}
        selected={appointment}
        onSelect={(a) => setAppointment(a.id)}
      />
      {appointment ? <VisitPanel key={appointment} appointmentId={appointment} canWrite={canWrite} canOverrideStock={canOverrideStock} /> : <p class="empty">{t("visits.pick")}</p>}
    </div>
  );
}

/** The form's draft: every section present (the command also takes a draft without the later
 * ones, kept by an older app). */
type Draft = Required<VisitInput>;

function toInput(v: Visit): Draft {
  return {
    id: v.id,
    findings: v.findings,
    riskCategory: v.riskCategory,
    notes: v.notes,
    procedures: v.procedures,
    vitals: v.vitals,
    diagnoses: v.diagnoses,
    prognosis: v.prognosis,
    plan: v.plan,
  };
}

/** A draft kept on the desk before the note had NOM-004's sections has none of them. */
function withSections(d: VisitInput): Draft {
  return { ...d, vitals: d.vitals ?? {}, diagnoses: d.diagnoses ?? [], prognosis: d.prognosis ?? "", plan: d.plan ?? "" };
}

function VisitPanel({ appointmentId, canWrite, canOverrideStock }: { appointmentId: string; canWrite: boolean; canOverrideStock: boolean }) {
  const visit = useLoad(() => call(commands.openVisit(appointmentId)));
  const treatments = useLoad(() => call(commands.listTreatments()));
  if (!visit.data || !treatments.data) return <Pending error={visit.error ?? treatments.error} />;
  return <VisitForm key={visit.data.id} initial={visit.data} treatments={treatments.data} canWrite={canWrite} canOverrideStock={canOverrideStock} />;
}

function VisitForm(p: { initial: Visit; treatments: Treatment[]; canWrite: boolean; canOverrideStock: boolean }) {
  const [visit, setVisit] = useState(p.initial);
  const [draft, setDraft] = useState<Draft>(toInput(p.initial));
  const [saved, setSaved] = useState(false);
  const signed = visit.signedAt !== null;
  const editable = p.canWrite && !signed;
  const edit = (change: Partial<Draft>) => {
    setSaved(false);
    setDraft({ ...draft, ...change });
  };
  const kept = useDraft("visit", p.initial.id, draft, (d: VisitInput) => setDraft(withSections(d)), editable);
  const invalid = (field: string) => save.field === field || sign.field === field;
  const save = useSubmit(async () => {
    setVisit(await call(commands.saveVisit(draft)));
    setSaved(true);
    await kept.clear();
  });
  const [confirming, setConfirming] = useState(false);
  const sign = useSubmit(async (overrideStock: boolean) => {
    setConfirming(false);
    await call(commands.saveVisit(draft));
    const after = await call(commands.signVisit(visit.id, overrideStock));
    setVisit(after);
    setDraft(toInput(after));
    await kept.clear();
  });
  const error = save.message ?? sign.message;
  const stockShort = sign.error instanceof CommandError && sign.error.error.kind === "stockShort";
  return (
    <section class="card visit" data-test="visit">
      <div class="toolbar">
        <h2>
          {visit.patientName} <small>{formatDateTime(visit.startsAt)}</small>
        </h2>
        <span class="spacer" />
        {kept.restored ? (
          <span class="notice" data-test="draft-restored">
            {t("drafts.restored", { when: formatDateTime(kept.restored) })}
          </span>
        ) : null}
        {signed ? (
          <span class="notice" data-test="visit-signed">
            {t("visits.signedBy", { name: visit.signedByName ?? "", when: formatDateTime(visit.signedAt ?? "") })}
          </span>
        ) : null}
      </div>
      <HistoryPanel patientId={visit.patientId} canWrite={p.canWrite} />
      <Form onSubmit={() => void save.run()}>
        <fieldset disabled={!editable}>
          <label class={`field ${invalid("notes") ? "invalid" : ""}`}>
            <span>{t("visits.evolution")}</span>
            <textarea data-test="visit-notes" rows={3} value={draft.notes} onInput={(e) => edit({ notes: (e.target as HTMLTextAreaElement).value })} maxLength={limit("visits.notes")} />
          </label>
          <VitalSigns value={draft.vitals} onChange={(vitals) => edit({ vitals })} invalid={invalid} />
        </fieldset>
        <fieldset disabled={!editable} class="foot-chart">
          <FootChart side="right" value={draft.findings.right} onChange={(right) => edit({ findings: { ...draft.findings, right } })} />
          <FootChart side="left" value={draft.findings.left} onChange={(left) => edit({ findings: { ...draft.findings, left } })} />
        </fieldset>
        <fieldset disabled={!editable}>
          <legend>{t("fields.procedures")}</legend>
          <Procedures value={draft.procedures} treatments={p.treatments} onChange={(procedures) => edit({ procedures })} />
        </fieldset>
        <fieldset disabled={!editable}>
          <label class={`field ${save.field === "riskCategory" || sign.field === "riskCategory" ? "invalid" : ""}`}>
            <span>{t("fields.riskCategory")}</span>
            <select
              data-test="risk"
              value={draft.riskCategory ?? ""}
              onChange={(e) => {
                const v = (e.target as HTMLSelectElement).value;
                edit({ riskCategory: v === "" ? null : Number(v) });
              }}
            >
              <option value="">{t("visits.riskUnset")}</option>
              {[0, 1, 2, 3].map((r) => (
                <option value={r}>{t(`visits.risk.${r}`)}</option>
              ))}
            </select>
          </label>
        </fieldset>
        <fieldset disabled={!editable} class={invalid("diagnoses") || invalid("diagnosisText") || invalid("diagnosisCode") ? "invalid" : ""} data-test="diagnoses">
          <legend>{t("fields.diagnoses")}</legend>
          <Diagnoses value={draft.diagnoses} onChange={(diagnoses) => edit({ diagnoses })} editable={editable} />
        </fieldset>
        <fieldset disabled={!editable}>
          <label class={`field ${invalid("prognosis") ? "invalid" : ""}`}>
            <span>{t("fields.prognosis")}</span>
            <input data-test="visit-prognosis" value={draft.prognosis} placeholder={t("visits.prognosisHint")} onInput={(e) => edit({ prognosis: (e.target as HTMLInputElement).value })} maxLength={limit("visits.prognosis")} />
          </label>
          <label class={`field ${invalid("plan") ? "invalid" : ""}`}>
            <span>{t("fields.plan")}</span>
            <textarea data-test="visit-plan" rows={3} value={draft.plan} onInput={(e) => edit({ plan: (e.target as HTMLTextAreaElement).value })} maxLength={limit("visits.plan")} />
          </label>
        </fieldset>
        <ErrorBox message={error} />
        {editable ? (
          <div class="row">
            <button type="submit" class="secondary" data-test="save-visit" disabled={save.busy}>
              {t("visits.saveDraft")}
            </button>
            {confirming ? (
              <>
                <span class="warning">{t("visits.confirmSign")}</span>
                <button type="button" data-test="confirm-sign" disabled={sign.busy} onClick={() => void sign.run(false)}>
                  {t("visits.sign")}
                </button>
                <button type="button" class="secondary" onClick={() => setConfirming(false)}>
                  {t("common.cancel")}
                </button>
              </>
            ) : (
              <button type="button" data-test="sign-visit" onClick={() => setConfirming(true)}>
                {t("visits.sign")}
              </button>
            )}
            {saved ? <span class="notice">{t("common.saved")}</span> : null}
            {stockShort && p.canOverrideStock ? (
              <button type="button" class="secondary" data-test="sign-anyway" disabled={sign.busy} onClick={() => void sign.run(true)}>
                {t("visits.signAnyway")}
              </button>
            ) : null}
          </div>
        ) : null}
      </Form>
      {signed ? <PrintNote visit={visit} canWrite={p.canWrite} onReferred={setVisit} /> : null}
      {signed ? <Addenda visit={visit} canWrite={p.canWrite} onAdded={setVisit} /> : null}
    </section>
  );
}

/** A number typed in a vital-sign field, scaled to the unit the note keeps (°C → tenths, kg →
 * grams); empty is "not taken". */
function scaled(text: string, scale: number): number | null {
  const x = Number(text.replace(",", "."));
  return text.trim() === "" || !Number.isFinite(x) ? null : Math.round(x * scale);
}

function VitalSigns(p: { value: Vitals; onChange: (v: Vitals) => void; invalid: (field: string) => boolean }) {
  const fields: { key: keyof Vitals; field: string; scale: number; step: string }[] = [
    { key: "systolic", field: "systolic", scale: 1, step: "1" },
    { key: "diastolic", field: "diastolic", scale: 1, step: "1" },
    { key: "heartRate", field: "heartRate", scale: 1, step: "1" },
    { key: "temperatureTenths", field: "temperature", scale: 10, step: "0.1" },
    { key: "weightGrams", field: "weight", scale: 1000, step: "0.1" },
    { key: "heightCm", field: "height", scale: 1, step: "1" },
    { key: "glucose", field: "glucose", scale: 1, step: "1" },
  ];
  return (
    <div class="vitals" data-test="vitals">
      <span>{t("visits.vitals")}</span>
      <div class="row">
        {fields.map((f) => {
          const v = p.value[f.key];
          return (
            <label class={`field small ${p.invalid(f.field) ? "invalid" : ""}`}>
              <span>{t(`fields.${f.field}`)}</span>
              <input
                type="number"
                step={f.step}
                data-test={`vital-${f.field}`}
                value={v === null || v === undefined ? "" : String(v / f.scale)}
                onChange={(e) => p.onChange({ ...p.value, [f.key]: scaled((e.target as HTMLInputElement).value, f.scale) })}
              />
            </label>
          );
        })}
      </div>
    </div>
  );
}

const EMPTY_DIAGNOSIS: Diagnosis = { text: "", code: null };
const MAX_DIAGNOSES = 10;

/** The note's diagnoses: the podiatrist's words, each with an optional CIE-10 code picked from
 * the list the app ships (a code picked on an empty row brings its title as the text). */
function Diagnoses(p: { value: Diagnosis[]; onChange: (v: Diagnosis[]) => void; editable: boolean }) {
  const rows = p.value.length === 0 ? [EMPTY_DIAGNOSIS] : p.value;
  // A key per row, so a removed row takes its own search with it (a row's place is no name).
  const keys = useRef<string[]>([]);
  while (keys.current.length < rows.length) keys.current.push(uuid());
  keys.current.length = rows.length;
  const rowKeys = keys.current;
  const set = (i: number, d: Diagnosis) => p.onChange(rows.map((x, j) => (j === i ? d : x)));
  const remove = (i: number) => {
    keys.current.splice(i, 1);
    p.onChange(rows.filter((_, j) => j !== i));
  };
  const add = () => p.onChange([...rows, EMPTY_DIAGNOSIS]);
  return (
    <div class="diagnoses">
      {rows.map((d, i) => (
        <div class="row diagnosis" data-test="diagnosis" key={rowKeys[i]}>
          <label class="field grow">
            <span>{t("fields.diagnosisText")}</span>
            <input data-test="diagnosis-text" value={d.text} maxLength={300} onInput={(e) => set(i, { ...d, text: (e.target as HTMLInputElement).value })} />
          </label>
          <Cie10Picker code={d.code} editable={p.editable} onPick={(c) => set(i, { code: c?.code ?? null, text: d.text.trim() === "" && c ? c.title : d.text })} />
          {p.editable && rows.length > 1 ? (
            <button type="button" class="link" onClick={() => remove(i)}>
              {t("visits.removeDiagnosis")}
            </button>
          ) : null}
        </div>
      ))}
      {p.editable && rows.length < MAX_DIAGNOSES ? (
        <button type="button" class="secondary" data-test="add-diagnosis" onClick={add}>
          {t("visits.addDiagnosis")}
        </button>
      ) : null}
    </div>
  );
}

function Cie10Picker(p: { code: string | null; editable: boolean; onPick: (c: Cie10Code | null) => void }) {
  const [query, setQuery] = useState("");
  const [options, setOptions] = useState<Cie10Code[]>([]);
  useEffect(() => {
    if (query.trim().length < 2) {
      setOptions([]);
      return;
    }
    let current = true;
    call(commands.searchCie10(query))
      .then((found) => current && setOptions(found))
      .catch(() => current && setOptions([]));
    return () => {
      current = false;
    };
  }, [query]);
  if (p.code !== null) {
    return (
      <span class="code" data-test="diagnosis-code">
        {p.code}
        {p.editable ? (
          <button type="button" class="link" aria-label={t("visits.clearCode")} onClick={() => p.onPick(null)}>
            ×
          </button>
        ) : null}
      </span>
    );
  }
  if (!p.editable) return <span class="code muted">{t("visits.noCode")}</span>;
  return (
    <div class="cie10">
      <label class="field">
        <span>{t("fields.diagnosisCode")}</span>
        <input data-test="cie10-search" value={query} placeholder={t("visits.cie10Search")} onInput={(e) => setQuery((e.target as HTMLInputElement).value)} />
      </label>
      {options.length ? (
        <ul class="results" role="listbox">
          {options.map((o) => (
            <li>
              <button
                type="button"
                class="link"
                data-test="cie10-option"
                onClick={() => {
                  p.onPick(o);
                  setQuery("");
                }}
              >
                <strong>{o.code}</strong> {o.title}
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

function toggle<T>(list: T[], item: T, on: boolean): T[] {
  return on ? [...list.filter((x) => x !== item), item] : list.filter((x) => x !== item);
}

function Checks<T extends string>(p: { group: string; options: T[]; value: T[]; onChange: (v: T[]) => void; side: string }) {
  return (
    <div class="checks">
      <span>{t(`visits.groups.${p.group}`)}</span>
      {p.options.map((o) => (
        <label class="choice">
          <input
            type="checkbox"
            data-test={`${p.side}-${p.group}-${o}`}
            checked={p.value.includes(o)}
            onChange={(e) => p.onChange(toggle(p.value, o, (e.target as HTMLInputElement).checked))}
          />
          {t(`visits.${p.group}.${o}`)}
        </label>
      ))}
    </div>
  );
}

function FootChart(p: { side: "left" | "right"; value: FootFindings; onChange: (v: FootFindings) => void }) {
  const v = p.value;
  const set = (change: Partial<FootFindings>) => p.onChange({ ...v, ...change });
  return (
    <div class="foot" data-test={`foot-${p.side}`}>
      <h3>{t(`visits.${p.side}Foot`)}</h3>
      <Checks side={p.side} group="nails" options={NAILS} value={v.nails} onChange={(nails) => set({ nails })} />
      <Checks side={p.side} group="skin" options={SKIN} value={v.skin} onChange={(skin) => set({ skin })} />
      <Checks side={p.side} group="calluses" options={CALLUSES} value={v.calluses} onChange={(calluses) => set({ calluses })} />
      <label class="choice">
        <input
          type="checkbox"
          checked={v.ulcer !== null}
          onChange={(e) => set({ ulcer: (e.target as HTMLInputElement).checked ? { location: "", wagnerGrade: 0 } : null })}
        />
        {t("visits.ulcer")}
      </label>
      {v.ulcer ? (
        <div class="row">
          <label class="field">
            <span>{t("visits.ulcerLocation")}</span>
            <input value={v.ulcer.location} onInput={(e) => set({ ulcer: { ...v.ulcer!, location: (e.target as HTMLInputElement).value } })} />
          </label>
          <label class="field">
            <span>{t("visits.wagner")}</span>
            <select value={v.ulcer.wagnerGrade} onChange={(e) => set({ ulcer: { ...v.ulcer!, wagnerGrade: Number((e.target as HTMLSelectElement).value) } })}>
              {[0, 1, 2, 3, 4, 5].map((g) => (
                <option value={g}>{g}</option>
              ))}
            </select>
          </label>
        </div>
      ) : null}
      <div class="row">
        <label class="field">
          <span>{t("visits.monofilament")}</span>
          <select
            data-test={`${p.side}-monofilament`}
            value={v.monofilamentFelt ?? ""}
            onChange={(e) => {
              const x = (e.target as HTMLSelectElement).value;
              set({ monofilamentFelt: x === "" ? null : Number(x) });
            }}
          >
            <option value="">{t("visits.notTested")}</option>
            {Array.from({ length: 11 }, (_, n) => (
              <option value={n}>{t("visits.sitesFelt", { n })}</option>
            ))}
          </select>
        </label>
        {(["pulseDorsalis", "pulseTibial"] as const).map((k) => (
          <label class="field">
            <span>{t(`visits.${k}`)}</span>
            <select value={v[k]} onChange={(e) => set({ [k]: (e.target as HTMLSelectElement).value as Pulse })}>
              {PULSES.map((x) => (
                <option value={x}>{t(`visits.pulse.${x}`)}</option>
              ))}
            </select>
          </label>
        ))}
      </div>
      <label class="field">
        <span>{t("fields.notes")}</span>
        <input value={v.notes} onInput={(e) => set({ notes: (e.target as HTMLInputElement).value })} />
      </label>
    </div>
  );
}

function Procedures(p: { value: Procedure[]; treatments: Treatment[]; onChange: (v: Procedure[]) => void }) {
  const active = p.treatments.filter((x) => x.active || p.value.some((v) => v.treatmentId === x.id));
  const quantity = (id: string) => p.value.find((v) => v.treatmentId === id)?.quantity ?? 0;
  const set = (id: string, q: number) =>
    p.onChange(q > 0 ? [...p.value.filter((v) => v.treatmentId !== id), { treatmentId: id, quantity: q }] : p.value.filter((v) => v.treatmentId !== id));
  return (
    <div class="procedures">
      {active.map((x) => (
        <label class="choice">
          <input type="checkbox" data-test={`procedure-${x.name}`} checked={quantity(x.id) > 0} onChange={(e) => set(x.id, (e.target as HTMLInputElement).checked ? 1 : 0)} />
          {x.name}
          {quantity(x.id) > 0 ? (
            <input type="number" min={1} max={99} class="qty" value={quantity(x.id)} onInput={(e) => set(x.id, Number((e.target as HTMLInputElement).value) || 1)} />
          ) : null}
        </label>
      ))}
    </div>
  );
}

/** The signed note's documents: the note as the legal record prints it (with its content's
 * SHA-256), the "Indicaciones" the patient takes home, and its notas de referencia. */
function PrintNote({ visit, canWrite, onReferred }: { visit: Visit; canWrite: boolean; onReferred: (v: Visit) => void }) {
  const [doc, setDoc] = useState<SavedDocument | null>(null);
  const [referring, setReferring] = useState(false);
  const print = useSubmit(async (what: "note" | "instructions" | { referral: string }) => {
    const lang = docLang();
    if (typeof what === "string") setDoc(await call(commands.exportClinicalDocument(what, visit.id, lang)));
    else setDoc(await call(commands.exportClinicalDocument("referral", what.referral, lang)));
  });
  return (
    <div class="documents">
      <div class="row">
        <button type="button" class="secondary" data-test="print-note" disabled={print.busy} onClick={() => void print.run("note")}>
          {t("visits.printNote")}
        </button>
        <button type="button" class="secondary" data-test="print-instructions" disabled={print.busy} onClick={() => void print.run("instructions")}>
          {t("visits.printInstructions")}
        </button>
        {canWrite && !referring ? (
          <button type="button" class="secondary" data-test="new-referral" onClick={() => setReferring(true)}>
            {t("visits.newReferral")}
          </button>
        ) : null}
      </div>
      {visit.referrals.length ? (
        <ul class="plain" data-test="referrals">
          {visit.referrals.map((r) => (
            <li key={r.id}>
              <small>
                {formatDateTime(r.createdAt)} · {r.authorName}
              </small>{" "}
              {r.receiving}{" "}
              <button type="button" class="link" data-test="print-referral" onClick={() => void print.run({ referral: r.id })}>
                {t("visits.printReferral")}
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      {referring ? (
        <ReferralForm
          visit={visit}
          onDone={(after, referral) => {
            setReferring(false);
            onReferred(after);
            void print.run({ referral });
          }}
          onCancel={() => setReferring(false)}
        />
      ) : null}
      <ErrorBox message={print.message} />
      <DocumentLink doc={doc} />
    </div>
  );
}

/** A nota de referencia: where to and why; the impression and the treatment start from the note. */
function ReferralForm(p: { visit: Visit; onDone: (v: Visit, referral: string) => void; onCancel: () => void }) {
  const impression = p.visit.diagnoses
    .map((d) => (d.code ? `${d.code} — ${d.text}` : d.text))
    .join("\n")
    .slice(0, limit("referrals.impression"));
  const [input, setInput] = useState<ReferralInput>(() => ({ id: uuid(), visitId: p.visit.id, receiving: "", reason: "", impression, treatment: p.visit.plan }));
  const save = useSubmit(async () => {
    const referral = await call(commands.referPatient(input));
    p.onDone({ ...p.visit, referrals: [...p.visit.referrals, referral] }, referral.id);
  });
  const text = (field: "receiving" | "reason" | "impression" | "treatment", rows: number) => (
    <label class={`field ${save.field === field ? "invalid" : ""}`}>
      <span>{t(`fields.${field}`)}</span>
      {rows === 1 ? (
        <input data-test={`referral-${field}`} value={input[field]} maxLength={limit(`referrals.${field}`)} onInput={(e) => setInput({ ...input, [field]: (e.target as HTMLInputElement).value })} />
      ) : (
        <textarea data-test={`referral-${field}`} rows={rows} value={input[field]} maxLength={limit(`referrals.${field}`)} onInput={(e) => setInput({ ...input, [field]: (e.target as HTMLTextAreaElement).value })} />
      )}
    </label>
  );
  return (
    <Form test="referral-form" onSubmit={() => void save.run()}>
      <h3>{t("visits.newReferral")}</h3>
      {text("receiving", 1)}
      {text("reason", 2)}
      {text("impression", 2)}
      {text("treatment", 2)}
      <ErrorBox message={save.message} />
      <SubmitOrCancel label={t("visits.saveReferral")} test="save-referral" disabled={save.busy} onCancel={p.onCancel} />
    </Form>
  );
}

function Addenda(p: { visit: Visit; canWrite: boolean; onAdded: (v: Visit) => void }) {
  const [text, setText] = useState("");
  // The same id until it lands: a retry after a lost answer is not a second addendum.
  const [id, setId] = useState(() => uuid());
  const add = useSubmit(async () => {
    p.onAdded(await call(commands.addVisitAddendum(p.visit.id, id, text)));
    setId(uuid());
    setText("");
  });
  return (
    <div class="addenda">
      <h3>{t("visits.addenda")}</h3>
      <ul class="plain">
        {p.visit.addenda.map((a) => (
          <li key={a.id}>
            <small>
              {formatDateTime(a.createdAt)} · {a.authorName}
            </small>
            <p>{a.text}</p>
          </li>
        ))}
      </ul>
      {p.canWrite ? (
        <Form onSubmit={() => void add.run()}>
          <label class={add.field === "text" ? "field invalid" : "field"}>
            <span>{t("visits.addAddendum")}</span>
            <textarea rows={2} value={text} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} maxLength={limit("visit_addenda.text")} />
          </label>
          <ErrorBox message={add.message} />
          <button type="submit" disabled={add.busy}>
            {t("visits.addAddendum")}
          </button>
        </Form>
      ) : null}
    </div>
  );
}
