import { useState } from "preact/hooks";
import { call, commands } from "../api";
import type { ChainCheck } from "../bindings";
import { Card, ErrorBox, Pending, useLoad, useSubmit } from "../components/Form";
import { formatDateTime, t } from "../i18n";

/** "Verificar bitácora": walks the audit chain and says where it first broke, if it did. */
function VerifyChain() {
  const [check, setCheck] = useState<ChainCheck | null>(null);
  const verify = useSubmit(async () => setCheck(await call(commands.verifyAuditLog())));
  return (
    <div class="row" data-test="audit-verify">
      <button type="button" disabled={verify.busy} onClick={() => void verify.run()}>
        {t("admin.audit.verify")}
      </button>
      {check && !check.firstBreak && (
        <p class="ok" data-test="audit-intact">{t("admin.audit.intact", { rows: check.rows, head: check.head.slice(0, 16) })}</p>
      )}
      {check?.firstBreak && (
        <p class="error" data-test="audit-broken">
          {t(`admin.audit.broken.${check.firstBreak.reason}`, { id: check.firstBreak.auditId ?? "—", position: check.firstBreak.position ?? "—" })}
        </p>
      )}
      <ErrorBox message={verify.message} />
    </div>
  );
}

export function AuditTab() {
  const { data: rows, error } = useLoad(() => call(commands.listAuditLog(200)));
  if (!rows) return <Pending error={error} />;
  if (!rows.length) return <p class="empty">{t("common.empty")}</p>;
  return (
    <Card title={t("admin.tabs.audit")}>
      <VerifyChain />
      <table data-test="audit-table">
        <thead>
          <tr>
            <th>{t("admin.audit.at")}</th>
            <th>{t("admin.audit.who")}</th>
            <th>{t("admin.audit.desk")}</th>
            <th>{t("admin.audit.action")}</th>
            <th>{t("admin.audit.entity")}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id}>
              <td>{formatDateTime(r.at)}</td>
              <td title={r.dbLogin ? `${t("admin.audit.dbLogin")}: ${r.dbLogin}` : undefined}>{r.username ?? "—"}</td>
              <td>{r.desk}</td>
              <td>{r.action}</td>
              <td>
                {r.entity} {r.entityId ?? ""}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Card>
  );
}
