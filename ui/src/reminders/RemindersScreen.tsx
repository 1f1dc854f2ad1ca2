// Tomorrow's reminders: each appointment of the chosen day with the patient's phone, a one-click
// WhatsApp message from the clinic's template, and what the patient answered (confirmed, no
// answer, cancelled — cancelling frees the slot). Patients who asked not to be reminded say so.
import { useState } from "preact/hooks";
import type { Reminder, ReminderOutcome } from "../bindings";
import { call, commands } from "../api";
import { clinicToday } from "../clinicTime";
import { DateInput } from "../components/DateInput";
import { ErrorBox, Pending, useLoad, useSubmit } from "../components/Form";
import { formatTime, t } from "../i18n";

const OUTCOMES: ReminderOutcome[] = ["confirmed", "no_answer", "cancelled"];

/** The day after `iso` ("YYYY-MM-DD"). */
function nextDay(iso: string): string {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

export function RemindersScreen({ canWrite, canEditPatients }: { canWrite: boolean; canEditPatients: boolean }) {
  const [day, setDay] = useState(() => nextDay(clinicToday()));
  const list = useLoad(() => (day ? call(commands.listReminders(day)) : Promise.resolve([])), [day], ["agenda"]);
  return (
    <div data-test="reminders">
      <div class="toolbar">
        <h1>{t("nav.reminders")}</h1>
        <DateInput value={day} onInput={setDay} label={t("reminders.day")} test="reminders-day" />
        <button type="button" class="secondary" onClick={() => setDay(nextDay(clinicToday()))}>
          {t("reminders.tomorrow")}
        </button>
      </div>
      {list.data ? (
        list.data.length ? (
          <ul class="reminders">
            {list.data.map((r) => (
              <ReminderRow key={r.appointmentId} r={r} canWrite={canWrite} canEditPatients={canEditPatients} onChanged={() => void list.reload()} />
            ))}
          </ul>
        ) : (
          <p class="empty">{t("reminders.none")}</p>
        )
      ) : (
        <Pending error={list.error} />
      )}
    </div>
  );
}

function ReminderRow({ r, canWrite, canEditPatients, onChanged }: { r: Reminder; canWrite: boolean; canEditPatients: boolean; onChanged: () => void }) {
  const open = r.status === "scheduled" || r.status === "confirmed";
  const mark = useSubmit(async (outcome: ReminderOutcome) => {
    await call(commands.markReminder(r.appointmentId, outcome));
    onChanged();
  });
  const send = useSubmit(async () => void (await call(commands.openReminder(r.appointmentId))));
  const optOut = useSubmit(async (value: boolean) => {
    await call(commands.setRemindersOptOut(r.patientId, value));
    onChanged();
  });
  const state = r.outcome ? t(`reminders.outcomes.${r.outcome}`) : t(`status.${r.status}`);
  return (
    <li class={`reminder card outcome-${r.outcome ?? "none"}`} data-test="reminder-row">
      <div class="reminder-head">
        <span class="time">{formatTime(r.startsAt)}</span>
        <span class="who">
          <strong>{r.patientName}</strong>
          {r.noShows > 0 ? (
            <span class="badge" title={t("reminders.noShowsExplained", { count: r.noShows })} aria-label={t("reminders.noShowsExplained", { count: r.noShows })}>
              {t("reminders.noShows", { count: r.noShows })}
            </span>
          ) : null}
          <small>
            {r.podiatristName} · {r.phone || t("reminders.noPhone")}
          </small>
        </span>
        <span class="state" data-test="reminder-state">
          {state}
        </span>
      </div>
      {r.message ? <p class="message">{r.message}</p> : <p class="hint">{t("reminders.optedOut")}</p>}
      {canWrite && open ? (
        <div class="row">
          <button type="button" data-test="reminder-whatsapp" disabled={!r.canMessage || send.busy} title={r.canMessage ? t("reminders.whatsappHint") : t("reminders.cannotMessage")} onClick={() => void send.run()}>
            {t("reminders.whatsapp")}
          </button>
          {OUTCOMES.map((o) => (
            <button type="button" class={o === "cancelled" ? "secondary danger-text" : "secondary"} data-test={`reminder-${o}`} disabled={mark.busy || r.outcome === o} onClick={() => void mark.run(o)}>
              {t(`reminders.mark.${o}`)}
            </button>
          ))}
        </div>
      ) : null}
      {canEditPatients ? (
        <label class="choice">
          <input type="checkbox" checked={r.optedOut} data-test="reminder-opt-out" disabled={optOut.busy} onChange={(e) => void optOut.run((e.target as HTMLInputElement).checked)} />
          {t("reminders.optOut")}
        </label>
      ) : null}
      <ErrorBox message={mark.message ?? send.message ?? optOut.message} />
    </li>
  );
}
