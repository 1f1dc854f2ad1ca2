use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::appointments::model::Status;
use crate::error::{AppError, AppResult};

/// What the patient answered to the reminder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum ReminderOutcome {
    /// "Confirmó": the appointment becomes confirmed.
    Confirmed,
    /// "No contestó": noted; shown on the calendar.
    NoAnswer,
    /// "Canceló": the appointment is cancelled and its slot freed.
    Cancelled,
}

/// The words a template may use, each in braces. Nothing clinical is among them: the reason for
/// the visit, diagnoses and notes can never reach a message.
pub const PLACEHOLDERS: [&str; 6] = ["nombre", "fecha", "hora", "podologo", "clinica", "direccion"];

/// The template's pieces: text as is, and placeholders (by their index in `PLACEHOLDERS`).
enum Piece<'a> {
    Text(&'a str),
    Field(usize),
}

fn pieces(template: &str) -> AppResult<Vec<Piece<'_>>> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find(['{', '}']) {
        if rest[open..].starts_with('}') {
            return Err(AppError::validation("reminderTemplate", "template_braces"));
        }
        out.push(Piece::Text(&rest[..open]));
        let after = &rest[open + 1..];
        let close = after.find('}').ok_or_else(|| AppError::validation("reminderTemplate", "template_braces"))?;
        let name = &after[..close];
        let index = PLACEHOLDERS
            .iter()
            .position(|p| *p == name)
            .ok_or_else(|| AppError::validation("reminderTemplate", "unknown_placeholder"))?;
        out.push(Piece::Field(index));
        rest = &after[close + 1..];
    }
    out.push(Piece::Text(rest));
    Ok(out)
}

/// Trims and checks a template: not empty, not too long, only known placeholders.
pub fn check_template(template: &mut String) -> AppResult<()> {
    crate::validate::required(template, "reminderTemplate", crate::limits::CLINIC_REMINDER_TEMPLATE)?;
    pieces(template).map(|_| ())
}

/// What fills a template's placeholders, in `PLACEHOLDERS` order.
pub struct MessageFields {
    pub first_name: String,
    pub date: String,
    pub time: String,
    pub podiatrist: String,
    pub clinic: String,
    pub address: String,
}

impl MessageFields {
    /// The appointment's date and time as the clinic says them ("jueves 3 de diciembre", "10:30").
    pub fn new(
        tz: Tz,
        starts_at: DateTime<Utc>,
        first_name: &str,
        podiatrist: &str,
        clinic: &str,
        address: &str,
    ) -> Self {
        let local = starts_at.with_timezone(&tz);
        MessageFields {
            first_name: first_name.to_string(),
            date: local.format_localized("%A %-d de %B", chrono::Locale::es_MX).to_string(),
            time: local.format("%H:%M").to_string(),
            podiatrist: podiatrist.to_string(),
            clinic: clinic.to_string(),
            address: address.to_string(),
        }
    }

    fn get(&self, index: usize) -> &str {
        [&self.first_name, &self.date, &self.time, &self.podiatrist, &self.clinic, &self.address][index]
    }
}

/// The message for one appointment. The template was checked when saved; a stored one that no
/// longer passes is refused rather than sent with braces in it.
pub fn render(template: &str, fields: &MessageFields) -> AppResult<String> {
    Ok(pieces(template)?
        .into_iter()
        .map(|p| match p {
            Piece::Text(t) => t,
            Piece::Field(i) => fields.get(i),
        })
        .collect())
}

/// The number WhatsApp knows a phone by: its digits, with Mexico's country code (52) added to a
/// 10-digit national number. None when it cannot be a phone number.
pub fn whatsapp_number(phone: &str) -> Option<String> {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    let number = match digits.len() {
        10 => format!("52{digits}"),
        11..=15 => digits,
        _ => return None,
    };
    Some(number)
}

/// The `wa.me` link that opens a chat with the message written, ready to send.
pub fn whatsapp_link(phone: &str, message: &str) -> Option<String> {
    let number = whatsapp_number(phone)?;
    Some(format!("https://wa.me/{number}?text={}", utf8_percent_encode(message, NON_ALPHANUMERIC)))
}

/// One appointment of the day, as the reminders view lists it.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Reminder {
    pub appointment_id: Uuid,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub status: Status,
    pub podiatrist_name: String,
    pub patient_id: Uuid,
    pub patient_name: String,
    /// What the message calls the patient.
    pub first_name: String,
    pub phone: String,
    /// The patient asked not to be reminded: no message is offered.
    pub opted_out: bool,
    pub outcome: Option<ReminderOutcome>,
    /// The patient's past no-shows, all time.
    pub no_shows: i64,
    /// The message as it would be sent; None when opted out.
    pub message: Option<String>,
    /// Whether the phone can take a WhatsApp link.
    pub can_message: bool,
}

/// A patient's record of missed visits, shown when booking.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Attendance {
    pub no_shows: i64,
    pub last_no_show: Option<DateTime<Utc>>,
    pub completed: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> MessageFields {
        let tz: Tz = "America/Mexico_City".parse().unwrap();
        let at = "2026-12-03T16:30:00Z".parse().unwrap();
        MessageFields::new(tz, at, "Ana", "Dra. Lucía", "Clínica Demo", "Av. 1")
    }

    #[test]
    fn a_template_is_filled_with_the_appointment_and_nothing_else() {
        let text =
            render("Hola {nombre}: {fecha} a las {hora} con {podologo} en {clinica}, {direccion}.", &fields()).unwrap();
        assert_eq!(text, "Hola Ana: jueves 3 de diciembre a las 10:30 con Dra. Lucía en Clínica Demo, Av. 1.");
    }

    #[test]
    fn unknown_placeholders_and_stray_braces_are_refused() {
        for bad in ["Hola {motivo}", "Hola {nombre", "Hola nombre}", "{}", "{diagnostico} {nombre}"] {
            let mut t = bad.to_string();
            assert!(check_template(&mut t).is_err(), "{bad}");
        }
        let mut empty = "   ".to_string();
        assert!(check_template(&mut empty).is_err());
        let mut ok = " Hola {nombre} ".to_string();
        check_template(&mut ok).unwrap();
        assert_eq!(ok, "Hola {nombre}");
    }

    #[test]
    fn mexican_numbers_get_their_country_code_and_the_text_is_encoded() {
        assert_eq!(whatsapp_number("55 1234 5678").as_deref(), Some("525512345678"));
        assert_eq!(whatsapp_number("+52 1 55 1234 5678").as_deref(), Some("5215512345678"));
        assert_eq!(whatsapp_number("1234"), None);
        assert_eq!(whatsapp_number(""), None);
        let link = whatsapp_link("(55) 1234-5678", "Hola Ana & co. ¿sí?").unwrap();
        assert_eq!(link, "https://wa.me/525512345678?text=Hola%20Ana%20%26%20co%2E%20%C2%BFs%C3%AD%3F");
    }
}
