// Admin → Documentos: the clinic's consent-letter templates, one per kind, published in versions (a
// signed letter names the version it was signed on). The body lays the letter out; NOM-004 10.1.1's
// contents are its placeholders, which the database requires (the first missing one is named).
import { useState } from "preact/hooks";
import { v7 as uuid } from "uuid";
import { CONSENT_KINDS, type ConsentKind, type Template, type TemplateInput } from "../bindings";
import { call, commands } from "../api";
import { Card, ErrorBox, Field, Pending, useLoad, useSubmit } from "../components/Form";
import { formatDateTime, t } from "../i18n";
import { limit } from "../options";

/** The placeholders every body holds (the database's `consent_template_missing` says which one
 * is missing; this is only the help's list). */
const REQUIRED = ["{{establecimiento}}", "{{titulo}}", "{{lugar_y_fecha}}", "{{acto}}", "{{riesgos_y_beneficios}}", "{{contingencias}}", "{{firmas}}"];

/** A body that holds every placeholder, for a template written from nothing. */
const SKELETON = [
  "{{establecimiento}}",
  "{{titulo}}",
  "{{lugar_y_fecha}}",
  "",
  "Yo, {{paciente}}, declaro que {{profesional}} me explicó el acto siguiente y lo autorizo: {{acto}}.",
  "",
  "{{riesgos_y_beneficios}}",
  "",
  "{{contingencias}}",
  "",
  "{{firmas}}",
].join("\n");

function draftOf(kind: ConsentKind, current: Template | undefined): TemplateInput {
  return current
    ? { id: uuid(), kind, title: current.title, act: current.act, risksBenefits: current.risksBenefits, contingencies: current.contingencies, body: current.body, witnesses: current.witnesses }
    : { id: uuid(), kind, title: t(`consents.kinds.${kind}`), act: "", risksBenefits: "", contingencies: "", body: SKELETON, witnesses: 0 };
}

export function DocumentsTab() {
  const templates = useLoad(() => call(commands.listConsentTemplates()));
  const [kind, setKind] = useState<ConsentKind>(CONSENT_KINDS[0]);
  if (!templates.data) return <Pending error={templates.error} />;
  const current = templates.data.find((x) => x.kind === kind);
  return (
    <div class="stack">
      <Card title={t("consents.templatesTitle")}>
        <ul class="templates" data-test="templates">
          {CONSENT_KINDS.map((k) => {
            const v = templates.data?.find((x) => x.kind === k);
            return (
              <li>
                <button type="button" class={k === kind ? "" : "secondary"} data-test={`template-${k}`} onClick={() => setKind(k)}>
                  {t(`consents.kinds.${k}`)}
                </button>{" "}
                {v ? t("consents.published", { version: v.version, who: v.publishedByName, when: formatDateTime(v.publishedAt) }) : t("consents.notPublished")}
              </li>
            );
          })}
        </ul>
        <p class="hint">
          {t("consents.placeholdersHelp", {
            required: REQUIRED.join(", "),
            optional: "{{paciente}}, {{profesional}}",
            signatures: "{{firmas}}",
            witnesses: "{{testigos}}",
          })}
        </p>
      </Card>
      <TemplateEditor key={`${kind}-${current?.version ?? 0}`} initial={draftOf(kind, current)} onPublished={() => void templates.reload()} />
    </div>
  );
}

function TemplateEditor(p: { initial: TemplateInput; onPublished: () => void }) {
  const [v, setV] = useState(p.initial);
  const publish = useSubmit(async () => {
    await call(commands.publishConsentTemplate(v));
    p.onPublished();
  });
  const area = (name: "act" | "risksBenefits" | "contingencies" | "body", rows: number, column: string) => (
    <label class={publish.field === name ? "field invalid" : "field"}>
      <span>{t(`fields.${name}`)}</span>
      <textarea rows={rows} data-test={`template-${name}`} maxLength={limit(`consent_templates.${column}`)} value={v[name]} onInput={(e) => setV({ ...v, [name]: (e.target as HTMLTextAreaElement).value })} />
    </label>
  );
  return (
    <Card title={t(`consents.kinds.${v.kind}`)}>
      <div class="stack" data-test="template-form">
        <Field name="title" value={v.title} maxLength={limit("consent_templates.title")} invalid={publish.field === "title"} onInput={(title) => setV({ ...v, title })} />
        {area("act", 3, "act")}
        {area("risksBenefits", 5, "risks_benefits")}
        {area("contingencies", 3, "contingencies")}
        <label class="field">
          <span>{t("fields.witnesses")}</span>
          <select data-test="template-witnesses" value={String(v.witnesses)} onChange={(e) => setV({ ...v, witnesses: Number((e.target as HTMLSelectElement).value) })}>
            <option value="0">{t("consents.noWitnesses")}</option>
            <option value="2">{t("consents.twoWitnesses")}</option>
          </select>
        </label>
        {area("body", 14, "body")}
        <ErrorBox message={publish.message} />
        <button type="button" data-test="template-publish" disabled={publish.busy} onClick={() => void publish.run()}>
          {t("consents.publish")}
        </button>
      </div>
    </Card>
  );
}
