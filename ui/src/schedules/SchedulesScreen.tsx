// Schedules: each podiatrist's weekly blocks and time off; clinic holidays.
import { useEffect, useState } from "preact/hooks";
import { v7 as uuidv7 } from "uuid";
import { EXCEPTION_KINDS, type ExceptionInput, type Podiatrist, type Schedule, type ScheduleBlock } from "../bindings";
import { chosen, limit } from "../options";
import { call, commands } from "../api";
import { Card, ErrorBox, Form, Pending, useLoad, useSubmit } from "../components/Form";
import { formatDateTime, t } from "../i18n";
import { DateInput } from "../components/DateInput";
import { clinicToday } from "../clinicTime";

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
  if (!pods.data) return <Pending error={pods.error} />;
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
  const loaded = useLoad(() => call(commands.getSchedule(podiatristId)));
  if (!loaded.data) return <Pending error={loaded.error} />;
  return (
    <div class="pair">
      <WeeklyBlocks podiatristId={podiatristId} initial={loaded.data.blocks} canWrite={canWrite} />
      <Exceptions schedule={loaded.data} canWrite={canWrite} onChanged={loaded.reload} />
    </div>
  );
}

function WeeklyBlocks({ podiatristId, initial, canWrite }: { podiatristId: string; initial: ScheduleBlock[]; canWrite: boolean }) {
  const [blocks, setBlocks] = useState(initial);
  const [saved, setSaved] = useState(false);
  const save = useSubmit(async () => {
    setBlocks((await call(commands.setWeeklySchedule(podiatristId, blocks))).blocks);
    setSaved(true);
  });
  const update = (i: number, patch: Partial<ScheduleBlock>) => {
    setSaved(false);
    setBlocks(blocks.map((b, j) => (i === j ? { ...b, ...patch } : b)));
  };
  return (
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
  );
}

function Exceptions({ schedule, canWrite, onChanged }: { schedule: Schedule; canWrite: boolean; onChanged: () => Promise<void> }) {
  const today = clinicToday();
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
            <select value={form.kind} onChange={(e) => setForm({ ...form, kind: chosen(EXCEPTION_KINDS, (e.target as HTMLSelectElement).value) ?? form.kind })}>
              {EXCEPTION_KINDS.map((k) => (
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
              <DateInput value={form.fromDate} onInput={(v) => setForm({ ...form, fromDate: v })} />
            </label>
            <label class="field">
              <span>{t("fields.toDate")}</span>
              <DateInput value={form.toDate} onInput={(v) => setForm({ ...form, toDate: v })} />
            </label>
          </div>
          <div class="row">
            <label class="field">
              <span>{t("fields.startMinute")}</span>
              <input
                type="time"
                data-test="exception-start"
                value={form.startMinute === null ? "" : toTime(form.startMinute)}
                onInput={(e) => {
                  const v = (e.target as HTMLInputElement).value;
                  setForm({ ...form, startMinute: v ? toMinute(v) : null });
                }}
              />
            </label>
            <label class="field">
              <span>{t("fields.endMinute")}</span>
              <input
                type="time"
                value={form.endMinute === null ? "" : toTime(form.endMinute)}
                onInput={(e) => {
                  const v = (e.target as HTMLInputElement).value;
                  setForm({ ...form, endMinute: v ? toMinute(v) : null });
                }}
              />
            </label>
          </div>
          <p class="hint">{t("schedules.hoursHint")}</p>
          <label class="field">
            <span>{t("fields.note")}</span>
            <input value={form.note} onInput={(e) => setForm({ ...form, note: (e.target as HTMLInputElement).value })} maxLength={limit("schedule_exceptions.note")} />
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
