// The separate admin settings window: connection, clinic profile, users, roles, audit, own account.
import { useEffect, useState } from "preact/hooks";
import type { Permission } from "../bindings";
import { refreshSession, session } from "../api";
import { ConnectionBanner } from "../components/Banner";
import { t } from "../i18n";
import { useObserved } from "../observable";
import { AccountTab } from "./AccountTab";
import { AuditTab } from "./AuditTab";
import { BackupsTab } from "./BackupsTab";
import { ClinicTab } from "./ClinicTab";
import { ConnectionTab } from "./ConnectionTab";
import { ImportTab } from "./ImportTab";
import { RolesTab } from "./RolesTab";
import { UsersTab } from "./UsersTab";
import { RegistersTab } from "./RegistersTab";
import { PrivacyTab } from "./PrivacyTab";
import { DocumentsTab } from "./DocumentsTab";

type Tab = "connection" | "clinic" | "registers" | "backups" | "import" | "users" | "roles" | "privacy" | "documents" | "audit" | "account";
const TABS: { id: Tab; needs: Permission | null; view: () => preact.JSX.Element }[] = [
  { id: "users", needs: "users.manage", view: UsersTab },
  { id: "roles", needs: "roles.manage", view: RolesTab },
  { id: "clinic", needs: "settings.manage", view: ClinicTab },
  { id: "registers", needs: "settings.manage", view: RegistersTab },
  { id: "connection", needs: "settings.manage", view: ConnectionTab },
  { id: "backups", needs: "settings.manage", view: BackupsTab },
  { id: "import", needs: "settings.manage", view: ImportTab },
  { id: "privacy", needs: "privacy.manage", view: PrivacyTab },
  { id: "documents", needs: "consents.manage", view: DocumentsTab },
  { id: "audit", needs: "audit.read", view: AuditTab },
  { id: "account", needs: null, view: AccountTab },
];

export function AdminApp() {
  const me = useObserved(session);
  useEffect(() => {
    const onFocus = () => void refreshSession().catch(() => undefined);
    window.addEventListener("focus", onFocus);
    return () => window.removeEventListener("focus", onFocus);
  }, []);
  const signedIn = me && !me.locked;
  // Without a session only the connection settings are offered (Rust allows them only while the
  // desk is not connected, e.g. on first setup or after the server moved).
  const tabs = signedIn ? TABS.filter((tab) => tab.needs === null || me.permissions.includes(tab.needs)) : TABS.filter((tab) => tab.id === "connection");
  const [current, setCurrent] = useState<Tab>(tabs[0]?.id ?? "connection");
  const active = tabs.find((tab) => tab.id === current) ?? tabs[0];
  const View = active?.view;
  return (
    <div class="admin">
      <ConnectionBanner />
      <header>
        <strong>{t("admin.title")}</strong>
      </header>
      {!signedIn ? <p class="notice">{t("admin.signInFirst")}</p> : null}
      <nav class="tabs">
        {tabs.map((tab) => (
          <button class={tab.id === active?.id ? "tab current" : "tab"} data-test={`tab-${tab.id}`} onClick={() => setCurrent(tab.id)}>
            {t(`admin.tabs.${tab.id}`)}
          </button>
        ))}
      </nav>
      <main>{View ? <View key={`${active.id}-${me?.userId ?? "none"}`} /> : null}</main>
    </div>
  );
}
