// The main window once signed in: header, module navigation (Alt+1…Alt+0) and the module view.
import { useEffect, useState } from "preact/hooks";
import type { ClinicProfile, Permission, SessionInfo } from "../bindings";
import { call, commands, session } from "../api";
import { Suspense } from "preact/compat";
import { setCurrency } from "../money";
import { lazyNamed } from "./lazy";
import { LANGUAGES, setClinicTimeZone, setLanguage, language, t, type Language } from "../i18n";

interface Module {
  id: string;
  needs: Permission;
}

export const MODULES: Module[] = [
  { id: "agenda", needs: "appointments.read" },
  { id: "reminders", needs: "patients.read" },
  { id: "patients", needs: "patients.read" },
  { id: "podiatrists", needs: "podiatrists.read" },
  { id: "schedules", needs: "schedules.read" },
  { id: "visits", needs: "clinical.read" },
  { id: "billing", needs: "payments.read" },
  { id: "cash", needs: "cash.operate" },
  { id: "expenses", needs: "expenses.read" },
  { id: "catalog", needs: "catalog.read" },
  { id: "suppliers", needs: "suppliers.read" },
  { id: "inventory", needs: "inventory.read" },
  { id: "stats", needs: "stats.read" },
];

// Each module's screen is its own script, fetched the first time it is opened: the calendar and the
// charts weigh more than everything else together, and most screens need neither.
const AgendaScreen = lazyNamed(() => import("../agenda/AgendaScreen"), "AgendaScreen");
const RemindersScreen = lazyNamed(() => import("../reminders/RemindersScreen"), "RemindersScreen");
const PatientsScreen = lazyNamed(() => import("../patients/PatientsScreen"), "PatientsScreen");
const PodiatristsScreen = lazyNamed(() => import("../podiatrists/PodiatristsScreen"), "PodiatristsScreen");
const SchedulesScreen = lazyNamed(() => import("../schedules/SchedulesScreen"), "SchedulesScreen");
const VisitsScreen = lazyNamed(() => import("../visits/VisitsScreen"), "VisitsScreen");
const CheckoutScreen = lazyNamed(() => import("../billing/CheckoutScreen"), "CheckoutScreen");
const CashScreen = lazyNamed(() => import("../cash/CashScreen"), "CashScreen");
const ExpensesScreen = lazyNamed(() => import("../expenses/ExpensesScreen"), "ExpensesScreen");
const CatalogScreen = lazyNamed(() => import("../catalog/CatalogScreen"), "CatalogScreen");
const InventoryScreen = lazyNamed(() => import("../inventory/InventoryScreen"), "InventoryScreen");
const SuppliersScreen = lazyNamed(() => import("../suppliers/SuppliersScreen"), "SuppliersScreen");
const StatsScreen = lazyNamed(() => import("../stats/StatsScreen"), "StatsScreen");

function ModuleView({ id, userId, can }: { id: string; userId: string; can: (p: Permission) => boolean }) {
  switch (id) {
    case "agenda":
      return <AgendaScreen canWrite={can("appointments.write")} userId={userId} />;
    case "reminders":
      return <RemindersScreen canWrite={can("appointments.write")} canEditPatients={can("patients.write")} />;
    case "patients":
      return <PatientsScreen canWrite={can("patients.write")} canSeeAccount={can("payments.read")} canReadClinical={can("clinical.read")} canExportData={can("privacy.manage")} canSignConsents={can("consents.sign")} />;
    case "podiatrists":
      return <PodiatristsScreen canWrite={can("podiatrists.write")} />;
    case "schedules":
      return <SchedulesScreen canWrite={can("schedules.write")} />;
    case "visits":
      return <VisitsScreen canWrite={can("clinical.write")} canOverrideStock={can("inventory.override")} />;
    case "billing":
      return <CheckoutScreen canWrite={can("payments.write")} canDiscount={can("payments.discount")} canRefund={can("payments.refund")} />;
    case "cash":
      return <CashScreen canClose={can("cash.close")} />;
    case "expenses":
      return <ExpensesScreen canWrite={can("expenses.write")} />;
    case "catalog":
      return <CatalogScreen canWrite={can("catalog.write")} />;
    case "inventory":
      return <InventoryScreen canWrite={can("inventory.write")} />;
    case "suppliers":
      return <SuppliersScreen canWrite={can("suppliers.write")} />;
    case "stats":
      return <StatsScreen />;
    default:
      return (
        <>
          <h1>{t(`nav.${id}`)}</h1>
          <p class="empty">{t("modules.notYet")}</p>
        </>
      );
  }
}

const ADMIN_PERMISSIONS: Permission[] = ["users.manage", "roles.manage", "settings.manage", "audit.read"];

export function Shell({ me }: { me: SessionInfo }) {
  const visible = MODULES.filter((m) => me.permissions.includes(m.needs));
  const [current, setCurrent] = useState(visible[0]?.id ?? "agenda");
  const [clinic, setClinic] = useState<ClinicProfile | null>(null);
  const [, setLang] = useState<Language>(language());
  // The low-stock badge on the inventory entry, refreshed whenever the module changes.
  const [lowStock, setLowStock] = useState(0);
  useEffect(() => {
    if (!me.permissions.includes("inventory.read")) return;
    call(commands.getStock())
      .then((s) => setLowStock(s.lowCount))
      .catch(() => undefined);
  }, [current]);

  useEffect(() => {
    call(commands.getClinicProfile())
      .then((p) => {
        setClinicTimeZone(p.timezone);
        setCurrency(p.currency);
        setClinic(p);
      })
      .catch(() => undefined);
  }, []);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.altKey && /^[0-9]$/.test(e.key)) {
        const index = e.key === "0" ? 9 : Number(e.key) - 1;
        const target = visible[index];
        if (target) {
          e.preventDefault();
          setCurrent(target.id);
        }
      }
      if (e.ctrlKey && e.key.toLowerCase() === "l") {
        e.preventDefault();
        void lock();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [visible]);

  const lock = async () => {
    await call(commands.lockSession());
    session.set({ ...me, locked: true });
  };
  const logout = async () => {
    await call(commands.logout());
    session.set(null);
  };
  const switchLanguage = async (lang: Language) => {
    await setLanguage(lang);
    setLang(lang);
  };

  return (
    <div class="shell">
      <header>
        <strong data-test="clinic-name">{clinic?.name ?? t("app.name")}</strong>
        <span class="spacer" />
        <span data-test="signed-in-as">{me.displayName}</span>
        <select aria-label="Idioma / Language" value={language()} onChange={(e) => void switchLanguage((e.target as HTMLSelectElement).value as Language)}>
          {LANGUAGES.map((l) => (
            <option value={l}>{l === "en" ? "English" : "Español"}</option>
          ))}
        </select>
        {me.permissions.some((p) => ADMIN_PERMISSIONS.includes(p)) ? (
          <button data-test="open-admin" onClick={() => void call(commands.openAdminWindow())}>
            {t("common.admin")}
          </button>
        ) : null}
        <button title="Ctrl+L" data-test="lock" onClick={() => void lock()}>
          {t("common.lock")}
        </button>
        <button data-test="logout" onClick={() => void logout()}>
          {t("common.signOut")}
        </button>
      </header>
      <nav aria-label="Módulos">
        {visible.map((m, i) => (
          <button class={m.id === current ? "nav current" : "nav"} data-test={`nav-${m.id}`} onClick={() => setCurrent(m.id)} title={i < 10 ? `Alt+${(i + 1) % 10}` : ""}>
            {t(`nav.${m.id}`)}
            {m.id === "inventory" && lowStock > 0 ? (
              <span class="badge" data-test="low-stock-badge" title={t("inventory.lowCount", { count: lowStock })}>
                {lowStock}
              </span>
            ) : null}
          </button>
        ))}
      </nav>
      <main class="module" data-test={`module-${current}`}>
        <Suspense fallback={<p class="empty">{t("common.loading")}</p>}>
          <ModuleView id={current} userId={me.userId} can={(p) => me.permissions.includes(p)} />
        </Suspense>
      </main>
    </div>
  );
}
