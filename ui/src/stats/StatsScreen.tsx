// The dashboard for a date range: income by period and method (chart), expenses by category
// (chart), net result, appointments, no-shows, top treatments, patients, margins, low stock.
// Every table can be saved as CSV.
import { useEffect, useRef, useState } from "preact/hooks";
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from "chart.js";
import type { Bucket, Dashboard, SavedDocument } from "../bindings";
import { call, commands } from "../api";
import { DocumentLink } from "../components/Document";
import { Card, ErrorBox, Pending, useLoad, useSubmit } from "../components/Form";
import { LastVerified } from "../admin/BackupsTab";
import { clinicToday } from "../clinicTime";
import { formatDay, t } from "../i18n";
import { METHODS, formatMoney, moneyInput } from "../money";
import { DateInput } from "../components/DateInput";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

const METHOD_COLORS = { cash: "#0f766e", card: "#7c3aed", transfer: "#b45309" } as const;

export function StatsScreen() {
  const today = clinicToday();
  const [from, setFrom] = useState(`${today.slice(0, 8)}01`);
  const [to, setTo] = useState(today);
  const [bucket, setBucket] = useState<Bucket>("day");
  const dash = useLoad(() => call(commands.getDashboard(from, to, bucket)), [from, to, bucket]);
  const backups = useLoad(() => call(commands.getBackupHealth()));
  return (
    <div data-test="stats">
      <div class="toolbar">
        <h1>{t("nav.stats")}</h1>
        <DateInput value={from} onInput={setFrom} label={t("fields.fromDate")} test="stats-from" />
        <DateInput value={to} onInput={setTo} label={t("fields.toDate")} test="stats-to" />
        <select value={bucket} onChange={(e) => setBucket((e.target as HTMLSelectElement).value as Bucket)}>
          {(["day", "week", "month"] as const).map((b) => (
            <option value={b}>{t(`stats.buckets.${b}`)}</option>
          ))}
        </select>
      </div>
      {backups.data ? <LastVerified health={backups.data} /> : null}
      {dash.data ? <DashboardView d={dash.data} /> : <Pending error={dash.error} />}
    </div>
  );
}

function DashboardView({ d }: { d: Dashboard }) {
  const periods = [...new Set(d.income.map((p) => p.period))].sort();
  const rate = d.noShowPerMille === null ? "—" : `${(d.noShowPerMille / 10).toFixed(1)} %`;
  return (
    <div class="stats-grid">
      <div class="kpis">
        <Kpi label={t("stats.income")} value={formatMoney(d.incomeCents)} test="kpi-income" />
        <Kpi label={t("stats.expenses")} value={formatMoney(d.expensesCents)} test="kpi-expenses" />
        <Kpi label={t("stats.net")} value={formatMoney(d.netCents)} test="kpi-net" />
        <Kpi label={t("stats.noShowRate")} value={rate} test="kpi-no-show" />
        <Kpi label={t("stats.newReturning")} value={`${d.newPatients} / ${d.returningPatients}`} test="kpi-patients" />
      </div>
      <Card title={t("stats.incomeByPeriod")}>
        <BarChart
          labels={periods.map((p) => (p.length === 10 ? formatDay(p) : p))}
          series={METHODS.map((m) => ({
            label: t(`methods.${m}`),
            color: METHOD_COLORS[m],
            data: periods.map((p) => (d.income.find((x) => x.period === p && x.method === m)?.amountCents ?? 0) / 100),
          }))}
        />
        <Table
          name="ingresos"
          header={[t("stats.period"), t("fields.method"), t("checkout.amount")]}
          rows={d.income.map((p) => [p.period, t(`methods.${p.method}`), moneyInput(p.amountCents)])}
        />
      </Card>
      <Card title={t("stats.expensesByCategory")}>
        <BarChart
          labels={d.expenses.map((c) => c.category)}
          series={[{ label: t("stats.expenses"), color: "#dc2626", data: d.expenses.map((c) => c.amountCents / 100) }]}
        />
        <Table name="gastos" header={[t("fields.categoryId"), t("checkout.amount")]} rows={d.expenses.map((c) => [c.category, moneyInput(c.amountCents)])} />
      </Card>
      <Card title={t("stats.appointments")}>
        <Table
          name="citas"
          header={[t("nav.podiatrists"), t("stats.status"), t("stats.count")]}
          rows={d.appointments.map((a) => [a.podiatristName, t(`status.${a.status}`), String(a.count)])}
        />
      </Card>
      <Card title={t("stats.topTreatments")}>
        <Table
          name="tratamientos"
          header={[t("catalog.treatments"), t("fields.quantity"), t("checkout.amount")]}
          rows={d.topTreatments.map((x) => [x.name, String(x.quantity), moneyInput(x.revenueCents)])}
        />
      </Card>
      <Card title={t("stats.margins")}>
        <Table
          name="margenes"
          header={[t("catalog.treatments"), t("fields.priceCents"), t("stats.consumablesCost"), t("stats.margin")]}
          rows={d.margins.map((m) => [m.name, moneyInput(m.priceCents), moneyInput(m.consumablesCostCents), moneyInput(m.marginCents)])}
        />
      </Card>
      <Card title={t("stats.lowStock")}>
        <Table
          name="bajo-minimo"
          header={[t("fields.name"), t("inventory.onHand"), t("fields.minStock")]}
          rows={d.lowStock.map((l) => [l.name, String(l.stockOnHand), String(l.minStock)])}
        />
      </Card>
    </div>
  );
}

function Kpi({ label, value, test }: { label: string; value: string; test: string }) {
  return (
    <div class="kpi card">
      <small>{label}</small>
      <strong data-test={test}>{value}</strong>
    </div>
  );
}

function BarChart(p: { labels: string[]; series: { label: string; color: string; data: number[] }[] }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return;
    const chart = new Chart(canvas.current, {
      type: "bar",
      data: { labels: p.labels, datasets: p.series.map((s) => ({ label: s.label, data: s.data, backgroundColor: s.color })) },
      options: { responsive: true, animation: false, scales: { x: { stacked: true }, y: { stacked: true } } },
    });
    return () => chart.destroy();
  }, [JSON.stringify(p)]);
  return <canvas ref={canvas} height={110} />;
}

function Table(p: { name: string; header: string[]; rows: string[][] }) {
  const [doc, setDoc] = useState<SavedDocument | null>(null);
  const save = useSubmit(async () => setDoc(await call(commands.exportCsv(p.name, p.header, p.rows))));
  return (
    <>
      {p.rows.length ? (
        <table data-test={`table-${p.name}`}>
          <thead>
            <tr>
              {p.header.map((h) => (
                <th>{h}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {p.rows.map((r) => (
              <tr>
                {r.map((c) => (
                  <td>{c}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p class="empty">{t("common.empty")}</p>
      )}
      <button type="button" class="link" data-test={`csv-${p.name}`} disabled={save.busy} onClick={() => void save.run()}>
        {t("stats.csv")}
      </button>
      <ErrorBox message={save.message} />
      <DocumentLink doc={doc} />
    </>
  );
}
