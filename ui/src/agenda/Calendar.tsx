// The calendar grid (vkurko/calendar, MIT): the day with one column per podiatrist, or one
// podiatrist's week. Drag to reschedule, click an empty slot to book, click an appointment for its
// details. All podiatrists' week is the compact list in WeekList.tsx.
import { useEffect, useRef } from "preact/hooks";
import { createCalendar, destroyCalendar, Interaction, ResourceTimeGrid, TimeGrid } from "@event-calendar/core";
import "@event-calendar/core/index.css";
import type { Appointment, Podiatrist } from "../bindings";
import { call, commands, errorText } from "../api";
import { endAfter, fromWall, fromWallChecked, wallString, wallToday } from "../clinicTime";
import { language, t } from "../i18n";
import { type AgendaFeedback, type AgendaItem, itemLabel, loadAgenda, unpack } from "./data";

export interface CalendarHandle {
  refetch(): void;
}

/** A click on an empty slot: the podiatrist, the instant, and whether the clock's jump moved it. */
export interface SlotPick {
  podiatristId: string;
  startsAt: string;
  moved: boolean;
}

interface Props extends AgendaFeedback {
  /** The columns: every podiatrist for the day, exactly one for the week. */
  podiatrists: Podiatrist[];
  view: "day" | "week";
  onSlot: (pick: SlotPick) => void;
  onPick: (a: Appointment) => void;
  handle: (h: CalendarHandle) => void;
}

export function Calendar(p: Props) {
  const el = useRef<HTMLDivElement>(null);
  const props = useRef(p);
  props.current = p;
  const columns = p.podiatrists.filter((d) => d.active);
  const week = p.view === "week";
  const only = week ? columns[0] : undefined;

  useEffect(() => {
    if (!el.current) return;
    const ec = createCalendar(el.current, [ResourceTimeGrid, TimeGrid, Interaction], {
      view: week ? "timeGridWeek" : "resourceTimeGridDay",
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
      // A week's columns are narrow: an appointment shows its start, its length is its height.
      displayEventEnd: !week,
      dayHeaderFormat: week ? { weekday: "short", day: "numeric", month: "numeric" } : { weekday: "long", day: "numeric", month: "long" },
      resources: columns.map((d) => ({ id: d.id, title: d.name, eventBackgroundColor: d.color })),
      eventSources: [
        {
          events: async (info: { start: Date; end: Date }) => {
            const rows = await loadAgenda(fromWall(info.start), fromWall(info.end), columns.map((d) => d.id), props.current);
            return rows.map((row) => toEvent(unpack(row), columns));
          },
        },
      ],
      eventDidMount: (info: { el: HTMLElement; event: { extendedProps: Record<string, unknown> } }) => {
        // The full label, marks spelled out, for a hover and for screen readers.
        const label = String(info.event.extendedProps["label"] ?? "");
        info.el.title = label;
        info.el.setAttribute("aria-label", label);
      },
      dateClick: (info: { date: Date; resource?: { id: string | number } }) => {
        const podiatristId = info.resource ? String(info.resource.id) : only?.id;
        if (!podiatristId) return;
        const at = fromWallChecked(info.date);
        props.current.onSlot({ podiatristId, startsAt: at.iso, moved: at.moved });
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
      const start = fromWallChecked(info.event.start);
      if (start.moved) {
        // Dropped on a time the clock skips that day: nothing is moved.
        info.revert();
        props.current.onError(t("agenda.timeSkipped"));
        return;
      }
      try {
        await call(
          commands.rescheduleAppointment({
            id,
            podiatristId,
            startsAt: start.iso,
            // The length shown on the grid is the length kept, across a change of clock too.
            endsAt: endAfter(start.iso, info.event.start, info.event.end),
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
  }, [p.view, columns.map((d) => `${d.id}${d.name}${d.color}`).join("|")]);

  return <div class={week ? "calendar week" : "calendar"} ref={el} data-test="calendar" data-view={p.view} />;
}

interface DropInfo {
  event: { start: Date; end: Date; extendedProps: Record<string, unknown> };
  newResource?: { id: string | number };
  revert: () => void;
}

function toEvent(item: AgendaItem, columns: Podiatrist[]) {
  const open = item.status === "scheduled" || item.status === "confirmed";
  const label = itemLabel(item);
  return {
    id: item.id,
    resourceIds: [item.podiatristId],
    start: wallString(item.start),
    end: wallString(item.end),
    title: `${item.atRisk ? "⚠ " : ""}${label}`,
    editable: open,
    backgroundColor: columns.find((d) => d.id === item.podiatristId)?.color,
    classNames: [`status-${item.status}`, ...(item.pending ? ["pending"] : []), ...(item.noAnswer ? ["no-answer"] : [])],
    extendedProps: { id: item.id, podiatristId: item.podiatristId, label },
  };
}
