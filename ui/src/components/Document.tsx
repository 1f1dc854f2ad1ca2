// A PDF the desk just wrote: where it is, and a button that shows it in the system's viewer.
import type { SavedDocument } from "../bindings";
import { call, commands } from "../api";
import { t } from "../i18n";

export function docLang(): "es" | "en" {
  return document.documentElement.lang === "en" ? "en" : "es";
}

export function DocumentLink({ doc }: { doc: SavedDocument | null }) {
  if (!doc) return null;
  return (
    <p class="notice" data-test="document">
      {t("documents.saved")} <code data-test="document-path">{doc.path}</code>{" "}
      <button type="button" class="secondary" onClick={() => void call(commands.openDocument(doc.name))}>
        {t("documents.open")}
      </button>
    </p>
  );
}
