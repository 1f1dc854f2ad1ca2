// Suppliers: the list, the form (contact data, RFC checked as typed on save), what each supplies
// with the last cost paid, and their received purchases.
import { useState } from "preact/hooks";
import type { Method, Supplier } from "../bindings";
import { call, commands } from "../api";
import { limit } from "../options";
import { Card, ErrorBox, Field, Form, Pending, useLoad, useSubmit } from "../components/Form";
import { formatDay, t } from "../i18n";
import { METHODS, formatMoney } from "../money";
import { v7 as uuid } from "uuid";

function blank(): Supplier {
  return { id: uuid(), name: "", rfc: "", contact: "", phone: "", email: "", address: "", notes: "", active: true };
}

export function SuppliersScreen({ canWrite }: { canWrite: boolean }) {
  const list = useLoad(() => call(commands.listSuppliers()));
  const [editing, setEditing] = useState<{ supplier: Supplier; isNew: boolean } | null>(null);
  if (!list.data) return <Pending error={list.error} />;
  return (
    <div class="two-columns">
      <section class="card" data-test="suppliers">
        <div class="toolbar">
          <h2>{t("nav.suppliers")}</h2>
          <span class="spacer" />
          {canWrite ? <button onClick={() => setEditing({ supplier: blank(), isNew: true })}>{t("suppliers.new")}</button> : null}
        </div>
        <ul class="plain">
          {list.data.map((s) => (
            <li key={s.id} class={s.active ? "" : "muted"}>
              <button class="link" onClick={() => setEditing({ supplier: s, isNew: false })}>
                {s.name}
              </button>{" "}
              {s.rfc ? <small>· {s.rfc}</small> : null}
            </li>
          ))}
        </ul>
      </section>
      {editing ? (
        <div>
          <SupplierForm
            key={editing.supplier.id}
            initial={editing.supplier}
            isNew={editing.isNew}
            canWrite={canWrite}
            onSaved={(supplier) => {
              setEditing({ supplier, isNew: false });
              void list.reload();
            }}
          />
          {!editing.isNew ? <SupplierHistory key={`h${editing.supplier.id}`} id={editing.supplier.id} /> : null}
        </div>
      ) : null}
    </div>
  );
}

function SupplierForm(p: { initial: Supplier; isNew: boolean; canWrite: boolean; onSaved: (s: Supplier) => void }) {
  const [s, setS] = useState(p.initial);
  const save = useSubmit(async () => p.onSaved(await call(p.isNew ? commands.createSupplier(s) : commands.updateSupplier(s))));
  const field = (k: "name" | "rfc" | "contact" | "phone" | "email" | "address" | "notes") => (
    <Field name={k} value={s[k]} onInput={(v) => setS({ ...s, [k]: v })} invalid={save.field === k} maxLength={limit(`suppliers.${k}`)} />
  );
  return (
    <Card title={p.isNew ? t("suppliers.new") : s.name}>
      <Form onSubmit={() => void save.run()} test="supplier-form">
        <fieldset disabled={!p.canWrite}>
          {field("name")}
          {field("rfc")}
          {field("contact")}
          {field("phone")}
          {field("email")}
          {field("address")}
          {field("notes")}
          <label class="choice">
            <input type="checkbox" checked={s.active} onChange={(e) => setS({ ...s, active: (e.target as HTMLInputElement).checked })} />
            {t("common.active")}
          </label>
        </fieldset>
        <ErrorBox message={save.message} />
        {p.canWrite ? (
          <button type="submit" disabled={save.busy}>
            {t("common.save")}
          </button>
        ) : null}
      </Form>
    </Card>
  );
}

function SupplierHistory({ id }: { id: string }) {
  const detail = useLoad(() => call(commands.getSupplier(id)));
  if (!detail.data) return <Pending error={detail.error} />;
  const d = detail.data;
  return (
    <Card title={t("suppliers.history")}>
      <h3>{t("suppliers.supplies")}</h3>
      <ul class="plain">
        {d.products.map((x) => (
          <li key={x.productId}>
            {x.name} {x.lastCostCents !== null ? `· ${formatMoney(x.lastCostCents)}` : ""}
          </li>
        ))}
      </ul>
      <h3>{t("suppliers.purchases")}</h3>
      <table>
        <tbody>
          {d.purchases.map((x) => (
            <tr key={x.id}>
              <td>{formatDay(x.receivedOn)}</td>
              <td>{x.invoiceRef}</td>
              <td class="money">{formatMoney(x.totalCents)}</td>
              <td>{x.paid ? t("suppliers.paid") : <PayButton purchaseId={x.id} onPaid={() => void detail.reload()} />}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Card>
  );
}

function PayButton(p: { purchaseId: string; onPaid: () => void }) {
  const [method, setMethod] = useState<Method>("transfer");
  const [id] = useState(() => uuid());
  const pay = useSubmit(async () => {
    await call(commands.payPurchase(p.purchaseId, id, method));
    p.onPaid();
  });
  return (
    <span class="inline">
      <select aria-label={t("fields.method")} value={method} onChange={(e) => setMethod((e.target as HTMLSelectElement).value as Method)}>
        {METHODS.map((m) => (
          <option value={m}>{t(`methods.${m}`)}</option>
        ))}
      </select>{" "}
      <button type="button" class="secondary" disabled={pay.busy} onClick={() => void pay.run()}>
        {t("suppliers.pay")}
      </button>
      <ErrorBox message={pay.message} />
    </span>
  );
}
