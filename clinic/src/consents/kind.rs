//! The kinds of consent letter: apart from the rest of the model, so that the one error type can
//! name a missing letter's kind without the model's validation (which returns that error type).

use serde::{Deserialize, Serialize};

/// What a letter authorises (the database's `consent_kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "consent_kind", rename_all = "snake_case")]
pub enum ConsentKind {
    /// Nail avulsion or matricectomy under local anaesthesia.
    NailSurgery,
    /// Other minor surgery of the foot.
    MinorSurgery,
    /// Clinical photos of the feet.
    ClinicalPhotos,
    /// Treating a minor (signed by the parent or tutor).
    MinorPatient,
}

impl ConsentKind {
    /// Every kind, in the order Admin → Documentos lists them.
    pub const ALL: [ConsentKind; 4] =
        [ConsentKind::NailSurgery, ConsentKind::MinorSurgery, ConsentKind::ClinicalPhotos, ConsentKind::MinorPatient];
}
