import { dbStatus, storeStatus } from "../api";
import { formatTime, formatWhen, t } from "../i18n";
import { useObserved } from "../observable";

/** Shown on every screen while the server does not answer, and while writes kept at this desk
 * wait to be sent or to be looked at (the conflicts tray). */
export function ConnectionBanner({ onOpenTray }: { onOpenTray?: () => void }) {
  const status = useObserved(dbStatus);
  const store = useObserved(storeStatus);
  const { pending, conflicts } = store.outbox;
  const offline = status.state === "offline";
  if (!offline && pending === 0 && conflicts === 0) return null;
  return (
    <div class={offline ? "banner offline" : "banner sending"} role="status" data-test="offline-banner">
      {offline ? <span>{t("db.offline", { since: formatTime(status.since) })} </span> : null}
      {offline ? (
        <span data-test="store-age">
          {store.syncedAt ? t("db.storeAge", { when: formatWhen(store.syncedAt) }) : t("db.noStore")}{" "}
        </span>
      ) : null}
      {pending > 0 ? (
        <span data-test="outbox-pending">
          {t(offline ? "outbox.pendingOffline" : "outbox.sending", { count: pending })}{" "}
        </span>
      ) : null}
      {conflicts > 0 || pending > 0 ? (
        <button type="button" class="link" data-test="open-tray" onClick={() => onOpenTray?.()}>
          {conflicts > 0 ? t("outbox.conflicts", { count: conflicts }) : t("outbox.open")}
        </button>
      ) : null}
    </div>
  );
}
