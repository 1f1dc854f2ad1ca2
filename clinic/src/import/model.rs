use serde::{Deserialize, Serialize};

use crate::documents::SavedDocument;

/// What a spreadsheet column holds, for a patients import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum PatientField {
    /// The patient's id in the clinic's old system (a file number, a folio): a patient imported
    /// once under a key is never imported again, whatever file brings it.
    Key,
    FirstName,
    LastNames,
    /// Name and last names in one column: the first word is the name.
    FullName,
    BirthDate,
    Sex,
    Phone,
    PhoneAlt,
    Email,
    Address,
    EmergencyContact,
    EmergencyPhone,
    Diabetes,
    VascularDisease,
    Anticoagulants,
    Allergies,
    HistoryNotes,
}

impl PatientField {
    /// Every field, in the order the mapping lists them.
    pub const ALL: [PatientField; 17] = [
        PatientField::Key,
        PatientField::FirstName,
        PatientField::LastNames,
        PatientField::FullName,
        PatientField::BirthDate,
        PatientField::Sex,
        PatientField::Phone,
        PatientField::PhoneAlt,
        PatientField::Email,
        PatientField::Address,
        PatientField::EmergencyContact,
        PatientField::EmergencyPhone,
        PatientField::Diabetes,
        PatientField::VascularDisease,
        PatientField::Anticoagulants,
        PatientField::Allergies,
        PatientField::HistoryNotes,
    ];
}

/// What a spreadsheet column holds, for an import of appointments (the clinic's past visits, and
/// the bookings it already has ahead).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum AppointmentField {
    /// The appointment's id in the old system: one imported under a key is never imported again.
    Key,
    /// The day (dd/mm/aaaa or ISO), with the time too when the column holds both.
    Date,
    /// The local start time (14:30, 2:30 pm).
    Time,
    /// How long, in minutes (30 when there is neither this nor an end time).
    DurationMinutes,
    EndTime,
    /// The podiatrist's name as the clinic has them set up (accents and case aside).
    Podiatrist,
    /// The patient's key in the old system, as the patients import took it.
    PatientKey,
    /// The patient's whole name: matched with the birth date when there is no key.
    PatientName,
    PatientBirthDate,
    Status,
    Reason,
}

impl AppointmentField {
    /// Every field, in the order the mapping lists them.
    pub const ALL: [AppointmentField; 11] = [
        AppointmentField::Key,
        AppointmentField::Date,
        AppointmentField::Time,
        AppointmentField::DurationMinutes,
        AppointmentField::EndTime,
        AppointmentField::Podiatrist,
        AppointmentField::PatientKey,
        AppointmentField::PatientName,
        AppointmentField::PatientBirthDate,
        AppointmentField::Status,
        AppointmentField::Reason,
    ];
}

/// A column's field, whatever is imported: its form name names it in errors.
pub trait Field: Copy + Eq + std::hash::Hash + 'static {
    const EVERY: &'static [Self];
    /// The form's field name, used in errors (`fields.*` in the UI's catalog).
    fn form_name(self) -> &'static str;
}

impl Field for PatientField {
    const EVERY: &'static [Self] = &PatientField::ALL;
    fn form_name(self) -> &'static str {
        match self {
            PatientField::Key => "importKey",
            PatientField::FirstName => "firstName",
            PatientField::LastNames => "lastNames",
            PatientField::FullName => "fullName",
            PatientField::BirthDate => "birthDate",
            PatientField::Sex => "sex",
            PatientField::Phone => "phone",
            PatientField::PhoneAlt => "phoneAlt",
            PatientField::Email => "email",
            PatientField::Address => "address",
            PatientField::EmergencyContact => "emergencyContact",
            PatientField::EmergencyPhone => "emergencyPhone",
            PatientField::Diabetes => "diabetes",
            PatientField::VascularDisease => "vascularDisease",
            PatientField::Anticoagulants => "anticoagulants",
            PatientField::Allergies => "allergies",
            PatientField::HistoryNotes => "historyNotes",
        }
    }
}

impl Field for AppointmentField {
    const EVERY: &'static [Self] = &AppointmentField::ALL;
    fn form_name(self) -> &'static str {
        match self {
            AppointmentField::Key => "importKey",
            AppointmentField::Date => "date",
            AppointmentField::Time => "time",
            AppointmentField::DurationMinutes => "durationMinutes",
            AppointmentField::EndTime => "endTime",
            AppointmentField::Podiatrist => "podiatrist",
            AppointmentField::PatientKey => "patientKey",
            AppointmentField::PatientName => "patientName",
            AppointmentField::PatientBirthDate => "birthDate",
            AppointmentField::Status => "status",
            AppointmentField::Reason => "reason",
        }
    }
}

/// What a file brings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum ImportKind {
    Patients,
    Appointments,
}

/// What is imported, and each column's field (`None`: not imported).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", content = "columns", rename_all = "camelCase")]
pub enum ImportMapping {
    Patients(Vec<Option<PatientField>>),
    Appointments(Vec<Option<AppointmentField>>),
}

/// A file's first rows and the mappings its headers suggest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SheetPreview {
    pub headers: Vec<String>,
    /// The first data rows, as read.
    pub sample: Vec<Vec<String>>,
    pub rows: u32,
    /// What the headers look like: appointments when they name a date and a podiatrist.
    pub kind: ImportKind,
    /// For each column, the patient field its header names (by the usual Spanish headers), if any.
    pub suggested: Vec<Option<PatientField>>,
    /// For each column, the appointment field its header names, if any.
    pub suggested_appointments: Vec<Option<AppointmentField>>,
}

/// One row that will not be imported, and why: a field and the message key the form would show,
/// or `duplicate` / `already_imported`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RowProblem {
    /// The row's number in the spreadsheet (the header is row 1).
    pub row: u32,
    pub field: Option<String>,
    pub key: String,
}

/// What a dry run found, or what an import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ImportReport {
    pub rows: u32,
    /// Rows that are (or were) new patients or appointments.
    pub new: u32,
    /// Rows that are likely duplicates: of a patient (the create form's rule: the same name and
    /// birth date, or the same phone), or of an appointment (the same patient, podiatrist and
    /// start), already there or in an earlier row.
    pub duplicates: u32,
    /// Rows imported before (the same file, or the same old-system key).
    pub already: u32,
    pub errors: u32,
    /// The first problems (row, field, reason), for the screen.
    pub problems: Vec<RowProblem>,
    /// After an import: how many were written (less than `new` when cancelled).
    pub imported: u32,
    pub cancelled: bool,
    /// After an import with rejected rows: a CSV of them with a reason column, to fix and import again.
    pub rejected: Option<SavedDocument>,
}

/// An import under way, as the progress bar shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ImportProgress {
    pub total: u32,
    pub done: u32,
    /// Seconds left at the pace so far.
    pub eta_seconds: Option<u32>,
    pub running: bool,
}
