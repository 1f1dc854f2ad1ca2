// The historia clínica's interrogatorio (NOM-004), shown above the note: what the patient told
// about their family, conditions, medications and habits. Recording it again keeps the earlier
// version; reading it is audited.
import { useState } from "preact/hooks";
import { v7 as uuid } from "uuid";
import type { Habit, History, HistoryContent } from "../bindings";
import { call, commands } from "../api";
import { ErrorBox, Form, SubmitOrCancel, useLoad, useSubmit } from "../components/Form";
import { formatDateTime, t } from "../i18n";

const HABITS: Habit[] = ["unknown", "never", "former", "current"];
const TEXTS = ["family", "conditions", "medications", "activity", "footwear"] as const;
const MAX_SECTION = 2000;

type Content = Required<HistoryContent>;

function complete(c: HistoryContent | undefined): Content {
  return { family: "", conditions: "", medications: "", tobacco: "unknown", alcohol: "unknown", activity: "", footwear: "", ...c };
}

export function HistoryPanel({ patientId, canWrite }: { patientId: string; canWrite: boolean }) {
  // Wrapped: `data` is null while loading (or after a failed load), `{ history: null }` when the
  // patient has none. Only then may an empty form start: a form opened mid-load would record a
  // blank history over the real one.
  const loaded = useLoad(async () => ({ history: await call(commands.getPatientHistory(patientId)) }));
  const [editing, setEditing] = useState(false);
  const [recorded, setRecorded] = useState<History | null>(null);
  const current = recorded ?? loaded.data?.history ?? null;
  const missing = loaded.data !== null && current === null;
  return (
    <details class="history-panel" data-test="clinical-history" open={editing || (missing && canWrite)}>
      <summary>
        <strong>{t("history.title")}</strong>{" "}
        {current ? (
          <small data-test="history-recorded">{t("history.recorded", { when: formatDateTime(current.recordedAt), name: current.recordedByName })}</small>
        ) : missing ? (
          <span class="warning" data-test="history-missing">
            {t("history.missing")}
          </span>
        ) : null}
      </summary>
      <ErrorBox message={loaded.error} />
      {loaded.data === null ? null : editing ? (
        <HistoryForm
          key={current?.id ?? "new"}
          patientId={patientId}
          initial={complete(current?.content)}
          onSaved={(h) => {
            setRecorded(h);
            setEditing(false);
          }}
          onCancel={() => setEditing(false)}
        />
      ) : (
        <>
          {current ? <HistoryText content={complete(current.content)} /> : null}
          {canWrite ? (
            <button type="button" class="secondary" data-test="edit-history" onClick={() => setEditing(true)}>
              {current ? t("history.update") : t("history.record")}
            </button>
          ) : null}
        </>
      )}
    </details>
  );
}

function HistoryText({ content }: { content: Content }) {
  return (
    <dl class="history-text">
      {TEXTS.filter((k) => content[k] !== "").map((k) => (
        <>
          <dt>{t(`history.${k}`)}</dt>
          <dd>{content[k]}</dd>
        </>
      ))}
      <dt>{t("history.tobacco")}</dt>
      <dd>{t(`history.habits.${content.tobacco}`)}</dd>
      <dt>{t("history.alcohol")}</dt>
      <dd>{t(`history.habits.${content.alcohol}`)}</dd>
    </dl>
  );
}

function HistoryForm(p: { patientId: string; initial: Content; onSaved: (h: History) => void; onCancel: () => void }) {
  const [content, setContent] = useState<Content>(p.initial);
  // The same id until it lands: a retry after a lost answer is not a second version.
  const [id] = useState(() => uuid());
  const save = useSubmit(async () => p.onSaved(await call(commands.recordPatientHistory({ id, patientId: p.patientId, content }))));
  return (
    <Form test="history-form" onSubmit={() => void save.run()}>
      {TEXTS.map((k) => (
        <label class={`field ${save.field === k ? "invalid" : ""}`}>
          <span>{t(`history.${k}`)}</span>
          <textarea data-test={`history-${k}`} rows={2} maxLength={MAX_SECTION} value={content[k]} onInput={(e) => setContent({ ...content, [k]: (e.target as HTMLTextAreaElement).value })} />
        </label>
      ))}
      <div class="row">
        {(["tobacco", "alcohol"] as const).map((k) => (
          <label class="field">
            <span>{t(`history.${k}`)}</span>
            <select data-test={`history-${k}`} value={content[k]} onChange={(e) => setContent({ ...content, [k]: (e.target as HTMLSelectElement).value as Habit })}>
              {HABITS.map((h) => (
                <option value={h}>{t(`history.habits.${h}`)}</option>
              ))}
            </select>
          </label>
        ))}
      </div>
      <ErrorBox message={save.message} />
      <SubmitOrCancel label={t("common.save")} test="save-history" disabled={save.busy} onCancel={p.onCancel} />
    </Form>
  );
}
