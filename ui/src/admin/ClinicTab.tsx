import { useState } from "preact/hooks";
import type { ClinicProfile } from "../bindings";
import { call, commands } from "../api";
import { limit } from "../options";
import { Card, ErrorBox, Field, Form, Pending, useLoad, useSubmit } from "../components/Form";
import { t } from "../i18n";

export function ClinicTab() {
  const loaded = useLoad(() => call(commands.getClinicProfile()));
  if (!loaded.data) return <Pending error={loaded.error} />;
  return <ClinicForm initial={loaded.data} />;
}

function ClinicForm({ initial }: { initial: ClinicProfile }) {
  const [profile, setProfile] = useState(initial);
  const [saved, setSaved] = useState(false);
  const save = useSubmit(async () => {
    setProfile(await call(commands.updateClinicProfile(profile)));
    setSaved(true);
  });
  const text = (k: "name" | "address" | "phone" | "rfc" | "timezone" | "currency") => (
    <Field name={k} value={profile[k]} onInput={(v) => { setSaved(false); setProfile({ ...profile, [k]: v }); }} invalid={save.field === k} maxLength={limit(`clinic_profile.${k}`)} />
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
        <Field
          name="offlineSignInDays"
          type="number"
          value={String(profile.offlineSignInDays)}
          onInput={(v) => setProfile({ ...profile, offlineSignInDays: Number(v) || 0 })}
          hint={t("admin.clinic.offlineSignInDaysHint")}
          invalid={save.field === "offlineSignInDays"}
        />
        <label class={save.field === "reminderTemplate" ? "field invalid" : "field"}>
          <span>{t("reminders.template")}</span>
          <textarea
            name="reminderTemplate"
            rows={4}
            value={profile.reminderTemplate}
            maxLength={limit("clinic_profile.reminderTemplate")}
            aria-invalid={save.field === "reminderTemplate"}
            data-test="reminder-template"
            onInput={(e) => {
              setSaved(false);
              setProfile({ ...profile, reminderTemplate: (e.target as HTMLTextAreaElement).value });
            }}
          />
          <small>{t("reminders.templateHint")}</small>
        </label>
        <ErrorBox message={save.message} />
        {saved ? <p class="notice">{t("common.saved")}</p> : null}
        <button type="submit" disabled={save.busy}>
          {t("common.save")}
        </button>
      </Form>
    </Card>
  );
}
