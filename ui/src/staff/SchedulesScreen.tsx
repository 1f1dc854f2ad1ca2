// Schedules: each podiatrist's weekly blocks and time off; clinic holidays.
import { useEffect, useState } from "preact/hooks";
import { v7 as uuidv7 } from "uuid";
import type { ExceptionInput, Podiatrist, Schedule, ScheduleBlock } from "../bindings";
import { call, commands, errorText } from "../api";
import { Card, ErrorBox, Form, useLoad, useSubmit } from "../components/Form";
import { formatDateTime, t } from "../i18n";

const toTime = (m: number) => `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
const toMinute = (s: string) => {
  const [h, m] = s.split(":").map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
};

export function SchedulesScreen({ canWrite }: { canWrite: boolean }) {
  const pods = useLoad(() => call(commands.listPodiatrists()));
  const [selected, setSelected] = useState<string>("");
  useEffect(() => {
    if (!selected && pods.data?.[0]) setSelected(pods.data[0].id);
  }, [pods.data]);
  if (pods.error) return <ErrorBox message={pods.error} />;
  if (!pods.data) return <p>{t("common.loading")}</p>;
  return (
    <div>
      <label class="field inline-field">
        <span>{t("fields.podiatrist")}</span>
        <select value={selected} onChange={(e) => setSelected((e.target as HTMLSelectElement).value)}>
          {pods.data.map((p: Podiatrist) => (
            <option value={p.id}>{p.name}</option>
          ))}
        </select>
      </label>
      {selected ? <PodiatristSchedule key={selected} podiatristId={selected} canWrite={canWrite} /> : null}
    </div>
  );
}

function PodiatristSchedule({ podiatristId, canWrite }: { podiatristId: string; canWrite: boolean }) {
  const [schedule, setSchedule] = useState<Schedule | null>(null);
  const [blocks, setBlocks] = useState<ScheduleBlock[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const load = async () => {
    try {
      const s = await call(commands.getSchedule(podiatristId));
      setSchedule(s);
      setBlocks(s.blocks);
    } catch (e) {
      setError(errorText(e));
    }
  };
  useEffect(() => void load(), []);
  const save = useSubmit(async () => {
    const s = await call(commands.setWeeklySchedule(podiatristId, blocks));
    setSchedule(s);
    setBlocks(s.blocks);
    setSaved(true);
  });
  if (error) return <ErrorBox message={error} />;
  if (!schedule) return <p>{t("common.loading")}</p>;
  const update = (i: number, patch: Partial<ScheduleBlock>) => {
    setSaved(false);
    setBlocks(blocks.map((b, j) => (i === j ? { ...b, ...patch } : b)));
  };
  return (
    <div class="two-columns">
      <Card title={t("schedules.weekly")}>
        <Form onSubmit={() => void save.run()}>
          <table>
            <tbody>
              {blocks.map((b, i) => (
                <tr>
                  <td>
                    <select value={String(b.weekday)} onChange={(e) => update(i, { weekday: Number((e.target as HTMLSelectElement).value) })}>
                      {[1, 2, 3, 4, 5, 6, 7].map((d) => (
                        <option value={String(d)}>{t(`schedules.weekdays.${d}`)}</option>
                      ))}
                    </select>
                  </td>
                  <td>
                    <input type="time" value={toTime(b.startMinute)} onInput={(e) => update(i, { startMinute: toMinute((e.target as HTMLInputElement).value) })} />
                  </td>
                  <td>
                    <input type="time" value={toTime(b.endMinute)} onInput={(e) => update(i, { endMinute: toMinute((e.target as HTMLInputElement).value) })} />
                  </td>
                  <td>
                    <button type="button" class="link" onClick={() => setBlocks(blocks.filter((_, j) => j !== i))}>
                      {t("schedules.remove")}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {canWrite ? (
            <div class="row">
              <button type="button" class="secondary" onClick={() => setBlocks([...blocks, { weekday: 1, startMinute: 540, endMinute: 840 }])}>
                {t("schedules.addBlock")}
              </button>
              <button type="submit" disabled={save.busy}>
                {t("common.save")}
              </button>
            </div>
          ) : null}
          <ErrorBox message={save.message} />
          {saved ? <p class="notice">{t("schedules.saved")}</p> : null}
        </Form>
      </Card>
      <Exceptions schedule={schedule} canWrite={canWrite} onChanged={load} />
    </div>
  );
}

function Exceptions({ schedule, canWrite, onChanged }: { schedule: Schedule; canWrite: boolean; onChanged: () => Promise<void> }) {
  const today = new Date().toISOString().slice(0, 10);
  const fresh = (): ExceptionInput => ({
    id: uuidv7(),
    podiatristId: schedule.podiatristId,
    kind: "vacation",
    fromDate: today,
    toDate: today,
    startMinute: null,
    endMinute: null,
    note: "",
  });
  const [form, setForm] = useState<ExceptionInput>(fresh);
  const add = useSubmit(async () => {
    await call(commands.addScheduleException(form));
    setForm(fresh());
    await onChanged();
  });
  const remove = useSubmit(async (id: string) => {
    await call(commands.removeScheduleException(id));
    await onChanged();
  });
  return (
    <Card title={t("schedules.exceptions")}>
      <ul class="plain">
        {schedule.exceptions.map((e) => (
          <li>
            {t(`schedules.kinds.${e.kind}`)} · {formatDateTime(e.startsAt)} – {formatDateTime(e.endsAt)} {e.note}
            {e.podiatristId === null ? ` (${t("schedules.clinicWide")})` : ""}
            {canWrite ? (
              <button class="link" onClick={() => void remove.run(e.id)}>
                {t("schedules.remove")}
              </button>
            ) : null}
          </li>
        ))}
      </ul>
      {canWrite ? (
        <Form onSubmit={() => void add.run()}>
          <label class="field">
            <span>{t("fields.kind")}</span>
            <select value={form.kind} onChange={(e) => setForm({ ...form, kind: (e.target as HTMLSelectElement).value })}>
              {["vacation", "sick", "course", "holiday", "other"].map((k) => (
                <option value={k}>{t(`schedules.kinds.${k}`)}</option>
              ))}
            </select>
          </label>
          <label class="choice">
            <input
              type="checkbox"
              checked={form.podiatristId === null}
              onChange={(e) => setForm({ ...form, podiatristId: (e.target as HTMLInputElement).checked ? null : schedule.podiatristId })}
            />
            {t("schedules.clinicWide")}
          </label>
          <div class="row">
            <label class="field">
              <span>{t("fields.fromDate")}</span>
              <input type="date" value={form.fromDate} onInput={(e) => setForm({ ...form, fromDate: (e.target as HTMLInputElement).value })} />
            </label>
            <label class="field">
              <span>{t("fields.toDate")}</span>
              <input type="date" value={form.toDate} onInput={(e) => setForm({ ...form, toDate: (e.target as HTMLInputElement).value })} />
            </label>
          </div>
          <label class="field">
            <span>{t("fields.note")}</span>
            <input value={form.note} onInput={(e) => setForm({ ...form, note: (e.target as HTMLInputElement).value })} />
          </label>
          <ErrorBox message={add.message ?? remove.message} />
          <button type="submit" disabled={add.busy}>
            {t("schedules.addException")}
          </button>
        </Form>
      ) : null}
    </Card>
  );
}
