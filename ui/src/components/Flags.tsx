// The small marks beside a patient's name. Each says what it means on hover and to a screen reader.
import { t } from "../i18n";

/** "⚠": diabetes, vascular disease or anticoagulants (the patient's risk, as the backend defines it). */
export function RiskFlag({ show }: { show: boolean }) {
  if (!show) return null;
  const label = t("agenda.riskExplained");
  return (
    <span class="risk" role="img" aria-label={label} title={label} data-test="risk-flag">
      ⚠
    </span>
  );
}
