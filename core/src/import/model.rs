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

    /// The form's field name, used in errors (`fields.*` in the UI's catalog).
    pub fn form_name(self) -> &'static str {
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

/// A file's first rows and the mapping its headers suggest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SheetPreview {
    pub headers: Vec<String>,
    /// The first data rows, as read.
    pub sample: Vec<Vec<String>>,
    pub rows: u32,
    /// For each column, the field its header names (by the usual Spanish headers), if any.
    pub suggested: Vec<Option<PatientField>>,
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
    /// Rows that are (or were) new patients.
    pub new: u32,
    /// Rows that are likely duplicates (the create form's rule: the same name and birth date, or
    /// the same phone) of a patient already there or of an earlier row.
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
