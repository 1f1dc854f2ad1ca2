// The sign-in screens: first admin, login, the idle lock, and the password the server asks for when it comes back.
import { useState } from "preact/hooks";
import { v7 as uuidv7 } from "uuid";
import { call, commands, session } from "../api";
import type { SessionInfo } from "../bindings";
import { limit } from "../options";
import { ErrorBox, Field, Form, useSubmit } from "../components/Form";
import { t } from "../i18n";
import { Centered } from "./StatusScreen";

export function FirstAdminScreen({ onCreated }: { onCreated: (username: string) => void }) {
  // The id is made once per form, so a retried submit is recognised as the same account.
  const [id] = useState(() => uuidv7());
  const [username, setUsername] = useState("");
  const [displayName, setDisplayName] = useState("");
  const [password, setPassword] = useState("");
  const submit = useSubmit(async () => {
    const user = await call(commands.createFirstAdmin({ id, username, displayName, password }));
    onCreated(user.username);
  });
  return (
    <Centered title={t("auth.firstAdmin.title")} body={t("auth.firstAdmin.intro")}>
      <Form test="first-admin-form" onSubmit={() => void submit.run()}>
        <Field name="displayName" value={displayName} onInput={setDisplayName} autoFocus invalid={submit.field === "displayName"} maxLength={limit("users.displayName")} />
        <Field name="username" value={username} onInput={setUsername} autoComplete="username" invalid={submit.field === "username"} maxLength={limit("users.username")} />
        <Field
          name="password"
          type="password"
          value={password}
          onInput={setPassword}
          autoComplete="new-password"
          hint={t("auth.passwordHint")}
          invalid={submit.field === "password"}
        />
        <ErrorBox message={submit.message} />
        <button type="submit" disabled={submit.busy} data-test="first-admin-submit">
          {t("auth.firstAdmin.submit")}
        </button>
      </Form>
    </Centered>
  );
}

export function LoginScreen({ username: initial, notice }: { username?: string; notice?: string }) {
  const [username, setUsername] = useState(initial ?? "");
  const [password, setPassword] = useState("");
  const submit = useSubmit(async () => {
    const info = await call(commands.login({ username, password }));
    setPassword("");
    session.set(info);
  });
  return (
    <Centered title={t("auth.login.title")}>
      {notice ? <p class="notice" data-test="login-notice">{notice}</p> : null}
      <Form test="login-form" onSubmit={() => void submit.run()}>
        <Field name="username" value={username} onInput={setUsername} autoFocus={!initial} autoComplete="username" maxLength={limit("users.username")} />
        <Field name="password" type="password" value={password} onInput={setPassword} autoFocus={!!initial} autoComplete="current-password" />
        <ErrorBox message={submit.message} />
        <button type="submit" disabled={submit.busy} data-test="login-submit">
          {t("auth.login.submit")}
        </button>
      </Form>
    </Centered>
  );
}

/** The password form of the idle lock and of the reconnect prompt: `check` answers the session
 * the password opens; the other button signs out (another account, or the user gives up). */
function PasswordCheck(p: {
  test: string;
  check: (password: string) => Promise<SessionInfo>;
  submitLabel: string;
  otherLabel: string;
  submitTest?: string;
}) {
  const { test, check, submitLabel, otherLabel, submitTest } = p;
  const [password, setPassword] = useState("");
  const submit = useSubmit(async () => {
    const info = await check(password);
    setPassword("");
    session.set(info);
  });
  const other = async () => {
    await call(commands.logout());
    session.set(null);
  };
  return (
    <Form test={test} onSubmit={() => void submit.run()}>
      <Field name="password" type="password" value={password} onInput={setPassword} autoFocus autoComplete="current-password" />
      <ErrorBox message={submit.message} />
      <button type="submit" disabled={submit.busy} data-test={submitTest}>
        {submitLabel}
      </button>
      <button type="button" class="link" onClick={() => void other()}>
        {otherLabel}
      </button>
    </Form>
  );
}

export function LockScreen({ name }: { name: string }) {
  return (
    <Centered title={t("auth.lock.title")} body={t("auth.lock.body", { name })}>
      <PasswordCheck test="lock-form" check={(password) => call(commands.unlockSession(password))} submitLabel={t("auth.lock.submit")} otherLabel={t("auth.lock.other")} />
    </Centered>
  );
}

/** "Conectado de nuevo": the session began without the server, which is back. Shown over the
 * screen the user was on (nothing typed there is lost) until the server has checked the password;
 * what the user kept at this desk is sent after that. */
export function ConfirmPrompt({ name }: { name: string }) {
  return (
    <div class="overlay" role="dialog" aria-modal="true" aria-label={t("auth.confirm.title")} data-test="confirm-prompt">
      <section class="card prompt">
        <h2>{t("auth.confirm.title")}</h2>
        <p>{t("auth.confirm.body", { name })}</p>
        <PasswordCheck
          test="confirm-form"
          check={(password) => call(commands.confirmPassword(password))}
          submitLabel={t("auth.confirm.submit")}
          otherLabel={t("auth.confirm.other")}
          submitTest="confirm-submit"
        />
      </section>
    </div>
  );
}
