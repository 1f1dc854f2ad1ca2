//! What the demo's podiatrists wrote: per-foot findings and a note that fit the treatment done,
//! so an opened record reads like one.

use podoclinic_clinic::history::model::{Habit, HistoryContent};
use podoclinic_clinic::visits::model::{
    CallusFinding, Diagnosis, Findings, FootFindings, NailFinding, Pulse, SkinFinding, Ulcer,
};

/// A signed note's content: findings, IWGDF risk (0–3), the evolution, the diagnosis (with its
/// CIE-10 code), the prognosis and the plan.
pub struct Note {
    pub findings: Findings,
    pub risk: i16,
    pub evolution: &'static str,
    pub diagnoses: Vec<Diagnosis>,
    pub prognosis: &'static str,
    pub plan: &'static str,
}

/// What the demo's podiatrists found and wrote for a treatment: the evolution, the diagnosis
/// (text and CIE-10 code) and the prognosis.
fn wording(treatment: &str) -> (&'static str, &'static str, &'static str, &'static str) {
    match treatment {
        "Tratamiento de uña encarnada" => (
            "Refiere dolor en el primer dedo desde hace dos semanas, que aumenta con el calzado cerrado.",
            "Onicocriptosis de borde lateral del primer dedo",
            "L60.0",
            "Bueno",
        ),
        "Quiropodia (callosidades)" => (
            "Acude por dolor al caminar en la zona plantar; sin cambios desde la última revisión.",
            "Hiperqueratosis plantar y heloma duro",
            "L84",
            "Bueno; recurrencia esperable sin descarga",
        ),
        "Curación de úlcera" => (
            "Úlcera en seguimiento; refiere menos exudado desde la última curación.",
            "Úlcera neuropática superficial en pie diabético",
            "E11.5",
            "Reservado a evolución",
        ),
        "Revisión de pie diabético" => (
            "Revisión periódica; niega heridas o cambios de coloración.",
            "Pie diabético en vigilancia, sin lesiones activas",
            "E11.9",
            "Bueno con vigilancia",
        ),
        "Corte y limado de uñas" => (
            "Acude a mantenimiento; refiere molestia con el calzado por el grosor de las uñas.",
            "Onicomicosis con engrosamiento ungueal",
            "B35.1",
            "Bueno; tratamiento prolongado",
        ),
        _ => ("Acude a valoración general.", "Pie sin alteraciones de alarma", "Z00.0", "Bueno"),
    }
}

/// The note for a visit whose main procedure is `treatment` (a name from the demo catalog).
/// Patients at risk (diabetes, vascular disease, anticoagulants) get a higher risk category.
pub fn note(rng: &mut fastrand::Rng, treatment: &str, at_risk: bool) -> Note {
    let base = FootFindings {
        pulse_dorsalis: Pulse::Present,
        pulse_tibial: Pulse::Present,
        monofilament_felt: at_risk.then(|| rng.u8(7..=10)),
        ..FootFindings::default()
    };
    let mut left = base.clone();
    let mut right = base;
    let (affected, risk, plan) = match treatment {
        "Tratamiento de uña encarnada" => {
            let side = if rng.bool() { &mut left } else { &mut right };
            side.nails = vec![NailFinding::Ingrown];
            side.notes = "Onicocriptosis en borde lateral del primer dedo, con eritema leve.".into();
            (None, 1, "Espiculotomía del borde afectado, curación con antiséptico. Revisión en 7 días.")
        }
        "Quiropodia (callosidades)" => {
            left.calluses = vec![CallusFinding::PlantarHyperkeratosis];
            right.calluses = vec![CallusFinding::Callus, CallusFinding::HardCorn];
            (
                Some(SkinFinding::Dry),
                1,
                "Deslaminado de hiperqueratosis plantar y enucleación de heloma. Hidratación diaria.",
            )
        }
        "Curación de úlcera" => {
            let side = if rng.bool() { &mut left } else { &mut right };
            side.ulcer = Some(Ulcer { location: "Cabeza del primer metatarsiano".into(), wagner_grade: 1 });
            side.pulse_tibial = Pulse::Diminished;
            (None, 3, "Desbridamiento y curación de úlcera superficial; descarga con fieltro. Control semanal.")
        }
        "Revisión de pie diabético" => {
            left.monofilament_felt = Some(rng.u8(8..=10));
            right.monofilament_felt = Some(rng.u8(8..=10));
            (
                Some(SkinFinding::Dry),
                2,
                "Exploración neurológica y vascular sin cambios. Educación en calzado y revisión diaria.",
            )
        }
        "Corte y limado de uñas" => {
            left.nails = vec![NailFinding::Thickened];
            right.nails = vec![NailFinding::Onychomycosis];
            (None, 0, "Corte y fresado de láminas engrosadas. Se indica antimicótico tópico.")
        }
        _ => {
            (Some(SkinFinding::Dry), 0, "Valoración podológica general. Sin hallazgos de alarma; revisión en 3 meses.")
        }
    };
    if let Some(skin) = affected {
        left.skin = vec![skin];
        right.skin = vec![skin];
    }
    let risk = match (at_risk, risk) {
        (_, 3) => 3,
        (true, r) => r.max(1 + rng.i16(0..2)),
        (false, r) => r.min(1),
    };
    let (evolution, diagnosis, code, prognosis) = wording(treatment);
    Note {
        findings: Findings { left, right },
        risk,
        evolution,
        diagnoses: vec![Diagnosis { text: diagnosis.into(), code: Some(code.into()) }],
        prognosis,
        plan,
    }
}

/// What a patient told at their first visit: patients at risk have the family and past history
/// that put them there.
pub fn history(rng: &mut fastrand::Rng, at_risk: bool) -> HistoryContent {
    const FOOTWEAR: &[&str] = &[
        "Zapato cerrado de piel",
        "Tenis deportivos",
        "Zapato de tacón en el trabajo",
        "Sandalias la mayor parte del día",
    ];
    const ACTIVITY: &[&str] =
        &["Comerciante, de pie gran parte del día", "Oficinista; camina 30 minutos diarios", "Hogar", "Jubilado(a)"];
    let habit = |rng: &mut fastrand::Rng| [Habit::Never, Habit::Never, Habit::Former, Habit::Current][rng.usize(..4)];
    HistoryContent {
        family: if at_risk {
            "Padre y madre con diabetes tipo 2; madre hipertensa."
        } else {
            "Sin antecedentes de importancia."
        }
        .into(),
        conditions: if at_risk { "Diabetes tipo 2 de larga evolución; hipertensión arterial." } else { "Negados." }
            .into(),
        medications: if at_risk { "Metformina 850 mg cada 12 h; losartán 50 mg al día." } else { "Ninguno." }.into(),
        tobacco: habit(rng),
        alcohol: habit(rng),
        activity: ACTIVITY[rng.usize(..ACTIVITY.len())].into(),
        footwear: FOOTWEAR[rng.usize(..FOOTWEAR.len())].into(),
    }
}

/// The demo clinic's aviso de privacidad simplificado (LFPDPPP), as read at the desk.
pub const NOTICE_SIMPLIFIED: &str = "Clínica Podológica Demo, con domicilio en la dirección de esta clínica, \
es responsable del tratamiento de sus datos personales, incluidos sus datos de salud, que usamos para \
atenderle, llevar su expediente clínico (NOM-004-SSA3-2012), agendar sus citas y cobrar. Con su \
consentimiento, y solo si usted lo acepta, también para: recordarle sus citas por mensaje, enviarle \
promociones y usar fotos clínicas de sus pies (sin rostro ni nombre) en la enseñanza. Puede ejercer sus \
derechos de acceso, rectificación, cancelación y oposición (ARCO) en recepción. El aviso integral está a \
su disposición en recepción.";

/// The demo clinic's aviso de privacidad integral.
pub const NOTICE_INTEGRAL: &str = "AVISO DE PRIVACIDAD INTEGRAL\n\n\
Responsable: Clínica Podológica Demo.\n\n\
Datos que tratamos: de identificación y contacto (nombre, fecha de nacimiento, teléfono, correo, \
domicilio, CURP si usted la da) y datos sensibles de salud (antecedentes, padecimientos, exploración de \
sus pies, diagnósticos, tratamientos, fotos clínicas).\n\n\
Finalidades necesarias: prestarle atención podológica, integrar y conservar su expediente clínico por el \
plazo que fija la NOM-004-SSA3-2012 (al menos cinco años desde el último acto), agendar y cobrar.\n\n\
Finalidades voluntarias (puede negarse a cada una sin que ello afecte su atención): recordatorios de \
citas por mensaje; promociones y noticias; uso de fotos clínicas de sus pies, sin rostro ni nombre, en \
la enseñanza.\n\n\
Consentimiento: el tratamiento de sus datos de salud requiere su consentimiento expreso y por escrito, \
que recabamos en su primera visita.\n\n\
Derechos ARCO: puede pedir en recepción el acceso a sus datos, su rectificación, su cancelación o \
oponerse a las finalidades voluntarias. Respondemos en un plazo máximo de veinte días hábiles. La \
cancelación bloquea su expediente hasta que venza el plazo legal de conservación; después se suprime.\n\n\
Cambios: cualquier cambio a este aviso se le dará a conocer en recepción.";

/// The layout of the demo clinic's consent letters: every NOM-004 10.1.1 content in its place.
const LETTER_BODY: &str = "{{establecimiento}}\n{{titulo}}\nLugar y fecha: {{lugar_y_fecha}}\n\n\
Yo, {{paciente}}, declaro que {{profesional}} me explicó de forma clara el procedimiento siguiente, \
sus alternativas, riesgos y beneficios, y que resolvió mis dudas. Autorizo: {{acto}}.\n\n\
Riesgos y beneficios esperados: {{riesgos_y_beneficios}}\n\n{{contingencias}}\n\n\
Sé que puedo revocar esta autorización antes del procedimiento.\n{{firmas}}";

/// The demo clinic's consent templates (kind, title, act, risks and benefits, contingencies,
/// witnesses): nail surgery with two witnesses, clinical photos without.
pub const CONSENT_TEMPLATES: &[(&str, &str, &str, &str, &str, i16)] = &[
    (
        "nail_surgery",
        "Carta de consentimiento bajo información para cirugía ungueal",
        "Avulsión parcial o total de la lámina ungueal, o matricectomía, con anestesia local",
        "Riesgos: dolor, sangrado, infección, reacción a la anestesia, recidiva o uña deformada. \
Beneficios: alivio del dolor y de la inflamación, resolución de la uña encarnada.",
        "Autorizo al personal de la clínica a atender las contingencias y urgencias que deriven del acto \
autorizado, con libertad prescriptiva.",
        2,
    ),
    (
        "clinical_photos",
        "Carta de consentimiento para fotografías clínicas",
        "Tomar fotografías clínicas de mis pies para mi expediente y el seguimiento de mi tratamiento",
        "Riesgos: ninguno para mi salud; las fotos forman parte de mi expediente y se protegen como él. \
Beneficios: seguimiento preciso de la evolución.",
        "Autorizo al personal de la clínica a atender las contingencias que deriven de la toma de fotografías.",
        0,
    ),
];

/// The body of a demo template: the two-witness one gains their place.
pub fn letter_body(witnesses: i16) -> String {
    if witnesses > 0 { format!("{LETTER_BODY}\n{{{{testigos}}}}") } else { LETTER_BODY.to_string() }
}
