import { useEffect, useRef, useState } from "preact/hooks";
import { call, commands } from "../api";
import type { Value } from "../bindings";

/** The forms that keep drafts (`podoclinic_desk::store::drafts::FORMS`). */
export type DraftForm = "visit" | "patient" | "charge" | "expense";

/** Saves a form as it is typed (after a short pause, only once it differs from how it opened), and
 * on opening brings back what this user left in it: after an idle lock, an expired session, a
 * crash or a restart. `restored` is when the draft brought back was saved; `clear()` after the
 * form is saved or abandoned. */
export function useDraft<T>(form: DraftForm, subject: string, value: T, restore: (kept: T) => void, enabled = true) {
  const [restored, setRestored] = useState<string | null>(null);
  const opened = useRef<string | null>(null);
  const text = JSON.stringify(value);
  useEffect(() => {
    if (!enabled) return;
    let live = true;
    opened.current = null;
    call(commands.getDraft(form, subject)).then(
      (draft) => {
        if (!live) return;
        opened.current = draft ? JSON.stringify(draft.body) : text;
        if (draft) {
          restore(draft.body as T);
          setRestored(draft.savedAt);
        }
      },
      () => {
        if (live) opened.current = text;
      },
    );
    return () => {
      live = false;
    };
  }, [form, subject, enabled]);
  useEffect(() => {
    if (!enabled || opened.current === null || text === opened.current) return;
    const timer = window.setTimeout(() => void call(commands.saveDraft(form, subject, value as Value)).catch(() => undefined), 600);
    return () => window.clearTimeout(timer);
  }, [text, enabled]);
  const clear = () => {
    opened.current = text;
    setRestored(null);
    return call(commands.clearDraft(form, subject)).catch(() => undefined);
  };
  return { restored, clear };
}
