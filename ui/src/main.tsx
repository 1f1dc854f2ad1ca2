import { render } from "preact";
import { Suspense } from "preact/compat";
import { useEffect, useState } from "preact/hooks";
import { getCurrentWindow } from "@tauri-apps/api/window";
import "./i18n";
import "./styles.css";
import { call, commands, dbStatus, storeStatus, refreshSession, session, startDbStatus, startDeskStore } from "./api";
import { events } from "./bindings";
import { ConnectionBanner } from "./components/Banner";
import { OutboxTray } from "./components/OutboxTray";
import { startIdleWatch } from "./idle";
import { t } from "./i18n";
import { ConfirmPrompt, FirstAdminScreen, LockScreen, LoginScreen } from "./screens/Auth";
import { lazyNamed } from "./screens/lazy";
import { Centered, StatusScreen } from "./screens/StatusScreen";
import { useObserved } from "./observable";

// The signed-in shell and the admin window are scripts of their own: the sign-in screen loads first.
const Shell = lazyNamed(() => import("./screens/Shell"), "Shell");
const AdminApp = lazyNamed(() => import("./admin/AdminApp"), "AdminApp");

const BLOCKING = new Set(["starting", "noPostgres", "postgresVersionMissing", "needsPassword", "updateRequired", "schemaUpgradeRequired", "tlsRefused", "failed"]);

function MainApp() {
  const status = useObserved(dbStatus);
  const me = useObserved(session);
  const [needsAdmin, setNeedsAdmin] = useState<boolean | undefined>(undefined);
  const [createdUser, setCreatedUser] = useState<string | null>(null);

  const [attempt, setAttempt] = useState(0);
  const [tray, setTray] = useState(false);
  const store = useObserved(storeStatus);

  // What to show first: create-admin, login or the signed-in shell. Retried while it fails (the
  // database may drop between the status event and these calls). A desk that starts without its
  // server but with its store refreshed before goes to sign-in: the clinic exists, its users who
  // signed in here may sign in again.
  const ready = status.state === "online";
  const offlineWithStore = status.state === "offline" && store.syncedAt !== null;
  useEffect(() => {
    if (!offlineWithStore || needsAdmin !== undefined) return;
    setNeedsAdmin(false);
    void refreshSession().catch(() => session.set(null));
  }, [offlineWithStore, needsAdmin]);
  useEffect(() => {
    if (!ready || needsAdmin !== undefined) return;
    let cancelled = false;
    let retry: number | undefined;
    Promise.all([call(commands.needsFirstAdmin()), refreshSession()]).then(
      ([needs]) => !cancelled && setNeedsAdmin(needs),
      () => {
        if (!cancelled) retry = window.setTimeout(() => setAttempt((n) => n + 1), 1000);
      },
    );
    return () => {
      cancelled = true;
      window.clearTimeout(retry);
    };
  }, [ready, needsAdmin, attempt]);

  let screen;
  if (BLOCKING.has(status.state)) screen = <StatusScreen status={status} />;
  else if (needsAdmin === undefined || me === undefined) screen = <Centered title={t("common.loading")} />;
  else if (needsAdmin)
    screen = (
      <FirstAdminScreen
        onCreated={(username) => {
          setCreatedUser(username);
          setNeedsAdmin(false);
        }}
      />
    );
  else if (!me) screen = createdUser ? <LoginScreen username={createdUser} notice={t("auth.firstAdmin.created")} /> : <LoginScreen />;
  else if (me.locked) screen = <LockScreen name={me.displayName} />;
  else screen = <Shell me={me} />;

  return (
    <>
      <ConnectionBanner onOpenTray={() => setTray(true)} />
      <Suspense fallback={<Centered title={t("common.loading")} />}>{screen}</Suspense>
      {tray && me && !me.locked ? <OutboxTray onClose={() => setTray(false)} /> : null}
      {me && !me.locked && me.withoutServer && status.state === "online" ? <ConfirmPrompt name={me.displayName} /> : null}
    </>
  );
}

async function boot(): Promise<void> {
  await startDbStatus();
  await startDeskStore();
  const isAdmin = getCurrentWindow().label === "admin";
  if (isAdmin) {
    // The admin window follows the desk's session at once: locked or signed out in the main
    // window, it shows nothing of what it had open.
    await events.sessionChanged.listen(() => void refreshSession().catch(() => session.set(null)));
    await refreshSession().catch(() => undefined);
  } else startIdleWatch();
  const root = document.getElementById("app");
  if (root)
    render(
      <Suspense fallback={<Centered title={t("common.loading")} />}>{isAdmin ? <AdminApp /> : <MainApp />}</Suspense>,
      root,
    );
}

void boot();
