//! The clinical documents laid out for print (NOM-004-SSA3-2012): the signed nota de evolución
//! (every section, the addenda, the signature with the professional's cédula and the institution
//! of their title, the SHA-256 of its content), the "Indicaciones" handed to the patient (never a
//! "Receta": a podiatrist does not prescribe), the nota de referencia and the resumen clínico.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use super::pdf::{Layout, MARGIN};
use super::render::{Lang, header, when};
use crate::error::AppResult;
use crate::history::model::{Habit, History};
use crate::patients::model::{Diabetes, Patient, Sex};
use crate::podiatrists::model::Podiatrist;
use crate::profile::model::ClinicProfile;
use crate::visits::model::{
    CallusFinding, Diagnosis, FootFindings, NailFinding, Pulse, Referral, SkinFinding, SummaryEntry, Visit, Vitals,
};

/// What the printout says about the note beyond the note itself.
pub struct NoteContext<'a> {
    pub clinic: &'a ClinicProfile,
    pub tz: Tz,
    pub patient: &'a Patient,
    pub podiatrist: &'a Podiatrist,
    /// The names of the procedures' treatments, in the note's order.
    pub procedures: &'a [(String, i32)],
    pub digest: &'a str,
    pub printed_at: DateTime<Utc>,
}

struct Labels {
    title: &'static str,
    patient: &'static str,
    sex: [&'static str; 3],
    age: &'static str,
    years: &'static str,
    visit: &'static str,
    podiatrist: &'static str,
    evolution: &'static str,
    vitals: &'static str,
    vital_names: [&'static str; 7],
    exam: &'static str,
    feet: [&'static str; 2],
    nails: &'static str,
    skin: &'static str,
    calluses: &'static str,
    ulcer: &'static str,
    wagner: &'static str,
    monofilament: &'static str,
    pulses: [&'static str; 2],
    pulse: [&'static str; 4],
    nothing: &'static str,
    nail_names: [&'static str; 6],
    skin_names: [&'static str; 6],
    callus_names: [&'static str; 4],
    risk: &'static str,
    procedures: &'static str,
    diagnoses: &'static str,
    prognosis: &'static str,
    plan: &'static str,
    addenda: &'static str,
    signed: &'static str,
    license: &'static str,
    institution: &'static str,
    signed_by: &'static str,
    digest: &'static str,
    printed: &'static str,
    instructions: &'static str,
    date: &'static str,
    referral: &'static str,
    sending: &'static str,
    receiving: &'static str,
    reason: &'static str,
    impression: &'static str,
    treatment: &'static str,
    written_by: &'static str,
    summary: &'static str,
    birth_date: &'static str,
    history: &'static str,
    diabetes: &'static str,
    diabetes_names: [&'static str; 5],
    vascular: &'static str,
    anticoagulants: &'static str,
    allergies: &'static str,
    yes_no: [&'static str; 2],
    notes: &'static str,
    none: &'static str,
    latest_risk: &'static str,
    interview: [&'static str; 7],
    habits: [&'static str; 4],
    recorded: &'static str,
}

const ES: Labels = Labels {
    title: "Nota de evolución",
    patient: "Paciente",
    sex: ["Femenino", "Masculino", "Otro"],
    age: "Edad",
    years: "años",
    visit: "Fecha y hora de la consulta",
    podiatrist: "Podólogo(a)",
    evolution: "Evolución y padecimiento actual",
    vitals: "Signos vitales",
    vital_names: ["TA", "FC", "Temperatura", "Peso", "Talla", "Glucosa capilar", "lpm"],
    exam: "Exploración podológica",
    feet: ["Pie derecho", "Pie izquierdo"],
    nails: "Uñas",
    skin: "Piel",
    calluses: "Callosidades",
    ulcer: "Úlcera",
    wagner: "Wagner",
    monofilament: "Monofilamento 10 g",
    pulses: ["Pulso pedio", "Pulso tibial posterior"],
    pulse: ["no evaluado", "presente", "disminuido", "ausente"],
    nothing: "sin hallazgos",
    nail_names: ["onicomicosis", "onicocriptosis", "engrosada", "distrófica", "onicólisis", "hematoma subungueal"],
    skin_names: ["xerosis", "fisuras", "maceración", "tiña", "hiperhidrosis", "verruga"],
    callus_names: ["callo", "heloma duro", "heloma blando", "hiperqueratosis plantar"],
    risk: "Riesgo de pie diabético (IWGDF)",
    procedures: "Procedimientos realizados",
    diagnoses: "Diagnósticos",
    prognosis: "Pronóstico",
    plan: "Tratamiento e indicaciones",
    addenda: "Adendas",
    signed: "Firmada electrónicamente el",
    license: "Cédula profesional",
    institution: "Institución que expidió el título",
    signed_by: "Firmó (usuario)",
    digest: "Huella SHA-256 del contenido",
    printed: "Impresa el",
    instructions: "Indicaciones",
    date: "Fecha",
    referral: "Nota de referencia",
    sending: "Establecimiento que envía",
    receiving: "Establecimiento receptor",
    reason: "Motivo de envío",
    impression: "Impresión diagnóstica",
    treatment: "Terapéutica empleada",
    written_by: "Elaboró (usuario)",
    summary: "Resumen clínico",
    birth_date: "Fecha de nacimiento",
    history: "Antecedentes",
    diabetes: "Diabetes",
    diabetes_names: ["No", "Tipo 1", "Tipo 2", "Gestacional", "Otra"],
    vascular: "Enfermedad vascular",
    anticoagulants: "Anticoagulantes",
    allergies: "Alergias",
    yes_no: ["Sí", "No"],
    notes: "Notas firmadas",
    none: "Ninguna",
    latest_risk: "Último riesgo de pie diabético (IWGDF)",
    interview: [
        "Heredofamiliares",
        "Personales patológicos",
        "Medicamentos actuales",
        "Tabaquismo",
        "Alcoholismo",
        "Ocupación y actividad física",
        "Calzado habitual",
    ],
    habits: ["no registrado", "negado", "previo", "actual"],
    recorded: "Historia clínica registrada",
};

const EN: Labels = Labels {
    title: "Progress note",
    patient: "Patient",
    sex: ["Female", "Male", "Other"],
    age: "Age",
    years: "years",
    visit: "Visit date and time",
    podiatrist: "Podiatrist",
    evolution: "Progress and current complaint",
    vitals: "Vital signs",
    vital_names: ["BP", "HR", "Temperature", "Weight", "Height", "Capillary glucose", "bpm"],
    exam: "Podiatric examination",
    feet: ["Right foot", "Left foot"],
    nails: "Nails",
    skin: "Skin",
    calluses: "Calluses",
    ulcer: "Ulcer",
    wagner: "Wagner",
    monofilament: "10 g monofilament",
    pulses: ["Dorsalis pedis pulse", "Posterior tibial pulse"],
    pulse: ["not checked", "present", "diminished", "absent"],
    nothing: "nothing of note",
    nail_names: ["onychomycosis", "ingrown", "thickened", "dystrophic", "onycholysis", "subungual haematoma"],
    skin_names: ["dry skin", "fissures", "maceration", "tinea", "hyperhidrosis", "wart"],
    callus_names: ["callus", "hard corn", "soft corn", "plantar hyperkeratosis"],
    risk: "Diabetic-foot risk (IWGDF)",
    procedures: "Procedures done",
    diagnoses: "Diagnoses",
    prognosis: "Prognosis",
    plan: "Treatment and instructions",
    addenda: "Addenda",
    signed: "Signed electronically on",
    license: "Professional licence (cédula)",
    institution: "Institution that issued the title",
    signed_by: "Signed by (user)",
    digest: "SHA-256 of the content",
    printed: "Printed on",
    instructions: "Instructions",
    date: "Date",
    referral: "Referral note",
    sending: "Referring establishment",
    receiving: "Receiving establishment",
    reason: "Reason for referral",
    impression: "Diagnostic impression",
    treatment: "Treatment given",
    written_by: "Written by (user)",
    summary: "Clinical summary",
    birth_date: "Date of birth",
    history: "History",
    diabetes: "Diabetes",
    diabetes_names: ["No", "Type 1", "Type 2", "Gestational", "Other"],
    vascular: "Vascular disease",
    anticoagulants: "Anticoagulants",
    allergies: "Allergies",
    yes_no: ["Yes", "No"],
    notes: "Signed notes",
    none: "None",
    latest_risk: "Latest diabetic-foot risk (IWGDF)",
    interview: [
        "Family history",
        "Past medical history",
        "Current medications",
        "Tobacco",
        "Alcohol",
        "Occupation and activity",
        "Usual footwear",
    ],
    habits: ["not recorded", "never", "former", "current"],
    recorded: "Clinical history recorded",
};

fn labels(lang: Lang) -> &'static Labels {
    match lang {
        Lang::Es => &ES,
        Lang::En => &EN,
    }
}

/// Whole years from `birth` to `on`.
fn age(birth: NaiveDate, on: NaiveDate) -> u32 {
    on.years_since(birth).unwrap_or(0)
}

fn vitals_line(l: &Labels, v: &Vitals) -> String {
    let n = &l.vital_names;
    let mut parts = Vec::new();
    match (v.systolic, v.diastolic) {
        (Some(s), Some(d)) => parts.push(format!("{} {s}/{d} mmHg", n[0])),
        (Some(s), None) => parts.push(format!("{} {s}/— mmHg", n[0])),
        (None, Some(d)) => parts.push(format!("{} —/{d} mmHg", n[0])),
        (None, None) => {}
    }
    if let Some(hr) = v.heart_rate {
        parts.push(format!("{} {hr} {}", n[1], n[6]));
    }
    if let Some(t) = v.temperature_tenths {
        parts.push(format!("{} {}.{} °C", n[2], t / 10, t % 10));
    }
    if let Some(w) = v.weight_grams {
        parts.push(format!("{} {}.{} kg", n[3], w / 1000, (w % 1000) / 100));
    }
    if let Some(h) = v.height_cm {
        parts.push(format!("{} {h} cm", n[4]));
    }
    if let Some(g) = v.glucose {
        parts.push(format!("{} {g} mg/dL", n[5]));
    }
    parts.join(" · ")
}

fn names<T: Copy + PartialEq>(all: &[T], names: &[&'static str], chosen: &[T]) -> String {
    chosen.iter().filter_map(|c| all.iter().position(|a| a == c).map(|i| names[i])).collect::<Vec<_>>().join(", ")
}

fn pulse(l: &Labels, p: Pulse) -> &'static str {
    l.pulse[match p {
        Pulse::NotChecked => 0,
        Pulse::Present => 1,
        Pulse::Diminished => 2,
        Pulse::Absent => 3,
    }]
}

fn foot_lines(l: &Labels, f: &FootFindings) -> Vec<String> {
    const NAILS: [NailFinding; 6] = [
        NailFinding::Onychomycosis,
        NailFinding::Ingrown,
        NailFinding::Thickened,
        NailFinding::Dystrophic,
        NailFinding::Onycholysis,
        NailFinding::Subungual,
    ];
    const SKIN: [SkinFinding; 6] = [
        SkinFinding::Dry,
        SkinFinding::Fissures,
        SkinFinding::Maceration,
        SkinFinding::Tinea,
        SkinFinding::Hyperhidrosis,
        SkinFinding::Wart,
    ];
    const CALLUSES: [CallusFinding; 4] =
        [CallusFinding::Callus, CallusFinding::HardCorn, CallusFinding::SoftCorn, CallusFinding::PlantarHyperkeratosis];
    let mut lines = Vec::new();
    for (label, text) in [
        (l.nails, names(&NAILS, &l.nail_names, &f.nails)),
        (l.skin, names(&SKIN, &l.skin_names, &f.skin)),
        (l.calluses, names(&CALLUSES, &l.callus_names, &f.calluses)),
    ] {
        if !text.is_empty() {
            lines.push(format!("{label}: {text}"));
        }
    }
    if let Some(u) = &f.ulcer {
        lines.push(format!("{}: {} ({} {})", l.ulcer, u.location, l.wagner, u.wagner_grade));
    }
    if let Some(felt) = f.monofilament_felt {
        lines.push(format!("{}: {felt}/10", l.monofilament));
    }
    lines.push(format!(
        "{}: {} · {}: {}",
        l.pulses[0],
        pulse(l, f.pulse_dorsalis),
        l.pulses[1],
        pulse(l, f.pulse_tibial)
    ));
    if !f.notes.is_empty() {
        lines.push(f.notes.clone());
    }
    lines
}

/// Who the document is about: name, sex, age on `on`, CURP.
fn patient_line(page: &mut Layout, l: &Labels, p: &Patient, on: NaiveDate) {
    let mut who = format!("{}: {} {}", l.patient, p.first_name, p.last_names);
    if let Some(sex) = p.sex {
        let i = Sex::ALL.iter().position(|s| *s == sex).unwrap_or(2);
        who.push_str(&format!(" · {}", l.sex[i]));
    }
    if let Some(birth) = p.birth_date {
        who.push_str(&format!(" · {}: {} {}", l.age, age(birth, on), l.years));
    }
    if let Some(curp) = &p.curp {
        who.push_str(&format!(" · CURP {curp}"));
    }
    page.paragraph(MARGIN, &who, 10.0, false);
}

/// The professional who answers for the document: name, cédula, the institution of the title.
fn professional(page: &mut Layout, l: &Labels, podiatrist: &Podiatrist) {
    page.line(&podiatrist.name, 10.0, false);
    let license = if podiatrist.license.is_empty() { "—" } else { podiatrist.license.as_str() };
    page.line(&format!("{}: {license}", l.license), 10.0, false);
    let institution =
        if podiatrist.title_institution.is_empty() { "—" } else { podiatrist.title_institution.as_str() };
    page.paragraph(MARGIN, &format!("{}: {institution}", l.institution), 10.0, false);
}

/// The historia clínica's interrogatorio, section by section (the empty ones left out).
fn interview(page: &mut Layout, l: &Labels, h: &History, tz: Tz) {
    let habit = |x: Habit| {
        l.habits[match x {
            Habit::Unknown => 0,
            Habit::Never => 1,
            Habit::Former => 2,
            Habit::Current => 3,
        }]
    };
    let c = &h.content;
    page.gap(2.0);
    page.line(&format!("{} {} · {}", l.recorded, when(h.recorded_at, tz), h.recorded_by_name), 9.0, false);
    for (label, text) in
        [(l.interview[0], &c.family), (l.interview[1], &c.conditions), (l.interview[2], &c.medications)]
    {
        if !text.is_empty() {
            page.paragraph(MARGIN, &format!("{label}: {text}"), 10.0, false);
        }
    }
    let habits = format!("{}: {} · {}: {}", l.interview[3], habit(c.tobacco), l.interview[4], habit(c.alcohol));
    page.paragraph(MARGIN, &habits, 10.0, false);
    for (label, text) in [(l.interview[5], &c.activity), (l.interview[6], &c.footwear)] {
        if !text.is_empty() {
            page.paragraph(MARGIN, &format!("{label}: {text}"), 10.0, false);
        }
    }
}

/// One diagnosis per line, its CIE-10 code first.
fn diagnoses_text(diagnoses: &[Diagnosis]) -> String {
    let lines: Vec<String> = diagnoses
        .iter()
        .map(|d| match &d.code {
            Some(code) => format!("{code} — {}", d.text),
            None => d.text.clone(),
        })
        .collect();
    lines.join("\n")
}

/// A heading and its text, skipped when there is nothing to say.
fn section(page: &mut Layout, heading: &str, text: &str) {
    if text.trim().is_empty() {
        return;
    }
    page.gap(4.0);
    page.line(heading, 10.5, true);
    page.paragraph(MARGIN, text, 10.0, false);
}

pub fn visit_note(c: &NoteContext<'_>, visit: &Visit, lang: Lang) -> AppResult<Vec<u8>> {
    let l = labels(lang);
    let mut page = Layout::default();
    header(&mut page, c.clinic);
    page.line(l.title, 14.0, true);
    page.gap(2.0);
    patient_line(&mut page, l, c.patient, visit.starts_at.with_timezone(&c.tz).date_naive());
    page.line(&format!("{}: {}", l.visit, when(visit.starts_at, c.tz)), 10.0, false);
    page.line(&format!("{}: {}", l.podiatrist, c.podiatrist.name), 10.0, false);
    page.rule();

    section(&mut page, l.evolution, &visit.notes);
    section(&mut page, l.vitals, &vitals_line(l, &visit.vitals));
    page.gap(4.0);
    page.line(l.exam, 10.5, true);
    for (foot, findings) in l.feet.iter().zip([&visit.findings.right, &visit.findings.left]) {
        let lines = foot_lines(l, findings);
        page.line(foot, 10.0, true);
        if lines.is_empty() {
            page.paragraph(MARGIN + 12.0, l.nothing, 9.5, false);
        }
        for line in lines {
            page.paragraph(MARGIN + 12.0, &line, 9.5, false);
        }
    }
    if let Some(risk) = visit.risk_category {
        page.gap(4.0);
        page.line(&format!("{}: {risk}", l.risk), 10.0, true);
    }
    let procedures: Vec<String> = c.procedures.iter().map(|(name, q)| format!("{name} × {q}")).collect();
    section(&mut page, l.procedures, &procedures.join("\n"));
    section(&mut page, l.diagnoses, &diagnoses_text(&visit.diagnoses));
    section(&mut page, l.prognosis, &visit.prognosis);
    section(&mut page, l.plan, &visit.plan);

    page.gap(10.0);
    page.keep_together(110.0);
    page.rule();
    let signed_at = visit.signed_at.map(|at| when(at, c.tz)).unwrap_or_default();
    page.line(&format!("{} {signed_at}", l.signed), 10.0, true);
    professional(&mut page, l, c.podiatrist);
    if let Some(by) = &visit.signed_by_name {
        page.line(&format!("{}: {by}", l.signed_by), 9.0, false);
    }
    page.line(l.digest, 9.0, true);
    page.line(c.digest, 8.5, false);

    if !visit.addenda.is_empty() {
        page.gap(8.0);
        page.line(l.addenda, 10.5, true);
        for a in &visit.addenda {
            page.line(&format!("{} · {}", when(a.created_at, c.tz), a.author_name), 9.0, true);
            page.paragraph(MARGIN + 12.0, &a.text, 9.5, false);
        }
    }
    page.gap(8.0);
    page.line(&format!("{} {}", l.printed, when(c.printed_at, c.tz)), 8.0, false);
    page.render()
}

/// What the patient takes home: the note's treatment and indications, titled "Indicaciones".
pub fn instructions(c: &NoteContext<'_>, visit: &Visit, lang: Lang) -> AppResult<Vec<u8>> {
    let l = labels(lang);
    let mut page = Layout::default();
    header(&mut page, c.clinic);
    page.line(l.instructions, 14.0, true);
    page.gap(2.0);
    page.line(&format!("{}: {} {}", l.patient, c.patient.first_name, c.patient.last_names), 10.0, false);
    page.line(&format!("{}: {}", l.date, when(visit.starts_at, c.tz)), 10.0, false);
    page.rule();
    page.gap(4.0);
    page.paragraph(MARGIN, &visit.plan, 11.0, false);
    page.gap(24.0);
    page.keep_together(60.0);
    professional(&mut page, l, c.podiatrist);
    page.render()
}

/// The nota de referencia: the sending establishment (the clinic), the receiving one, the patient,
/// the reason, the diagnostic impression and the treatment given, and who answers for it.
pub fn referral(c: &NoteContext<'_>, referral: &Referral, lang: Lang) -> AppResult<Vec<u8>> {
    let l = labels(lang);
    let mut page = Layout::default();
    header(&mut page, c.clinic);
    page.line(l.referral, 14.0, true);
    page.gap(2.0);
    page.line(&format!("{}: {}", l.date, when(referral.created_at, c.tz)), 10.0, false);
    let mut sending = c.clinic.name.clone();
    if !c.clinic.address.is_empty() {
        sending.push_str(&format!(", {}", c.clinic.address));
    }
    page.paragraph(MARGIN, &format!("{}: {sending}", l.sending), 10.0, false);
    page.paragraph(MARGIN, &format!("{}: {}", l.receiving, referral.receiving), 10.0, true);
    patient_line(&mut page, l, c.patient, referral.created_at.with_timezone(&c.tz).date_naive());
    page.rule();
    section(&mut page, l.reason, &referral.reason);
    section(&mut page, l.impression, &referral.impression);
    section(&mut page, l.treatment, &referral.treatment);
    page.gap(18.0);
    page.keep_together(80.0);
    page.rule();
    professional(&mut page, l, c.podiatrist);
    page.line(&format!("{}: {}", l.written_by, referral.author_name), 9.0, false);
    page.render()
}

/// The resumen clínico a patient may ask for: who they are, their history, their latest risk, and
/// each signed note (date, podiatrist, diagnoses, plan), newest first.
pub fn clinical_summary(
    clinic: &ClinicProfile,
    tz: Tz,
    patient: &Patient,
    history: Option<&History>,
    notes: &[SummaryEntry],
    printed_at: DateTime<Utc>,
    lang: Lang,
) -> AppResult<Vec<u8>> {
    let l = labels(lang);
    let mut page = Layout::default();
    header(&mut page, clinic);
    page.line(l.summary, 14.0, true);
    page.gap(2.0);
    patient_line(&mut page, l, patient, printed_at.with_timezone(&tz).date_naive());
    if let Some(birth) = patient.birth_date {
        page.line(&format!("{}: {}", l.birth_date, birth.format("%d/%m/%Y")), 10.0, false);
    }
    page.rule();
    page.gap(4.0);
    page.line(l.history, 10.5, true);
    let diabetes = Diabetes::ALL.iter().position(|d| *d == patient.diabetes).unwrap_or(0);
    let yes_no = |b: bool| l.yes_no[usize::from(!b)];
    page.paragraph(
        MARGIN,
        &format!(
            "{}: {} · {}: {} · {}: {}",
            l.diabetes,
            l.diabetes_names[diabetes],
            l.vascular,
            yes_no(patient.vascular_disease),
            l.anticoagulants,
            yes_no(patient.anticoagulants)
        ),
        10.0,
        false,
    );
    let allergies = if patient.allergies.is_empty() { l.none } else { patient.allergies.as_str() };
    page.paragraph(MARGIN, &format!("{}: {allergies}", l.allergies), 10.0, false);
    if !patient.history_notes.is_empty() {
        page.paragraph(MARGIN, &patient.history_notes, 10.0, false);
    }
    if let Some(h) = history {
        interview(&mut page, l, h, tz);
    }
    if let Some(risk) = notes.iter().find_map(|n| n.risk_category) {
        page.gap(4.0);
        page.line(&format!("{}: {risk}", l.latest_risk), 10.0, true);
    }
    page.gap(6.0);
    page.line(l.notes, 10.5, true);
    if notes.is_empty() {
        page.line(l.none, 10.0, false);
    }
    for n in notes {
        page.keep_together(40.0);
        page.rule();
        page.line(&format!("{} · {}", when(n.starts_at, tz), n.podiatrist_name), 10.0, true);
        if !n.diagnoses.is_empty() {
            page.paragraph(MARGIN + 12.0, &diagnoses_text(&n.diagnoses), 9.5, false);
        }
        if !n.plan.is_empty() {
            page.paragraph(MARGIN + 12.0, &format!("{}: {}", l.plan, n.plan), 9.5, false);
        }
    }
    page.gap(8.0);
    page.line(&format!("{} {}", l.printed, when(printed_at, tz)), 8.0, false);
    page.render()
}
