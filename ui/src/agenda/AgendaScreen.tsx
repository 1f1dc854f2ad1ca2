// Reception's agenda: today's list with one-click status buttons, the per-podiatrist calendar,
// and the booking panel (patient search → free slots → book → read the time back).
import { useEffect, useRef, useState } from "preact/hooks";
import { v7 as uuidv7 } from "uuid";
import type { Appointment, PatientSummary, Podiatrist, Slot, Status } from "../bindings";
import { call, commands } from "../api";
import { limit } from "../options";
import { events } from "../bindings";
import { ErrorBox, Form, Pending, useLoad, useSubmit } from "../components/Form";
import { RiskFlag } from "../components/Flags";
import { askOnArrival, ConsentPrompt } from "../patients/Privacy";
import { PatientPicker } from "../components/PatientPicker";
import { formatDate, formatTime, formatWhen, t } from "../i18n";
import { Calendar, type CalendarHandle } from "./Calendar";
import { WeekList } from "./WeekList";

const DURATIONS = [15, 30, 45, 60, 90];

type View = "day" | "week";
/** The desk remembers whose week it shows: a podiatrist's id, or ALL for the compact week. */
const WEEK_KEY = "podoclinic.agenda.week";
const ALL = "all";

export function AgendaScreen({ canWrite, userId }: { canWrite: boolean; userId: string }) {
  const pods = useLoad(() => call(commands.listPodiatrists()));
  const [view, setView] = useState<View>("day");
  const [weekOf, setWeekOf] = useState<string | null>(() => localStorage.getItem(WEEK_KEY));
  const [booking, setBooking] = useState<Booking | null>(null);
  const [picked, setPicked] = useState<Appointment | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [cacheAge, setCacheAge] = useState<number | null>(null);
  const [todayKey, setTodayKey] = useState(0);
  const [onlyMine, setOnlyMine] = useState(true);
  const calendar = useRef<CalendarHandle | null>(null);
  const changed = () => {
    calendar.current?.refetch();
    setTodayKey((k) => k + 1);
  };

  // Another desk booked, moved or checked someone in: refresh what is on screen. Once listening,
  // what the calendar fetched before is fetched again: a booking made meanwhile is not missed.
  useEffect(() => {
    let stopped = false;
    const unlisten = events.agendaChanged.listen(() => changed());
    unlisten.then(() => void (!stopped && changed()), () => undefined);
    return () => {
      stopped = true;
      void unlisten.then((stop) => stop(), () => undefined);
    };
  }, []);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.altKey && e.key.toLowerCase() === "n" && canWrite) {
        e.preventDefault();
        setBooking({ podiatristId: null, startsAt: null, moved: false });
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [canWrite]);

  if (!pods.data) return <Pending error={pods.error} />;
  const podiatrists = pods.data;
  const active = podiatrists.filter((d) => d.active);
  const name = (id: string) => podiatrists.find((p) => p.id === id)?.name ?? "";
  // A podiatrist signed in sees their own column first, and their own week.
  const mine = podiatrists.find((p) => p.userId === userId && p.active);
  const dayColumns = mine && onlyMine ? [mine] : podiatrists;
  const weekChoice = weekOf === ALL || active.some((d) => d.id === weekOf) ? (weekOf as string) : (mine?.id ?? active[0]?.id ?? ALL);
  const weekColumns = active.filter((d) => d.id === weekChoice);
  const chooseWeek = (id: string) => {
    localStorage.setItem(WEEK_KEY, id);
    setWeekOf(id);
  };
  const feedback = { onError: setError, onCacheAge: setCacheAge, onPick: setPicked, handle: (h: CalendarHandle) => (calendar.current = h) };

  return (
    <div class="agenda">
      <aside class="side">
        {canWrite ? (
          <button data-test="open-booking" title="Alt+N" onClick={() => setBooking({ podiatristId: null, startsAt: null, moved: false })}>
            {t("agenda.book")}
          </button>
        ) : null}
        {booking ? (
          <BookingPanel
            podiatrists={podiatrists}
            initial={booking}
            onClose={() => setBooking(null)}
            onBooked={changed}
          />
        ) : null}
        {picked ? (
          <DetailsPanel
            appointment={picked}
            podiatrist={name(picked.podiatristId)}
            canWrite={canWrite}
            onClose={() => setPicked(null)}
            onChanged={(a) => {
              setPicked(a);
              changed();
            }}
          />
        ) : null}
        <TodayList key={todayKey} podiatristName={name} canWrite={canWrite} onChanged={changed} />
        <ConsentPrompt />
      </aside>
      <section class="main">
        <div class="toolbar" role="tablist" aria-label={t("agenda.view")}>
          {(["day", "week"] as const).map((v) => (
            <button role="tab" aria-selected={view === v} class={view === v ? "tab current" : "tab"} data-test={`view-${v}`} onClick={() => setView(v)}>
              {t(`agenda.${v}`)}
            </button>
          ))}
          {view === "day" && mine ? (
            <label class="choice">
              <input type="checkbox" checked={!onlyMine} onChange={(e) => setOnlyMine(!(e.target as HTMLInputElement).checked)} />
              {t("agenda.everyone")}
            </label>
          ) : null}
          {view === "week" ? (
            <label class="choice">
              <span>{t("fields.podiatrist")}</span>
              <select value={weekChoice} data-test="week-podiatrist" onChange={(e) => chooseWeek((e.target as HTMLSelectElement).value)}>
                {active.map((d) => (
                  <option value={d.id}>{d.name}</option>
                ))}
                <option value={ALL}>{t("agenda.allCompact")}</option>
              </select>
            </label>
          ) : null}
          {cacheAge !== null ? <span class="stale">{t("agenda.cached", { minutes: Math.round(cacheAge / 60_000) })}</span> : null}
        </div>
        <ErrorBox message={error} />
        {view === "week" && weekChoice === ALL ? (
          <WeekList podiatrists={podiatrists} {...feedback} />
        ) : (
          <Calendar
            podiatrists={view === "week" ? weekColumns : dayColumns}
            view={view}
            onSlot={(pick) => canWrite && setBooking(pick)}
            {...feedback}
          />
        )}
      </section>
    </div>
  );
}

/** What the booking panel opens with: a clicked slot, or nothing chosen yet (search for one). */
interface Booking {
  podiatristId: string | null;
  startsAt: string | null;
  /** The clicked time does not exist that day (the clock jumped over it) and was moved forward. */
  moved: boolean;
}

function BookingPanel(p: {
  podiatrists: Podiatrist[];
  initial: Booking;
  onClose: () => void;
  onBooked: () => void;
}) {
  const [patient, setPatient] = useState<PatientSummary | null>(null);
  const [podiatristId, setPodiatristId] = useState<string>(p.initial.podiatristId ?? "");
  const [duration, setDuration] = useState(30);
  const [reason, setReason] = useState("");
  const [slots, setSlots] = useState<Slot[] | null>(null);
  const [repeat, setRepeat] = useState(false);
  const [everyWeeks, setEveryWeeks] = useState(4);
  const [count, setCount] = useState(6);
  const [done, setDone] = useState<string | null>(null);
  const [override, setOverride] = useState(false);
  const name = (id: string) => p.podiatrists.find((d) => d.id === id)?.name ?? "";

  const find = useSubmit(async () => {
    const from = new Date().toISOString();
    const to = new Date(Date.now() + 21 * 86_400_000).toISOString();
    setSlots(await call(commands.findSlots({ podiatristId: podiatristId || null, durationMinutes: duration, from, to, limit: 12 })));
  });
  const book = useSubmit(async (slot: Slot) => {
    if (!patient) return;
    const first = {
      id: uuidv7(),
      patientId: patient.id,
      podiatristId: slot.podiatristId,
      startsAt: slot.startsAt,
      endsAt: slot.endsAt,
      reason,
      overrideSchedule: override,
    };
    if (repeat) {
      const outcome = await call(commands.bookSeries({ first, everyWeeks, count }));
      const clashes = outcome.clashes.map((c) => formatWhen(c.startsAt)).join("; ") || "—";
      setDone(t("agenda.seriesResult", { booked: outcome.booked.length, clashes }));
    } else {
      const a = await call(commands.bookAppointment(first));
      setDone(t("agenda.booked", { when: formatWhen(a.startsAt), podiatrist: name(a.podiatristId) }));
    }
    setSlots(null);
    p.onBooked();
  });
  const clicked = p.initial.startsAt && p.initial.podiatristId ? p.initial : null;
  const clickedSlot = (): Slot | null =>
    clicked?.startsAt && clicked.podiatristId
      ? { podiatristId: clicked.podiatristId, startsAt: clicked.startsAt, endsAt: new Date(new Date(clicked.startsAt).getTime() + duration * 60_000).toISOString() }
      : null;

  return (
    <div class="card panel-side" data-test="booking-panel">
      <h2>{t("agenda.book")}</h2>
      {patient ? (
        <>
          <p data-test="booking-patient">
            <strong>{patient.fullName}</strong>{" "}
            <button class="link" onClick={() => setPatient(null)}>
              {t("common.edit")}
            </button>
          </p>
          <NoShows patientId={patient.id} />
        </>
      ) : (
        <PatientPicker onPick={setPatient} autoFocus />
      )}
      <label class="field">
        <span>{t("fields.podiatrist")}</span>
        <select value={podiatristId} data-test="booking-podiatrist" onChange={(e) => setPodiatristId((e.target as HTMLSelectElement).value)}>
          <option value="">{t("agenda.anyPodiatrist")}</option>
          {p.podiatrists.filter((d) => d.active).map((d) => (
            <option value={d.id}>{d.name}</option>
          ))}
        </select>
      </label>
      <label class="field">
        <span>{t("fields.durationMinutes")}</span>
        <select value={String(duration)} onChange={(e) => setDuration(Number((e.target as HTMLSelectElement).value))}>
          {DURATIONS.map((d) => (
            <option value={String(d)}>{d}</option>
          ))}
        </select>
      </label>
      <label class="field">
        <span>{t("fields.reason")}</span>
        <input value={reason} data-test="booking-reason" onInput={(e) => setReason((e.target as HTMLInputElement).value)} maxLength={limit("appointments.reason")} />
      </label>
      <label class="choice">
        <input type="checkbox" checked={repeat} onChange={(e) => setRepeat((e.target as HTMLInputElement).checked)} />
        {t("agenda.repeat")}
      </label>
      {repeat ? (
        <div class="row">
          <label class="field">
            <span>{t("fields.everyWeeks")}</span>
            <input type="number" min={1} max={52} value={String(everyWeeks)} onInput={(e) => setEveryWeeks(Number((e.target as HTMLInputElement).value))} />
          </label>
          <label class="field">
            <span>{t("fields.count")}</span>
            <input type="number" min={1} max={52} value={String(count)} onInput={(e) => setCount(Number((e.target as HTMLInputElement).value))} />
          </label>
        </div>
      ) : null}
      {clicked && p.initial.moved ? (
        <p class="warning" role="status" data-test="time-moved">
          {t("agenda.timeMoved", { when: formatWhen(clicked.startsAt ?? "") })}
        </p>
      ) : null}
      {clickedSlot() ? (
        <label class="choice">
          <input type="checkbox" checked={override} onChange={(e) => setOverride((e.target as HTMLInputElement).checked)} />
          {t("agenda.override")}
        </label>
      ) : null}
      {clickedSlot() ? (
        <button disabled={!patient || book.busy} data-test="book-clicked" onClick={() => void book.run(clickedSlot() as Slot)}>
          {t("agenda.book")}: {formatWhen(clicked?.startsAt ?? "")}
        </button>
      ) : (
        <Form onSubmit={() => void find.run()}>
          <button type="submit" disabled={find.busy} data-test="find-slots">
            {t("agenda.findSlots")}
          </button>
        </Form>
      )}
      {slots ? (
        slots.length ? (
          <ul class="slots">
            {slots.map((s) => (
              <li>
                <button disabled={!patient || book.busy} data-test="slot" onClick={() => void book.run(s)}>
                  {formatWhen(s.startsAt)} · {name(s.podiatristId)}
                </button>
              </li>
            ))}
          </ul>
        ) : (
          <p class="hint">{t("agenda.noSlots")}</p>
        )
      ) : null}
      {!patient && (slots || clicked) ? <p class="hint">{t("agenda.pickPatient")}</p> : null}
      <ErrorBox message={find.message ?? book.message} />
      {done ? (
        <p class="notice" data-test="booked" role="status">
          {done}
        </p>
      ) : null}
      <button class="link" onClick={p.onClose}>
        {t("agenda.close")}
      </button>
    </div>
  );
}

/** The patient's past no-shows, for reception to keep in mind while booking. */
function NoShows({ patientId }: { patientId: string }) {
  const seen = useLoad(() => call(commands.getPatientAttendance(patientId)), [patientId]);
  const a = seen.data;
  if (!a || a.noShows === 0) return null;
  return (
    <p class="warning" role="status" data-test="booking-no-shows">
      {t("reminders.noShowsExplained", { count: Number(a.noShows) })}
      {a.lastNoShow ? ` · ${t("reminders.lastNoShow", { when: formatDate(a.lastNoShow) })}` : ""}
    </p>
  );
}

const NEXT_STEPS: Record<Status, { status: Status; label: string }[]> = {
  scheduled: [
    { status: "confirmed", label: "agenda.confirm" },
    { status: "arrived", label: "agenda.arrived" },
    { status: "no_show", label: "agenda.noShow" },
  ],
  confirmed: [
    { status: "arrived", label: "agenda.arrived" },
    { status: "no_show", label: "agenda.noShow" },
  ],
  arrived: [{ status: "in_consultation", label: "agenda.inConsultation" }],
  in_consultation: [{ status: "completed", label: "agenda.completed" }],
  completed: [],
  cancelled: [],
  no_show: [],
};

function StatusButtons({ a, onChanged }: { a: Appointment; onChanged: (a: Appointment) => void }) {
  // At a patient's first check-in the desk asks for their privacy consent.
  const step = useSubmit(async (status: Status) => {
    const changed = await call(commands.setAppointmentStatus(a.id, status));
    if (status === "arrived") await askOnArrival(a.patientId, a.patientName);
    onChanged(changed);
  });
  return (
    <span class="status-buttons">
      {NEXT_STEPS[a.status].map((s) => (
        <button data-test={`status-${s.status}`} disabled={step.busy} onClick={() => void step.run(s.status)}>
          {t(s.label)}
        </button>
      ))}
      <ErrorBox message={step.message} />
    </span>
  );
}

function DetailsPanel(p: { appointment: Appointment; podiatrist: string; canWrite: boolean; onClose: () => void; onChanged: (a: Appointment) => void }) {
  const a = p.appointment;
  const [reason, setReason] = useState("");
  const cancel = useSubmit(async () => p.onChanged(await call(commands.cancelAppointment(a.id, reason))));
  return (
    <div class="card panel-side" data-test="appointment-details">
      <h2>
        <RiskFlag show={a.patientAtRisk} /> {a.patientName}
      </h2>
      <p>
        {formatWhen(a.startsAt)}–{formatTime(a.endsAt)} · {p.podiatrist}
      </p>
      <p>
        {a.reason} · <strong data-test="details-status">{t(`status.${a.status}`)}</strong>
        {a.outsideSchedule ? ` · ${t("agenda.outside")}` : ""}
      </p>
      {p.canWrite ? <StatusButtons a={a} onChanged={p.onChanged} /> : null}
      {p.canWrite && (a.status === "scheduled" || a.status === "confirmed") ? (
        <Form onSubmit={() => void cancel.run()}>
          <label class="field">
            <span>{t("fields.cancelReason")}</span>
            <input value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} maxLength={limit("appointments.cancelReason")} />
          </label>
          <button type="submit" disabled={cancel.busy}>
            {t("agenda.cancel")}
          </button>
          <ErrorBox message={cancel.message} />
        </Form>
      ) : null}
      <button class="link" onClick={p.onClose}>
        {t("agenda.close")}
      </button>
    </div>
  );
}

function TodayList(p: { podiatristName: (id: string) => string; canWrite: boolean; onChanged: () => void }) {
  const today = useLoad(() => call(commands.listToday()), [], ["agenda"]);
  return (
    <div class="card today" data-test="today-list">
      <h2>{t("agenda.todayList")}</h2>
      <ErrorBox message={today.error} />
      {today.data && !today.data.length ? <p class="empty">{t("agenda.noToday")}</p> : null}
      <ul>
        {(today.data ?? []).map((a) => (
          <li key={a.id} data-test="today-row" class={`status-${a.status}`}>
            <span class="time">{formatTime(a.startsAt)}</span>
            <span class="who">
              <RiskFlag show={a.patientAtRisk} /> {a.patientName}
              <small>
                {p.podiatristName(a.podiatristId)} · <span class="state">{t(`status.${a.status}`)}</span>
              </small>
            </span>
            {p.canWrite ? (
              <StatusButtons
                a={a}
                onChanged={() => {
                  void today.reload();
                  p.onChanged();
                }}
              />
            ) : null}
          </li>
        ))}
      </ul>
    </div>
  );
}
