// Cash registers (cajas): add, rename, retire. A desk uses the register it last opened.
import { useState } from "preact/hooks";
import type { Register } from "../bindings";
import { call, commands } from "../api";
import { limit } from "../options";
import { Card, ErrorBox, Field, Form, Pending, useLoad, useSubmit } from "../components/Form";
import { t } from "../i18n";
import { v7 as uuid } from "uuid";

export function RegistersTab() {
  const list = useLoad(() => call(commands.listCashRegisters()));
  const [name, setName] = useState("");
  const [id, setId] = useState(() => uuid());
  const add = useSubmit(async () => {
    await call(commands.createCashRegister({ id, name, active: true }));
    setId(uuid());
    setName("");
    await list.reload();
  });
  if (!list.data) return <Pending error={list.error} />;
  return (
    <Card title={t("admin.tabs.registers")}>
      <ul class="plain" data-test="registers">
        {list.data.map((r) => (
          <RegisterRow key={r.id} register={r} onSaved={() => void list.reload()} />
        ))}
      </ul>
      <Form onSubmit={() => void add.run()} test="new-register">
        <Field name="name" label={t("admin.newRegister")} value={name} onInput={setName} invalid={add.field === "name"} maxLength={limit("cash_registers.name")} />
        <ErrorBox message={add.message} />
        <button type="submit" disabled={add.busy}>
          {t("common.create")}
        </button>
      </Form>
      <p>
        <small>{t("admin.registersHint")}</small>
      </p>
    </Card>
  );
}

function RegisterRow(p: { register: Register; onSaved: () => void }) {
  const [name, setName] = useState(p.register.name);
  const save = useSubmit(async (active: boolean) => {
    await call(commands.updateCashRegister({ ...p.register, name, active }));
    p.onSaved();
  });
  return (
    <li class={p.register.active ? "" : "muted"}>
      <Form class="inline" onSubmit={() => void save.run(p.register.active)}>
        <input aria-label={t("fields.name")} value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        <button type="submit" class="secondary" disabled={save.busy}>
          {t("common.save")}
        </button>
        <button type="button" class="link" onClick={() => void save.run(!p.register.active)}>
          {p.register.active ? t("admin.retire") : t("admin.reactivate")}
        </button>
      </Form>
      <ErrorBox message={save.message} />
    </li>
  );
}
