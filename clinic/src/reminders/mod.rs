//! Reminders (recordatorios): the day's appointments with each patient's phone and the clinic's
//! WhatsApp message, what reception heard back, and the patients who asked not to be reminded.

pub mod model;
pub mod repo;
pub mod service;
