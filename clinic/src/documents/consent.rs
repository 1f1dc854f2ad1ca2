//! The carta de consentimiento bajo información laid out from its template (NOM-004-SSA3-2012,
//! 10.1.1): the template's body with its placeholders filled (establishment, title, place and date,
//! act, risks and benefits, contingencies), then the names and signatures of the patient or their
//! representative, of the professional who informed them, and of the witnesses where the template
//! asks. Signed at the desk it is a PDF/A with the strokes drawn in; printed blank, its lines wait
//! for ink on paper.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::pdf::{Layout, MARGIN};
use super::render::{Lang, header, when};
use crate::consents::model::{Ink, Signer, Template, Witness};
use crate::error::AppResult;
use crate::patients::model::Patient;
use crate::podiatrists::model::Podiatrist;
use crate::profile::model::ClinicProfile;

/// The signatures of a letter signed at the desk.
pub struct Signed<'a> {
    pub at: DateTime<Utc>,
    pub signature: &'a Ink,
    pub witnesses: &'a [Witness],
    /// Who confirmed with their password as the professional (their account's name).
    pub confirmed_by: &'a str,
}

/// Everything a letter prints.
pub struct LetterContext<'a> {
    pub clinic: &'a ClinicProfile,
    pub tz: Tz,
    pub template: &'a Template,
    pub patient: &'a Patient,
    pub podiatrist: &'a Podiatrist,
    pub detail: &'a str,
    pub signer: Signer,
    pub representative: &'a str,
    pub relationship: &'a str,
    /// None: a blank letter to sign on paper.
    pub signed: Option<Signed<'a>>,
}

struct Labels {
    patient_signs: &'static str,
    representative_signs: &'static str,
    relationship: &'static str,
    professional_signs: &'static str,
    license: &'static str,
    confirmed: &'static str,
    witness: &'static str,
    name: &'static str,
    date_blank: &'static str,
    version: &'static str,
    signed_at_desk: &'static str,
}

const ES: Labels = Labels {
    patient_signs: "Nombre y firma del paciente",
    representative_signs: "Nombre y firma del familiar, tutor o representante legal",
    relationship: "Parentesco o relación",
    professional_signs: "Nombre y firma del profesional que informa y recaba el consentimiento",
    license: "Cédula profesional",
    confirmed: "Firmado con su contraseña en el sistema",
    witness: "Testigo",
    name: "Nombre",
    date_blank: "________________ , a ____ de ______________ de ______",
    version: "versión",
    signed_at_desk: "Firmado en el mostrador",
};

const EN: Labels = Labels {
    patient_signs: "Patient's name and signature",
    representative_signs: "Name and signature of the relative, tutor or legal representative",
    relationship: "Relationship",
    professional_signs: "Name and signature of the professional who informed and obtained consent",
    license: "Professional licence",
    confirmed: "Signed with their password in the system",
    witness: "Witness",
    name: "Name",
    date_blank: "________________ , on ____ ______________ ______",
    version: "version",
    signed_at_desk: "Signed at the desk",
};

fn labels(lang: Lang) -> &'static Labels {
    match lang {
        Lang::Es => &ES,
        Lang::En => &EN,
    }
}

const SIGN_WIDTH: f32 = 240.0;
const SIGN_HEIGHT: f32 = 56.0;

/// The place and date the letter is issued: the clinic's address and the signing's local time (a
/// blank letter leaves them to be written by hand).
fn place_and_date(c: &LetterContext<'_>, l: &Labels) -> String {
    match &c.signed {
        Some(s) if c.clinic.address.is_empty() => when(s.at, c.tz),
        Some(s) => format!("{}, {}", c.clinic.address, when(s.at, c.tz)),
        None => l.date_blank.to_string(),
    }
}

fn fill(c: &LetterContext<'_>, l: &Labels, line: &str) -> String {
    let t = c.template;
    let act = if c.detail.is_empty() { t.act.clone() } else { format!("{} ({})", t.act, c.detail) };
    let patient = format!("{} {}", c.patient.first_name, c.patient.last_names);
    line.replace("{{establecimiento}}", &c.clinic.name)
        .replace("{{titulo}}", &t.title)
        .replace("{{lugar_y_fecha}}", &place_and_date(c, l))
        .replace("{{acto}}", &act)
        .replace("{{riesgos_y_beneficios}}", &t.risks_benefits)
        .replace("{{contingencias}}", &t.contingencies)
        .replace("{{paciente}}", patient.trim())
        .replace("{{profesional}}", &c.podiatrist.name)
}

fn signatures(page: &mut Layout, c: &LetterContext<'_>, l: &Labels) {
    page.gap(8.0);
    page.keep_together(2.0 * (SIGN_HEIGHT + 50.0));
    page.signature(MARGIN, SIGN_WIDTH, SIGN_HEIGHT, c.signed.as_ref().map(|s| s.signature));
    match c.signer {
        Signer::Patient => {
            let name = format!("{} {}", c.patient.first_name, c.patient.last_names);
            page.line(l.patient_signs, 8.0, false);
            page.line(name.trim(), 10.0, true);
        }
        Signer::Representative => {
            page.line(l.representative_signs, 8.0, false);
            page.line(c.representative, 10.0, true);
            page.line(&format!("{}: {}", l.relationship, c.relationship), 9.0, false);
        }
    }
    page.gap(10.0);
    page.signature(MARGIN, SIGN_WIDTH, if c.signed.is_some() { 14.0 } else { SIGN_HEIGHT }, None);
    page.line(l.professional_signs, 8.0, false);
    page.line(&c.podiatrist.name, 10.0, true);
    let license = if c.podiatrist.license.is_empty() { "—" } else { c.podiatrist.license.as_str() };
    page.line(&format!("{}: {license}", l.license), 9.0, false);
    if let Some(s) = &c.signed {
        page.line(&format!("{} ({}), {}", l.confirmed, s.confirmed_by, when(s.at, c.tz)), 8.0, false);
    }
}

fn witnesses(page: &mut Layout, c: &LetterContext<'_>, l: &Labels) {
    let count = usize::try_from(c.template.witnesses).unwrap_or(0);
    for i in 0..count {
        let signed = c.signed.as_ref().and_then(|s| s.witnesses.get(i));
        page.gap(8.0);
        page.keep_together(SIGN_HEIGHT + 30.0);
        page.signature(MARGIN, SIGN_WIDTH, SIGN_HEIGHT, signed.map(|w| &w.signature));
        page.line(&format!("{} {}", l.witness, i + 1), 8.0, false);
        let name = signed.map_or_else(|| format!("{}: ______________________________", l.name), |w| w.name.clone());
        page.line(&name, 10.0, signed.is_some());
    }
}

/// The letter as a PDF/A (signed) or as a blank PDF to print (not signed).
pub fn letter(c: &LetterContext<'_>, lang: Lang, made_at: DateTime<Utc>) -> AppResult<Vec<u8>> {
    let l = labels(lang);
    let mut page = Layout::default();
    header(&mut page, c.clinic);
    for line in c.template.body.lines() {
        match line.trim() {
            "{{firmas}}" => signatures(&mut page, c, l),
            "{{testigos}}" => witnesses(&mut page, c, l),
            "" => page.gap(6.0),
            "{{titulo}}" => {
                page.paragraph(MARGIN, &c.template.title, 13.0, true);
                page.gap(4.0);
            }
            _ => page.paragraph(MARGIN, &fill(c, l, line), 10.0, false),
        }
    }
    page.gap(10.0);
    page.rule();
    let mut foot = format!("{} {} {}", c.template.title, l.version, c.template.version);
    if let Some(s) = &c.signed {
        foot.push_str(&format!(" · {} {}", l.signed_at_desk, when(s.at, c.tz)));
    }
    page.paragraph(MARGIN, &foot, 7.5, false);
    match &c.signed {
        Some(_) => page.render_archival(&c.template.title, lang.tag(), made_at),
        None => page.render(),
    }
}
