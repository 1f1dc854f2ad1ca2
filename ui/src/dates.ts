// Calendar dates as the clinic writes them: dd/mm/aaaa in es-MX, mm/dd/yyyy in English, whatever
// the operating system's locale says. No imports, so the rules are tested alone (tests/dates.test.mjs).

/** The order of day and month in a typed date. */
export type DateOrder = "dmy" | "mdy";

export function dateOrder(language: string): DateOrder {
  return language === "en" ? "mdy" : "dmy";
}

/** "2026-03-15" as "15/03/2026" (dmy) or "03/15/2026" (mdy); "" for no date. */
export function formatIsoDate(iso: string, order: DateOrder): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) return "";
  const [, y, mo, d] = m;
  return order === "dmy" ? `${d}/${mo}/${y}` : `${mo}/${d}/${y}`;
}

/**
 * A typed date as "YYYY-MM-DD", or null when it is not a whole, real date. Day and month take one or
 * two digits, the year four (a two-digit year is refused: a birth date's century cannot be guessed);
 * "/", "-", "." or spaces separate them. An ISO date is taken as it is.
 */
export function parseDate(text: string, order: DateOrder): string | null {
  const s = text.trim();
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(s);
  const typed = /^(\d{1,2})[/.\- ]+(\d{1,2})[/.\- ]+(\d{4})$/.exec(s);
  let y: number, mo: number, d: number;
  if (iso) [y, mo, d] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
  else if (typed) {
    const [a, b] = [Number(typed[1]), Number(typed[2])];
    [d, mo] = order === "dmy" ? [a, b] : [b, a];
    y = Number(typed[3]);
  } else return null;
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (y < 1000 || date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return null;
  return date.toISOString().slice(0, 10);
}
