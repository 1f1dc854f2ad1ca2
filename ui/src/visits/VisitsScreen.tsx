// The podiatrist's consultation: pick today's patient, fill the foot chart per foot, record the
// procedures done, choose the diabetic-foot risk and sign. A signed note is read-only; corrections
// go in addenda.
import { useDraft } from "../components/draft";
import { useState } from "preact/hooks";
import type {
  CallusFinding,
  FootFindings,
  NailFinding,
  Procedure,
  Pulse,
  SkinFinding,
  Treatment,
  Visit,
  VisitInput,
} from "../bindings";
import { call, CommandError, commands } from "../api";
import { limit } from "../options";
import { ErrorBox, Form, Pending, useLoad, useSubmit } from "../components/Form";
import { TodayPicker } from "../components/TodayPicker";
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

function toInput(v: Visit): VisitInput {
  return { id: v.id, findings: v.findings, riskCategory: v.riskCategory, notes: v.notes, procedures: v.procedures };
}

function VisitPanel({ appointmentId, canWrite, canOverrideStock }: { appointmentId: string; canWrite: boolean; canOverrideStock: boolean }) {
  const visit = useLoad(() => call(commands.openVisit(appointmentId)));
  const treatments = useLoad(() => call(commands.listTreatments()));
  if (!visit.data || !treatments.data) return <Pending error={visit.error ?? treatments.error} />;
  return <VisitForm key={visit.data.id} initial={visit.data} treatments={treatments.data} canWrite={canWrite} canOverrideStock={canOverrideStock} />;
}

function VisitForm(p: { initial: Visit; treatments: Treatment[]; canWrite: boolean; canOverrideStock: boolean }) {
  const [visit, setVisit] = useState(p.initial);
  const [draft, setDraft] = useState<VisitInput>(toInput(p.initial));
  const [saved, setSaved] = useState(false);
  const signed = visit.signedAt !== null;
  const editable = p.canWrite && !signed;
  const edit = (change: Partial<VisitInput>) => {
    setSaved(false);
    setDraft({ ...draft, ...change });
  };
  const kept = useDraft("visit", p.initial.id, draft, setDraft, editable);
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
      <Form onSubmit={() => void save.run()}>
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
          <label class="field">
            <span>{t("fields.notes")}</span>
            <textarea rows={4} value={draft.notes} onInput={(e) => edit({ notes: (e.target as HTMLTextAreaElement).value })} maxLength={limit("visits.notes")} />
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
      {signed ? <Addenda visit={visit} canWrite={p.canWrite} onAdded={setVisit} /> : null}
    </section>
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
