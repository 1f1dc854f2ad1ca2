// The sign-in screens: first admin, login, and the idle lock.
import { useState } from "preact/hooks";
import { v7 as uuidv7 } from "uuid";
import { call, commands, session } from "../api";
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

export function LockScreen({ name }: { name: string }) {
  const [password, setPassword] = useState("");
  const submit = useSubmit(async () => {
    const info = await call(commands.unlockSession(password));
    setPassword("");
    session.set(info);
  });
  const other = async () => {
    await call(commands.logout());
    session.set(null);
  };
  return (
    <Centered title={t("auth.lock.title")} body={t("auth.lock.body", { name })}>
      <Form test="lock-form" onSubmit={() => void submit.run()}>
        <Field name="password" type="password" value={password} onInput={setPassword} autoFocus autoComplete="current-password" />
        <ErrorBox message={submit.message} />
        <button type="submit" disabled={submit.busy}>
          {t("auth.lock.submit")}
        </button>
        <button type="button" class="link" onClick={() => void other()}>
          {t("auth.lock.other")}
        </button>
      </Form>
    </Centered>
  );
}

/** "Conectado de nuevo": the session began without the server, which is back. Shown over the
 * screen the user was on (nothing typed there is lost) until the server has checked the password;
 * what the user kept at this desk is sent after that. */
export function ConfirmPrompt({ name }: { name: string }) {
  const [password, setPassword] = useState("");
  const submit = useSubmit(async () => {
    const info = await call(commands.confirmPassword(password));
    setPassword("");
    session.set(info);
  });
  const other = async () => {
    await call(commands.logout());
    session.set(null);
  };
  return (
    <div class="overlay" role="dialog" aria-modal="true" aria-label={t("auth.confirm.title")} data-test="confirm-prompt">
      <section class="card prompt">
        <h2>{t("auth.confirm.title")}</h2>
        <p>{t("auth.confirm.body", { name })}</p>
        <Form test="confirm-form" onSubmit={() => void submit.run()}>
          <Field name="password" type="password" value={password} onInput={setPassword} autoFocus autoComplete="current-password" />
          <ErrorBox message={submit.message} />
          <button type="submit" disabled={submit.busy} data-test="confirm-submit">
            {t("auth.confirm.submit")}
          </button>
          <button type="button" class="link" onClick={() => void other()}>
            {t("auth.confirm.other")}
          </button>
        </Form>
      </section>
    </div>
  );
}
