import type { ComponentChildren } from "preact";
import { Suspense } from "preact/compat";
import { useEffect, useRef, useState } from "preact/hooks";
import { errorField, errorText, onDataChanged } from "../api";
import type { DataChanged } from "../bindings";
import { t } from "../i18n";
import { lazyNamed } from "../screens/lazy";

// The date picker's script comes with the first form that has a date, not with the sign-in screen.
const DateInput = lazyNamed(() => import("./DateInput"), "DateInput");

/** Runs a submit handler with busy and error state; the error names its field. */
export function useSubmit<A extends unknown[]>(action: (...args: A) => Promise<void>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = async (...args: A) => {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await action(...args);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run, field: errorField(error), message: error ? errorText(error) : null, clear: () => setError(null) };
}

interface FieldProps {
  name: string;
  label?: string;
  value: string;
  onInput: (value: string) => void;
  type?: string;
  invalid?: boolean;
  autoFocus?: boolean;
  autoComplete?: string;
  hint?: string;
  required?: boolean;
  /** The longest text the field takes (`TEXT_LIMITS`, the number Rust and the database hold). */
  maxLength?: number | undefined;
  disabled?: boolean;
}

export function Field(p: FieldProps) {
  // The autofocus attribute only acts on page load; screens here mount later.
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (p.autoFocus) input.current?.focus();
  }, []);
  return (
    <label class={p.invalid ? "field invalid" : "field"}>
      <span>{p.label ?? t(`fields.${p.name}`)}</span>
      {p.type === "date" ? (
        // Its own boundary: while the picker's script loads, only this field waits (a boundary
        // further up would unmount the whole form, and what was typed in it).
        <Suspense fallback={<input disabled placeholder={t("common.datePattern")} />}>
          <DateInput value={p.value} onInput={p.onInput} name={p.name} id={`field-${p.name}`} invalid={p.invalid ?? false} disabled={p.disabled ?? false} test={`field-${p.name}`} />
        </Suspense>
      ) : (
        <input
          ref={input}
          name={p.name}
          id={`field-${p.name}`}
          type={p.type ?? "text"}
          value={p.value}
          autoComplete={p.autoComplete ?? "off"}
          required={p.required ?? false}
          maxLength={p.maxLength}
          aria-invalid={p.invalid ?? false}
          disabled={p.disabled ?? false}
          onInput={(e) => p.onInput((e.target as HTMLInputElement).value)}
        />
      )}
      {p.hint ? <small>{p.hint}</small> : null}
    </label>
  );
}

export function ErrorBox({ message }: { message: string | null }) {
  return message ? (
    <p class="error" role="alert" data-test="form-error">
      {message}
    </p>
  ) : null;
}

export function Card({ title, children }: { title: string; children: ComponentChildren }) {
  return (
    <section class="card">
      <h2>{title}</h2>
      {children}
    </section>
  );
}

/** A form that submits on Enter without reloading the page. */
export function Form(p: { onSubmit: () => void; children: ComponentChildren; test?: string; class?: string }) {
  return (
    <form
      class={p.class}
      data-test={p.test}
      onSubmit={(e) => {
        e.preventDefault();
        p.onSubmit();
      }}
    >
      {p.children}
    </form>
  );
}

/** Loads data on mount, when `deps` change and on `reload`, with the error as a sentence. Only
 * the latest request's answer is kept, so a slow earlier one never overwrites it. With `topics`,
 * it loads again whenever any desk changes one of them (and after a reconnect). */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[] = [], topics: DataChanged["topic"][] = []) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const latest = useRef(0);
  const reload = async () => {
    const ticket = ++latest.current;
    try {
      const value = await load();
      if (ticket !== latest.current) return;
      setData(value);
      setError(null);
    } catch (e) {
      if (ticket === latest.current) setError(errorText(e));
    }
  };
  // With topics, listening comes first and loading second: a change another desk makes while the
  // listener is being placed is in what is loaded, not missed until the next one.
  useEffect(() => {
    if (topics.length === 0) return void reload();
    return onDataChanged(topics, () => void reload(), () => void reload());
  }, [...deps, topics.join()]);
  return { data, error, reload };
}

/** What a screen shows until its data is there: the load error, or "loading". */
export function Pending({ error }: { error: string | null }) {
  return error ? <ErrorBox message={error} /> : <p>{t("common.loading")}</p>;
}

/** A form's submit button (`label`, `data-test` = `test`) beside "Cancelar". */
export function SubmitOrCancel(p: { label: string; test: string; disabled: boolean; onCancel: () => void }) {
  return (
    <div class="row">
      <button type="submit" data-test={p.test} disabled={p.disabled}>
        {p.label}
      </button>
      <button type="button" class="secondary" onClick={p.onCancel}>
        {t("common.cancel")}
      </button>
    </div>
  );
}
