// Every podiatrist's week at once, compact enough to read at 1280×800 with any number of them:
// a row per day, a column per podiatrist, each appointment one line (time and patient; the rest on
// hover). Moving appointments is done in the day view or one podiatrist's week.
import { useEffect, useState } from "preact/hooks";
import type { Appointment, Podiatrist } from "../bindings";
import { call, commands, errorText } from "../api";
import { fromWall, wallToday } from "../clinicTime";
import { language, t } from "../i18n";
import type { CalendarHandle } from "./Calendar";
import { type AgendaFeedback, type AgendaItem, itemLabel, loadAgenda, unpack } from "./data";

const DAY = 86_400_000;

function mondayOf(day: Date): Date {
  return new Date(day.getTime() - ((day.getUTCDay() + 6) % 7) * DAY);
}

interface Props extends AgendaFeedback {
  podiatrists: Podiatrist[];
  onPick: (a: Appointment) => void;
  handle: (h: CalendarHandle) => void;
}

export function WeekList(p: Props) {
  const columns = p.podiatrists.filter((d) => d.active);
  const [monday, setMonday] = useState(() => mondayOf(wallToday()));
  const [items, setItems] = useState<AgendaItem[] | null>(null);
  const [version, setVersion] = useState(0);
  useEffect(() => {
    let current = true;
    const from = fromWall(monday);
    const to = fromWall(new Date(monday.getTime() + 7 * DAY));
    void loadAgenda(from, to, null, p).then((rows) => current && setItems(rows.map(unpack)));
    return () => {
      current = false;
    };
  }, [monday.getTime(), version]);
  useEffect(() => p.handle({ refetch: () => setVersion((v) => v + 1) }), []);

  const days = Array.from({ length: 7 }, (_, i) => new Date(monday.getTime() + i * DAY));
  const dayName = new Intl.DateTimeFormat(language(), { weekday: "short", day: "numeric", month: "short", timeZone: "UTC" });
  const time = new Intl.DateTimeFormat(language(), { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: "UTC" });
  const range = new Intl.DateTimeFormat(language(), { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
  const today = wallToday().getTime();
  const pick = async (id: string) => {
    try {
      p.onPick(await call(commands.getAppointment(id)));
    } catch (e) {
      p.onError(errorText(e));
    }
  };
  const cell = (day: Date, podiatristId: string) =>
    (items ?? [])
      .filter((i) => i.podiatristId === podiatristId && i.start.getTime() >= day.getTime() && i.start.getTime() < day.getTime() + DAY)
      .sort((a, b) => a.start.getTime() - b.start.getTime());

  return (
    <div class="week-list" data-test="week-list">
      <div class="toolbar">
        <button type="button" class="secondary" aria-label={t("agenda.prev")} title={t("agenda.prev")} onClick={() => setMonday(new Date(monday.getTime() - 7 * DAY))}>
          ‹
        </button>
        <button type="button" class="secondary" onClick={() => setMonday(mondayOf(wallToday()))}>
          {t("agenda.today")}
        </button>
        <button type="button" class="secondary" aria-label={t("agenda.next")} title={t("agenda.next")} onClick={() => setMonday(new Date(monday.getTime() + 7 * DAY))}>
          ›
        </button>
        <strong data-test="week-title">{range.formatRange(monday, days[6] as Date)}</strong>
      </div>
      <div class="week-scroll">
        <table>
          <thead>
            <tr>
              <th />
              {columns.map((d) => (
                <th scope="col" style={{ borderTopColor: d.color }}>
                  {d.name}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {days.map((day) => (
              <tr class={day.getTime() === today ? "today-row" : ""}>
                <th scope="row">{dayName.format(day)}</th>
                {columns.map((d) => {
                  const here = cell(day, d.id);
                  return (
                    <td>
                      {here.length ? (
                        <ul>
                          {here.map((item) => (
                            <li>
                              <button
                                type="button"
                                class={`week-item status-${item.status}${item.pending ? " pending" : ""}${item.noAnswer ? " no-answer" : ""}`}
                                style={{ borderLeftColor: d.color }}
                                title={itemLabel(item)}
                                aria-label={`${time.format(item.start)} ${itemLabel(item)}`}
                                data-test="week-item"
                                onClick={() => void pick(item.id)}
                              >
                                <span class="time">{time.format(item.start)}</span> {item.atRisk ? "⚠ " : ""}
                                {item.patient}
                              </button>
                            </li>
                          ))}
                        </ul>
                      ) : null}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
