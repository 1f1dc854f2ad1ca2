// The cash drawer: open the day with a float, see the corte X at any time, record withdrawals,
// deposits and adjusting entries, and close with the corte Z (count, compare, print).
import { useState } from "preact/hooks";
import type { CashReport, DeskCash, Method, CashMovementKind, SavedDocument } from "../bindings";
import { call, commands } from "../api";
import { limit } from "../options";
import { DocumentLink, docLang } from "../components/Document";
import { ErrorBox, Form, Pending, SubmitOrCancel, useLoad, useSubmit } from "../components/Form";
import { formatDateTime, formatTime, t } from "../i18n";
import { METHODS, formatMoney, moneyInput, parseMoney } from "../money";
import { v7 as uuid } from "uuid";

/** MXN bills and coins, in cents (the same list the server accepts). */
const DENOMINATIONS = [100_000, 50_000, 20_000, 10_000, 5_000, 2_000, 1_000, 500, 200, 100, 50, 20];

export function CashScreen({ canClose }: { canClose: boolean }) {
  const desk = useLoad(() => call(commands.getDeskCash()), [], ["cash"]);
  const [closed, setClosed] = useState<CashReport | null>(null);
  if (closed) return <ZReport report={closed} onDone={() => { setClosed(null); void desk.reload(); }} />;
  if (!desk.data) return <Pending error={desk.error} />;
  const d = desk.data;
  return (
    <div data-test="cash">
      <h1>{t("nav.cash")}</h1>
      {d.session ? (
        <OpenSession key={d.session.id} sessionId={d.session.id} canClose={canClose} onClosed={setClosed} />
      ) : (
        <OpenForm desk={d} onOpened={() => void desk.reload()} />
      )}
    </div>
  );
}

function OpenForm(p: { desk: DeskCash; onOpened: () => void }) {
  const active = p.desk.registers.filter((r) => r.active);
  const [register, setRegister] = useState(p.desk.register?.id ?? active[0]?.id ?? "");
  const [float, setFloat] = useState("");
  const [id] = useState(() => uuid());
  const cents = parseMoney(float);
  const open = useSubmit(async () => {
    if (cents === null) return;
    await call(commands.openCashSession({ id, registerId: register, openingFloatCents: cents }));
    p.onOpened();
  });
  return (
    <Form onSubmit={() => void open.run()} test="open-cash" class="card">
      <h2>{t("cash.openTitle")}</h2>
      <label class="field">
        <span>{t("fields.registerId")}</span>
        <select value={register} onChange={(e) => setRegister((e.target as HTMLSelectElement).value)}>
          {active.map((r) => (
            <option value={r.id}>{r.name}</option>
          ))}
        </select>
      </label>
      <label class={open.field === "openingFloatCents" || (float && cents === null) ? "field invalid" : "field"}>
        <span>{t("fields.openingFloatCents")}</span>
        <input name="float" data-test="opening-float" value={float} placeholder="0.00" onInput={(e) => setFloat((e.target as HTMLInputElement).value)} />
      </label>
      <ErrorBox message={open.message} />
      <button type="submit" data-test="open-drawer" disabled={open.busy || cents === null}>
        {t("cash.open")}
      </button>
    </Form>
  );
}

/** A report's totals for one method, found by the method each total names. */
function totals(report: CashReport, method: Method) {
  return report.methods.find((x) => x.method === method)!;
}

function MethodTable({ report }: { report: CashReport }) {
  const rows: [string, (m: Method) => number | null][] = [
    ["cash.openingFloat", (m) => (m === "cash" ? report.session.openingFloatCents : 0)],
    ["cash.kinds.payment", (m) => totals(report, m).paymentsCents],
    ["cash.kinds.refund", (m) => totals(report, m).refundsCents],
    ["cash.kinds.expense", (m) => totals(report, m).expensesCents],
    ["cash.kinds.withdrawal", (m) => totals(report, m).withdrawalsCents],
    ["cash.kinds.deposit", (m) => totals(report, m).depositsCents],
    ["cash.kinds.adjustment", (m) => totals(report, m).adjustmentsCents],
    ["cash.expected", (m) => totals(report, m).expectedCents],
  ];
  if (report.session.closedAt) {
    rows.push(["cash.counted", (m) => totals(report, m).countedCents]);
    rows.push(["cash.difference", (m) => totals(report, m).differenceCents]);
  }
  return (
    <table class="cash-table" data-test="cash-table">
      <thead>
        <tr>
          <th />
          {METHODS.map((m) => (
            <th class="money">{t(`methods.${m}`)}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map(([label, value]) => (
          <tr class={label === "cash.expected" || label === "cash.difference" ? "total" : ""} data-test={`row-${label.split(".").pop()}`}>
            <th>{t(label)}</th>
            {METHODS.map((m) => {
              const v = value(m);
              return (
                <td class={`money ${label === "cash.difference" && v !== null && v < 0 ? "risk" : ""}`} data-test={`cell-${label.split(".").pop()}-${m}`}>
                  {v === null ? "—" : formatMoney(v)}
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Entries({ report }: { report: CashReport }) {
  return (
    <details>
      <summary>{t("cash.entries", { count: report.entries.length })}</summary>
      <table>
        <tbody>
          {report.entries.map((e) => (
            <tr>
              <td>{formatTime(e.at)}</td>
              <td>{t(`cash.kinds.${e.kind}`)}</td>
              <td>{t(`methods.${e.method}`)}</td>
              <td>{e.label}</td>
              <td class="money">{formatMoney(e.amountCents)}</td>
              <td>
                <small>{e.byName}</small>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}

function PrintButton({ sessionId }: { sessionId: string }) {
  const [doc, setDoc] = useState<SavedDocument | null>(null);
  const print = useSubmit(async () => setDoc(await call(commands.exportCashReport(sessionId, docLang()))));
  return (
    <>
      <button type="button" class="secondary" data-test="print-cash-report" disabled={print.busy} onClick={() => void print.run()}>
        {t("cash.print")}
      </button>
      <ErrorBox message={print.message} />
      <DocumentLink doc={doc} />
    </>
  );
}

function OpenSession(p: { sessionId: string; canClose: boolean; onClosed: (r: CashReport) => void }) {
  const report = useLoad(() => call(commands.getCashReport(p.sessionId)), [p.sessionId], ["cash"]);
  const [closing, setClosing] = useState(false);
  if (!report.data) return <Pending error={report.error} />;
  const r = report.data;
  return (
    <div class="cash-grid">
      <section class="card" data-test="corte-x">
        <div class="toolbar">
          <h2>
            {t("cash.corteX")} · {r.session.registerName}
          </h2>
          <span class="spacer" />
          <button type="button" class="secondary" onClick={() => void report.reload()}>
            {t("common.refresh")}
          </button>
        </div>
        <p>
          {t("cash.openedBy", { name: r.session.openedByName, when: formatDateTime(r.session.openedAt) })}
        </p>
        <MethodTable report={r} />
        <Entries report={r} />
        <PrintButton sessionId={r.session.id} />
      </section>
      <MovementForm onAdded={() => void report.reload()} />
      {p.canClose ? (
        closing ? (
          <CloseForm report={r} onClosed={p.onClosed} onCancel={() => setClosing(false)} />
        ) : (
          <button type="button" data-test="start-close" onClick={() => setClosing(true)}>
            {t("cash.closeZ")}
          </button>
        )
      ) : null}
    </div>
  );
}

function MovementForm(p: { onAdded: () => void }) {
  const [kind, setKind] = useState<CashMovementKind>("withdrawal");
  const [method, setMethod] = useState<Method>("cash");
  const [amount, setAmount] = useState("");
  const [reason, setReason] = useState("");
  const [id, setId] = useState(() => uuid());
  const cents = parseMoney(amount);
  const add = useSubmit(async () => {
    if (cents === null) return;
    await call(commands.addCashMovement({ id, kind, method: kind === "adjustment" ? method : "cash", amountCents: cents, reason }));
    setId(uuid());
    setAmount("");
    setReason("");
    p.onAdded();
  });
  return (
    <Form onSubmit={() => void add.run()} class="card" test="movement-form">
      <h2>{t("cash.movement")}</h2>
      <div class="row">
        <label class="field">
          <span>{t("cash.kind")}</span>
          <select value={kind} onChange={(e) => setKind((e.target as HTMLSelectElement).value as CashMovementKind)}>
            {(["withdrawal", "deposit", "adjustment"] as const).map((k) => (
              <option value={k}>{t(`cash.kinds.${k}`)}</option>
            ))}
          </select>
        </label>
        {kind === "adjustment" ? (
          <label class="field">
            <span>{t("fields.method")}</span>
            <select value={method} onChange={(e) => setMethod((e.target as HTMLSelectElement).value as Method)}>
              {METHODS.map((m) => (
                <option value={m}>{t(`methods.${m}`)}</option>
              ))}
            </select>
          </label>
        ) : null}
        <label class={add.field === "amountCents" || (amount && cents === null) ? "field invalid" : "field"}>
          <span>{t("fields.amountCents")}</span>
          <input value={amount} placeholder={kind === "adjustment" ? "-10.00" : "0.00"} onInput={(e) => setAmount((e.target as HTMLInputElement).value)} />
        </label>
        <label class={add.field === "reason" ? "field invalid" : "field"}>
          <span>{t("fields.reason")}</span>
          <input value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} maxLength={limit("cash_movements.reason")} />
        </label>
      </div>
      <ErrorBox message={add.message} />
      <button type="submit" disabled={add.busy || cents === null}>
        {t("cash.record")}
      </button>
    </Form>
  );
}

function CloseForm(p: { report: CashReport; onClosed: (r: CashReport) => void; onCancel: () => void }) {
  const [byPieces, setByPieces] = useState(false);
  const [pieces, setPieces] = useState<Record<number, string>>({});
  const [cash, setCash] = useState("");
  const [card, setCard] = useState(moneyInput(totals(p.report, "card").expectedCents));
  const [transfer, setTransfer] = useState(moneyInput(totals(p.report, "transfer").expectedCents));
  const [note, setNote] = useState("");
  const counted = byPieces
    ? DENOMINATIONS.reduce((sum, d) => sum + d * (Number(pieces[d] || 0) || 0), 0)
    : parseMoney(cash);
  const [cardCents, transferCents] = [parseMoney(card), parseMoney(transfer)];
  const close = useSubmit(async () => {
    if (counted === null || cardCents === null || transferCents === null) return;
    const denominations = byPieces ? DENOMINATIONS.map((cents) => ({ cents, count: Number(pieces[cents] || 0) || 0 })) : null;
    p.onClosed(
      await call(
        commands.closeCashSession({
          sessionId: p.report.session.id,
          countedCashCents: byPieces ? null : counted,
          denominations,
          countedCardCents: cardCents,
          countedTransferCents: transferCents,
          note,
        }),
      ),
    );
  });
  const expectedCash = totals(p.report, "cash").expectedCents;
  return (
    <Form onSubmit={() => void close.run()} class="card" test="close-form">
      <h2>{t("cash.closeZ")}</h2>
      <label class="choice">
        <input type="checkbox" checked={byPieces} onChange={(e) => setByPieces((e.target as HTMLInputElement).checked)} />
        {t("cash.byDenomination")}
      </label>
      {byPieces ? (
        <div class="denominations">
          {DENOMINATIONS.map((d) => (
            <label class="field inline-field">
              <span>{formatMoney(d)} ×</span>
              <input type="number" min={0} class="qty" value={pieces[d] ?? ""} onInput={(e) => setPieces({ ...pieces, [d]: (e.target as HTMLInputElement).value })} />
            </label>
          ))}
        </div>
      ) : (
        <label class={close.field === "countedCashCents" ? "field invalid" : "field"}>
          <span>{t("fields.countedCashCents")}</span>
          <input name="counted-cash" data-test="counted-cash" value={cash} onInput={(e) => setCash((e.target as HTMLInputElement).value)} />
        </label>
      )}
      <div class="row">
        <label class="field">
          <span>{t("fields.countedCardCents")}</span>
          <input data-test="counted-card" value={card} onInput={(e) => setCard((e.target as HTMLInputElement).value)} />
        </label>
        <label class="field">
          <span>{t("fields.countedTransferCents")}</span>
          <input data-test="counted-transfer" value={transfer} onInput={(e) => setTransfer((e.target as HTMLInputElement).value)} />
        </label>
      </div>
      {counted !== null ? (
        <p data-test="cash-preview">
          {t("cash.counted")}: {formatMoney(counted)} · {t("cash.expected")}: {formatMoney(expectedCash)} · {t("cash.difference")}:{" "}
          <strong class={counted - expectedCash < 0 ? "risk" : ""}>{formatMoney(counted - expectedCash)}</strong>
        </p>
      ) : null}
      <label class="field">
        <span>{t("fields.note")}</span>
        <input value={note} onInput={(e) => setNote((e.target as HTMLInputElement).value)} maxLength={limit("cash_sessions.note")} />
      </label>
      <ErrorBox message={close.message} />
      <SubmitOrCancel
        label={t("cash.confirmClose")}
        test="confirm-close"
        disabled={close.busy || counted === null || cardCents === null || transferCents === null}
        onCancel={p.onCancel}
      />
    </Form>
  );
}

function ZReport(p: { report: CashReport; onDone: () => void }) {
  const r = p.report;
  return (
    <section class="card" data-test="corte-z">
      <h2>
        {t("cash.corteZ")} · {r.session.registerName}
      </h2>
      <p>{t("cash.closedBy", { name: r.session.closedByName ?? "", when: formatDateTime(r.session.closedAt ?? r.generatedAt) })}</p>
      <MethodTable report={r} />
      {r.note ? <p>{r.note}</p> : null}
      <Entries report={r} />
      <PrintButton sessionId={r.session.id} />
      <button type="button" onClick={p.onDone}>
        {t("cash.done")}
      </button>
    </section>
  );
}
