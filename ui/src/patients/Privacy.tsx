// The patient's privacy answers (LFPDPPP): the notice version they accepted, their express written
// consent for health data (the patient signs a yes on the pad), and yes or no to each voluntary
// purpose. Asked at the first check-in (the agenda
// opens `ConsentDialog` when an arrival finds nothing recorded) and changed from the record.
import { useRef, useState } from "preact/hooks";
import { v7 as uuidv7 } from "uuid";
import type { Consent, Purposes } from "../bindings";
import { call, commands } from "../api";
import { Card, ErrorBox, Pending, useLoad, useSubmit } from "../components/Form";
import { Pad, type PadHandle } from "../components/SignaturePad";
import { formatDateTime, t } from "../i18n";
import { observable, useObserved } from "../observable";

const PURPOSES: (keyof Purposes)[] = ["teachingPhotos", "promotions", "reminders"];

/** True when the desk still has to ask: no express answer on health data yet. */
export const needsAsking = (c: Consent | null) => c === null || c.healthData === null;

/** The patient the desk is asking now, if any: set on an arrival, shown by `ConsentPrompt` (which
 * outlives the list whose button set it: the agenda redraws its lists after a change). */
const asked = observable<{ patientId: string; patientName: string } | null>(null);

/** After an arrival: asks for the patient's consent if the clinic has published its notice and
 * the patient has not answered yet (unless the desk cannot tell: offline, or not allowed to read). */
export async function askOnArrival(patientId: string, patientName: string): Promise<void> {
  const ask = await Promise.all([call(commands.getPrivacyNotice()), call(commands.getPrivacyConsent(patientId))]).then(
    ([notice, consent]) => notice !== null && needsAsking(consent),
    () => false,
  );
  if (ask) asked.set({ patientId, patientName });
}

/** Where the arrival's question shows (the agenda holds one). */
export function ConsentPrompt() {
  const who = useObserved(asked);
  return who ? <ConsentDialog key={who.patientId} {...who} onClose={() => asked.set(null)} /> : null;
}

/** Asks the patient, on the notice as last published, and records their answers. */
export function ConsentDialog(p: { patientId: string; patientName: string; onClose: (saved: Consent | null) => void }) {
  const notice = useLoad(() => call(commands.getPrivacyNotice()), []);
  const current = useLoad(() => call(commands.getPrivacyConsent(p.patientId)), [p.patientId]);
  const [health, setHealth] = useState(false);
  const [purposes, setPurposes] = useState<Purposes | null>(null);
  const shown = purposes ?? current.data?.purposes ?? { teachingPhotos: false, promotions: false, reminders: true };
  const pad = useRef<PadHandle | null>(null);
  const save = useSubmit(async () => {
    if (!notice.data) return;
    const signature = health ? (pad.current?.read() ?? null) : null;
    const saved = await call(
      commands.recordPrivacyConsent({ id: uuidv7(), patientId: p.patientId, noticeVersion: notice.data.version, healthData: health, signature, purposes: shown }),
    );
    p.onClose(saved);
  });
  return (
    <div class="overlay" role="dialog" aria-modal="true" aria-label={t("privacy.consentTitle")} data-test="consent-dialog">
      <section class="card tray">
        <h2>
          {t("privacy.consentTitle")} · {p.patientName}
        </h2>
        {notice.data === null ? (
          notice.error ? (
            <Pending error={notice.error} />
          ) : (
            <p class="warning" data-test="consent-no-notice">
              {t("privacy.noNotice")}
            </p>
          )
        ) : (
          <>
            <p>
              <strong>{t("privacy.noticeVersion", { version: notice.data.version })}</strong>
              {current.data?.noticeVersion ? ` · ${t("privacy.acceptedBefore", { version: current.data.noticeVersion })}` : ""}
            </p>
            <pre class="notice-text" data-test="consent-notice-text">
              {notice.data.simplified}
            </pre>
            <label class="choice">
              <input type="checkbox" data-test="consent-health" checked={health} onChange={(e) => setHealth((e.target as HTMLInputElement).checked)} />
              {t("privacy.healthData")}
            </label>
            {health ? (
              <div class={save.field === "signature" ? "invalid" : ""}>
                <Pad label={t("privacy.signHealth", { name: p.patientName })} test="consent-signature" onPad={(handle) => (pad.current = handle)} />
              </div>
            ) : null}
            <fieldset>
              <legend>{t("privacy.voluntary")}</legend>
              {PURPOSES.map((k) => (
                <label class="choice">
                  <input
                    type="checkbox"
                    data-test={`consent-${k}`}
                    checked={shown[k]}
                    onChange={(e) => setPurposes({ ...shown, [k]: (e.target as HTMLInputElement).checked })}
                  />
                  {t(`privacy.purposes.${k}`)}
                </label>
              ))}
            </fieldset>
            {!health ? <p class="warning">{t("privacy.healthRefused")}</p> : null}
          </>
        )}
        <ErrorBox message={save.message} />
        <div class="row">
          {notice.data ? (
            <button type="button" data-test="consent-save" disabled={save.busy} onClick={() => void save.run()}>
              {t("privacy.record")}
            </button>
          ) : null}
          <button type="button" class="secondary" data-test="consent-later" onClick={() => p.onClose(null)}>
            {t("privacy.later")}
          </button>
        </div>
      </section>
    </div>
  );
}

/** The record's privacy card: what the patient answered, and the way to ask again or change. */
export function PrivacyCard(p: { patientId: string; patientName: string; canWrite: boolean }) {
  // Wrapped, so "not loaded yet" (null) differs from "never asked" ({ c: null }).
  const consent = useLoad(async () => ({ c: await call(commands.getPrivacyConsent(p.patientId)) }), [p.patientId]);
  const [asking, setAsking] = useState(false);
  const c = consent.data?.c ?? null;
  return (
    <Card title={t("privacy.title")}>
      <ErrorBox message={consent.error} />
      {consent.data === null ? null : needsAsking(c) ? (
        <p class="warning" data-test="consent-missing">
          {t("privacy.missing")}
        </p>
      ) : c ? (
        <p data-test="consent-summary">
          {t("privacy.summary", { version: c.noticeVersion ?? "—", when: formatDateTime(c.recordedAt) })} ·{" "}
          {c.healthData ? t("privacy.healthYes") : t("privacy.healthNo")}
          {c.healthData && c.signed ? ` · ${t("privacy.signed")}` : ""}
        </p>
      ) : null}
      {c ? (
        <ul class="purposes" data-test="consent-purposes">
          {PURPOSES.map((k) => (
            <li>
              {t(`privacy.purposes.${k}`)}: <strong>{c.purposes[k] ? t("common.yes") : t("common.no")}</strong>
            </li>
          ))}
        </ul>
      ) : null}
      {p.canWrite ? (
        <button type="button" class="secondary" data-test="consent-ask" onClick={() => setAsking(true)}>
          {needsAsking(c) ? t("privacy.ask") : t("privacy.change")}
        </button>
      ) : null}
      {asking ? (
        <ConsentDialog
          patientId={p.patientId}
          patientName={p.patientName}
          onClose={() => {
            setAsking(false);
            void consent.reload();
          }}
        />
      ) : null}
    </Card>
  );
}
