// The calendar works in "wall-clock" dates: a Date whose UTC fields are the clinic's local time.
// These convert between those and real instants, using the clinic's IANA zone (DST-safe).
import { getClinicTimeZone } from "./i18n";

// One formatter per zone: making one costs far more than using it, and a week of a large clinic
// converts thousands of times.
let formatter: { zone: string; format: Intl.DateTimeFormat } | null = null;

function offsetMinutes(at: Date): number {
  const zone = getClinicTimeZone();
  if (formatter?.zone !== zone) {
    formatter = {
      zone,
      format: new Intl.DateTimeFormat("en-US", {
        timeZone: zone,
        hourCycle: "h23",
        year: "numeric",
        month: "2-digit",
        day: "2-digit",
        hour: "2-digit",
        minute: "2-digit",
        second: "2-digit",
      }),
    };
  }
  const parts = formatter.format.formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const asUtc = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  return Math.round((asUtc - at.getTime()) / 60_000);
}

/** An instant as the clinic's wall clock (UTC fields carry local time). */
export function toWall(iso: string): Date {
  const at = new Date(iso);
  return new Date(at.getTime() + offsetMinutes(at) * 60_000);
}

/** A wall-clock date back to the instant it names (ISO string, UTC). */
export function fromWall(wall: Date): string {
  const guess = wall.getTime();
  const first = offsetMinutes(new Date(guess));
  let instant = guess - first * 60_000;
  const second = offsetMinutes(new Date(instant));
  if (second !== first) instant = guess - second * 60_000;
  return new Date(instant).toISOString();
}

/** "YYYY-MM-DDTHH:mm:ss" of a wall-clock date, as the calendar parses it (floating time). */
export function wallString(wall: Date): string {
  return wall.toISOString().slice(0, 19);
}

/** Today's date in the clinic, as a wall-clock date at midnight. */
export function wallToday(): Date {
  const now = toWall(new Date().toISOString());
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}

/** Today's date in the clinic as "YYYY-MM-DD". */
export function clinicToday(): string {
  return wallToday().toISOString().slice(0, 10);
}
