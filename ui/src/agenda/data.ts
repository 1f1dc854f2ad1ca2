// The agenda's rows for a range, shared by the calendar grid and the compact week: the last answer
// for each range is kept and shown (with its age) when the database cannot be reached.
import { AGENDA_AT_RISK, AGENDA_NO_ANSWER, AGENDA_PENDING, type AgendaPage, type AgendaRow } from "../bindings";
import { call, commands, errorText } from "../api";
import { t } from "../i18n";
import { toWall } from "../clinicTime";

const cache = new Map<string, { at: number; data: AgendaPage }>();

export interface AgendaFeedback {
  onError: (message: string | null) => void;
  onCacheAge: (ageMs: number | null) => void;
}

/** The rows of [from, to) for these podiatrists (all when null), or the cached ones when offline. */
export async function loadAgenda(from: string, to: string, podiatristIds: string[] | null, say: AgendaFeedback): Promise<AgendaRow[]> {
  const key = `${from}|${to}|${podiatristIds?.join(",") ?? "*"}`;
  try {
    const data = await call(commands.listAgenda(from, to, podiatristIds));
    cache.set(key, { at: Date.now(), data });
    say.onCacheAge(null);
    say.onError(null);
    return data.rows;
  } catch (e) {
    const cached = cache.get(key);
    say.onError(errorText(e));
    say.onCacheAge(cached ? Date.now() - cached.at : null);
    return cached?.data.rows ?? [];
  }
}

/** One appointment row unpacked (its format is defined once, on `AgendaRow` in Rust). */
export interface AgendaItem {
  id: string;
  podiatristId: string;
  /** Wall-clock start and end (UTC fields carry the clinic's local time). */
  start: Date;
  end: Date;
  status: AgendaRow[4];
  patient: string;
  reason: string;
  atRisk: boolean;
  pending: boolean;
  /** Reminded, and the patient did not answer. */
  noAnswer: boolean;
}

export function unpack([id, podiatristId, start, end, status, patient, reason, flags]: AgendaRow): AgendaItem {
  const wall = (minutes: number) => toWall(new Date(minutes * 60_000).toISOString());
  return {
    id,
    podiatristId,
    start: wall(start),
    end: wall(end),
    status,
    patient,
    reason,
    atRisk: (flags & AGENDA_AT_RISK) !== 0,
    pending: (flags & AGENDA_PENDING) !== 0,
    noAnswer: (flags & AGENDA_NO_ANSWER) !== 0,
  };
}

/** The marks after a name, spelled out: for tooltips and screen readers. */
export function itemNotes(item: AgendaItem): string[] {
  return [
    t(`status.${item.status}`),
    ...(item.atRisk ? [t("agenda.riskExplained")] : []),
    ...(item.pending ? [t("outbox.pendingMark")] : []),
    ...(item.noAnswer ? [t("reminders.noAnswerMark")] : []),
  ];
}

/** An appointment's label in full: patient, reason, and what its marks mean. */
export function itemLabel(item: AgendaItem): string {
  return [item.patient, item.reason, ...itemNotes(item)].filter(Boolean).join(" · ");
}
