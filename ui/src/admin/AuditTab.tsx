import { call, commands } from "../api";
import { Card, Pending, useLoad } from "../components/Form";
import { formatDateTime, t } from "../i18n";

export function AuditTab() {
  const { data: rows, error } = useLoad(() => call(commands.listAuditLog(200)));
  if (!rows) return <Pending error={error} />;
  if (!rows.length) return <p class="empty">{t("common.empty")}</p>;
  return (
    <Card title={t("admin.tabs.audit")}>
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
              <td>{r.username ?? "—"}</td>
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
