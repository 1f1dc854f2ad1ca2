// The catalog: treatments (duration, price, the consumables they use) and products (SKU, unit,
// cost, sale price, minimum stock).
import { useState } from "preact/hooks";
import { CONSENT_KINDS, type Product, type Treatment } from "../bindings";
import { call, commands, typedCents } from "../api";
import { limit } from "../options";
import { ErrorBox, Field, Form, Pending, useLoad, useSubmit } from "../components/Form";
import { t } from "../i18n";
import { formatMoney, moneyInput, parseMoney } from "../money";
import { v7 as uuid } from "uuid";

export function CatalogScreen({ canWrite }: { canWrite: boolean }) {
  const data = useLoad(async () => ({ treatments: await call(commands.listTreatments()), products: await call(commands.listProducts()) }));
  const [editing, setEditing] = useState<{ kind: "treatment"; value: Treatment } | { kind: "product"; value: Product } | null>(null);
  if (!data.data) return <Pending error={data.error} />;
  const { treatments, products } = data.data;
  const done = () => {
    setEditing(null);
    void data.reload();
  };
  const newTreatment = (): Treatment => ({ id: uuid(), name: "", durationMinutes: 30, priceCents: 0, active: true, consumables: [], requiresConsent: null });
  const newProduct = (): Product => ({ id: uuid(), sku: "", name: "", unit: "pieza", costCents: 0, priceCents: 0, minStock: 0, active: true });
  return (
    <div class="two-columns">
      <div>
        <CatalogList
          test="treatments"
          title={t("catalog.treatments")}
          newLabel={t("catalog.newTreatment")}
          items={treatments}
          canWrite={canWrite}
          label={(x) => x.name}
          detail={(x) => `${x.durationMinutes} min · ${formatMoney(x.priceCents)}`}
          onEdit={(value) => setEditing({ kind: "treatment", value: value ?? newTreatment() })}
        />
        <CatalogList
          test="products"
          title={t("catalog.products")}
          newLabel={t("catalog.newProduct")}
          items={products}
          canWrite={canWrite}
          label={(x) => `${x.sku} · ${x.name}`}
          detail={(x) => formatMoney(x.priceCents)}
          onEdit={(value) => setEditing({ kind: "product", value: value ?? newProduct() })}
        />
      </div>
      {editing?.kind === "treatment" ? (
        <TreatmentForm key={editing.value.id} initial={editing.value} isNew={!treatments.some((x) => x.id === editing.value.id)} products={products} onDone={done} />
      ) : null}
      {editing?.kind === "product" ? (
        <ProductForm key={editing.value.id} initial={editing.value} isNew={!products.some((x) => x.id === editing.value.id)} onDone={done} />
      ) : null}
    </div>
  );
}

/** The end of both catalog forms: the active switch, the error, the save button. */
function ActiveAndSave(p: { active: boolean; onActive: (active: boolean) => void; busy: boolean; message: string | null }) {
  return (
    <>
      <label class="choice">
        <input type="checkbox" checked={p.active} onChange={(e) => p.onActive((e.target as HTMLInputElement).checked)} />
        {t("common.active")}
      </label>
      <ErrorBox message={p.message} />
      <button type="submit" disabled={p.busy}>
        {t("common.save")}
      </button>
    </>
  );
}

/** One list of the catalog: its items (retired ones dimmed), each opening its form. */
function CatalogList<T extends { id: string; active: boolean }>(p: {
  test: string;
  title: string;
  newLabel: string;
  items: T[];
  canWrite: boolean;
  label: (x: T) => string;
  detail: (x: T) => string;
  onEdit: (x: T | null) => void;
}) {
  return (
    <section class="card" data-test={p.test}>
      <div class="toolbar">
        <h2>{p.title}</h2>
        <span class="spacer" />
        {p.canWrite ? <button onClick={() => p.onEdit(null)}>{p.newLabel}</button> : null}
      </div>
      <ul class="plain">
        {p.items.map((x) => (
          <li key={x.id} class={x.active ? "" : "muted"}>
            <button class="link" disabled={!p.canWrite} onClick={() => p.onEdit(x)}>
              {p.label(x)}
            </button>{" "}
            · {p.detail(x)}
          </li>
        ))}
      </ul>
    </section>
  );
}

function MoneyField(p: { name: string; value: string; onInput: (v: string) => void; invalid: boolean }) {
  return <Field name={p.name} value={p.value} onInput={p.onInput} invalid={p.invalid || (p.value !== "" && parseMoney(p.value) === null)} />;
}

function TreatmentForm(p: { initial: Treatment; isNew: boolean; products: Product[]; onDone: () => void }) {
  const [v, setV] = useState(p.initial);
  const [price, setPrice] = useState(moneyInput(p.initial.priceCents));
  const save = useSubmit(async () => {
    const input = { ...v, priceCents: typedCents(price, "priceCents") };
    await call(p.isNew ? commands.createTreatment(input) : commands.updateTreatment(input));
    p.onDone();
  });
  const quantity = (id: string) => v.consumables.find((c) => c.productId === id)?.quantity ?? 0;
  const setQuantity = (id: string, q: number) =>
    setV({ ...v, consumables: [...v.consumables.filter((c) => c.productId !== id), ...(q > 0 ? [{ productId: id, quantity: q }] : [])] });
  return (
    <Form onSubmit={() => void save.run()} class="card" test="treatment-form">
      <Field name="name" value={v.name} onInput={(name) => setV({ ...v, name })} invalid={save.field === "name"} autoFocus maxLength={limit("treatments.name")} />
      <Field name="durationMinutes" type="number" value={String(v.durationMinutes)} onInput={(d) => setV({ ...v, durationMinutes: Number(d) })} invalid={save.field === "durationMinutes"} />
      <MoneyField name="priceCents" value={price} onInput={setPrice} invalid={save.field === "priceCents"} />
      <label class="field">
        <span>{t("fields.requiresConsent")}</span>
        <select
          data-test="treatment-consent"
          value={v.requiresConsent ?? ""}
          onChange={(e) => {
            const kind = (e.target as HTMLSelectElement).value;
            setV({ ...v, requiresConsent: CONSENT_KINDS.find((k) => k === kind) ?? null });
          }}
        >
          <option value="">{t("consents.none")}</option>
          {CONSENT_KINDS.map((k) => (
            <option value={k}>{t(`consents.kinds.${k}`)}</option>
          ))}
        </select>
      </label>
      <fieldset>
        <legend>{t("fields.consumables")}</legend>
        {p.products.filter((x) => x.active || quantity(x.id) > 0).map((x) => (
          <label class="field inline-field">
            <span>
              {x.name} ({x.unit})
            </span>
            <input type="number" min={0} class="qty" value={quantity(x.id) || ""} onInput={(e) => setQuantity(x.id, Number((e.target as HTMLInputElement).value) || 0)} />
          </label>
        ))}
      </fieldset>
      <ActiveAndSave active={v.active} onActive={(active) => setV({ ...v, active })} busy={save.busy} message={save.message} />
    </Form>
  );
}

function ProductForm(p: { initial: Product; isNew: boolean; onDone: () => void }) {
  const [v, setV] = useState(p.initial);
  const [cost, setCost] = useState(moneyInput(p.initial.costCents));
  const [price, setPrice] = useState(moneyInput(p.initial.priceCents));
  const save = useSubmit(async () => {
    const input = { ...v, costCents: typedCents(cost, "costCents"), priceCents: typedCents(price, "priceCents") };
    await call(p.isNew ? commands.createProduct(input) : commands.updateProduct(input));
    p.onDone();
  });
  const field = (name: "sku" | "name" | "unit") => (
    <Field name={name} value={v[name]} onInput={(x) => setV({ ...v, [name]: x })} invalid={save.field === name} maxLength={limit(`products.${name}`)} />
  );
  return (
    <Form onSubmit={() => void save.run()} class="card" test="product-form">
      {field("sku")}
      {field("name")}
      {field("unit")}
      <MoneyField name="costCents" value={cost} onInput={setCost} invalid={save.field === "costCents"} />
      <MoneyField name="priceCents" value={price} onInput={setPrice} invalid={save.field === "priceCents"} />
      <Field name="minStock" type="number" value={String(v.minStock)} onInput={(m) => setV({ ...v, minStock: Number(m) })} invalid={save.field === "minStock"} />
      <ActiveAndSave active={v.active} onActive={(active) => setV({ ...v, active })} busy={save.busy} message={save.message} />
    </Form>
  );
}
