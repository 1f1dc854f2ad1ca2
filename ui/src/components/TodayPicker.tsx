// Today's appointments in a given set of statuses, to pick one (visits, checkout).
import type { Appointment, Status } from "../bindings";
import { call, commands } from "../api";
import { formatTime, t } from "../i18n";
import { RiskFlag } from "./Flags";
import { ErrorBox, useLoad } from "./Form";

export function TodayPicker(p: { statuses: Status[]; selected: string | null; onSelect: (a: Appointment) => void; test: string }) {
  const today = useLoad(() => call(commands.listToday()), [], ["agenda"]);
  const rows = (today.data ?? []).filter((a) => p.statuses.includes(a.status));
  return (
    <div class="card today" data-test={p.test}>
      <div class="toolbar">
        <h2>{t("agenda.todayList")}</h2>
        <span class="spacer" />
        <button type="button" class="secondary" onClick={() => void today.reload()}>
          {t("common.refresh")}
        </button>
      </div>
      <ErrorBox message={today.error} />
      {today.data && !rows.length ? <p class="empty">{t("agenda.noToday")}</p> : null}
      <ul>
        {rows.map((a) => (
          <li key={a.id} class={a.id === p.selected ? `status-${a.status} selected` : `status-${a.status}`}>
            <button type="button" class="pick" data-test="pick-appointment" onClick={() => p.onSelect(a)}>
              <span class="time">{formatTime(a.startsAt)}</span>
              <span class="who">
                <RiskFlag show={a.patientAtRisk} /> {a.patientName}
                <span class="state">{t(`status.${a.status}`)}</span>
              </span>
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
