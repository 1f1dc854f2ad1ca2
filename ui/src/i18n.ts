// The one string catalog: es-MX by default, English on request. Dates and money go through Intl.
import i18next from "i18next";
import esMX from "./locales/es-MX.json";
import { dateOrder, formatIsoDate } from "./dates";

export const LANGUAGES = ["es-MX", "en"] as const;
export type Language = (typeof LANGUAGES)[number];

function initialLanguage(): Language {
  const stored = localStorage.getItem("podoclinic.lang");
  return stored === "en" ? "en" : "es-MX";
}

/** English is fetched only by a desk that uses it (a script of its own). */
async function english() {
  return (await import("./locales/en.json")).default;
}

const first = initialLanguage();
await i18next.init({
  lng: first,
  fallbackLng: "es-MX",
  resources: { "es-MX": { translation: esMX }, ...(first === "en" ? { en: { translation: await english() } } : {}) },
  interpolation: { escapeValue: false },
  returnNull: false,
});
document.documentElement.lang = i18next.language;

export function t(key: string, options?: Record<string, unknown>): string {
  return i18next.t(key, options ?? {});
}

export function language(): Language {
  return i18next.language === "en" ? "en" : "es-MX";
}

export async function setLanguage(lang: Language): Promise<void> {
  localStorage.setItem("podoclinic.lang", lang);
  if (lang === "en" && !i18next.hasResourceBundle("en", "translation")) i18next.addResourceBundle("en", "translation", await english());
  await i18next.changeLanguage(lang);
  document.documentElement.lang = lang;
}

let clinicTimeZone = "America/Mexico_City";
export function setClinicTimeZone(zone: string): void {
  clinicTimeZone = zone;
}
export function getClinicTimeZone(): string {
  return clinicTimeZone;
}

/** A timestamp in the clinic's time zone, as the clinic writes it: "28/11/2026, 14:05" in es-MX. */
export function formatDateTime(iso: string): string {
  return new Intl.DateTimeFormat(language(), {
    day: "2-digit",
    month: "2-digit",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
    timeZone: clinicTimeZone,
  }).format(new Date(iso));
}

/** An instant's date in the clinic's time zone: "28/11/2026" in es-MX. */
export function formatDate(iso: string): string {
  return new Intl.DateTimeFormat(language(), { day: "2-digit", month: "2-digit", year: "numeric", timeZone: clinicTimeZone }).format(new Date(iso));
}

/** A calendar date ("YYYY-MM-DD") as the clinic writes it: "05/03/2026" in es-MX. */
export function formatDay(isoDate: string): string {
  return formatIsoDate(isoDate, dateOrder(language())) || isoDate;
}

/** A time of day in the clinic's time zone, e.g. "14:05". */
export function formatTime(iso: string): string {
  return new Intl.DateTimeFormat(language(), { timeStyle: "short", timeZone: clinicTimeZone }).format(new Date(iso));
}

/** A date and time in the clinic's time zone, long enough to read back on the phone. */
export function formatWhen(iso: string): string {
  return new Intl.DateTimeFormat(language(), {
    weekday: "long",
    day: "numeric",
    month: "long",
    hour: "numeric",
    minute: "2-digit",
    timeZone: clinicTimeZone,
  }).format(new Date(iso));
}
