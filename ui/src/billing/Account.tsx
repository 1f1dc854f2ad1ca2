// A patient's account on their page: balance, charges (with their receipts) and payments.
import { useState } from "preact/hooks";
import type { SavedDocument } from "../bindings";
import { call, commands } from "../api";
import { DocumentLink, docLang } from "../components/Document";
import { Card, ErrorBox, Pending, useLoad, useSubmit } from "../components/Form";
import { formatDateTime, t } from "../i18n";
import { formatMoney } from "../money";

export function Account({ patientId }: { patientId: string }) {
  const account = useLoad(() => call(commands.getPatientAccount(patientId)), [patientId], ["money"]);
  const [doc, setDoc] = useState<SavedDocument | null>(null);
  const print = useSubmit(async (chargeId: string) => setDoc(await call(commands.exportReceipt(chargeId, docLang()))));
  if (!account.data) return <Pending error={account.error} />;
  const a = account.data;
  return (
    <Card title={t("checkout.account")}>
      <p data-test="account-balance">
        {t("checkout.balance")}: <strong class={a.balanceCents > 0 ? "risk" : ""}>{formatMoney(a.balanceCents)}</strong>
      </p>
      {!a.charges.length && !a.payments.length ? <p class="empty">{t("checkout.noMovements")}</p> : null}
      <table>
        <tbody>
          {a.charges.map((c) => (
            <tr key={c.id}>
              <td>{formatDateTime(c.createdAt)}</td>
              <td>{t("checkout.folio", { folio: String(c.folio).padStart(6, "0") })}</td>
              <td>{c.lines.map((l) => l.description).join(", ")}</td>
              <td class="money">{formatMoney(c.totalCents)}</td>
              <td class="money">
                {t("checkout.paid")} {formatMoney(c.paidCents)}
              </td>
              <td>
                <button type="button" class="link" disabled={print.busy} onClick={() => void print.run(c.id)}>
                  {t("checkout.receipt")}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <ErrorBox message={print.message} />
      <DocumentLink doc={doc} />
      {a.payments.length ? (
        <details>
          <summary>{t("checkout.payments", { count: a.payments.length })}</summary>
          <ul class="plain">
            {a.payments.map((p) => (
              <li key={p.id}>
                {formatDateTime(p.at)} · {t(`methods.${p.method}`)} · {formatMoney(p.amountCents)}
                {p.reason ? ` (${p.reason})` : ""} · <small>{p.createdByName}</small>
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </Card>
  );
}
