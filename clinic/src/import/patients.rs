//! Importing patients: each row read through a column mapping into the same `Patient` the form
//! makes and checked by the same `Patient::parse`; likely duplicates found by the create form's
//! rule (the same name and birth date, or the same phone), against the clinic's patients and the
//! file's earlier rows; then the new ones written in batches of `BATCH`, each batch one
//! transaction. A row's id is derived from the old system's key when the file has one, else from
//! the file's bytes and the row's number: importing the same file again, or a retried batch, adds
//! nothing twice.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use uuid::Uuid;

use super::batch;
use super::model::{PatientField, RowProblem};
use super::sheet::Sheet;
use crate::audit::Action;
use crate::error::{AppError, AppResult};
use crate::patients::model::{Diabetes, Patient, Sex, fold};

/// Rows written per transaction: a cancel stops between two batches, never inside one.
pub const BATCH: usize = 1000;

impl batch::Rows for Row {
    const ACTION: Action = Action::PatientImport;
    const BATCH: usize = BATCH;
    fn number(&self) -> u32 {
        self.number
    }
    /// Patients have no rule a batch can break that the dry run did not check; a retried batch's
    /// rows are skipped, not refused.
    fn refused(number: u32) -> RowProblem {
        RowProblem { row: number, field: None, key: "duplicate".into() }
    }
    async fn insert(db: &mut sqlx::PgConnection, rows: &[&Self], _user: Uuid) -> AppResult<batch::Written> {
        Ok(batch::Written { rows: super::repo::insert_patients(db, rows).await?, refused: Vec::new() })
    }
}
/// The namespace of import ids (UUID v5).
const NAMESPACE: Uuid = Uuid::from_u128(0x5f0d_7a52_3c1e_4e8b_9a61_1d2b_77c4_e901);

/// The field a header names, by the usual Spanish (and English) headers.
pub fn suggest(header: &str) -> Option<PatientField> {
    let field = match batch::name_key(header).as_str() {
        "id" | "clave" | "expediente" | "folio" | "numero de expediente" | "no expediente" | "key" => PatientField::Key,
        "nombre" | "nombres" | "nombre s" | "first name" | "name" => PatientField::FirstName,
        "apellidos" | "apellido" | "apellido paterno y materno" | "last name" | "last names" => PatientField::LastNames,
        "nombre completo" | "paciente" | "full name" => PatientField::FullName,
        "fecha de nacimiento" | "nacimiento" | "f nac" | "fnac" | "fecha nacimiento" | "birth date" | "birthdate" => {
            PatientField::BirthDate
        }
        "sexo" | "genero" | "sex" => PatientField::Sex,
        "telefono" | "tel" | "celular" | "movil" | "phone" | "telefono 1" => PatientField::Phone,
        "telefono 2" | "otro telefono" | "telefono alterno" | "tel 2" => PatientField::PhoneAlt,
        "correo" | "email" | "e mail" | "correo electronico" | "mail" => PatientField::Email,
        "direccion" | "domicilio" | "address" => PatientField::Address,
        "contacto de emergencia" | "emergencia" => PatientField::EmergencyContact,
        "telefono de emergencia" => PatientField::EmergencyPhone,
        "diabetes" | "diabetico" | "diabetica" | "dm" => PatientField::Diabetes,
        "enfermedad vascular" | "vascular" | "insuficiencia vascular" => PatientField::VascularDisease,
        "anticoagulantes" | "anticoagulado" | "anticoagulada" => PatientField::Anticoagulants,
        "alergias" | "alergia" => PatientField::Allergies,
        "notas" | "observaciones" | "antecedentes" | "historia" | "notes" => PatientField::HistoryNotes,
        _ => return None,
    };
    Some(field)
}

/// A mapping checked against the sheet: one entry per column, each field at most once, a name.
pub fn check_mapping(sheet: &Sheet, mapping: &[Option<PatientField>]) -> AppResult<()> {
    let seen = batch::mapped_fields(sheet, mapping)?;
    let (first, full) = (seen.contains(&PatientField::FirstName), seen.contains(&PatientField::FullName));
    if first == full {
        return Err(AppError::validation("mapping", if first { "name_mapped_twice" } else { "name_column_required" }));
    }
    Ok(())
}

/// A row read into a patient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The spreadsheet's row number (the header is row 1).
    pub number: u32,
    pub patient: Patient,
    pub key: Option<String>,
}

/// The id a row imports under.
pub fn derived_id(digest: &[u8; 32], key: Option<&str>, number: u32) -> Uuid {
    batch::derived_id(&NAMESPACE, digest, key, number)
}

/// The id of the patient imported under the old system's `key`.
pub fn key_id(key: &str) -> Uuid {
    derived_id(&[0; 32], Some(key), 0)
}

/// "dd/mm/aaaa", "d-m-aaaa", "aaaa-mm-dd" (what a spreadsheet's date cell reads as), or nothing;
/// else the error's key.
pub fn parse_date(text: &str) -> Result<Option<NaiveDate>, &'static str> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let date_part = t.split([' ', 'T']).next().unwrap_or(t);
    for format in ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"] {
        if let Ok(d) = NaiveDate::parse_from_str(date_part, format)
            && d.format("%Y").to_string().len() == 4
        {
            return Ok(Some(d));
        }
    }
    Err("date_format")
}

fn yes_no(text: &str) -> Result<bool, ()> {
    match fold(text.trim()).as_str() {
        "" | "no" | "n" | "0" | "false" | "falso" | "ninguna" | "ninguno" => Ok(false),
        "si" | "s" | "yes" | "y" | "1" | "true" | "verdadero" | "x" => Ok(true),
        _ => Err(()),
    }
}

fn sex(text: &str) -> Result<Option<Sex>, ()> {
    match fold(text.trim()).as_str() {
        "" => Ok(None),
        "f" | "fem" | "femenino" | "mujer" | "female" => Ok(Some(Sex::Female)),
        "m" | "masc" | "masculino" | "hombre" | "h" | "male" => Ok(Some(Sex::Male)),
        "o" | "otro" | "x" | "other" => Ok(Some(Sex::Other)),
        _ => Err(()),
    }
}

fn diabetes(text: &str) -> Result<Diabetes, ()> {
    match fold(text.trim()).as_str() {
        "" | "no" | "n" | "0" | "ninguna" | "none" | "false" => Ok(Diabetes::None),
        "1" | "tipo 1" | "dm1" | "dm 1" | "type 1" => Ok(Diabetes::Type1),
        "2" | "tipo 2" | "dm2" | "dm 2" | "type 2" => Ok(Diabetes::Type2),
        "gestacional" | "gestational" => Ok(Diabetes::Gestational),
        "si" | "s" | "yes" | "x" | "otra" | "other" | "true" => Ok(Diabetes::Other),
        _ => Err(()),
    }
}

/// Reads row `number` (its cells in the sheet's column order) through `mapping`, and checks it
/// with the form's own rules.
pub fn parse_row(
    cells: &[&str],
    mapping: &[Option<PatientField>],
    number: u32,
    digest: &[u8; 32],
    today: NaiveDate,
) -> Result<Row, RowProblem> {
    let mut p = Patient::default();
    let mut key = None;
    for (cell, field) in cells.iter().zip(mapping) {
        let Some(field) = field else { continue };
        let text = cell.trim().to_string();
        let bad = |k: &str| batch::problem(number, *field, k);
        match field {
            PatientField::Key => {
                if text.chars().count() > 100 {
                    return Err(bad("too_long"));
                }
                key = Some(text).filter(|k| !k.is_empty());
            }
            PatientField::FirstName => p.first_name = text,
            PatientField::LastNames => p.last_names = text,
            PatientField::FullName => {
                let mut words = text.split_whitespace();
                p.first_name = words.next().unwrap_or_default().to_string();
                p.last_names = words.collect::<Vec<_>>().join(" ");
            }
            PatientField::BirthDate => p.birth_date = parse_date(&text).map_err(bad)?,
            PatientField::Sex => p.sex = sex(&text).map_err(|()| bad("invalid_value"))?,
            PatientField::Phone => p.phone = text,
            PatientField::PhoneAlt => p.phone_alt = text,
            PatientField::Email => p.email = text,
            PatientField::Address => p.address = text,
            PatientField::EmergencyContact => p.emergency_contact = text,
            PatientField::EmergencyPhone => p.emergency_phone = text,
            PatientField::Diabetes => p.diabetes = diabetes(&text).map_err(|()| bad("invalid_value"))?,
            PatientField::VascularDisease => p.vascular_disease = yes_no(&text).map_err(|()| bad("invalid_value"))?,
            PatientField::Anticoagulants => p.anticoagulants = yes_no(&text).map_err(|()| bad("invalid_value"))?,
            PatientField::Allergies => p.allergies = text,
            PatientField::HistoryNotes => p.history_notes = text,
        }
    }
    p.id = derived_id(digest, key.as_deref(), number);
    let patient = p.parse(today).map_err(|e| batch::error_problem(number, e))?;
    Ok(Row { number, patient, key })
}

/// What becomes of a row.
pub type Verdict = batch::Verdict<Row>;

/// Every row's verdict, in the file's order.
pub async fn analyze(pool: &sqlx::PgPool, sheet: &Sheet, mapping: &[Option<PatientField>]) -> AppResult<Vec<Verdict>> {
    check_mapping(sheet, mapping)?;
    let today = crate::profile::time::local_date(crate::profile::time::zone(pool).await?, chrono::Utc::now());
    let parsed: Vec<Result<Row, RowProblem>> = sheet
        .rows()
        .enumerate()
        .map(|(i, cells)| parse_row(&cells, mapping, sheet.numbers[i], &sheet.digest, today))
        .collect();
    let rows: Vec<&Row> = parsed.iter().filter_map(|r| r.as_ref().ok()).collect();
    let ids: Vec<Uuid> = rows.iter().map(|r| r.patient.id).collect();
    let firsts: Vec<String> = rows.iter().map(|r| r.patient.first_name.clone()).collect();
    let lasts: Vec<String> = rows.iter().map(|r| r.patient.last_names.clone()).collect();
    let phones: Vec<String> = rows.iter().map(|r| r.patient.phone_key()).collect();
    let lookup = super::repo::lookup(pool, &ids, &firsts, &lasts, &phones).await?;

    let mut names_seen: HashSet<(String, NaiveDate)> = lookup.names;
    let mut phones_seen: HashSet<String> = lookup.phones;
    let mut ids_in_file: HashSet<Uuid> = HashSet::new();
    let name_of: HashMap<Uuid, String> = ids.iter().copied().zip(lookup.folded).collect();
    let mut verdicts = Vec::with_capacity(parsed.len());
    for result in parsed {
        let row = match result {
            Ok(row) => row,
            Err(problem) => {
                verdicts.push(Verdict::Error(problem));
                continue;
            }
        };
        if lookup.existing.contains(&row.patient.id) {
            verdicts.push(Verdict::Already(row.number));
            continue;
        }
        if !ids_in_file.insert(row.patient.id) {
            // The same old-system key twice in one file: the second is not another patient.
            verdicts.push(Verdict::Duplicate(row.number));
            continue;
        }
        let name = row.patient.birth_date.map(|b| (name_of.get(&row.patient.id).cloned().unwrap_or_default(), b));
        let phone = Some(row.patient.phone_key()).filter(|k| k.len() >= 7);
        let duplicate = name.as_ref().is_some_and(|n| names_seen.contains(n))
            || phone.as_ref().is_some_and(|k| phones_seen.contains(k));
        if let Some(n) = name {
            names_seen.insert(n);
        }
        if let Some(k) = phone {
            phones_seen.insert(k);
        }
        verdicts.push(if duplicate { Verdict::Duplicate(row.number) } else { Verdict::New(Box::new(row)) });
    }
    Ok(verdicts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 2).unwrap()
    }

    fn mapping() -> Vec<Option<PatientField>> {
        vec![Some(PatientField::FullName), Some(PatientField::BirthDate), Some(PatientField::Phone), None]
    }

    #[test]
    fn headers_suggest_their_fields() {
        assert_eq!(suggest("Teléfono"), Some(PatientField::Phone));
        assert_eq!(suggest(" Fecha de Nacimiento "), Some(PatientField::BirthDate));
        assert_eq!(suggest("No. Expediente"), Some(PatientField::Key));
        assert_eq!(suggest("Nombre completo"), Some(PatientField::FullName));
        assert_eq!(suggest("Color favorito"), None);
    }

    #[test]
    fn a_row_is_read_and_checked_by_the_form_s_rules() {
        let row =
            parse_row(&["María José  López", "07/03/1961", "55 1234 5678", "x"], &mapping(), 2, &[1; 32], today())
                .unwrap();
        assert_eq!((row.patient.first_name.as_str(), row.patient.last_names.as_str()), ("María", "José López"));
        assert_eq!(row.patient.birth_date, NaiveDate::from_ymd_opt(1961, 3, 7));
        // The same file and row: the same id; another row: another.
        let again = parse_row(&["María José López", "1961-03-07", "", ""], &mapping(), 2, &[1; 32], today());
        assert_eq!(again.unwrap().patient.id, row.patient.id);
        let bad = parse_row(&["Ana", "31/02/1990", "", ""], &mapping(), 7, &[1; 32], today()).unwrap_err();
        assert_eq!(bad, batch::problem(7, PatientField::BirthDate, "date_format"));
        let bad = parse_row(&["Ana", "", "123", ""], &mapping(), 8, &[1; 32], today()).unwrap_err();
        assert_eq!(bad, batch::problem(8, PatientField::Phone, "phone_format"));
        let bad = parse_row(&["", "", "", ""], &mapping(), 9, &[1; 32], today()).unwrap_err();
        assert_eq!(bad, batch::problem(9, PatientField::FirstName, "required"));
        let future = parse_row(&["Ana", "01/01/2030", "", ""], &mapping(), 10, &[1; 32], today()).unwrap_err();
        assert_eq!(future, batch::problem(10, PatientField::BirthDate, "out_of_range"));
    }

    #[test]
    fn a_key_names_the_patient_whatever_file_brings_it() {
        let m = vec![Some(PatientField::Key), Some(PatientField::FirstName)];
        let a = parse_row(&["EXP-001", "Ana"], &m, 2, &[1; 32], today()).unwrap();
        let b = parse_row(&["EXP-001", "Ana"], &m, 40, &[2; 32], today()).unwrap();
        assert_eq!(a.patient.id, b.patient.id);
    }

    #[test]
    fn a_mapping_needs_one_name_and_each_field_once() {
        let sheet = Sheet::new(vec!["a".into(), "b".into()], vec![], vec![], [0; 32]);
        let none = [None, Some(PatientField::Phone)];
        assert_eq!(check_mapping(&sheet, &none).unwrap_err(), AppError::validation("mapping", "name_column_required"));
        let twice = [Some(PatientField::FirstName), Some(PatientField::FirstName)];
        assert_eq!(check_mapping(&sheet, &twice).unwrap_err(), AppError::validation("mapping", "field_mapped_twice"));
        let both = [Some(PatientField::FirstName), Some(PatientField::FullName)];
        assert_eq!(check_mapping(&sheet, &both).unwrap_err(), AppError::validation("mapping", "name_mapped_twice"));
        assert!(check_mapping(&sheet, &[Some(PatientField::FullName), None]).is_ok());
    }
}
