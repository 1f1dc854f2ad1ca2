import { useEffect, useState } from "preact/hooks";
import type { DeskConfig, ServerProfile, SslMode } from "../bindings";
import { call, commands, dbStatus } from "../api";
import { limit } from "../options";
import { useObserved } from "../observable";
import { Card, ErrorBox, Field, Form, Pending, useLoad, useSubmit } from "../components/Form";
import { t } from "../i18n";

const SSL_MODES: SslMode[] = ["disable", "prefer", "require", "verify-ca", "verify-full"];
// A new server profile verifies the server's certificate and name (issue 13).
const EMPTY_SERVER: ServerProfile = { host: "", port: 5432, database: "clinic", user: "podoclinic_desk", sslMode: "verify-full", sslRootCert: null };

/** Where this desk's database is: the local one, or the clinic's server. */
export function ConnectionTab() {
  const loaded = useLoad(() => call(commands.getDeskConfig()));
  const status = useObserved(dbStatus);
  // Once offered, the upgrade stays on screen: the status moves on (starting, online) while it
  // runs and after, and the form must still say how it went.
  const [offered, setOffered] = useState(false);
  useEffect(() => {
    if (status.state === "schemaUpgradeRequired") setOffered(true);
  }, [status.state]);
  if (!loaded.data) return <Pending error={loaded.error} />;
  const upgrade = (offered || status.state === "schemaUpgradeRequired") && loaded.data.connection.kind === "server";
  return (
    <>
      {upgrade ? <UpgradeForm /> : null}
      <ConnectionForm initial={loaded.data} needsProof={status.state !== "online" && loaded.data.connection.kind === "server"} />
      {loaded.data.connection.kind === "local" && status.state === "online" ? <PostgresUpgradeCard /> : null}
      <Diagnostics />
    </>
  );
}

/** The owner's login, typed once to create or upgrade the schema; the desk keeps its own login. */
function UpgradeForm() {
  const [owner, setOwner] = useState("");
  const [password, setPassword] = useState("");
  const [done, setDone] = useState(false);
  const upgrade = useSubmit(async () => {
    const status = await call(commands.upgradeDatabase(owner, password));
    setPassword("");
    setDone(true);
    dbStatus.set(status);
  });
  return (
    <Card title={t("admin.connection.upgrade.title")}>
      <p>{t("admin.connection.upgrade.body")}</p>
      <Form onSubmit={() => void upgrade.run()}>
        <Field name="user" label={t("admin.connection.upgrade.owner")} value={owner} onInput={setOwner} invalid={upgrade.field === "user"} />
        <Field name="password" type="password" value={password} onInput={setPassword} invalid={upgrade.field === "password"} />
        <ErrorBox message={upgrade.message} />
        {done && !upgrade.message ? (
          <p class="notice" data-test="upgrade-done">
            {t("admin.connection.upgrade.done")}
          </p>
        ) : null}
        <button type="submit" data-test="upgrade-database" disabled={upgrade.busy}>
          {t("admin.connection.upgrade.submit")}
        </button>
      </Form>
    </Card>
  );
}

function ConnectionForm({ initial, needsProof }: { initial: DeskConfig; needsProof: boolean }) {
  const [config, setConfig] = useState<DeskConfig>(initial);
  // Kept apart from `config` so the server fields survive switching to "local" and back.
  const [server, setServer] = useState<ServerProfile>(() => {
    if (initial.connection.kind !== "server") return EMPTY_SERVER;
    const { kind: _kind, ...saved } = initial.connection;
    return saved;
  });
  const [password, setPassword] = useState("");
  const [currentPassword, setCurrentPassword] = useState("");
  const [notice, setNotice] = useState<string | null>(null);
  const [restart, setRestart] = useState(false);

  const test = useSubmit(async () => {
    const result = await call(commands.testConnection(server, password || null));
    setNotice(t("admin.connection.testOk", { version: result.serverVersion, schema: t(`admin.connection.schema.${result.schema}`) }));
  });
  const save = useSubmit(async () => {
    const saved = await call(
      commands.saveDeskConfig(config, config.connection.kind === "server" ? password || null : null, needsProof ? currentPassword || null : null),
    );
    const parts = [t("common.saved")];
    if (saved.restartNeeded) parts.push(t("admin.connection.savedRestart"));
    if (config.connection.kind === "server" && password && !saved.passwordInKeyring) parts.push(t("admin.connection.keyringMissing"));
    setNotice(parts.join(" "));
    setRestart(saved.restartNeeded);
  });

  const isServer = config.connection.kind === "server";
  const setServerField = <K extends keyof ServerProfile>(k: K, v: ServerProfile[K]) => {
    const next = { ...server, [k]: v };
    setServer(next);
    setConfig({ ...config, connection: { kind: "server", ...next } });
  };
  const error = test.message ?? save.message;
  const invalid = test.field ?? save.field;

  return (
    <Card title={t("admin.tabs.connection")}>
      <Form onSubmit={() => void save.run()}>
        <Field name="deskName" value={config.deskName} onInput={(v) => setConfig({ ...config, deskName: v })} invalid={invalid === "deskName"} maxLength={limit("desk_registers.deskName")} />
        <label class="choice">
          <input type="radio" checked={!isServer} onChange={() => setConfig({ ...config, connection: { kind: "local" } })} />
          {t("admin.connection.local")}
        </label>
        <label class="choice">
          <input type="radio" checked={isServer} onChange={() => setConfig({ ...config, connection: { kind: "server", ...server } })} />
          {t("admin.connection.server")}
        </label>
        {isServer ? (
          <fieldset>
            <Field name="host" value={server.host} onInput={(v) => setServerField("host", v)} invalid={invalid === "host"} />
            <Field name="port" type="number" value={String(server.port)} onInput={(v) => setServerField("port", Number(v) || 0)} invalid={invalid === "port"} />
            <Field name="database" value={server.database} onInput={(v) => setServerField("database", v)} invalid={invalid === "database"} />
            <Field name="user" value={server.user} onInput={(v) => setServerField("user", v)} invalid={invalid === "user"} />
            <Field name="password" type="password" value={password} onInput={setPassword} invalid={invalid === "password"} />
            <label class="field">
              <span>{t("fields.sslMode")}</span>
              <select value={server.sslMode} onChange={(e) => setServerField("sslMode", (e.target as HTMLSelectElement).value as SslMode)}>
                {SSL_MODES.map((m) => (
                  <option value={m}>{m}</option>
                ))}
              </select>
              <small>{t("admin.connection.sslHint")}</small>
            </label>
            {server.sslMode === "verify-ca" || server.sslMode === "verify-full" ? (
              <Field name="sslRootCert" value={server.sslRootCert ?? ""} onInput={(v) => setServerField("sslRootCert", v || null)} invalid={invalid === "sslRootCert"} />
            ) : null}
            <button type="button" disabled={test.busy} onClick={() => void test.run()}>
              {t("admin.connection.test")}
            </button>
          </fieldset>
        ) : null}
        {needsProof ? (
          <Field
            name="currentPassword"
            type="password"
            value={currentPassword}
            onInput={setCurrentPassword}
            invalid={invalid === "currentPassword"}
            hint={t("admin.connection.currentPasswordHint")}
          />
        ) : null}
        <ErrorBox message={error} />
        {notice && !error ? <p class="notice">{notice}</p> : null}
        <p class="hint">{t("admin.connection.envOverride")}</p>
        <button type="submit" disabled={save.busy}>
          {t("common.save")}
        </button>
        {restart ? (
          <button type="button" onClick={() => void call(commands.restartApp())}>
            {t("admin.connection.restart")}
          </button>
        ) : null}
      </Form>
    </Card>
  );
}

/** "Exportar diagnóstico": one zip of the last days' logs, the versions and this desk's settings
 * (no passwords, no patient data), to send to whoever looks after the clinic's computers. */
function Diagnostics() {
  const [saved, setSaved] = useState<string | null>(null);
  const run = useSubmit(async () => setSaved((await call(commands.exportDiagnostics())).path));
  return (
    <Card title={t("diagnostics.title")}>
      <p>{t("diagnostics.body")}</p>
      <button type="button" class="secondary" data-test="export-diagnostics" disabled={run.busy} onClick={() => void run.run()}>
        {t("diagnostics.export")}
      </button>
      {saved ? (
        <p class="notice" data-test="diagnostics-saved">
          {t("diagnostics.saved", { path: saved })}
        </p>
      ) : null}
      <ErrorBox message={run.message} />
    </Card>
  );
}

/** A newer PostgreSQL is installed beside the one the desk's own database runs on: offered, never
 *  done silently. A verified backup comes first; the old data folder is kept; the app restarts. */
function PostgresUpgradeCard() {
  const offer = useLoad(() => call(commands.getPostgresUpgrade()));
  const [done, setDone] = useState<string | null>(null);
  const run = useSubmit(async () => {
    const upgraded = await call(commands.upgradePostgres());
    setDone(upgraded.kept);
    await call(commands.restartApp());
  });
  if (!offer.data) return null;
  return (
    <Card title={t("admin.postgresUpgrade.title", { from: offer.data.clusterMajor, to: offer.data.newestMajor })}>
      <p>{t("admin.postgresUpgrade.body", { from: offer.data.clusterMajor, to: offer.data.newestMajor })}</p>
      <button type="button" data-test="postgres-upgrade" disabled={run.busy || done !== null} onClick={() => void run.run()}>
        {run.busy ? t("admin.postgresUpgrade.running") : t("admin.postgresUpgrade.start", { to: offer.data.newestMajor })}
      </button>
      {done ? <p class="notice">{t("admin.postgresUpgrade.done", { kept: done })}</p> : null}
      <ErrorBox message={run.message} />
    </Card>
  );
}
