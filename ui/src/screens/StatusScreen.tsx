import { useState } from "preact/hooks";
import type { DbStatus } from "../bindings";
import { call, commands, dbStatus } from "../api";
import { ErrorBox, Field, Form, useSubmit } from "../components/Form";
import { t } from "../i18n";

/** Full-screen states where the desk cannot work yet: starting, no PostgreSQL, update needed... */
export function StatusScreen({ status }: { status: DbStatus }) {
  const openAdmin = () => void call(commands.openAdminWindow());
  switch (status.state) {
    case "starting":
      return <Centered title={t("db.starting")} />;
    case "noPostgres":
      return (
        <Centered title={t("db.noPostgres.title")} body={t("db.noPostgres.body")}>
          <button data-test="db-configure" onClick={openAdmin}>{t("db.configure")}</button>
        </Centered>
      );
    case "postgresVersionMissing":
      return (
        <Centered
          title={t("db.postgresVersionMissing.title", { major: status.clusterMajor })}
          body={t("db.postgresVersionMissing.body", {
            major: status.clusterMajor,
            installed: status.installed.length ? status.installed.join(", ") : "—",
          })}
        >
          <button data-test="db-configure" onClick={openAdmin}>{t("db.configure")}</button>
        </Centered>
      );
    case "updateRequired":
      return (
        <Centered
          title={t("db.updateRequired.title")}
          body={t("db.updateRequired.body", { database: status.databaseVersion, app: status.appVersion })}
        />
      );
    case "schemaUpgradeRequired":
      return (
        <Centered
          title={t("db.schemaUpgradeRequired.title")}
          body={t("db.schemaUpgradeRequired.body", { database: status.databaseVersion, app: status.appVersion })}
        >
          <button data-test="db-configure" onClick={openAdmin}>{t("db.configure")}</button>
        </Centered>
      );
    case "tlsRefused":
      return (
        <Centered title={t("db.tlsRefused.title")} body={t("db.tlsRefused.body", { reason: t(`db.tlsRefused.reasons.${status.reason}`) })}>
          <button data-test="db-configure" onClick={openAdmin}>{t("db.configure")}</button>
        </Centered>
      );
    case "failed":
      return (
        <Centered title={t("db.failed.title")} body={t("db.failed.body", { logId: status.logId })}>
          <button data-test="db-configure" onClick={openAdmin}>{t("db.configure")}</button>
        </Centered>
      );
    case "needsPassword":
      return <PasswordPrompt />;
    default:
      return null;
  }
}

function PasswordPrompt() {
  const [password, setPassword] = useState("");
  const submit = useSubmit(async () => {
    dbStatus.set(await call(commands.provideDbPassword(password)));
  });
  return (
    <Centered title={t("db.needsPassword.title")} body={t("db.needsPassword.body")}>
      <Form onSubmit={() => void submit.run()}>
        <Field name="password" type="password" value={password} onInput={setPassword} autoFocus invalid={submit.field === "password"} />
        <ErrorBox message={submit.message} />
        <button type="submit" data-test="db-password-submit" disabled={submit.busy}>
          {t("auth.login.submit")}
        </button>
      </Form>
    </Centered>
  );
}

export function Centered(p: { title: string; body?: string; children?: preact.ComponentChildren }) {
  return (
    <main class="centered">
      <div class="panel">
        <h1>{p.title}</h1>
        {p.body ? <p>{p.body}</p> : null}
        {p.children}
      </div>
    </main>
  );
}
