// Stock: every product's stock with the low ones first, the valuation at cost, a product's stock
// card, receiving a supplier's delivery and recording adjustments, losses and returns.
import { useState } from "preact/hooks";
import type { PurchaseLine, StockKind, StockLevel, StockOverview, Supplier } from "../bindings";
import { call, commands, typedCents, typedInt } from "../api";
import { limit } from "../options";
import { ErrorBox, Form, Pending, useLoad, useSubmit } from "../components/Form";
import { clinicToday } from "../clinicTime";
import { formatDateTime, t } from "../i18n";
import { formatMoney } from "../money";
import { v7 as uuid } from "uuid";
import { DateInput } from "../components/DateInput";

export function InventoryScreen({ canWrite }: { canWrite: boolean }) {
  const stock = useLoad(() => call(commands.getStock()), [], ["stock"]);
  const suppliers = useLoad(() => call(commands.listSuppliers()).catch(() => [] as Supplier[]));
  const [cardId, setCardId] = useState<string | null>(null);
  if (!stock.data) return <Pending error={stock.error} />;
  // The card follows the current level, so it reloads when a movement changes the stock.
  const card = stock.data.levels.find((l) => l.productId === cardId);
  const reload = () => void stock.reload();
  return (
    // The stock table across the screen (it has seven columns), the card and forms under it.
    <div class="stack">
      <StockTable overview={stock.data} onPick={(l) => setCardId(l.productId)} />
      <div class="pair">
        {card ? <StockCard key={card.productId} level={card} /> : null}
        {canWrite ? <ReceiveForm products={stock.data.levels} suppliers={suppliers.data ?? []} onDone={reload} /> : null}
        {canWrite ? <MovementForm products={stock.data.levels} onDone={reload} /> : null}
      </div>
    </div>
  );
}

function StockTable({ overview, onPick }: { overview: StockOverview; onPick: (l: StockLevel) => void }) {
  return (
    <section class="card" data-test="stock">
      <div class="toolbar">
        <h2>{t("inventory.stock")}</h2>
        <span class="spacer" />
        {overview.lowCount > 0 ? (
          <span class="badge" data-test="low-count">
            {t("inventory.lowCount", { count: overview.lowCount })}
          </span>
        ) : null}
      </div>
      <table>
        <thead>
          <tr>
            <th>{t("fields.sku")}</th>
            <th>{t("fields.name")}</th>
            <th class="money">{t("inventory.onHand")}</th>
            <th class="money">{t("fields.minStock")}</th>
            <th class="money">{t("inventory.value")}</th>
          </tr>
        </thead>
        <tbody>
          {overview.levels.map((l) => (
            <tr key={l.productId} class={l.active ? (l.low ? "low" : "") : "muted"} data-test={`stock-${l.sku}`}>
              <td>{l.sku}</td>
              <td>
                <button type="button" class="link" onClick={() => onPick(l)}>
                  {l.name}
                </button>
              </td>
              <td class="money" data-test="on-hand">
                {l.stockOnHand} {l.unit}
              </td>
              <td class="money">{l.minStock}</td>
              <td class="money">{formatMoney(l.valueCents)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th colSpan={4}>{t("inventory.valuation")}</th>
            <th class="money" data-test="valuation">
              {formatMoney(overview.valuationCents)}
            </th>
          </tr>
        </tfoot>
      </table>
    </section>
  );
}

function StockCard({ level }: { level: StockLevel }) {
  const card = useLoad(() => call(commands.getStockCard(level.productId)), [level.stockOnHand]);
  return (
    <section class="card" data-test="stock-card">
      <h2>
        {t("inventory.card")}: {level.name}
      </h2>
      {card.data ? (
        <table>
          <tbody>
            {card.data.map((m) => (
              <tr key={m.id}>
                <td>{formatDateTime(m.at)}</td>
                <td>{t(`inventory.kinds.${m.kind}`)}</td>
                <td class="money">{m.quantity > 0 ? `+${m.quantity}` : m.quantity}</td>
                <td class="money">{m.balanceAfter}</td>
                <td>{m.reason}</td>
                <td>
                  <small>{m.byName}</small>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <Pending error={card.error} />
      )}
    </section>
  );
}

interface DraftLine {
  productId: string;
  quantity: string;
  cost: string;
}

function ReceiveForm(p: { products: StockLevel[]; suppliers: Supplier[]; onDone: () => void }) {
  const active = p.products.filter((x) => x.active);
  const offered = p.suppliers.filter((s) => s.active);
  const [chosen, setSupplier] = useState("");
  // The choice if still offered, else the first active supplier (the list may load after the form).
  const supplier = offered.some((s) => s.id === chosen) ? chosen : (offered[0]?.id ?? "");
  const [invoice, setInvoice] = useState("");
  const [received, setReceived] = useState(clinicToday());
  const blankLine = (): DraftLine => ({ productId: active[0]?.productId ?? "", quantity: "", cost: "" });
  const [lines, setLines] = useState<DraftLine[]>([blankLine()]);
  const [id, setId] = useState(() => uuid());
  const [done, setDone] = useState(false);
  const receive = useSubmit(async () => {
    const parsed: PurchaseLine[] = lines.map((l) => ({
      productId: l.productId,
      quantity: typedInt(l.quantity, "quantity"),
      unitCostCents: typedCents(l.cost, "unitCostCents"),
    }));
    await call(commands.receivePurchase({ id, supplierId: supplier, invoiceRef: invoice, receivedOn: received, lines: parsed }));
    setId(uuid());
    setLines([blankLine()]);
    setInvoice("");
    setDone(true);
    p.onDone();
  });
  const set = (i: number, change: Partial<DraftLine>) => {
    setDone(false);
    setLines(lines.map((l, j) => (i === j ? { ...l, ...change } : l)));
  };
  return (
    <Form onSubmit={() => void receive.run()} class="card" test="receive-form">
      <h2>{t("inventory.receive")}</h2>
      <div class="row">
        <label class={receive.field === "supplierId" ? "field invalid" : "field"}>
          <span>{t("fields.supplierId")}</span>
          <select value={supplier} onChange={(e) => setSupplier((e.target as HTMLSelectElement).value)}>
            {offered.map((s) => (
              <option value={s.id}>{s.name}</option>
            ))}
          </select>
        </label>
        <label class="field">
          <span>{t("fields.invoiceRef")}</span>
          <input value={invoice} onInput={(e) => setInvoice((e.target as HTMLInputElement).value)} maxLength={limit("purchases.invoiceRef")} />
        </label>
        <label class="field">
          <span>{t("inventory.receivedOn")}</span>
          <DateInput value={received} onInput={setReceived} />
        </label>
      </div>
      {lines.map((l, i) => (
        <div class="row" data-test="receive-line">
          <select value={l.productId} onChange={(e) => set(i, { productId: (e.target as HTMLSelectElement).value })}>
            {active.map((x) => (
              <option value={x.productId}>{x.name}</option>
            ))}
          </select>
          <input class="qty" type="number" min={1} placeholder={t("fields.quantity")} data-test="receive-quantity" value={l.quantity} onInput={(e) => set(i, { quantity: (e.target as HTMLInputElement).value })} />
          <input class="money-input" placeholder={t("fields.unitCostCents")} data-test="receive-cost" value={l.cost} onInput={(e) => set(i, { cost: (e.target as HTMLInputElement).value })} />
        </div>
      ))}
      <button type="button" class="link" onClick={() => setLines([...lines, blankLine()])}>
        {t("inventory.addLine")}
      </button>
      <ErrorBox message={receive.message} />
      {done ? <p class="notice">{t("inventory.received")}</p> : null}
      <button type="submit" data-test="receive-submit" disabled={receive.busy}>
        {t("inventory.receive")}
      </button>
    </Form>
  );
}

function MovementForm(p: { products: StockLevel[]; onDone: () => void }) {
  const active = p.products.filter((x) => x.active);
  const [product, setProduct] = useState(active[0]?.productId ?? "");
  const [kind, setKind] = useState<StockKind>("loss");
  const [quantity, setQuantity] = useState("");
  const [reason, setReason] = useState("");
  const [id, setId] = useState(() => uuid());
  const record = useSubmit(async () => {
    await call(commands.recordStockMovement({ id, productId: product, kind, quantity: typedInt(quantity, "quantity"), reason, supplierId: null }));
    setId(uuid());
    setQuantity("");
    setReason("");
    p.onDone();
  });
  return (
    <Form onSubmit={() => void record.run()} class="card" test="stock-movement-form">
      <h2>{t("inventory.movement")}</h2>
      <div class="row">
        <select value={product} onChange={(e) => setProduct((e.target as HTMLSelectElement).value)}>
          {active.map((x) => (
            <option value={x.productId}>{x.name}</option>
          ))}
        </select>
        <select value={kind} onChange={(e) => setKind((e.target as HTMLSelectElement).value as StockKind)}>
          {(["loss", "adjustment", "return"] as const).map((k) => (
            <option value={k}>{t(`inventory.kinds.${k}`)}</option>
          ))}
        </select>
        <label class={record.field === "quantity" ? "field invalid" : "field"}>
          <span>{t("fields.quantity")}</span>
          <input class="qty" type="number" value={quantity} placeholder={kind === "adjustment" ? "-2" : "1"} onInput={(e) => setQuantity((e.target as HTMLInputElement).value)} />
        </label>
        <label class={record.field === "reason" ? "field invalid" : "field"}>
          <span>{t("fields.reason")}</span>
          <input value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} maxLength={limit("stock_movements.reason")} />
        </label>
      </div>
      <ErrorBox message={record.message} />
      <button type="submit" disabled={record.busy}>
        {t("cash.record")}
      </button>
    </Form>
  );
}
