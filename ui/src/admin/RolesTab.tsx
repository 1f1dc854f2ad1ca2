import { useState } from "preact/hooks";
import { v7 as uuidv7 } from "uuid";
import type { Permission, Role } from "../bindings";
import { call, commands } from "../api";
import { limit } from "../options";
import { Card, ErrorBox, Field, Form, Pending, useLoad, useSubmit } from "../components/Form";
import { t } from "../i18n";
import { roleLabel } from "./UsersTab";

export function RolesTab() {
  const { data, error, reload } = useLoad(() => Promise.all([call(commands.listRoles()), commands.listPermissions()]));
  if (!data) return <Pending error={error} />;
  const [roles, all] = data;
  return (
    <>
      {roles.map((r) => (
        <RoleEditor key={r.id} role={r} all={all} onSaved={reload} />
      ))}
      <RoleEditor key={roles.length} role={null} all={all} onSaved={reload} />
    </>
  );
}

function RoleEditor({ role, all, onSaved }: { role: Role | null; all: Permission[]; onSaved: () => Promise<void> }) {
  const [id] = useState(() => role?.id ?? uuidv7());
  const [name, setName] = useState(role?.name ?? "");
  const [permissions, setPermissions] = useState<Permission[]>(role?.permissions ?? []);
  const fixed = role?.builtin === "admin";
  const submit = useSubmit(async () => {
    const input = { id, name, permissions };
    await call(role ? commands.updateRole(input) : commands.createRole(input));
    await onSaved();
  });
  const toggle = (p: Permission, on: boolean) => setPermissions(on ? [...permissions, p] : permissions.filter((x) => x !== p));
  return (
    <Card title={role ? roleLabel(role) : t("admin.roles.new")}>
      {fixed ? (
        <p class="hint">{t("admin.roles.fixed")}</p>
      ) : (
        <Form onSubmit={() => void submit.run()}>
          <Field name="name" value={name} onInput={setName} invalid={submit.field === "name"} maxLength={limit("roles.name")} />
          <fieldset class="permissions">
            <legend>{t("fields.permissions")}</legend>
            {all.map((p) => (
              <label class="choice">
                <input type="checkbox" checked={permissions.includes(p)} onChange={(e) => toggle(p, (e.target as HTMLInputElement).checked)} />
                {t(`permissions.${p}`)}
              </label>
            ))}
          </fieldset>
          <ErrorBox message={submit.message} />
          <button type="submit" disabled={submit.busy}>
            {role ? t("common.save") : t("common.create")}
          </button>
        </Form>
      )}
    </Card>
  );
}
