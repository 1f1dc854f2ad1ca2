import { useEffect, useState } from "preact/hooks";
import {
  APPOINTMENT_IMPORT_FIELDS,
  IMPORT_FIELDS,
  events,
  type AppointmentField,
  type ImportKind,
  type ImportMapping,
  type ImportProgress,
  type ImportReport,
  type PatientField,
  type PickedFile,
  type SheetPreview,
} from "../bindings";
import { call, commands } from "../api";
import { chosen } from "../options";
import { DocumentLink } from "../components/Document";
import { Card, ErrorBox, useSubmit } from "../components/Form";
import { t } from "../i18n";

/** The mapping of `kind` that the file's headers suggest. */
function suggested(preview: SheetPreview, kind: ImportKind): ImportMapping {
  return kind === "patients"
    ? { kind, columns: preview.suggested }
    : { kind, columns: preview.suggestedAppointments };
}

/** `mapping` with column `i` set to the field `value` names (or to none). */
function remapped(mapping: ImportMapping, i: number, value: string): ImportMapping {
  if (mapping.kind === "patients") {
    const columns: (PatientField | null)[] = [...mapping.columns];
    columns[i] = chosen(IMPORT_FIELDS, value);
    return { kind: "patients", columns };
  }
  const columns: (AppointmentField | null)[] = [...mapping.columns];
  columns[i] = chosen(APPOINTMENT_IMPORT_FIELDS, value);
  return { kind: "appointments", columns };
}

/** "Importar": a spreadsheet of patients or of appointments (CSV or XLSX) read, its columns
 *  mapped to fields, a dry run that counts new rows, likely duplicates and errors, then the import
 *  with a progress bar. */
export function ImportTab() {
  // The file picked in the system's dialog: its token and name (the desk keeps its path).
  const [file, setFile] = useState<PickedFile | null>(null);
  const [preview, setPreview] = useState<SheetPreview | null>(null);
  const [mapping, setMapping] = useState<ImportMapping>({ kind: "patients", columns: [] });
  const [dry, setDry] = useState<ImportReport | null>(null);
  const [done, setDone] = useState<ImportReport | null>(null);
  // While an import runs, the file and what it holds stay as they are.
  const [running, setRunning] = useState(false);
  const read = useSubmit(async () => {
    const picked = await call(commands.pickFile("spreadsheet", t("import.pickTitle")));
    if (!picked) return;
    // Another file: its columns are read anew, and nothing of the file before stays on screen
    // (its check's counts would offer to import this one).
    setFile(picked);
    setPreview(null);
    setDry(null);
    setDone(null);
    const found = await call(commands.previewImport(picked.token));
    setPreview(found);
    setMapping(suggested(found, found.kind));
  });
  const check = useSubmit(async () => {
    if (file) setDry(await call(commands.dryRunImport(file.token, mapping)));
  });
  const remap = (i: number, value: string) => {
    setMapping(remapped(mapping, i, value));
    setDry(null);
  };
  const rekind = (kind: ImportKind) => {
    if (preview) setMapping(suggested(preview, kind));
    setDry(null);
    setDone(null);
  };
  const fields: readonly string[] = mapping.kind === "patients" ? IMPORT_FIELDS : APPOINTMENT_IMPORT_FIELDS;
  const label = mapping.kind === "patients" ? "import.fields" : "import.appointmentFields";
  return (
    <div class="stack">
      <Card title={t("import.title")}>
        <p class="hint">{t("import.body")}</p>
        <div class="row" data-test="import-file">
          <span data-test="import-file-name">{file ? file.fileName : t("import.noFile")}</span>
          <button type="button" data-test="import-pick" disabled={read.busy || running} onClick={() => void read.run()}>
            {t("import.read")}
          </button>
        </div>
        <ErrorBox message={read.message} />
      </Card>
      {preview ? (
        <Card title={t("import.mapping", { rows: preview.rows })}>
          <label class="field">
            <span>{t("import.kind")}</span>
            <select data-test="import-kind" value={mapping.kind} disabled={running} onChange={(e) => rekind((e.target as HTMLSelectElement).value === "appointments" ? "appointments" : "patients")}>
              <option value="patients">{t("import.kinds.patients")}</option>
              <option value="appointments">{t("import.kinds.appointments")}</option>
            </select>
          </label>
          {mapping.kind === "appointments" ? <p class="hint">{t("import.appointmentsHint")}</p> : null}
          <div class="table-scroll">
            <table class="list" data-test="import-preview">
              <thead>
                <tr>
                  {preview.headers.map((h, i) => (
                    <th key={i}>
                      <div>{h}</div>
                      <select data-test={`map-${i}`} value={mapping.columns[i] ?? ""} onChange={(e) => remap(i, (e.target as HTMLSelectElement).value)}>
                        <option value="">{t("import.skip")}</option>
                        {fields.map((f) => (
                          <option key={f} value={f}>
                            {t(`${label}.${f}`)}
                          </option>
                        ))}
                      </select>
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {preview.sample.slice(0, 5).map((row, r) => (
                  <tr key={r}>
                    {row.map((cell, c) => (
                      <td key={c}>{cell}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <ErrorBox message={check.message} />
          <button type="button" data-test="import-dry-run" disabled={check.busy} onClick={() => void check.run()}>
            {check.busy ? t("import.checking") : t("import.dryRun")}
          </button>
          {dry ? <Report report={dry} kind={mapping.kind} finished={false} /> : null}
          {file && dry && dry.new > 0 && !done ? <Run file={file.token} mapping={mapping} onDone={setDone} onRunning={setRunning} /> : null}
          {done ? <Report report={done} kind={mapping.kind} finished /> : null}
        </Card>
      ) : null}
    </div>
  );
}

/** The count texts of each kind (Spanish agrees them with the noun). */
const COUNTS = {
  patients: { new: "import.new", imported: "import.imported", cancelledAfter: "import.cancelledAfter" },
  appointments: {
    new: "import.newAppointments",
    imported: "import.importedAppointments",
    cancelledAfter: "import.cancelledAfterAppointments",
  },
} as const;

function Report({ report, kind, finished }: { report: ImportReport; kind: ImportKind; finished: boolean }) {
  const counts = COUNTS[kind];
  return (
    <div data-test={finished ? "import-done" : "import-report"}>
      <ul class="counts">
        {finished ? (
          <li data-test="count-imported">{t(report.cancelled ? counts.cancelledAfter : counts.imported, { n: report.imported })}</li>
        ) : (
          <li data-test="count-new">{t(counts.new, { n: report.new })}</li>
        )}
        <li data-test="count-duplicates">{t("import.duplicates", { n: report.duplicates })}</li>
        <li data-test="count-already">{t("import.already", { n: report.already })}</li>
        <li data-test="count-errors" class={report.errors > 0 ? "risk" : ""}>
          {t("import.errors", { n: report.errors })}
        </li>
      </ul>
      {report.problems.length > 0 ? (
        <details>
          <summary>{t("import.problems")}</summary>
          <table class="list">
            <tbody>
              {report.problems.map((p) => (
                <tr key={p.row}>
                  <td class="num">{t("import.row", { row: p.row })}</td>
                  <td>{p.field ? `${t(`fields.${p.field}`)}: ${t(`errors.${p.key}`)}` : t(`errors.${p.key}`)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      ) : null}
      <DocumentLink doc={report.rejected} />
    </div>
  );
}

/** The import itself: a progress bar with counts and the time left, and a cancel that stops
 *  between two batches (a batch is written whole or not at all). */
function Run({
  file,
  mapping,
  onDone,
  onRunning,
}: {
  /** The picked file's token. */
  file: string;
  mapping: ImportMapping;
  onDone: (r: ImportReport) => void;
  onRunning: (running: boolean) => void;
}) {
  const [progress, setProgress] = useState<ImportProgress | null>(null);
  useEffect(() => {
    const listening = events.importProgressed.listen((event) => setProgress(event.payload));
    return () => void listening.then((stop) => stop());
  }, []);
  const run = useSubmit(async () => onDone(await call(commands.runImport(file, mapping))));
  // Unmounted as its report shows (still busy then): running ends with it.
  useEffect(() => {
    onRunning(run.busy);
    return () => onRunning(false);
  }, [run.busy]);
  const cancel = useSubmit(async () => {
    await call(commands.cancelImport());
  });
  return (
    <div data-test="import-run">
      {run.busy && progress ? (
        <div>
          <progress max={progress.total} value={progress.done} data-test="import-progress" />
          <span>
            {t("import.progress", { done: progress.done, total: progress.total })}
            {progress.etaSeconds !== null ? ` · ${t("import.eta", { s: progress.etaSeconds })}` : ""}
          </span>
        </div>
      ) : null}
      <ErrorBox message={run.message ?? cancel.message} />
      <div class="row">
        <button type="button" data-test="import-start" disabled={run.busy} onClick={() => void run.run()}>
          {run.busy ? t("import.running") : t("import.start")}
        </button>
        {run.busy ? (
          <button type="button" class="secondary" data-test="import-cancel" onClick={() => void cancel.run()}>
            {t("common.cancel")}
          </button>
        ) : null}
      </div>
    </div>
  );
}
