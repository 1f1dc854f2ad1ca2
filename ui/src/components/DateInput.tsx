// A date field that shows and takes the clinic's format (dd/mm/aaaa in es-MX, following the UI's
// language, not the operating system's), typed or picked from a month (air-datepicker, MIT). The
// value in and out is ISO "YYYY-MM-DD", or "" when empty or not yet a whole date.
import { useEffect, useRef, useState } from "preact/hooks";
import AirDatepicker from "air-datepicker";
import "air-datepicker/air-datepicker.css";
import type { AirDatepickerLocale } from "air-datepicker";
import en from "air-datepicker/locale/en";
import es from "air-datepicker/locale/es";
import { dateOrder, formatIsoDate, parseDate } from "../dates";
import { language, t } from "../i18n";

interface Props {
  value: string;
  onInput: (iso: string) => void;
  name?: string;
  id?: string;
  min?: string;
  max?: string;
  invalid?: boolean;
  disabled?: boolean;
  /** For a field without a visible label (toolbars): what it is. */
  label?: string;
  test?: string;
}

// The locales are CommonJS modules with a `default` export: the bundler may hand over either.
const unwrap = (l: AirDatepickerLocale | { default: AirDatepickerLocale }) => ("default" in l ? l.default : l);
const localeEs = unwrap(es);
const localeEn = unwrap(en);

/** The picker's days are local-midnight Dates; the field's value is the calendar date alone. */
const isoOf = (d: Date) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
const localOf = (iso: string) => {
  const [y, m, d] = iso.split("-").map(Number);
  return new Date(y ?? 1970, (m ?? 1) - 1, d ?? 1);
};

export function DateInput(p: Props) {
  const order = dateOrder(language());
  const input = useRef<HTMLInputElement>(null);
  const picker = useRef<AirDatepicker | null>(null);
  const [text, setText] = useState(formatIsoDate(p.value, order));
  const [bad, setBad] = useState(false);
  const props = useRef(p);
  props.current = p;

  // A value set from outside (a loaded record, a reset form) replaces what is shown. A change that
  // came from typing here is already shown: touching the field then would eat keystrokes.
  useEffect(() => {
    if (parseDate(text, order) === (p.value || null)) return;
    setText(formatIsoDate(p.value, order));
    setBad(false);
    if (p.value) void picker.current?.selectDate(localOf(p.value), { silent: true });
    else picker.current?.clear({ silent: true });
  }, [p.value]);

  useEffect(() => {
    if (!input.current) return;
    const dp = new AirDatepicker(input.current, {
      locale: order === "dmy" ? localeEs : localeEn,
      dateFormat: (d: Date) => formatIsoDate(isoOf(d), order),
      firstDay: 1,
      autoClose: true,
      toggleSelected: false, // a click on the chosen day keeps it (it would clear the field)
      keyboardNav: false, // typing goes to the field; the month is for the mouse
      position: "bottom left",
      selectedDates: p.value ? [localOf(p.value)] : [],
      minDate: p.min ? localOf(p.min) : false,
      maxDate: p.max ? localOf(p.max) : false,
      buttons: ["today"],
      onSelect: ({ date }) => {
        const day = Array.isArray(date) ? date[0] : date;
        const iso = day ? isoOf(day) : "";
        setText(formatIsoDate(iso, order));
        setBad(false);
        props.current.onInput(iso);
      },
    });
    picker.current = dp;
    return () => {
      dp.destroy();
      picker.current = null;
    };
  }, [order, p.min, p.max]);

  const typed = (value: string) => {
    setText(value);
    const iso = parseDate(value, order);
    setBad(value.trim() !== "" && iso === null);
    if (iso) {
      // A whole date typed: the month shows it, then steps aside for what comes next.
      void picker.current?.selectDate(localOf(iso), { silent: true });
      picker.current?.hide();
    }
    p.onInput(iso ?? "");
  };

  return (
    <input
      ref={input}
      class={p.invalid || bad ? "date-input invalid" : "date-input"}
      name={p.name}
      id={p.id}
      value={text}
      inputMode="numeric"
      autoComplete="off"
      placeholder={t("common.datePattern")}
      title={bad ? t("common.invalidDate") : t("common.datePattern")}
      aria-label={p.label}
      aria-invalid={p.invalid || bad}
      disabled={p.disabled ?? false}
      data-test={p.test}
      onInput={(e) => typed((e.target as HTMLInputElement).value)}
    />
  );
}
