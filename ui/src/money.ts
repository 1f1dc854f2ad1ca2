// Money is integer cents everywhere; these are the only conversions to and from what staff type
// and read. Formatting goes through Intl with the clinic's currency.
import { PAYMENT_METHODS } from "./bindings";
import { language } from "./i18n";

/** The payment methods, in the order every screen lists them (the Rust enum's order). */
export const METHODS = PAYMENT_METHODS;

let currency = "MXN";
export function setCurrency(code: string): void {
  currency = code;
}

/** "$1,234.50" for 123450 cents. */
export function formatMoney(cents: number): string {
  return new Intl.NumberFormat(language(), { style: "currency", currency }).format(cents / 100);
}

/**
 * Cents from what was typed: "350", "350.5", "1,234.50", "$99". Null when it is not an amount
 * (more than two decimals, letters, empty). Never goes through floating point.
 */
export function parseMoney(text: string): number | null {
  const clean = text.replace(/[\s$,]/g, "");
  const m = /^(-?)(\d{1,9})(?:\.(\d{1,2}))?$/.exec(clean);
  if (!m) return null;
  const cents = Number(m[2]) * 100 + Number((m[3] ?? "").padEnd(2, "0"));
  return m[1] === "-" ? -cents : cents;
}

/** The value an amount field starts with, e.g. "1234.50". */
export function moneyInput(cents: number): string {
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}
