// Patient search as you type: arrows to move, Enter to pick. Used at the desk while on the phone.
import { useEffect, useRef, useState } from "preact/hooks";
import type { PatientSummary } from "../bindings";
import { call, commands, errorText } from "../api";
import { formatDay, t } from "../i18n";
import { RiskFlag } from "./Flags";

export function PatientPicker({ onPick, autoFocus }: { onPick: (p: PatientSummary) => void; autoFocus?: boolean }) {
  const [query, setQuery] = useState("");
  const [results, setResults] = useState<PatientSummary[]>([]);
  const [active, setActive] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const latest = useRef(0);

  useEffect(() => {
    if (autoFocus) input.current?.focus();
    const focusSearch = (e: KeyboardEvent) => {
      if (e.ctrlKey && e.key.toLowerCase() === "k") {
        e.preventDefault();
        input.current?.focus();
        input.current?.select();
      }
    };
    window.addEventListener("keydown", focusSearch);
    return () => window.removeEventListener("keydown", focusSearch);
  }, []);

  useEffect(() => {
    const ticket = ++latest.current;
    if (query.trim().length < 2) {
      setResults([]);
      return;
    }
    // A short pause so each keystroke does not hit the database; stale answers are dropped.
    const timer = window.setTimeout(() => {
      call(commands.searchPatients(query)).then(
        (found) => {
          if (ticket !== latest.current) return;
          setResults(found);
          setActive(0);
          setError(null);
        },
        (e) => ticket === latest.current && setError(errorText(e)),
      );
    }, 120);
    return () => window.clearTimeout(timer);
  }, [query]);

  const pick = (p: PatientSummary | undefined) => {
    if (!p) return;
    onPick(p);
    setQuery("");
    setResults([]);
  };

  return (
    <div class="picker">
      <input
        ref={input}
        type="search"
        data-test="patient-search"
        placeholder={t("patients.search")}
        value={query}
        onInput={(e) => setQuery((e.target as HTMLInputElement).value)}
        onKeyDown={(e) => {
          if (e.key === "ArrowDown") setActive(Math.min(active + 1, results.length - 1));
          else if (e.key === "ArrowUp") setActive(Math.max(active - 1, 0));
          else if (e.key === "Enter") {
            e.preventDefault();
            pick(results[active]);
          } else return;
          e.preventDefault();
        }}
      />
      {error ? <p class="error">{error}</p> : null}
      {results.length ? (
        <ul class="results" role="listbox">
          {results.map((p, i) => (
            <li
              key={p.id}
              role="option"
              aria-selected={i === active}
              class={i === active ? "active" : ""}
              data-test="patient-result"
              onMouseDown={(e) => {
                e.preventDefault();
                pick(p);
              }}
            >
              <strong>{p.fullName}</strong>
              <RiskFlag show={p.atRisk} />
              <small>
                {p.birthDate ? formatDay(p.birthDate) : ""} {p.phone}
              </small>
            </li>
          ))}
        </ul>
      ) : query.trim().length >= 2 ? (
        <p class="hint">{t("patients.noResults")}</p>
      ) : null}
    </div>
  );
}
