// The day/week calendar with one column per podiatrist (vkurko/calendar, MIT): drag to reschedule,
// click an empty slot to book, click an appointment for its details.
import { useEffect, useRef } from "preact/hooks";
import { createCalendar, destroyCalendar, Interaction, ResourceTimeGrid } from "@event-calendar/core";
import "@event-calendar/core/index.css";
import { AGENDA_AT_RISK, AGENDA_PENDING, type AgendaPage, type AgendaRow, type Appointment, type Podiatrist } from "../bindings";
import { call, commands, errorText } from "../api";
import { fromWall, toWall, wallString, wallToday } from "../clinicTime";
import { language, t } from "../i18n";

export interface CalendarHandle {
  refetch(): void;
}

interface Props {
  podiatrists: Podiatrist[];
  view: "resourceTimeGridDay" | "resourceTimeGridWeek";
  onSlot: (podiatristId: string, startsAt: string) => void;
  onPick: (a: Appointment) => void;
  onError: (message: string | null) => void;
  onCacheAge: (ageMs: number | null) => void;
  handle: (h: CalendarHandle) => void;
}

// The last answer for each range, shown (with its age) when the database cannot be reached.
const cache = new Map<string, { at: number; data: AgendaPage }>();


export function Calendar(p: Props) {
  const el = useRef<HTMLDivElement>(null);
  const props = useRef(p);
  props.current = p;

  useEffect(() => {
    if (!el.current) return;
    const ec = createCalendar(el.current, [ResourceTimeGrid, Interaction], {
      view: p.view,
      date: wallToday(),
      timeZone: "UTC", // wall-clock dates: see clinicTime.ts
      locale: language(),
      firstDay: 1,
      datesAboveResources: true,
      height: "100%",
      slotMinTime: "07:00",
      slotMaxTime: "21:00",
      slotDuration: "00:15",
      nowIndicator: false,
      allDaySlot: false,
      editable: true,
      eventDurationEditable: true,
      headerToolbar: { start: "prev,today,next", center: "title", end: "" },
      buttonText: { today: t("agenda.today") },
      resources: p.podiatrists.filter((d) => d.active).map((d) => ({ id: d.id, title: d.name, eventBackgroundColor: d.color })),
      eventSources: [
        {
          events: async (info: { start: Date; end: Date }) => {
            const from = fromWall(info.start);
            const to = fromWall(info.end);
            const key = `${from}|${to}`;
            try {
              const data = await call(commands.listAgenda(from, to, null));
              cache.set(key, { at: Date.now(), data });
              props.current.onCacheAge(null);
              props.current.onError(null);
              return toEvents(data);
            } catch (e) {
              const cached = cache.get(key);
              props.current.onError(errorText(e));
              props.current.onCacheAge(cached ? Date.now() - cached.at : null);
              return cached ? toEvents(cached.data) : [];
            }
          },
        },
      ],
      dateClick: (info: { date: Date; resource?: { id: string | number } }) => {
        if (info.resource) props.current.onSlot(String(info.resource.id), fromWall(info.date));
      },
      eventClick: async (info: { event: { extendedProps: Record<string, unknown> } }) => {
        try {
          props.current.onPick(await call(commands.getAppointment(String(info.event.extendedProps["id"]))));
        } catch (e) {
          props.current.onError(errorText(e));
        }
      },
      eventDrop: (info: DropInfo) => void move(info),
      eventResize: (info: DropInfo) => void move(info),
    });
    props.current.handle({ refetch: () => ec.refetchEvents() });

    async function move(info: DropInfo) {
      const id = String(info.event.extendedProps["id"]);
      const podiatristId = info.newResource ? String(info.newResource.id) : String(info.event.extendedProps["podiatristId"]);
      try {
        await call(
          commands.rescheduleAppointment({
            id,
            podiatristId,
            startsAt: fromWall(info.event.start),
            endsAt: fromWall(info.event.end),
            overrideSchedule: false,
          }),
        );
        props.current.onError(null);
        ec.refetchEvents();
      } catch (e) {
        info.revert();
        props.current.onError(errorText(e));
      }
    }
    return () => destroyCalendar(ec);
    // Rebuilt only when the columns really change (the array itself is new on every render).
  }, [p.view, p.podiatrists.map((d) => `${d.id}${d.name}${d.color}${d.active}`).join("|")]);

  return <div class="calendar" ref={el} data-test="calendar" />;
}

interface DropInfo {
  event: { start: Date; end: Date; extendedProps: Record<string, unknown> };
  newResource?: { id: string | number };
  revert: () => void;
}

/** Calendar events from the agenda's rows (the row format is defined once, on `AgendaRow` in Rust). */
function toEvents(page: AgendaPage) {
  const at = (minutes: number) => wallString(toWall(new Date(minutes * 60_000).toISOString()));
  return page.rows.map(([id, podiatristId, start, end, status, patient, reason, flags]: AgendaRow) => {
    const open = status === "scheduled" || status === "confirmed";
    return {
      id,
      resourceIds: [podiatristId],
      start: at(start),
      end: at(end),
      title: `${flags & AGENDA_AT_RISK ? "⚠ " : ""}${patient} · ${reason} · ${t(`status.${status}`)}${flags & AGENDA_PENDING ? ` · ${t("outbox.pendingMark")}` : ""}`,
      editable: open,
      classNames: [`status-${status}`, ...(flags & AGENDA_PENDING ? ["pending"] : [])],
      extendedProps: { id, podiatristId },
    };
  });
}
