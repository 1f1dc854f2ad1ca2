//! The answer to an ARCO access request laid out for the patient: everything the clinic holds
//! about them (the same export as the JSON for a machine, `privacy::service::access_export`), one
//! section per kind of record, each row's fields as "field: value".

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::Value;

use super::pdf::{Layout, MARGIN};
use super::render::{Lang, header, when};
use crate::error::AppResult;
use crate::profile::model::ClinicProfile;

struct Labels {
    title: &'static str,
    intro: &'static str,
    printed: &'static str,
    rows: &'static str,
    /// After the first characters of a value too long to print (a signed letter's file, the strokes
    /// of a signature): where the whole of it is.
    cut: &'static str,
    /// The sections' titles, by table; a table not named here keeps its own name.
    tables: &'static [(&'static str, &'static str)],
}

const ES: Labels = Labels {
    title: "Sus datos personales en la clínica (derecho de acceso)",
    intro: "Todo lo que la clínica conserva sobre usted en su sistema, tal como está guardado: sus datos, \
            su expediente clínico, sus citas, cargos y pagos, sus respuestas de privacidad, sus solicitudes \
            y el registro de quién consultó o cambió cada dato y cuándo.",
    printed: "Emitido el",
    rows: "registros",
    cut: "caracteres; completo en la exportación JSON",
    tables: &[
        ("patients", "Datos personales"),
        ("privacy_consents", "Consentimientos y finalidades"),
        ("arco_requests", "Solicitudes ARCO"),
        ("consent_letters", "Cartas de consentimiento"),
        ("consent_revocations", "Revocaciones de cartas"),
        ("appointments", "Citas"),
        ("patient_histories", "Historia clínica"),
        ("visits", "Notas de evolución"),
        ("visit_procedures", "Procedimientos realizados"),
        ("visit_addenda", "Adendas a las notas"),
        ("referrals", "Notas de referencia"),
        ("charges", "Cargos"),
        ("charge_lines", "Conceptos de los cargos"),
        ("payments", "Pagos"),
        ("audit_log", "Registro de consultas y cambios"),
    ],
};

const EN: Labels = Labels {
    title: "Your personal data at the clinic (right of access)",
    intro: "Everything the clinic keeps about you in its system, as it is stored: your details, your \
            clinical record, your appointments, charges and payments, your privacy answers, your requests, \
            and the record of who read or changed each item and when.",
    printed: "Issued on",
    rows: "records",
    cut: "characters; whole in the JSON export",
    tables: &[
        ("patients", "Personal details"),
        ("privacy_consents", "Consents and purposes"),
        ("arco_requests", "ARCO requests"),
        ("consent_letters", "Consent letters"),
        ("consent_revocations", "Revoked letters"),
        ("appointments", "Appointments"),
        ("patient_histories", "Medical history"),
        ("visits", "Clinical notes"),
        ("visit_procedures", "Procedures done"),
        ("visit_addenda", "Addenda to the notes"),
        ("referrals", "Referral notes"),
        ("charges", "Charges"),
        ("charge_lines", "Charge lines"),
        ("payments", "Payments"),
        ("audit_log", "Record of readings and changes"),
    ],
};

/// The longest value printed whole; a longer one prints its first `CUT_TO` characters and its length.
const LONGEST: usize = 2000;
const CUT_TO: usize = 120;

/// A field's value as the patient reads it: text as it is, other values as JSON, a very long one
/// cut (`cut` says where the rest is).
fn shown(value: &Value, cut: &str) -> Option<String> {
    let text = match value {
        Value::Null => return None,
        Value::String(s) if s.trim().is_empty() => return None,
        Value::String(s) => s.clone(),
        Value::Object(o) if o.is_empty() => return None,
        Value::Array(a) if a.is_empty() => return None,
        other => other.to_string(),
    };
    let length = text.chars().count();
    if length <= LONGEST {
        return Some(text);
    }
    Some(format!("{}… ({length} {cut})", text.chars().take(CUT_TO).collect::<String>()))
}

/// The export as a PDF. `data` is `patient_data`'s answer: an object of tables, each an array of
/// rows; the named tables come first in the labels' order, any other after them by name.
pub fn access_export(
    clinic: &ClinicProfile,
    tz: Tz,
    data: &Value,
    printed_at: DateTime<Utc>,
    lang: Lang,
) -> AppResult<Vec<u8>> {
    let l = match lang {
        Lang::Es => &ES,
        Lang::En => &EN,
    };
    let mut page = Layout::default();
    header(&mut page, clinic);
    page.line(l.title, 14.0, true);
    page.line(&format!("{} {}", l.printed, when(printed_at, tz)), 9.5, false);
    page.gap(4.0);
    page.paragraph(MARGIN, l.intro, 10.0, false);
    let empty = serde_json::Map::new();
    let tables = data.as_object().unwrap_or(&empty);
    let mut order: Vec<(&str, &str)> =
        l.tables.iter().filter(|(table, _)| tables.contains_key(*table)).map(|(t, title)| (*t, *title)).collect();
    let mut others: Vec<&str> =
        tables.keys().map(String::as_str).filter(|t| !l.tables.iter().any(|(known, _)| known == t)).collect();
    others.sort_unstable();
    order.extend(others.into_iter().map(|t| (t, t)));
    for (table, title) in order {
        let rows = tables.get(table).and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        page.gap(6.0);
        page.keep_together(40.0);
        page.line(&format!("{title} ({} {})", rows.len(), l.rows), 11.0, true);
        for row in rows {
            page.keep_together(24.0);
            page.rule();
            let fields = row.as_object().into_iter().flatten();
            for (field, value) in fields {
                if let Some(text) = shown(value, l.cut) {
                    page.paragraph(MARGIN + 8.0, &format!("{field}: {text}"), 8.5, false);
                }
            }
        }
    }
    page.render()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_show_as_text_and_empty_ones_not_at_all() {
        assert_eq!(shown(&json!("Rosa"), "…"), Some("Rosa".into()));
        assert_eq!(shown(&json!(null), "…"), None);
        assert_eq!(shown(&json!("  "), "…"), None);
        assert_eq!(shown(&json!({}), "…"), None);
        assert_eq!(shown(&json!(3), "…"), Some("3".into()));
        assert_eq!(shown(&json!({ "a": 1 }), "…"), Some("{\"a\":1}".into()));
        let file = format!("\\x{}", "25".repeat(5000));
        let printed = shown(&json!(file), "caracteres").unwrap();
        assert!(printed.ends_with("… (10002 caracteres)") && printed.chars().count() < 150, "{printed}");
    }
}
