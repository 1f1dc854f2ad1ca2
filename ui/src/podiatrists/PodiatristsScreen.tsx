// Podiatrists: list, add, edit (name, cédula, colour, account link), archive by unticking active.
import { useState } from "preact/hooks";
import { v7 as uuidv7 } from "uuid";
import type { Podiatrist } from "../bindings";
import { call, commands } from "../api";
import { limit } from "../options";
import { Card, ErrorBox, Field, Form, Pending, useLoad, useSubmit } from "../components/Form";
import { t } from "../i18n";

export function PodiatristsScreen({ canWrite }: { canWrite: boolean }) {
  const list = useLoad(() => call(commands.listPodiatrists()));
  const [editing, setEditing] = useState<{ p: Podiatrist; isNew: boolean } | null>(null);
  if (!list.data) return <Pending error={list.error} />;
  return (
    <div class="two-columns">
      <Card title={t("nav.podiatrists")}>
        {canWrite ? (
          <button
            data-test="new-podiatrist"
            onClick={() => setEditing({ p: { id: uuidv7(), name: "", license: "", titleInstitution: "", color: "#0f766e", active: true, userId: null }, isNew: true })}
          >
            {t("podiatrists.new")}
          </button>
        ) : null}
        {!list.data.length ? <p class="empty">{t("common.empty")}</p> : null}
        <ul class="plain">
          {list.data.map((p) => (
            <li key={p.id} class={p.active ? "" : "muted"}>
              <span class="swatch" style={{ background: p.color }} />
              <button class="link" onClick={() => setEditing({ p, isNew: false })}>
                {p.name}
              </button>
              {p.license ? <small> · {p.license}</small> : null}
            </li>
          ))}
        </ul>
      </Card>
      {editing ? (
        <PodiatristForm
          key={editing.p.id}
          initial={editing.p}
          isNew={editing.isNew}
          canWrite={canWrite}
          onSaved={(p) => {
            setEditing({ p, isNew: false });
            void list.reload();
          }}
        />
      ) : null}
    </div>
  );
}

function PodiatristForm(p: { initial: Podiatrist; isNew: boolean; canWrite: boolean; onSaved: (p: Podiatrist) => void }) {
  const [form, setForm] = useState(p.initial);
  // Linking an account needs the user list, which only user managers may read.
  const users = useLoad(() => call(commands.listUsers()));
  const [saved, setSaved] = useState(false);
  const save = useSubmit(async () => {
    const result = await call(p.isNew ? commands.createPodiatrist(form) : commands.updatePodiatrist(form));
    setSaved(true);
    p.onSaved(result);
  });
  return (
    <Card title={p.isNew ? t("podiatrists.new") : form.name}>
      <Form test="podiatrist-form" onSubmit={() => void save.run()}>
        <Field name="name" value={form.name} onInput={(v) => setForm({ ...form, name: v })} invalid={save.field === "name"} autoFocus maxLength={limit("podiatrists.name")} />
        <Field name="license" value={form.license} onInput={(v) => setForm({ ...form, license: v })} invalid={save.field === "license"} />
        <Field
          name="titleInstitution"
          value={form.titleInstitution ?? ""}
          onInput={(v) => setForm({ ...form, titleInstitution: v })}
          invalid={save.field === "titleInstitution"}
          maxLength={limit("podiatrists.titleInstitution")}
        />
        <Field name="color" type="color" value={form.color} onInput={(v) => setForm({ ...form, color: v })} invalid={save.field === "color"} />
        {users.data ? (
          <label class="field">
            <span>{t("fields.userId")}</span>
            <select value={form.userId ?? ""} onChange={(e) => setForm({ ...form, userId: (e.target as HTMLSelectElement).value || null })}>
              <option value="">{t("podiatrists.noUser")}</option>
              {users.data.map((u) => (
                <option value={u.id}>
                  {u.displayName} ({u.username})
                </option>
              ))}
            </select>
          </label>
        ) : null}
        <label class="choice">
          <input type="checkbox" checked={form.active} onChange={(e) => setForm({ ...form, active: (e.target as HTMLInputElement).checked })} />
          {t("podiatrists.active")}
        </label>
        <ErrorBox message={save.message} />
        {saved ? <p class="notice">{t("podiatrists.saved")}</p> : null}
        {p.canWrite ? (
          <button type="submit" disabled={save.busy}>
            {t("common.save")}
          </button>
        ) : null}
      </Form>
    </Card>
  );
}
