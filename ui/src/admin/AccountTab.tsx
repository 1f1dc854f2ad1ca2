import { useState } from "preact/hooks";
import { call, commands } from "../api";
import { Card, ErrorBox, Field, Form, useSubmit } from "../components/Form";
import { t } from "../i18n";

export function AccountTab() {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [done, setDone] = useState(false);
  const submit = useSubmit(async () => {
    await call(commands.changeOwnPassword(current, next));
    setCurrent("");
    setNext("");
    setDone(true);
  });
  return (
    <Card title={t("admin.account.changePassword")}>
      <Form onSubmit={() => void submit.run()}>
        <Field name="currentPassword" type="password" value={current} onInput={setCurrent} invalid={submit.field === "currentPassword"} />
        <Field name="newPassword" type="password" value={next} onInput={setNext} hint={t("auth.passwordHint")} invalid={submit.field === "newPassword"} />
        <ErrorBox message={submit.message} />
        {done ? <p class="notice">{t("admin.account.changed")}</p> : null}
        <button type="submit" disabled={submit.busy}>
          {t("common.save")}
        </button>
      </Form>
    </Card>
  );
}
