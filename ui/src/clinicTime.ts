// The calendar works in "wall-clock" dates: a Date whose UTC fields are the clinic's local time.
// These convert between those and real instants in the clinic's IANA zone (rules in wallClock.ts).
import { getClinicTimeZone } from "./i18n";
import { type Instant, instantIn, wallIn } from "./wallClock";

export { endAfter } from "./wallClock";

/** An instant as the clinic's wall clock (UTC fields carry local time). */
export function toWall(iso: string): Date {
  return wallIn(iso, getClinicTimeZone());
}

/** A wall-clock date back to the instant it names, saying whether it had to move (spring forward). */
export function fromWallChecked(wall: Date): Instant {
  return instantIn(wall, getClinicTimeZone());
}

/** A wall-clock date back to the instant it names (ISO string, UTC). */
export function fromWall(wall: Date): string {
  return fromWallChecked(wall).iso;
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
