// Expenses (gastos): this month's list by category and method, and the form; a cash expense comes
// out of this desk's open drawer.
import { useDraft } from "../components/draft";
import { useState } from "preact/hooks";
import type { ExpenseCategory, Method, Supplier } from "../bindings";
import { call, commands } from "../api";
import { limit } from "../options";
import { ErrorBox, Form, Pending, useLoad, useSubmit } from "../components/Form";
import { clinicToday } from "../clinicTime";
import { formatDateTime, formatDay, t } from "../i18n";
import { METHODS, formatMoney, parseMoney } from "../money";
import { v7 as uuid } from "uuid";
import { DateInput } from "../components/DateInput";

function monthStart(day: string): string {
  return `${day.slice(0, 8)}01`;
}

export function ExpensesScreen({ canWrite }: { canWrite: boolean }) {
  const today = clinicToday();
  const [from, setFrom] = useState(monthStart(today));
  const [to, setTo] = useState(today);
  const list = useLoad(() => call(commands.listExpenses(from, to)), [from, to]);
  const categories = useLoad(() => call(commands.listExpenseCategories()));
  // Without suppliers.read the form simply offers no supplier.
  const suppliers = useLoad(() => call(commands.listSuppliers()).catch(() => [] as Supplier[]));
  const total = (list.data ?? []).reduce((s, x) => s + x.amountCents, 0);
  return (
    <div class="two-columns">
      {!canWrite ? null : categories.data ? (
        <div>
          <ExpenseForm
            categories={categories.data}
            suppliers={(suppliers.data ?? []).filter((x) => x.active)}
            today={today}
            onSaved={() => void list.reload()}
          />
          <Categories categories={categories.data} onSaved={() => void categories.reload()} />
        </div>
      ) : (
        <Pending error={categories.error} />
      )}
      <section class="card" data-test="expenses">
        <div class="toolbar">
          <h2>{t("nav.expenses")}</h2>
          <DateInput value={from} onInput={setFrom} label={t("fields.fromDate")} test="expenses-from" />
          <DateInput value={to} onInput={setTo} label={t("fields.toDate")} test="expenses-to" />
          <button type="button" class="secondary" onClick={() => void list.reload()}>
            {t("common.refresh")}
          </button>
        </div>
        <ErrorBox message={list.error} />
        <table>
          <tbody>
            {(list.data ?? []).map((x) => (
              <tr data-test="expense-row">
                <td>{formatDay(x.spentOn)}</td>
                <td class="two-lines">
                  {x.categoryName}
                  <small>{t(`methods.${x.method}`)}</small>
                </td>
                <td class="wraps">{[x.supplierName, x.note].filter(Boolean).join(" · ")}</td>
                <td class="money">{formatMoney(x.amountCents)}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th colSpan={3}>{t("checkout.total")}</th>
              <th class="money" data-test="expenses-total">
                {formatMoney(total)}
              </th>
            </tr>
          </tfoot>
        </table>
      </section>
    </div>
  );
}

function ExpenseForm(p: { categories: ExpenseCategory[]; suppliers: Supplier[]; today: string; onSaved: () => void }) {
  const active = p.categories.filter((c) => c.active);
  const [chosen, setCategory] = useState("");
  // The choice if it is still offered (a category may be retired meanwhile), else the first one.
  const category = active.some((c) => c.id === chosen) ? chosen : (active[0]?.id ?? "");
  const [amount, setAmount] = useState("");
  const [spentOn, setSpentOn] = useState(p.today);
  const [method, setMethod] = useState<Method>("cash");
  const [note, setNote] = useState("");
  const [supplier, setSupplier] = useState("");
  const [id, setId] = useState(() => uuid());
  const cents = parseMoney(amount);
  const typed = { id, chosen, amount, spentOn, method, note, supplier };
  const kept = useDraft("expense", "", typed, (d) => {
    setId(d.id);
    setCategory(d.chosen);
    setAmount(d.amount);
    setSpentOn(d.spentOn);
    setMethod(d.method);
    setNote(d.note);
    setSupplier(d.supplier);
  });
  const save = useSubmit(async () => {
    if (cents === null) return;
    await call(commands.recordExpense({ id, categoryId: category, amountCents: cents, spentOn, method, supplierId: supplier || null, note }));
    setId(uuid());
    setAmount("");
    setNote("");
    await kept.clear();
    p.onSaved();
  });
  const invalid = (f: string) => (save.field === f ? "field invalid" : "field");
  return (
    <Form onSubmit={() => void save.run()} class="card" test="expense-form">
      <h2>{t("expenses.new")}</h2>
      {kept.restored ? (
        <p class="notice" data-test="draft-restored">
          {t("drafts.restored", { when: formatDateTime(kept.restored) })}
        </p>
      ) : null}
      <label class={invalid("categoryId")}>
        <span>{t("fields.categoryId")}</span>
        <select value={category} onChange={(e) => setCategory((e.target as HTMLSelectElement).value)}>
          {active.map((c) => (
            <option value={c.id}>{c.name}</option>
          ))}
        </select>
      </label>
      <label class={invalid("amountCents") + (amount && cents === null ? " invalid" : "")}>
        <span>{t("fields.amountCents")}</span>
        <input name="amount" data-test="expense-amount" value={amount} placeholder="0.00" onInput={(e) => setAmount((e.target as HTMLInputElement).value)} />
      </label>
      <label class={invalid("spentOn")}>
        <span>{t("fields.spentOn")}</span>
        <DateInput value={spentOn} max={p.today} onInput={setSpentOn} name="spentOn" test="expense-date" />
      </label>
      <div class="row">
        {METHODS.map((m) => (
          <label class="choice">
            <input type="radio" name="expense-method" checked={method === m} onChange={() => setMethod(m)} />
            {t(`methods.${m}`)}
          </label>
        ))}
      </div>
      {method === "cash" ? <small>{t("expenses.fromDrawer")}</small> : null}
      <label class={invalid("supplierId")}>
        <span>{t("fields.supplierId")}</span>
        <select value={supplier} data-test="expense-supplier" onChange={(e) => setSupplier((e.target as HTMLSelectElement).value)}>
          <option value="">—</option>
          {p.suppliers.map((x) => (
            <option value={x.id}>{x.name}</option>
          ))}
        </select>
      </label>
      <label class={invalid("note")}>
        <span>{t("fields.note")}</span>
        <input value={note} onInput={(e) => setNote((e.target as HTMLInputElement).value)} maxLength={limit("expenses.note")} />
      </label>
      <ErrorBox message={save.message} />
      <button type="submit" data-test="save-expense" disabled={save.busy || cents === null}>
        {t("common.save")}
      </button>
    </Form>
  );
}

function Categories(p: { categories: ExpenseCategory[]; onSaved: () => void }) {
  const [name, setName] = useState("");
  const [id, setId] = useState(() => uuid());
  const add = useSubmit(async () => {
    await call(commands.saveExpenseCategory({ id, name, active: true }));
    setId(uuid());
    setName("");
    p.onSaved();
  });
  const toggle = useSubmit(async (c: ExpenseCategory) => {
    await call(commands.saveExpenseCategory({ ...c, active: !c.active }));
    p.onSaved();
  });
  return (
    <details class="card">
      <summary>{t("expenses.categories")}</summary>
      <ul class="plain">
        {p.categories.map((c) => (
          <li class={c.active ? "" : "muted"}>
            {c.name}{" "}
            <button type="button" class="link" onClick={() => void toggle.run(c)}>
              {c.active ? t("admin.retire") : t("admin.reactivate")}
            </button>
          </li>
        ))}
      </ul>
      <ErrorBox message={toggle.message} />
      <Form class="inline" onSubmit={() => void add.run()}>
        <input aria-label={t("expenses.newCategory")} placeholder={t("expenses.newCategory")} value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        <button type="submit" class="secondary" disabled={add.busy}>
          {t("common.create")}
        </button>
      </Form>
      <ErrorBox message={add.message} />
    </details>
  );
}
