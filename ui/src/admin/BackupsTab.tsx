import { useState } from "preact/hooks";
import type { BackupHealth, BackupPreview, BackupRecord, BackupSettings, BackupSource, KeptDatabase, TypedLogin } from "../bindings";
import { call, commands } from "../api";
import { Card, ErrorBox, Field, Form, Pending, useLoad, useSubmit } from "../components/Form";
import { formatDateTime, t } from "../i18n";

/** "Respaldos": where and when backups are taken, the last ones and whether each was proven, and restore. */
export function BackupsTab() {
  const settings = useLoad(() => call(commands.getBackupSettings()));
  const list = useLoad(() => call(commands.listBackups()));
  const health = useLoad(() => call(commands.getBackupHealth()));
  const [restoring, setRestoring] = useState<Chosen | null>(null);
  const [restores, setRestores] = useState(0);
  if (!settings.data) return <Pending error={settings.error} />;
  const reload = () => {
    list.reload();
    health.reload();
  };
  return (
    <div class="stack">
      {health.data ? <LastVerified health={health.data} /> : null}
      {settings.data.toolsReady ? null : (
        <p class="warning" data-test="pg-dump-missing">
          {t("backups.toolsMissing", { major: settings.data.serverMajor })}
        </p>
      )}
      <SettingsForm initial={settings.data} onSaved={() => settings.reload()} />
      <BackupLogin />
      {settings.data.hasKey ? <RunNow onDone={reload} /> : null}
      {settings.data.hasKey ? <ProveKey onDone={reload} /> : null}
      <BackupList records={list.data ?? []} onRestore={setRestoring} />
      {settings.data.hasKey ? <Restore chosen={restoring} onChosen={setRestoring} onRestored={() => setRestores(restores + 1)} /> : null}
      <KeptDatabases key={restores} />
    </div>
  );
}

/** "Último respaldo verificado": red after 48 hours without one. Shared with the dashboard. */
export function LastVerified({ health }: { health: BackupHealth }) {
  const when = health.lastVerifiedAt ? formatDateTime(health.lastVerifiedAt) : t("backups.never");
  return (
    <p class={health.stale || health.lastFailed ? "backup-health stale" : "backup-health"} data-test="backup-health" data-stale={String(health.stale)}>
      <strong>{t("backups.lastVerified")}:</strong> {when}
      {health.lastFailed ? ` · ${t("backups.lastFailed")}` : null}
      {health.fileDiffers ? ` · ${t("backups.fileDiffers")}` : null}
      {!health.configured ? ` · ${t("backups.notConfigured")}` : null}
    </p>
  );
}

function SettingsForm({ initial, onSaved }: { initial: BackupSettings; onSaved: () => void }) {
  const [runnerDesk, setRunnerDesk] = useState(initial.runnerDesk ?? initial.thisDesk);
  const [folder, setFolder] = useState(initial.folder ?? "");
  const [dailyAt, setDailyAt] = useState(initial.dailyAt);
  const [enabled, setEnabled] = useState(initial.enabled);
  const [passphrase, setPassphrase] = useState("");
  const [passphraseAgain, setPassphraseAgain] = useState("");
  const [saved, setSaved] = useState(false);
  const save = useSubmit(async () => {
    await call(
      commands.saveBackupSettings({
        runnerDesk,
        folder,
        dailyAt,
        enabled,
        passphrase: passphrase === "" ? null : passphrase,
        passphraseAgain: passphraseAgain === "" ? null : passphraseAgain,
      }),
    );
    setPassphrase("");
    setPassphraseAgain("");
    setSaved(true);
    onSaved();
  });
  return (
    <Card title={t("backups.settings")}>
      <Form test="backup-settings" onSubmit={() => void save.run()}>
        <Field name="folder" value={folder} onInput={(v) => { setSaved(false); setFolder(v); }} invalid={save.field === "folder"} hint={t("backups.folderHint")} />
        <Field name="dailyAt" type="time" value={dailyAt} onInput={setDailyAt} invalid={save.field === "dailyAt"} />
        <Field name="runnerDesk" value={runnerDesk} onInput={setRunnerDesk} invalid={save.field === "runnerDesk"} hint={t("backups.runnerHint", { desk: initial.thisDesk })} />
        <label class="check">
          <input type="checkbox" name="enabled" checked={enabled} onChange={(e) => setEnabled((e.target as HTMLInputElement).checked)} />
          {t("backups.enabled")}
        </label>
        <p class="hint">{initial.hasKey ? t("backups.keyKept") : t("backups.keyFirst")}</p>
        <Field name="passphrase" type="password" value={passphrase} onInput={setPassphrase} invalid={save.field === "passphrase"} autoComplete="new-password" />
        <Field name="passphraseAgain" type="password" value={passphraseAgain} onInput={setPassphraseAgain} invalid={save.field === "passphraseAgain"} autoComplete="new-password" />
        <ErrorBox message={save.message} />
        {saved ? <p class="notice">{t("common.saved")}</p> : null}
        <button type="submit" disabled={save.busy}>
          {save.busy ? t("backups.makingKey") : t("common.save")}
        </button>
      </Form>
    </Card>
  );
}

function RunNow({ onDone }: { onDone: () => void }) {
  const [last, setLast] = useState<BackupRecord | null>(null);
  const run = useSubmit(async () => {
    setLast(await call(commands.runBackupNow()));
    onDone();
  });
  return (
    <Card title={t("backups.now")}>
      <p>{t("backups.nowBody")}</p>
      <button type="button" data-test="backup-now" disabled={run.busy} onClick={() => void run.run()}>
        {run.busy ? t("backups.running") : t("backups.now")}
      </button>
      {last ? (
        <p class="notice" data-test="backup-done">
          {t(`backups.outcome.${last.outcome}`)} · {last.fileName}
        </p>
      ) : null}
      <ErrorBox message={run.message} />
    </Card>
  );
}

/** Reads the newest verified backup back with the recovery key: proof the clinic can open it. */
function ProveKey({ onDone }: { onDone: () => void }) {
  const [passphrase, setPassphrase] = useState("");
  const [proven, setProven] = useState<BackupRecord | null>(null);
  const prove = useSubmit(async () => {
    setProven(await call(commands.proveBackupKey(passphrase)));
    setPassphrase("");
    onDone();
  });
  return (
    <Card title={t("backups.proveKey")}>
      <p>{t("backups.proveKeyBody")}</p>
      <Form test="backup-prove" onSubmit={() => void prove.run()}>
        <Field name="passphrase" type="password" value={passphrase} onInput={setPassphrase} invalid={prove.field === "passphrase"} autoComplete="off" />
        <ErrorBox message={prove.message} />
        <button type="submit" data-test="prove-key" disabled={prove.busy || passphrase === ""}>
          {prove.busy ? t("backups.proving") : t("backups.proveKey")}
        </button>
      </Form>
      {proven?.keyProvenAt ? (
        <p class="notice" data-test="key-proven">
          {t("backups.keyProven")} · {proven.fileName}
        </p>
      ) : null}
    </Card>
  );
}

function megabytes(bytes: number | null): string {
  return bytes === null ? "" : `${(bytes / 1_048_576).toFixed(1)} MB`;
}

/** The file a restore reads, as the webview knows it: a listed backup's record or a picked
 *  file's token (never a path), and the file's name to show. */
type Chosen = { source: BackupSource; fileName: string };

function BackupList({ records, onRestore }: { records: BackupRecord[]; onRestore: (chosen: Chosen) => void }) {
  if (records.length === 0) return <Card title={t("backups.list")}><p>{t("backups.none")}</p></Card>;
  return (
    <Card title={t("backups.list")}>
      <table class="list" data-test="backup-list">
        <thead>
          <tr>
            <th>{t("backups.when")}</th>
            <th>{t("backups.result")}</th>
            <th>{t("backups.size")}</th>
            <th>{t("backups.patients")}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {records.map((r) => (
            <tr key={r.id} class={r.outcome === "verified" ? "" : "warn"}>
              <td>{formatDateTime(r.startedAt)}</td>
              <td title={r.detail ?? ""}>
                {t(`backups.outcome.${r.outcome}`)}
                {r.prunedAt ? ` · ${t("backups.pruned")}` : ""}
                {r.keyProvenAt ? ` · ${t("backups.keyProven")} ${formatDateTime(r.keyProvenAt)}` : ""}
              </td>
              <td class="num">{megabytes(r.bytes)}</td>
              <td class="num">{r.rowCounts["patients"] ?? ""}</td>
              <td>
                {r.fileName && r.folder && !r.prunedAt ? (
                  <button type="button" class="secondary" onClick={() => onRestore({ source: { kind: "listed", id: r.id }, fileName: r.fileName ?? "" })}>
                    {t("backups.restore")}
                  </button>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Card>
  );
}

const SHOWN = ["patients", "appointments", "visits", "charges", "payments", "expenses", "cash_sessions", "audit_log"];

/** Restore: the file and the passphrase; the backup is restored beside the clinic's database and
 *  shown against it; only a confirmation naming what is lost puts it in place. */
function Restore({ chosen, onChosen, onRestored }: { chosen: Chosen | null; onChosen: (chosen: Chosen) => void; onRestored: () => void }) {
  const [passphrase, setPassphrase] = useState("");
  const [owner, setOwner] = useState<TypedLogin>({ user: "", password: "" });
  const [preview, setPreview] = useState<BackupPreview | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const login = () => (owner.user === "" ? null : owner);
  const read = useSubmit(async () => {
    if (!chosen) return;
    setPreview(await call(commands.restoreBackup(chosen.source, passphrase, login())));
    setPassphrase("");
  });
  const pick = useSubmit(async () => {
    const picked = await call(commands.pickFile("backup", t("backups.pickTitle")));
    if (picked) onChosen({ source: { kind: "picked", token: picked.token }, fileName: picked.fileName });
  });
  const confirm = useSubmit(async () => {
    if (!preview) return;
    setDone(await call(commands.switchToRestored(preview.database, login())));
    setPreview(null);
    onRestored();
  });
  const cancel = useSubmit(async () => {
    if (!preview) return;
    await call(commands.discardRestored(preview.database, login()));
    setPreview(null);
  });
  return (
    <Card title={t("backups.restoreTitle")}>
      {done ? (
        <p class="notice" data-test="restore-done">
          {t("backups.restored", { kept: done })}
        </p>
      ) : null}
      {!preview ? (
        <Form test="backup-restore" onSubmit={() => void read.run()}>
          <p class="hint">{t("backups.restoreBody")}</p>
          <div class="row">
            <span data-test="restore-file">{chosen ? chosen.fileName : t("backups.noFileChosen")}</span>
            <button type="button" class="secondary" data-test="pick-backup" disabled={pick.busy} onClick={() => void pick.run()}>
              {t("backups.pickFile")}
            </button>
          </div>
          <ErrorBox message={pick.message} />
          <Field name="passphrase" type="password" value={passphrase} onInput={setPassphrase} invalid={read.field === "passphrase"} autoComplete="off" />
          <details open={read.field === "user" || read.field === "password"}>
            <summary>{t("backups.ownerLogin")}</summary>
            <Field name="user" value={owner.user} onInput={(v) => setOwner({ ...owner, user: v })} invalid={read.field === "user"} />
            <Field name="password" type="password" value={owner.password} onInput={(v) => setOwner({ ...owner, password: v })} invalid={read.field === "password"} />
          </details>
          <ErrorBox message={read.message} />
          <button type="submit" disabled={read.busy || !chosen}>
            {read.busy ? t("backups.reading") : t("backups.readBackup")}
          </button>
        </Form>
      ) : (
        <div data-test="restore-preview">
          <p>
            {t("backups.holds", { when: preview.takenAt ? formatDateTime(preview.takenAt) : preview.fileName })}
          </p>
          <table class="list">
            <thead>
              <tr>
                <th />
                <th>{t("backups.inBackup")}</th>
                <th>{t("backups.current")}</th>
                <th>{t("backups.lost")}</th>
              </tr>
            </thead>
            <tbody>
              {SHOWN.map((table) => {
                const then = preview.rowCounts[table] ?? 0;
                const now = preview.currentCounts[table] ?? 0;
                return (
                  <tr key={table} class={now > then ? "warn" : ""} data-test={`restore-row-${table}`}>
                    <td>{t(`backups.tables.${table}`)}</td>
                    <td class="num">{then}</td>
                    <td class="num">{now}</td>
                    <td class="num">{now > then ? now - then : ""}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <p class="warning">{t("backups.confirmBody", { when: preview.takenAt ? formatDateTime(preview.takenAt) : preview.fileName })}</p>
          <ErrorBox message={confirm.message ?? cancel.message} />
          <div class="row">
            <button type="button" class="danger" data-test="restore-confirm" disabled={confirm.busy} onClick={() => void confirm.run()}>
              {t("backups.confirm")}
            </button>
            <button type="button" class="secondary" disabled={cancel.busy} onClick={() => void cancel.run()}>
              {t("common.cancel")}
            </button>
          </div>
        </div>
      )}
    </Card>
  );
}

/** The databases earlier restores kept aside (what the clinic had before each restore), until an
 *  admin drops them. On the embedded database and in development the app lists them itself. */
function KeptDatabases() {
  const kept = useLoad(() => call(commands.listKeptDatabases(null)).catch(() => [] as KeptDatabase[]), [], ["everything"]);
  const [dropping, setDropping] = useState<string | null>(null);
  const drop = useSubmit(async (name: string) => {
    await call(commands.dropKeptDatabase(name, null));
    setDropping(null);
    void kept.reload();
  });
  if (!kept.data || kept.data.length === 0) return null;
  return (
    <Card title={t("backups.kept")}>
      <p class="hint">{t("backups.keptBody")}</p>
      <table class="list" data-test="kept-databases">
        <tbody>
          {kept.data.map((k) => (
            <tr key={k.name}>
              <td>{k.name}</td>
              <td class="num">{megabytes(k.bytes)}</td>
              <td>
                {dropping === k.name ? (
                  <button type="button" class="danger" data-test="confirm-drop-kept" disabled={drop.busy} onClick={() => void drop.run(k.name)}>
                    {t("backups.dropConfirm")}
                  </button>
                ) : (
                  <button type="button" class="secondary" data-test="drop-kept" onClick={() => setDropping(k.name)}>
                    {t("backups.drop")}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <ErrorBox message={drop.message} />
    </Card>
  );
}

/** On a desk connected to the clinic's server: the login this desk takes backups as (see the
 *  README); its password goes to the OS keyring. */
function BackupLogin() {
  const config = useLoad(() => call(commands.getDeskConfig()));
  const [user, setUser] = useState("");
  const [password, setPassword] = useState("");
  const [saved, setSaved] = useState<boolean | null>(null);
  const save = useSubmit(async () => {
    setSaved(await call(commands.saveBackupLogin(user, password)));
    setPassword("");
  });
  if (!config.data || config.data.connection.kind !== "server") return null;
  return (
    <Card title={t("backups.login")}>
      <Form test="backup-login" onSubmit={() => void save.run()}>
        <p class="hint">{t("backups.loginBody", { user: config.data.backupUser ?? "—" })}</p>
        <Field name="user" value={user} onInput={setUser} invalid={save.field === "user"} />
        <Field name="password" type="password" value={password} onInput={setPassword} invalid={save.field === "password"} autoComplete="new-password" />
        <ErrorBox message={save.message} />
        {saved === null ? null : <p class="notice">{saved ? t("common.saved") : t("backups.noKeyring")}</p>}
        <button type="submit" disabled={save.busy}>
          {t("common.save")}
        </button>
      </Form>
    </Card>
  );
}
