import { useEffect, useState } from "preact/hooks";
import type { ClinicProfile } from "../bindings";
import { call, commands, errorText } from "../api";
import { Card, ErrorBox, Field, Form, useSubmit } from "../components/Form";
import { t } from "../i18n";

export function ClinicTab() {
  const [profile, setProfile] = useState<ClinicProfile | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    call(commands.getClinicProfile()).then(setProfile, (e) => setLoadError(errorText(e)));
  }, []);
  const save = useSubmit(async () => {
    if (!profile) return;
    setProfile(await call(commands.updateClinicProfile(profile)));
    setSaved(true);
  });
  if (loadError) return <ErrorBox message={loadError} />;
  if (!profile) return <p>{t("common.loading")}</p>;
  const text = (k: "name" | "address" | "phone" | "rfc" | "timezone" | "currency") => (
    <Field name={k} value={profile[k]} onInput={(v) => { setSaved(false); setProfile({ ...profile, [k]: v }); }} invalid={save.field === k} />
  );
  return (
    <Card title={t("admin.tabs.clinic")}>
      <Form test="clinic-form" onSubmit={() => void save.run()}>
        {text("name")}
        {text("address")}
        {text("phone")}
        {text("rfc")}
        {text("timezone")}
        {text("currency")}
        <Field
          name="idleLockMinutes"
          type="number"
          value={String(profile.idleLockMinutes)}
          onInput={(v) => setProfile({ ...profile, idleLockMinutes: Number(v) || 0 })}
          invalid={save.field === "idleLockMinutes"}
        />
        <ErrorBox message={save.message} />
        {saved ? <p class="notice">{t("common.saved")}</p> : null}
        <button type="submit" disabled={save.busy}>
          {t("common.save")}
        </button>
      </Form>
    </Card>
  );
}
