// Reception's checkout: pick today's patient, turn what the podiatrist recorded (plus any
// product sold) into a charge at today's prices, take payment by one or several methods, print
// the receipt. A counter sale (a product, no appointment) goes the same way for any patient.
import { useState } from "preact/hooks";
import type { Charge, DraftLine as ProposedLine, LineInput, Method, PatientSummary, Product, SavedDocument, Treatment } from "../bindings";
import { call, commands, typedCents } from "../api";
import { limit } from "../options";
import { DocumentLink, docLang } from "../components/Document";
import { useDraft } from "../components/draft";
import { ErrorBox, Form, Pending, useLoad, useSubmit } from "../components/Form";
import { PatientPicker } from "../components/PatientPicker";
import { TodayPicker } from "../components/TodayPicker";
import { formatDateTime, t } from "../i18n";
import { METHODS, formatMoney, moneyInput, parseMoney } from "../money";
import { v7 as uuid } from "uuid";

type Selection = { kind: "appointment"; id: string } | { kind: "sale"; patient: PatientSummary; key: string };

export function CheckoutScreen({ canWrite, canDiscount, canRefund }: { canWrite: boolean; canDiscount: boolean; canRefund: boolean }) {
  const [selection, setSelection] = useState<Selection | null>(null);
  const [choosing, setChoosing] = useState(false);
  return (
    <div class="two-columns">
      <div>
        <TodayPicker
          test="checkout-queue"
          statuses={["arrived", "in_consultation", "completed"]}
          selected={selection?.kind === "appointment" ? selection.id : null}
          onSelect={(a) => setSelection({ kind: "appointment", id: a.id })}
        />
        {canWrite ? (
          <div class="card" data-test="counter-sale">
            <h2>{t("checkout.counterSale")}</h2>
            {choosing ? (
              <PatientPicker
                autoFocus
                onPick={(patient) => {
                  setChoosing(false);
                  setSelection({ kind: "sale", patient, key: uuid() });
                }}
              />
            ) : (
              <button type="button" class="secondary" data-test="new-sale" onClick={() => setChoosing(true)}>
                {t("checkout.newSale")}
              </button>
            )}
          </div>
        ) : null}
      </div>
      {selection?.kind === "appointment" ? (
        <CheckoutPanel key={selection.id} appointmentId={selection.id} canWrite={canWrite} canDiscount={canDiscount} canRefund={canRefund} />
      ) : selection?.kind === "sale" ? (
        <SalePanel key={selection.key} patient={selection.patient} canDiscount={canDiscount} canRefund={canRefund} />
      ) : (
        <p class="empty">{t("checkout.pick")}</p>
      )}
    </div>
  );
}

function SalePanel(p: { patient: PatientSummary; canDiscount: boolean; canRefund: boolean }) {
  const [chargeId, setChargeId] = useState<string | null>(null);
  return (
    <section class="card checkout" data-test="sale">
      <div class="toolbar">
        <h2>{p.patient.fullName}</h2>
        <span class="spacer" />
        <span>{t("checkout.counterSale")}</span>
      </div>
      {chargeId ? (
        <StoredCharge id={chargeId} canRefund={p.canRefund} />
      ) : (
        <ChargeBuilder
          patientId={p.patient.id}
          visitId={null}
          visitOpen={false}
          proposed={[]}
          canDiscount={p.canDiscount}
          onCreated={(c) => setChargeId(c.id)}
        />
      )}
    </section>
  );
}

function StoredCharge(p: { id: string; canRefund: boolean }) {
  const charge = useLoad(() => call(commands.getCharge(p.id)), [p.id], ["money"]);
  if (!charge.data) return <Pending error={charge.error} />;
  return <ChargeView charge={charge.data} canWrite canRefund={p.canRefund} onChanged={() => void charge.reload()} />;
}

function CheckoutPanel(p: { appointmentId: string; canWrite: boolean; canDiscount: boolean; canRefund: boolean }) {
  const checkout = useLoad(() => call(commands.getCheckout(p.appointmentId)), [p.appointmentId], ["money", "agenda"]);
  if (!checkout.data) return <Pending error={checkout.error} />;
  const c = checkout.data;
  return (
    <section class="card checkout" data-test="checkout">
      <div class="toolbar">
        <h2>{c.patientName}</h2>
        <span class="spacer" />
        <span data-test="patient-balance">
          {t("checkout.balance")}: <strong>{formatMoney(c.balanceCents)}</strong>
        </span>
      </div>
      {c.charge ? (
        <ChargeView charge={c.charge} canWrite={p.canWrite} canRefund={p.canRefund} onChanged={() => void checkout.reload()} />
      ) : p.canWrite ? (
        <ChargeBuilder
          patientId={c.patientId}
          visitId={c.visitId}
          visitOpen={c.visitId !== null && !c.visitSigned}
          proposed={c.proposed}
          canDiscount={p.canDiscount}
          onCreated={() => void checkout.reload()}
        />
      ) : (
        <p class="empty">{t("checkout.noCharge")}</p>
      )}
    </section>
  );
}

interface DraftLine extends LineInput {
  key: string;
  description: string;
  /** The price shown, sent with the line: the charge is made at it or refused ("price changed"). */
  unitPriceCents: number;
  discountText: string;
}

function lineFromCatalog(item: Treatment | Product, kind: "treatment" | "product", quantity = 1): DraftLine {
  return {
    key: uuid(),
    treatmentId: kind === "treatment" ? item.id : null,
    productId: kind === "product" ? item.id : null,
    description: item.name,
    quantity,
    unitPriceCents: item.priceCents,
    discountCents: 0,
    discountText: "",
    discountReason: "",
  };
}

function ChargeBuilder(p: {
  patientId: string;
  visitId: string | null;
  visitOpen: boolean;
  proposed: ProposedLine[];
  canDiscount: boolean;
  onCreated: (charge: Charge) => void;
}) {
  const catalog = useLoad(async () => ({
    treatments: await call(commands.listTreatments()),
    products: await call(commands.listProducts()),
  }));
  const [lines, setLines] = useState<DraftLine[]>(() =>
    p.proposed.map((l) => ({
      key: uuid(),
      treatmentId: l.treatmentId,
      productId: null,
      description: l.description,
      quantity: l.quantity,
      unitPriceCents: l.unitPriceCents,
      discountCents: 0,
      discountText: "",
      discountReason: "",
    })),
  );
  const [id, setId] = useState(() => uuid());
  // A charge being put together survives a lock, a crash or a restart (per visit, or per patient
  // for a counter sale).
  const kept = useDraft("charge", p.visitId ?? p.patientId, { id, lines }, (d) => {
    setId(d.id);
    setLines(d.lines);
  });
  const create = useSubmit(async () => {
    // The discount typed, checked here: a mistyped one is refused naming the field, not dropped.
    const input = lines.map(({ treatmentId, productId, quantity, discountText, discountReason, unitPriceCents }) => ({
      treatmentId,
      productId,
      quantity,
      discountCents: discountText.trim() ? typedCents(discountText, "discountCents") : 0,
      discountReason,
      unitPriceCents,
    }));
    const charge = await call(commands.createCharge({ id, patientId: p.patientId, visitId: p.visitId, lines: input }));
    await kept.clear();
    p.onCreated(charge);
  });
  const update = (key: string, change: Partial<DraftLine>) => setLines(lines.map((l) => (l.key === key ? { ...l, ...change } : l)));
  const total = lines.reduce((sum, l) => sum + l.quantity * l.unitPriceCents - l.discountCents, 0);
  const add = (value: string) => {
    const [kind, itemId] = value.split(":");
    const item =
      kind === "treatment" ? catalog.data?.treatments.find((x) => x.id === itemId) : catalog.data?.products.find((x) => x.id === itemId);
    if (item) setLines([...lines, lineFromCatalog(item, kind as "treatment" | "product")]);
  };
  return (
    <Form onSubmit={() => void create.run()} test="charge-builder">
      {p.visitOpen ? <p class="warning">{t("checkout.visitOpen")}</p> : null}
      {kept.restored ? (
        <p class="notice" data-test="draft-restored">
          {t("drafts.restored", { when: formatDateTime(kept.restored) })}
        </p>
      ) : null}
      <table class="lines">
        <thead>
          <tr>
            <th>{t("fields.description")}</th>
            <th>{t("fields.quantity")}</th>
            <th>{t("checkout.unitPrice")}</th>
            {p.canDiscount ? <th>{t("fields.discountCents")}</th> : null}
            <th>{t("checkout.amount")}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {lines.map((l) => (
            <tr key={l.key} data-test="charge-line">
              <td>{l.description}</td>
              <td>
                <input type="number" class="qty" min={1} max={999} value={l.quantity} onInput={(e) => update(l.key, { quantity: Number((e.target as HTMLInputElement).value) })} />
              </td>
              <td class="money">{formatMoney(l.unitPriceCents)}</td>
              {p.canDiscount ? (
                <td>
                  <input
                    class="money-input"
                    value={l.discountText}
                    placeholder="0.00"
                    onInput={(e) => {
                      const text = (e.target as HTMLInputElement).value;
                      update(l.key, { discountText: text, discountCents: parseMoney(text) ?? 0 });
                    }}
                  />
                  {l.discountCents > 0 ? (
                    <input
                      placeholder={t("fields.discountReason")}
                      value={l.discountReason}
                      onInput={(e) => update(l.key, { discountReason: (e.target as HTMLInputElement).value })}
                    />
                  ) : null}
                </td>
              ) : null}
              <td class="money">{formatMoney(l.quantity * l.unitPriceCents - l.discountCents)}</td>
              <td>
                <button type="button" class="link" onClick={() => setLines(lines.filter((x) => x.key !== l.key))}>
                  {t("common.remove")}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th colSpan={p.canDiscount ? 4 : 3}>{t("checkout.total")}</th>
            <th class="money" data-test="charge-total">
              {formatMoney(total)}
            </th>
            <th />
          </tr>
        </tfoot>
      </table>
      {catalog.data ? (
        <label class="field">
          <span>{t("checkout.addItem")}</span>
          <select value="" data-test="add-item" onChange={(e) => add((e.target as HTMLSelectElement).value)}>
            <option value="">—</option>
            <optgroup label={t("nav.catalog")}>
              {catalog.data.treatments.filter((x) => x.active).map((x) => (
                <option value={`treatment:${x.id}`}>
                  {x.name} · {formatMoney(x.priceCents)}
                </option>
              ))}
            </optgroup>
            <optgroup label={t("catalog.products")}>
              {catalog.data.products.filter((x) => x.active).map((x) => (
                <option value={`product:${x.id}`}>
                  {x.name} · {formatMoney(x.priceCents)}
                </option>
              ))}
            </optgroup>
          </select>
        </label>
      ) : null}
      <ErrorBox message={create.message} />
      <button type="submit" data-test="create-charge" disabled={create.busy || !lines.length}>
        {t("checkout.createCharge")}
      </button>
    </Form>
  );
}

function ChargeView(p: { charge: Charge; canWrite: boolean; canRefund: boolean; onChanged: () => void }) {
  const c = p.charge;
  const owed = c.totalCents - c.paidCents;
  const [doc, setDoc] = useState<SavedDocument | null>(null);
  const print = useSubmit(async () => setDoc(await call(commands.exportReceipt(c.id, docLang()))));
  return (
    <div data-test="charge">
      <p>
        {c.folio ? t("checkout.folio", { folio: String(c.folio).padStart(6, "0") }) : <span data-test="folio-pending">{t("checkout.folioPending")}</span>} ·{" "}
        {t("checkout.total")}{" "}
        <strong>{formatMoney(c.totalCents)}</strong> · {t("checkout.paid")} <strong data-test="charge-paid">{formatMoney(c.paidCents)}</strong> ·{" "}
        {t("checkout.owed")} <strong data-test="charge-owed">{formatMoney(owed)}</strong>
      </p>
      <ul class="plain">
        {c.lines.map((l) => (
          <li>
            {l.quantity} × {l.description} — {formatMoney(l.totalCents)}
            {l.discountCents > 0 ? <small> ({t("fields.discountCents")} {formatMoney(l.discountCents)}: {l.discountReason})</small> : null}
          </li>
        ))}
      </ul>
      {p.canWrite && owed > 0 ? <PaymentForm key={c.paidCents} charge={c} owed={owed} onPaid={p.onChanged} /> : null}
      {owed === 0 ? <p class="notice" data-test="paid-in-full">{t("checkout.paidInFull")}</p> : null}
      {p.canRefund && c.paidCents > 0 ? <RefundForm charge={c} onDone={p.onChanged} /> : null}
      {c.folio ? (
        <button type="button" class="secondary" data-test="print-receipt" disabled={print.busy} onClick={() => void print.run()}>
          {t("checkout.printReceipt")}
        </button>
      ) : null}
      <ErrorBox message={print.message} />
      <DocumentLink doc={doc} />
    </div>
  );
}

function PaymentForm(p: { charge: Charge; owed: number; onPaid: () => void }) {
  const [method, setMethod] = useState<Method>("cash");
  const [amount, setAmount] = useState(moneyInput(p.owed));
  const [received, setReceived] = useState("");
  const [reference, setReference] = useState("");
  const [id, setId] = useState(() => uuid());
  const cents = parseMoney(amount);
  const given = parseMoney(received);
  const pay = useSubmit(async () => {
    if (cents === null) return;
    // The same id until it lands: a retry after a lost answer is not a second payment.
    await call(commands.takePayment({ id, patientId: p.charge.patientId, chargeId: p.charge.id, method, amountCents: cents, reference }));
    setId(uuid());
    p.onPaid();
  });
  return (
    <Form onSubmit={() => void pay.run()} test="payment-form" class="payment">
      <div class="row">
        {METHODS.map((m) => (
          <label class="choice">
            <input type="radio" name="method" data-test={`method-${m}`} checked={method === m} onChange={() => setMethod(m)} />
            {t(`methods.${m}`)}
          </label>
        ))}
      </div>
      <div class="row">
        <label class={pay.field === "amountCents" || (amount && cents === null) ? "field invalid" : "field"}>
          <span>{t("fields.amountCents")}</span>
          <input name="amount" data-test="payment-amount" value={amount} onInput={(e) => setAmount((e.target as HTMLInputElement).value)} />
        </label>
        {method === "cash" ? (
          <label class="field">
            <span>{t("checkout.received")}</span>
            <input value={received} onInput={(e) => setReceived((e.target as HTMLInputElement).value)} />
          </label>
        ) : (
          <label class="field">
            <span>{t("fields.reference")}</span>
            <input value={reference} onInput={(e) => setReference((e.target as HTMLInputElement).value)} maxLength={limit("payments.reference")} />
          </label>
        )}
        {method === "cash" && given !== null && cents !== null && given >= cents ? (
          <span class="notice" data-test="change">
            {t("checkout.change")}: {formatMoney(given - cents)}
          </span>
        ) : null}
      </div>
      {amount && cents === null ? <p class="error">{t("errors.validation", { field: t("fields.amountCents"), message: t("errors.amount_format") })}</p> : null}
      <ErrorBox message={pay.message} />
      <button type="submit" data-test="take-payment" disabled={pay.busy || cents === null}>
        {t("checkout.takePayment")}
      </button>
    </Form>
  );
}

function RefundForm(p: { charge: Charge; onDone: () => void }) {
  const [open, setOpen] = useState(false);
  const [method, setMethod] = useState<Method>("cash");
  const [amount, setAmount] = useState("");
  const [reason, setReason] = useState("");
  const [id, setId] = useState(() => uuid());
  const cents = parseMoney(amount);
  const refund = useSubmit(async () => {
    if (cents === null) return;
    await call(commands.refundPayment({ id, patientId: p.charge.patientId, chargeId: p.charge.id, method, amountCents: cents, reason }));
    setId(uuid());
    setOpen(false);
    p.onDone();
  });
  if (!open) {
    return (
      <button type="button" class="link" onClick={() => setOpen(true)}>
        {t("checkout.refund")}
      </button>
    );
  }
  return (
    <Form onSubmit={() => void refund.run()} test="refund-form" class="payment">
      <h3>{t("checkout.refund")}</h3>
      <div class="row">
        {METHODS.map((m) => (
          <label class="choice">
            <input type="radio" name="refund-method" checked={method === m} onChange={() => setMethod(m)} />
            {t(`methods.${m}`)}
          </label>
        ))}
      </div>
      <div class="row">
        <label class={refund.field === "amountCents" || (amount && cents === null) ? "field invalid" : "field"}>
          <span>{t("fields.amountCents")}</span>
          <input value={amount} placeholder={moneyInput(p.charge.paidCents)} onInput={(e) => setAmount((e.target as HTMLInputElement).value)} />
        </label>
        <label class={refund.field === "reason" ? "field invalid" : "field"}>
          <span>{t("fields.reason")}</span>
          <input value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} maxLength={limit("payments.reason")} />
        </label>
      </div>
      <ErrorBox message={refund.message} />
      <div class="row">
        <button type="submit" disabled={refund.busy || cents === null}>
          {t("checkout.refund")}
        </button>
        <button type="button" class="secondary" onClick={() => setOpen(false)}>
          {t("common.cancel")}
        </button>
      </div>
    </Form>
  );
}
