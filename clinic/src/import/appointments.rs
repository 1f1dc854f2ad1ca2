//! Importing appointments: the clinic's past visits (completed, cancelled, missed), and the
//! bookings it already has ahead. Each row is read through a column mapping (a date, a time, a
//! length or an end, a podiatrist by name, a patient by the old system's key or by name and birth
//! date, a status, a reason), matched, and checked by the agenda's own rules: the same length
//! limit and reason limit as a booking, and never two live appointments of one podiatrist at once
//! (checked against the clinic's appointments and the file's earlier rows, and held again by the
//! database's exclusion constraint when each batch is written: a booking made meanwhile at a desk
//! wins, and the row is reported). Completed ones count in the dashboard through the same
//! rollup triggers as a visit closed at the desk.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use chrono_tz::Tz;
use uuid::Uuid;

use super::batch::{self, name_key, problem};
use super::model::{AppointmentField as F, RowProblem};
use super::sheet::Sheet;
use crate::appointments::model::{MAX_MINUTES, Status, check_times};
use crate::audit::Action;
use crate::error::{AppError, AppResult};
use crate::patients::model::fold;
use crate::profile::time;

/// Rows written per transaction: a cancel stops between two batches, never inside one.
pub const BATCH: usize = 5000;
impl batch::Rows for Row {
    const ACTION: Action = Action::AppointmentImport;
    const BATCH: usize = BATCH;
    fn number(&self) -> u32 {
        self.number
    }
    fn refused(number: u32) -> RowProblem {
        problem(number, F::Time, "slot_taken")
    }
    async fn insert(db: &mut sqlx::PgConnection, rows: &[&Self], user: Uuid) -> AppResult<batch::Written> {
        super::repo::insert_appointments(db, rows, user).await
    }
}

/// The length of an appointment whose row gives neither a length nor an end.
pub const DEFAULT_MINUTES: i64 = 30;
/// The namespace of imported appointments' ids (UUID v5).
const NAMESPACE: Uuid = Uuid::from_u128(0x2b8e_61c4_90a7_4f3d_8c15_6e0a_d3f2_47b9);
/// The longest name or key a cell may hold.
const NAME_CELL: usize = 300;
/// The cancel reason an imported cancelled appointment carries (the database asks for one).
pub const CANCEL_REASON: &str = "Cancelada en el sistema anterior";

/// The field a header names, by the usual Spanish (and English) headers.
pub fn suggest(header: &str) -> Option<F> {
    let field = match name_key(header).as_str() {
        "id cita" | "clave cita" | "folio cita" | "no cita" | "cita" | "id" | "folio" | "appointment id" => F::Key,
        "fecha" | "dia" | "fecha de la cita" | "fecha cita" | "date" => F::Date,
        "hora" | "hora inicio" | "hora de inicio" | "inicio" | "time" | "start" => F::Time,
        "duracion" | "minutos" | "duracion min" | "duracion minutos" | "duration" => F::DurationMinutes,
        "hora fin" | "fin" | "termina" | "hora de fin" | "end" => F::EndTime,
        "podologo" | "podologa" | "especialista" | "doctor" | "doctora" | "atendio" | "podiatrist" => F::Podiatrist,
        "expediente" | "clave paciente" | "no expediente" | "numero de expediente" | "patient id" => F::PatientKey,
        "paciente" | "nombre" | "nombre del paciente" | "nombre completo" | "patient" => F::PatientName,
        "fecha de nacimiento" | "nacimiento" | "f nac" | "fecha nacimiento" | "birth date" => F::PatientBirthDate,
        "estado" | "estatus" | "status" | "situacion" => F::Status,
        "motivo" | "motivo de consulta" | "servicio" | "tratamiento" | "reason" => F::Reason,
        _ => return None,
    };
    Some(field)
}

/// A mapping checked against the sheet: each field at most once, a date, a podiatrist and a way
/// to find the patient.
pub fn check_mapping(sheet: &Sheet, mapping: &[Option<F>]) -> AppResult<()> {
    let seen = batch::mapped_fields(sheet, mapping)?;
    if !seen.contains(&F::Date) {
        return Err(AppError::validation("mapping", "date_column_required"));
    }
    if !seen.contains(&F::Podiatrist) {
        return Err(AppError::validation("mapping", "podiatrist_column_required"));
    }
    let by_name = seen.contains(&F::PatientName) && seen.contains(&F::PatientBirthDate);
    if !(seen.contains(&F::PatientKey) || by_name) {
        return Err(AppError::validation("mapping", "patient_columns_required"));
    }
    if seen.contains(&F::DurationMinutes) && seen.contains(&F::EndTime) {
        return Err(AppError::validation("mapping", "length_mapped_twice"));
    }
    Ok(())
}

/// A row as read, before its podiatrist and patient are found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cells {
    pub number: u32,
    pub id: Uuid,
    pub start: NaiveDateTime,
    pub end: Option<NaiveDateTime>,
    pub minutes: Option<i64>,
    /// As matched (`name_key`).
    pub podiatrist: String,
    pub patient_key: Option<String>,
    /// One space between words, as written.
    pub patient_name: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub status: Option<Status>,
    pub reason: String,
}

/// A row ready to be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub number: u32,
    pub id: Uuid,
    pub patient_id: Uuid,
    pub podiatrist_id: Uuid,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub status: Status,
    pub reason: String,
    pub outside_schedule: bool,
}

/// What becomes of a row.
pub type Verdict = batch::Verdict<Row>;

/// The id a row imports under: from the old system's key, else from the file and the row.
pub fn derived_id(digest: &[u8; 32], key: Option<&str>, number: u32) -> Uuid {
    batch::derived_id(&NAMESPACE, digest, key, number)
}

fn words(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// "14:30", "9:05", "14:30:00", "2:30 pm", "2:30 p.m."; a spreadsheet's time cell (read as
/// "1899-12-31 14:30") too. Else the error's key.
pub fn parse_time(text: &str) -> Result<Option<NaiveTime>, &'static str> {
    parse_clock(text).map_err(|()| "time_format")
}

fn parse_clock(text: &str) -> Result<Option<NaiveTime>, ()> {
    let t = fold(text.trim()).replace('.', "");
    if t.is_empty() {
        return Ok(None);
    }
    let (t, pm) = match t.strip_suffix("pm").or_else(|| t.strip_suffix("p m")) {
        Some(rest) => (rest.trim().to_string(), Some(true)),
        None => match t.strip_suffix("am").or_else(|| t.strip_suffix("a m")) {
            Some(rest) => (rest.trim().to_string(), Some(false)),
            None => (t.clone(), None),
        },
    };
    // The time part of a date and time.
    let clock = t.rsplit(' ').next().unwrap_or(&t);
    let mut parts = clock.split(':');
    let (h, m, s) = (parts.next(), parts.next(), parts.next());
    let number = |p: Option<&str>| p.filter(|p| (1..=2).contains(&p.len())).and_then(|p| p.parse::<u32>().ok());
    let (Some(mut h), Some(m)) = (number(h), number(m)) else { return Err(()) };
    let s = match s {
        Some(s) => number(Some(s)).ok_or(())?,
        None => 0,
    };
    if parts.next().is_some() {
        return Err(());
    }
    match pm {
        Some(pm) if (1..=12).contains(&h) => h = h % 12 + if pm { 12 } else { 0 },
        Some(_) => return Err(()),
        None => {}
    }
    // Seconds are checked, then dropped: the agenda is kept in minutes.
    NaiveTime::from_hms_opt(h, m, s).and_then(|_| NaiveTime::from_hms_opt(h, m, 0)).map(Some).ok_or(())
}

/// The status an old system wrote, in Spanish or English.
fn parse_status(text: &str) -> Result<Option<Status>, ()> {
    let status = match name_key(text).as_str() {
        "" => return Ok(None),
        "completada" | "completado" | "atendida" | "atendido" | "realizada" | "realizado" | "asistio" | "terminada"
        | "finalizada" | "concluida" | "completed" | "done" | "attended" => Status::Completed,
        "cancelada" | "cancelado" | "cancelled" | "canceled" => Status::Cancelled,
        "no asistio" | "no se presento" | "falta" | "falto" | "inasistencia" | "no show" | "noshow" | "ausente" => {
            Status::NoShow
        }
        "programada" | "agendada" | "pendiente" | "reservada" | "scheduled" | "booked" => Status::Scheduled,
        "confirmada" | "confirmado" | "confirmed" => Status::Confirmed,
        _ => return Err(()),
    };
    Ok(Some(status))
}

/// Reads row `number` through `mapping` (no database): each field checked alone.
pub fn parse_row(cells: &[&str], mapping: &[Option<F>], number: u32, digest: &[u8; 32]) -> Result<Cells, RowProblem> {
    let (mut date, mut date_time, mut time, mut end_time) = (None, None, None, None);
    let mut row = Cells {
        number,
        id: Uuid::nil(),
        start: NaiveDateTime::MIN,
        end: None,
        minutes: None,
        podiatrist: String::new(),
        patient_key: None,
        patient_name: None,
        birth_date: None,
        status: None,
        reason: String::new(),
    };
    let mut key = None;
    for (cell, field) in cells.iter().zip(mapping) {
        let Some(field) = *field else { continue };
        let text = cell.trim();
        let bad = |k: &str| problem(number, field, k);
        match field {
            F::Key => {
                if text.chars().count() > 100 {
                    return Err(bad("too_long"));
                }
                key = Some(text.to_string()).filter(|k| !k.is_empty());
            }
            F::Date => {
                date = super::patients::parse_date(text).map_err(bad)?;
                // A date and a time in one cell ("2024-03-05 10:30", "05/03/2024 10:30").
                if let Some((_, clock)) = text.split_once([' ', 'T']) {
                    date_time = parse_time(clock).map_err(|_| bad("date_format"))?;
                }
            }
            F::Time => time = parse_time(text).map_err(bad)?,
            F::EndTime => end_time = parse_time(text).map_err(bad)?,
            F::DurationMinutes if text.is_empty() => {}
            F::DurationMinutes => {
                let minutes = text.parse::<f64>().map_err(|_| bad("invalid_value"))?;
                if minutes.fract() != 0.0 || !(1.0..=MAX_MINUTES as f64).contains(&minutes) {
                    return Err(bad("out_of_range"));
                }
                row.minutes = Some(minutes as i64);
            }
            F::Podiatrist | F::PatientKey | F::PatientName if crate::validate::text(text, "", NAME_CELL).is_err() => {
                return Err(bad(if text.chars().count() > NAME_CELL { "too_long" } else { "control_characters" }));
            }
            F::Podiatrist => row.podiatrist = name_key(text),
            F::PatientKey => row.patient_key = Some(text.to_string()).filter(|k| !k.is_empty()),
            F::PatientName => row.patient_name = Some(words(text)).filter(|n| !n.is_empty()),
            F::PatientBirthDate => row.birth_date = super::patients::parse_date(text).map_err(bad)?,
            F::Status => row.status = parse_status(text).map_err(|()| bad("invalid_value"))?,
            F::Reason => {
                crate::validate::text(text, "reason", crate::limits::APPOINTMENT_REASON)
                    .map_err(|e| batch::error_problem(number, e))?;
                row.reason = text.to_string();
            }
        }
    }
    let date = date.ok_or_else(|| problem(number, F::Date, "required"))?;
    let time = time.or(date_time).ok_or_else(|| problem(number, F::Time, "required"))?;
    row.start = date.and_time(time);
    row.end = end_time.map(|t| date.and_time(t));
    if row.podiatrist.is_empty() {
        return Err(problem(number, F::Podiatrist, "required"));
    }
    if row.patient_key.is_none() && (row.patient_name.is_none() || row.birth_date.is_none()) {
        let field = if row.patient_name.is_none() { F::PatientName } else { F::PatientBirthDate };
        return Err(problem(number, field, "required"));
    }
    row.id = derived_id(digest, key.as_deref(), number);
    Ok(row)
}

/// The one of `found`, or the one `preferred` picks when there are several; `None` when that is
/// still more than one.
fn only<T>(found: &[T], preferred: impl Fn(&T) -> bool) -> Option<&T> {
    match found {
        [one] => Some(one),
        _ => match found.iter().filter(|t| preferred(t)).collect::<Vec<_>>().as_slice() {
            [one] => Some(*one),
            _ => None,
        },
    }
}

/// The clinic's podiatrists by folded name: each name's id and whether it is active, or `None`
/// when two share it (and not just one of them is active).
async fn podiatrists(pool: &sqlx::PgPool) -> AppResult<HashMap<String, Option<(Uuid, bool)>>> {
    let mut all: HashMap<String, Vec<(Uuid, bool)>> = HashMap::new();
    for p in crate::podiatrists::repo::list(pool).await? {
        all.entry(name_key(&p.name)).or_default().push((p.id, p.active));
    }
    // Two with one name: the active one, when only one of them is.
    Ok(all.into_iter().map(|(name, found)| (name, only(&found, |(_, active)| *active).copied())).collect())
}

/// A row's instants in the clinic's zone, checked as a booking's are.
fn instants(tz: Tz, c: &Cells) -> Result<(DateTime<Utc>, DateTime<Utc>), RowProblem> {
    let start = time::to_utc(tz, c.start);
    let end = match (c.end, c.minutes) {
        (Some(end), _) => time::to_utc(tz, end),
        (None, minutes) => start + chrono::Duration::minutes(minutes.unwrap_or(DEFAULT_MINUTES)),
    };
    check_times(start, end).map_err(|e| match e {
        AppError::Validation { key, .. } => problem(c.number, F::EndTime, &key),
        other => batch::error_problem(c.number, other),
    })?;
    Ok((start, end))
}

/// Every row's verdict, in the file's order.
pub async fn analyze(pool: &sqlx::PgPool, sheet: &Sheet, mapping: &[Option<F>]) -> AppResult<Vec<Verdict>> {
    check_mapping(sheet, mapping)?;
    let tz = time::zone(pool).await?;
    let now = Utc::now();
    // First what to look up (the rows are read again below, rather than a million of them kept
    // as read: that took 300 MB).
    let (mut keys, mut names, mut ids) = (HashSet::new(), HashSet::new(), Vec::new());
    for (i, cells) in sheet.rows().enumerate() {
        if let Ok(c) = parse_row(&cells, mapping, sheet.numbers[i], &sheet.digest) {
            keys.extend(c.patient_key.as_deref().map(super::patients::key_id));
            names.extend(c.patient_name);
            ids.push(c.id);
        }
    }
    // The podiatrists, the patients by key and by name with birth date, the rows imported before.
    let podiatrists = podiatrists(pool).await?;
    let keys: Vec<Uuid> = keys.into_iter().collect();
    let names: Vec<String> = names.into_iter().collect();
    let patients = super::repo::find_patients(pool, &keys, &names).await?;
    let existing = super::repo::existing_appointments(pool, &ids).await?;
    drop(ids);

    let mut verdicts: Vec<Verdict> = Vec::with_capacity(sheet.len());
    let mut rows: Vec<(usize, Row)> = Vec::new();
    for (i, cells) in sheet.rows().enumerate() {
        let c = match parse_row(&cells, mapping, sheet.numbers[i], &sheet.digest) {
            Ok(c) => c,
            Err(p) => {
                verdicts.push(Verdict::Error(p));
                continue;
            }
        };
        // A placeholder, replaced below.
        verdicts.push(Verdict::Already(c.number));
        let number = c.number;
        let found = (|| {
            let (podiatrist_id, active) = match podiatrists.get(&c.podiatrist) {
                Some(Some(found)) => *found,
                Some(None) => return Err(problem(number, F::Podiatrist, "ambiguous")),
                None => return Err(problem(number, F::Podiatrist, "unknown_podiatrist")),
            };
            let by_key =
                c.patient_key.as_deref().map(super::patients::key_id).filter(|id| patients.ids.contains_key(id));
            let by_name = || match (&c.patient_name, c.birth_date) {
                (Some(name), Some(birth)) => match patients.names.get(&(name.clone(), birth)) {
                    // Two with one name and birth date: the one not archived, when only one is not.
                    Some(found) => only(found, |id| patients.ids.get(id) == Some(&false))
                        .copied()
                        .ok_or_else(|| problem(number, F::PatientName, "ambiguous")),
                    None => Err(problem(number, F::PatientName, "unknown_patient")),
                },
                _ => Err(problem(number, F::PatientKey, "unknown_patient")),
            };
            let patient_id = match by_key {
                Some(id) => id,
                None => by_name()?,
            };
            let (starts_at, ends_at) = instants(tz, &c)?;
            let past = starts_at < now;
            let status = c.status.unwrap_or(if past { Status::Completed } else { Status::Scheduled });
            match (past, status) {
                (true, Status::Scheduled | Status::Confirmed) => return Err(problem(number, F::Status, "past_open")),
                (false, Status::Completed | Status::NoShow) => return Err(problem(number, F::Status, "not_yet")),
                (_, Status::Arrived | Status::InConsultation) => {
                    return Err(problem(number, F::Status, "invalid_value"));
                }
                _ => {}
            }
            if !past && !active {
                return Err(problem(number, F::Podiatrist, "unknown_podiatrist"));
            }
            if !past && status.is_live() && patients.ids.get(&patient_id) == Some(&true) {
                return Err(problem(number, F::PatientName, "patient_archived"));
            }
            Ok(Row {
                number,
                id: c.id,
                patient_id,
                podiatrist_id,
                starts_at,
                ends_at,
                status,
                reason: c.reason,
                outside_schedule: false,
            })
        })();
        match found {
            Ok(row) if existing.contains(&row.id) => verdicts[i] = Verdict::Already(number),
            Ok(row) => rows.push((i, row)),
            Err(p) => verdicts[i] = Verdict::Error(p),
        }
    }

    // The same id twice in one file (an old-system key repeated) is one appointment.
    let mut seen = HashSet::new();
    rows.retain(|(i, row)| {
        let first = seen.insert(row.id);
        if !first {
            verdicts[*i] = Verdict::Duplicate(row.number);
        }
        first
    });
    let clashes = overlaps(pool, &rows).await?;
    mark_schedule(pool, tz, now, &mut rows).await?;
    for (i, row) in rows {
        verdicts[i] = match clashes.get(&row.number) {
            Some(Clash::Same) => Verdict::Duplicate(row.number),
            Some(Clash::Overlap) => Verdict::Error(problem(row.number, F::Time, "slot_taken")),
            None => Verdict::New(Box::new(row)),
        };
    }
    Ok(verdicts)
}

/// A live appointment of the agenda: start, end, patient.
type Span = (DateTime<Utc>, DateTime<Utc>, Uuid);

/// How a row meets a live appointment of its podiatrist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Clash {
    /// The same patient at the same start: the appointment is there already.
    Same,
    Overlap,
}

/// The rows that are there already, or overlap a live appointment of their podiatrist, by row
/// number. A live row that overlaps a live appointment of the agenda, or a live row of the file
/// that starts earlier, is refused (the same patient at the same start is the same appointment:
/// a duplicate). A cancelled or missed row holds no slot: it is a duplicate only of one with the
/// same podiatrist, patient, start and status (a file without keys imported again after an edit
/// gets new ids, and must not count its no-shows twice).
async fn overlaps(pool: &sqlx::PgPool, rows: &[(usize, Row)]) -> AppResult<HashMap<u32, Clash>> {
    let mut clashes = HashMap::new();
    let (Some(from), Some(to)) =
        (rows.iter().map(|(_, r)| r.starts_at).min(), rows.iter().map(|(_, r)| r.ends_at).max())
    else {
        return Ok(clashes);
    };
    let podiatrists: Vec<Uuid> =
        rows.iter().map(|(_, r)| r.podiatrist_id).collect::<HashSet<_>>().into_iter().collect();
    // The agenda's live appointments in the file's span, by podiatrist, in start order (they
    // never overlap each other); and every appointment's (podiatrist, start, patient, status).
    let mut agenda: HashMap<Uuid, Vec<Span>> = HashMap::new();
    let mut there: HashSet<(Uuid, DateTime<Utc>, Uuid, Status)> = HashSet::new();
    for (podiatrist, start, end, patient, status) in super::repo::spans(pool, &podiatrists, from, to).await? {
        if status.is_live() {
            agenda.entry(podiatrist).or_default().push((start, end, patient));
        }
        there.insert((podiatrist, start, patient, status));
    }
    let mut by_podiatrist: HashMap<Uuid, Vec<&Row>> = HashMap::new();
    for (_, r) in rows {
        if r.status.is_live() {
            by_podiatrist.entry(r.podiatrist_id).or_default().push(r);
        } else if !there.insert((r.podiatrist_id, r.starts_at, r.patient_id, r.status)) {
            clashes.insert(r.number, Clash::Same);
        }
    }
    for (podiatrist, mut file) in by_podiatrist {
        file.sort_by_key(|r| (r.starts_at, r.number));
        let booked = agenda.get(&podiatrist).map(Vec::as_slice).unwrap_or_default();
        // The file's rows kept so far: the one that ends last.
        let mut kept: Option<&Row> = None;
        for r in file {
            let same = |start: DateTime<Utc>, patient: Uuid| {
                if start == r.starts_at && patient == r.patient_id { Clash::Same } else { Clash::Overlap }
            };
            // The agenda's appointments that start before this row ends: the last of them is the
            // only one that can still be running at its start.
            let before = booked.partition_point(|(start, _, _)| *start < r.ends_at);
            let clash = match before.checked_sub(1).map(|k| booked[k]) {
                Some((start, end, patient)) if end > r.starts_at => Some(same(start, patient)),
                _ => kept.filter(|k| k.ends_at > r.starts_at).map(|k| same(k.starts_at, k.patient_id)),
            };
            match clash {
                Some(c) => {
                    clashes.insert(r.number, c);
                }
                None if kept.is_none_or(|k| r.ends_at > k.ends_at) => kept = Some(r),
                None => {}
            }
        }
    }
    Ok(clashes)
}

/// Marks the bookings ahead that fall outside their podiatrist's working hours, as the calendar
/// shows a booking made so.
async fn mark_schedule(pool: &sqlx::PgPool, tz: Tz, now: DateTime<Utc>, rows: &mut [(usize, Row)]) -> AppResult<()> {
    let ahead: Vec<&Row> = rows.iter().map(|(_, r)| r).filter(|r| r.starts_at >= now).collect();
    let (Some(from), Some(to)) = (ahead.iter().map(|r| r.starts_at).min(), ahead.iter().map(|r| r.ends_at).max())
    else {
        return Ok(());
    };
    let podiatrists: Vec<Uuid> = ahead.iter().map(|r| r.podiatrist_id).collect::<HashSet<_>>().into_iter().collect();
    let mut conn = pool.acquire().await?;
    let working = crate::schedules::service::working_time(&mut conn, tz, &podiatrists, from, to).await?;
    for (_, r) in rows.iter_mut().filter(|(_, r)| r.starts_at >= now) {
        let spans = working.get(&r.podiatrist_id).map(Vec::as_slice).unwrap_or_default();
        r.outside_schedule = !crate::schedules::service::covers(spans, r.starts_at, r.ends_at);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_people_write_them() {
        let t = |h, m| Ok(Some(NaiveTime::from_hms_opt(h, m, 0).unwrap()));
        assert_eq!(parse_time("14:30"), t(14, 30));
        assert_eq!(parse_time("9:05"), t(9, 5));
        assert_eq!(parse_time("09:05:00"), t(9, 5));
        assert_eq!(parse_time("16:00:30"), t(16, 0), "seconds dropped");
        assert_eq!(parse_time("2:30 pm"), t(14, 30));
        assert_eq!(parse_time("12:15 a.m."), t(0, 15));
        assert_eq!(parse_time("12:15 P.M."), t(12, 15));
        assert_eq!(parse_time("1899-12-31 16:00"), t(16, 0));
        assert_eq!(parse_time(""), Ok(None));
        assert_eq!(parse_time("25:00"), Err("time_format"));
        assert_eq!(parse_time("13:00 pm"), Err("time_format"));
        assert_eq!(parse_time("mañana"), Err("time_format"));
    }

    #[test]
    fn statuses_read_in_spanish_and_english() {
        assert_eq!(parse_status("Atendida"), Ok(Some(Status::Completed)));
        assert_eq!(parse_status("NO ASISTIÓ"), Ok(Some(Status::NoShow)));
        assert_eq!(parse_status("no-show"), Ok(Some(Status::NoShow)));
        assert_eq!(parse_status("cancelled"), Ok(Some(Status::Cancelled)));
        assert_eq!(parse_status(" "), Ok(None));
        assert_eq!(parse_status("quizá"), Err(()));
    }

    #[test]
    fn a_row_is_read_field_by_field() {
        let m = [Some(F::Date), Some(F::Time), Some(F::DurationMinutes), Some(F::Podiatrist), Some(F::PatientKey)];
        let row = parse_row(&["05/03/2024", "10:30", "45", " Dra.  Ruiz ", "EXP-1"], &m, 2, &[0; 32]).unwrap();
        assert_eq!(row.start, NaiveDate::from_ymd_opt(2024, 3, 5).unwrap().and_hms_opt(10, 30, 0).unwrap());
        assert_eq!((row.minutes, row.podiatrist.as_str()), (Some(45), "dra ruiz"));
        let bad = parse_row(&["05/03/2024", "10:30", "600", "Ruiz", "EXP-1"], &m, 3, &[0; 32]).unwrap_err();
        assert_eq!(bad, problem(3, F::DurationMinutes, "out_of_range"));
        let bad = parse_row(&["05/03/2024", "", "30", "Ruiz", "EXP-1"], &m, 4, &[0; 32]).unwrap_err();
        assert_eq!(bad, problem(4, F::Time, "required"));
        let bad = parse_row(&["05/03/2024", "10:30", "30", "Ruiz", ""], &m, 5, &[0; 32]).unwrap_err();
        assert_eq!(bad, problem(5, F::PatientName, "required"));
        // A date and time in one cell, as a spreadsheet's date-time reads.
        let m = [Some(F::Date), Some(F::EndTime), Some(F::Podiatrist), Some(F::PatientKey)];
        let row = parse_row(&["2024-03-05 16:00", "16:40", "Ruiz", "EXP-1"], &m, 6, &[0; 32]).unwrap();
        assert_eq!(row.start.time(), NaiveTime::from_hms_opt(16, 0, 0).unwrap());
        assert_eq!(row.end, Some(NaiveDate::from_ymd_opt(2024, 3, 5).unwrap().and_hms_opt(16, 40, 0).unwrap()));
    }

    #[test]
    fn headers_suggest_appointment_fields() {
        assert_eq!(suggest("Fecha"), Some(F::Date));
        assert_eq!(suggest("Podóloga"), Some(F::Podiatrist));
        assert_eq!(suggest("Duración (min)"), Some(F::DurationMinutes));
        assert_eq!(suggest("Expediente"), Some(F::PatientKey));
    }
}
