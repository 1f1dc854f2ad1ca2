import { dbStatus } from "../api";
import { formatTime, t } from "../i18n";
import { useStore } from "../store";

/** Shown on every screen while the database does not answer. */
export function ConnectionBanner() {
  const status = useStore(dbStatus);
  if (status.state !== "offline") return null;
  return (
    <div class="banner offline" role="status" data-test="offline-banner">
      {t("db.offline", { since: formatTime(status.since) })}
    </div>
  );
}
