// Wall-clock dates in a named IANA zone, with no other import so the rules can be tested alone
// (ui/tests/wallClock.test.mjs). A "wall" Date carries local time in its UTC fields: the calendar
// works in those (it runs in UTC), the database in real instants.

// One formatter per zone: making one costs far more than using it, and a week of a large clinic
// converts thousands of times.
let formatter: { zone: string; format: Intl.DateTimeFormat } | null = null;

/** The zone's offset from UTC at an instant, in minutes (east positive). */
export function offsetMinutes(at: Date, zone: string): number {
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
  return Math.round((asUtc - (at.getTime() - at.getMilliseconds())) / 60_000);
}

/** An instant as the zone's wall clock. */
export function wallIn(iso: string, zone: string): Date {
  const at = new Date(iso);
  return new Date(at.getTime() + offsetMinutes(at, zone) * 60_000);
}

/** The instant a wall-clock time names, and whether it had to be moved to exist. */
export interface Instant {
  iso: string;
  /** The time does not exist that day (the clock jumps over it): it was moved forward by the jump. */
  moved: boolean;
}

const DAY = 86_400_000;

/**
 * A wall-clock time back to an instant. A time the clock shows twice (the hour repeated when it
 * falls back) is its first occurrence. A time the clock skips (when it springs forward) does not
 * exist: it is moved forward by the jump (02:30 becomes 03:30) and `moved` says so.
 */
export function instantIn(wall: Date, zone: string): Instant {
  const guess = wall.getTime();
  // The offsets in force a day either side: a change of clock falls between them, if any.
  const before = offsetMinutes(new Date(guess - DAY), zone);
  const after = offsetMinutes(new Date(guess + DAY), zone);
  const candidates = [...new Set([guess - before * 60_000, guess - after * 60_000])]
    .filter((at) => at + offsetMinutes(new Date(at), zone) * 60_000 === guess)
    .sort((a, b) => a - b);
  const at = candidates[0];
  if (at !== undefined) return { iso: new Date(at).toISOString(), moved: false };
  return { iso: new Date(guess - before * 60_000).toISOString(), moved: true };
}

/**
 * The end of an appointment that starts at `startIso` and lasts what the wall clock shows between
 * `wallStart` and `wallEnd` (what was typed or dragged): the length is kept across a change of clock,
 * so an hour booked at 01:30 on the day the clock falls back is an hour, not two.
 */
export function endAfter(startIso: string, wallStart: Date, wallEnd: Date): string {
  return new Date(new Date(startIso).getTime() + (wallEnd.getTime() - wallStart.getTime())).toISOString();
}
