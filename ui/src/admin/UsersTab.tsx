import { useEffect, useState } from "preact/hooks";
import { v7 as uuidv7 } from "uuid";
import type { Role, User } from "../bindings";
import { call, commands } from "../api";
import { limit } from "../options";
import { Card, ErrorBox, Field, Form, Pending, useLoad, useSubmit } from "../components/Form";
import { formatTime, t } from "../i18n";

export function roleLabel(role: Pick<Role, "name" | "builtin">): string {
  return role.builtin ? t(`roles.${role.builtin}`) : role.name;
}

export function UsersTab() {
  const { data, error, reload } = useLoad(() => Promise.all([call(commands.listUsers()), call(commands.listRoles())]));
  if (!data) return <Pending error={error} />;
  const [users, roles] = data;
  return (
    <>
      <NewUser roles={roles} onCreated={reload} />
      <Card title={t("admin.tabs.users")}>
        <table data-test="users-table">
          <thead>
            <tr>
              <th>{t("fields.displayName")}</th>
              <th>{t("fields.username")}</th>
              <th>{t("fields.role")}</th>
              <th>{t("fields.active")}</th>
              <th>{t("common.actions")}</th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <UserRow key={u.id} user={u} roles={roles} onChanged={reload} />
            ))}
          </tbody>
        </table>
      </Card>
    </>
  );
}

function UserRow({ user, roles, onChanged }: { user: User; roles: Role[]; onChanged: () => Promise<void> }) {
  const [password, setPassword] = useState("");
  const [notice, setNotice] = useState<string | null>(null);
  const update = useSubmit(async (roleId: string, active: boolean) => {
    await call(commands.updateUser({ id: user.id, displayName: user.displayName, roleId, active }));
    await onChanged();
  });
  const unlock = useSubmit(async () => {
    await call(commands.unlockUser(user.id));
    await onChanged();
  });
  const reset = useSubmit(async () => {
    await call(commands.resetUserPassword(user.id, password));
    setPassword("");
    setNotice(t("admin.users.passwordReset"));
  });
  const error = update.message ?? unlock.message ?? reset.message;
  return (
    <tr data-test={`user-${user.username}`}>
      <td>{user.displayName}</td>
      <td>{user.username}</td>
      <td>
        <select value={user.roleId} onChange={(e) => void update.run((e.target as HTMLSelectElement).value, user.active)}>
          {roles.map((r) => (
            <option value={r.id}>{roleLabel(r)}</option>
          ))}
        </select>
      </td>
      <td>
        <input type="checkbox" checked={user.active} onChange={(e) => void update.run(user.roleId, (e.target as HTMLInputElement).checked)} />
      </td>
      <td>
        {user.lockedUntil ? (
          <button onClick={() => void unlock.run()} title={t("admin.users.lockedUntil", { time: formatTime(user.lockedUntil) })}>
            {t("admin.users.unlock")}
          </button>
        ) : null}
        <Form class="inline" onSubmit={() => void reset.run()}>
          <input type="password" placeholder={t("admin.users.resetPassword")} value={password} onInput={(e) => setPassword((e.target as HTMLInputElement).value)} />
          <button type="submit" disabled={!password || reset.busy}>
            {t("common.save")}
          </button>
        </Form>
        <ErrorBox message={error} />
        {notice && !error ? <span class="notice">{notice}</span> : null}
      </td>
    </tr>
  );
}

function NewUser({ roles, onCreated }: { roles: Role[]; onCreated: () => Promise<void> }) {
  const blank = () => ({ id: uuidv7(), username: "", displayName: "", password: "", roleId: roles.find((r) => r.builtin === "reception")?.id ?? "" });
  const [form, setForm] = useState(blank);
  useEffect(() => {
    if (!form.roleId && roles.length) setForm(blank());
  }, [roles]);
  const submit = useSubmit(async () => {
    await call(commands.createUser(form));
    setForm(blank());
    await onCreated();
  });
  const set = (k: keyof typeof form) => (v: string) => setForm({ ...form, [k]: v });
  return (
    <Card title={t("admin.users.new")}>
      <Form test="new-user-form" onSubmit={() => void submit.run()}>
        <Field name="displayName" value={form.displayName} onInput={set("displayName")} invalid={submit.field === "displayName"} maxLength={limit("users.displayName")} />
        <Field name="username" value={form.username} onInput={set("username")} invalid={submit.field === "username"} maxLength={limit("users.username")} />
        <Field name="password" type="password" value={form.password} onInput={set("password")} hint={t("auth.passwordHint")} invalid={submit.field === "password"} />
        <label class="field">
          <span>{t("fields.role")}</span>
          <select value={form.roleId} onChange={(e) => set("roleId")((e.target as HTMLSelectElement).value)}>
            {roles.map((r) => (
              <option value={r.id}>{roleLabel(r)}</option>
            ))}
          </select>
        </label>
        <ErrorBox message={submit.message} />
        <button type="submit" disabled={submit.busy}>
          {t("common.create")}
        </button>
      </Form>
    </Card>
  );
}
