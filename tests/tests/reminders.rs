//! Tomorrow's reminders (issue 17) against a real PostgreSQL: the day's list with each message,
//! what reception marks and what it does to the appointment and the calendar, opting out, the
//! clinic's template, a patient's missed visits; and bookings across a change of clock.

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use podoclinic_clinic::appointments::model::{AgendaRow, NO_ANSWER, ReminderOutcome, Status};
use podoclinic_clinic::appointments::service as appointments;
use podoclinic_clinic::error::AppError;
use podoclinic_clinic::profile::service as clinic;
use podoclinic_clinic::reminders::service as reminders;
use podoclinic_tests::*;
use sqlx::PgPool;

async fn stored_row(pool: &PgPool, id: uuid::Uuid) -> AgendaRow {
    let text: String = sqlx::query_scalar("SELECT calendar_entry FROM appointments WHERE id = $1")
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap();
    serde_json::from_str(&text).unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn the_days_reminders_carry_the_clinics_message_and_each_answer_acts_on_the_appointment(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let pod = podiatrist(&pool, &admin, "Dra. Lucía Hernández", None).await;
    let ana = patient(&pool, &admin, "Ana", "Pérez", "55 1234 5678").await;
    let luis = patient(&pool, &admin, "Luis", "Mora", "").await;
    let rosa = patient(&pool, &admin, "Rosa", "Díaz", "55 8765 4321").await;
    let ctx = ctx_for(&pool, "admin", ADMIN_PASSWORD).await;

    // The template: only the known placeholders; anything else is refused, naming the field.
    let mut profile = clinic::get(&ctx).await.unwrap();
    profile.address = "Av. Insurgentes 1".into();
    profile.reminder_template = "Hola {nombre}, su cita: {motivo}".into();
    let err = clinic::update(&ctx, profile.clone()).await.unwrap_err();
    assert!(
        matches!(&err, AppError::Validation { field, key } if field == "reminderTemplate" && key == "unknown_placeholder"),
        "{err:?}"
    );
    profile.reminder_template = "Hola {nombre}: {fecha} a las {hora} con {podologo} en {clinica} ({direccion}).".into();
    clinic::update(&ctx, profile).await.unwrap();

    // Tuesday 2030-01-08 in Mexico City (UTC−6): 10:00, 11:00 and 12:00 local.
    let day = NaiveDate::from_ymd_opt(2030, 1, 8).unwrap();
    let a_ana = appointments::book(&ctx, booking(ana, pod, future(1, 16, 0), 30)).await.unwrap();
    let a_luis = appointments::book(&ctx, booking(luis, pod, future(1, 17, 0), 30)).await.unwrap();
    let a_rosa = appointments::book(&ctx, booking(rosa, pod, future(1, 18, 0), 30)).await.unwrap();
    appointments::book(&ctx, booking(ana, pod, future(2, 16, 0), 30)).await.unwrap(); // the next day: not listed

    let list = reminders::for_day(&ctx, day).await.unwrap();
    let ids: Vec<_> = list.iter().map(|r| r.appointment_id).collect();
    assert_eq!(ids, vec![a_ana.id, a_luis.id, a_rosa.id], "the day's appointments, by time");
    let first = &list[0];
    assert_eq!(
        first.message.as_deref(),
        Some("Hola Ana: martes 8 de enero a las 10:00 con Dra. Lucía Hernández en Mi clínica (Av. Insurgentes 1).")
    );
    assert!(!first.message.as_deref().unwrap().contains("Revisión"), "the reason for the visit is never in a message");
    assert!(first.can_message && !list[1].can_message, "Luis has no phone to message");
    let link = reminders::link(&ctx, a_ana.id).await.unwrap();
    assert!(link.starts_with("https://wa.me/525512345678?text=Hola%20Ana%3A%20martes%208%20de%20enero"), "{link}");
    assert!(
        matches!(reminders::link(&ctx, a_luis.id).await, Err(AppError::Validation { field, .. }) if field == "phone")
    );

    // Confirmed confirms; no answer is noted on the calendar; cancelled frees the slot.
    let confirmed = appointments::mark_reminder(&ctx, a_ana.id, ReminderOutcome::Confirmed).await.unwrap();
    assert_eq!((confirmed.status, confirmed.reminder), (Status::Confirmed, Some(ReminderOutcome::Confirmed)));
    let silent = appointments::mark_reminder(&ctx, a_luis.id, ReminderOutcome::NoAnswer).await.unwrap();
    assert_eq!((silent.status, silent.reminder), (Status::Scheduled, Some(ReminderOutcome::NoAnswer)));
    let row = stored_row(&pool, a_luis.id).await;
    assert_eq!(row.7 & NO_ANSWER, NO_ANSWER, "the calendar shows who did not answer");
    assert_eq!(row, AgendaRow::of(&silent, false), "the stored row is the one Rust builds");
    assert_eq!(stored_row(&pool, a_ana.id).await.7 & NO_ANSWER, 0);
    let cancelled = appointments::mark_reminder(&ctx, a_rosa.id, ReminderOutcome::Cancelled).await.unwrap();
    assert_eq!(cancelled.status, Status::Cancelled);
    assert!(cancelled.cancel_reason.is_some());
    appointments::book(&ctx, booking(luis, pod, future(1, 18, 0), 30)).await.expect("Rosa's slot is free again");
    let again = appointments::mark_reminder(&ctx, a_rosa.id, ReminderOutcome::Confirmed).await.unwrap_err();
    assert!(matches!(again, AppError::Conflict { .. }), "a cancelled appointment takes no more answers: {again:?}");
    let after = reminders::for_day(&ctx, day).await.unwrap();
    let outcomes: Vec<_> =
        after.iter().filter(|r| r.patient_id != luis || r.appointment_id == a_luis.id).map(|r| r.outcome).collect();
    assert_eq!(
        outcomes,
        vec![Some(ReminderOutcome::Confirmed), Some(ReminderOutcome::NoAnswer), Some(ReminderOutcome::Cancelled)]
    );

    // Ana asks not to be reminded: no message, no link; recorded with who and what.
    reminders::set_opt_out(&ctx, ana, true).await.unwrap();
    let ana_row = reminders::for_day(&ctx, day).await.unwrap().into_iter().find(|r| r.patient_id == ana).unwrap();
    assert!(ana_row.opted_out && ana_row.message.is_none() && !ana_row.can_message);
    let booked_next_day = sqlx::query_scalar::<_, uuid::Uuid>(
        "SELECT id FROM appointments WHERE patient_id = $1 AND status = 'scheduled'",
    )
    .bind(ana)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(
        matches!(reminders::link(&ctx, booked_next_day).await, Err(AppError::Validation { key, .. }) if key == "reminders_opted_out")
    );
    // The opt-out is one of the voluntary purposes of her privacy consent (never asked before: no
    // "before"); the express consent for health data stays unasked.
    let (before, after): (serde_json::Value, serde_json::Value) =
        sqlx::query_as("SELECT before, after FROM audit_log WHERE action = 'privacy.consent' AND entity_id = $1")
            .bind(ana.to_string())
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(before, serde_json::Value::Null);
    assert_eq!((after["purposes"]["reminders"].as_bool(), after["healthData"].as_bool()), (Some(false), None));
    // Asking again changes nothing and records nothing.
    reminders::set_opt_out(&ctx, ana, true).await.unwrap();
    assert_eq!(audit_actions(&pool).await.iter().filter(|a| *a == "privacy.consent").count(), 1);
    let actions = audit_actions(&pool).await;
    assert_eq!(actions.iter().filter(|a| *a == "appointment.reminder").count(), 3, "every answer is audited");
    assert!(actions.iter().any(|a| a == "reminders.read"), "reading the day's phones is audited");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_patients_missed_visits_are_counted_for_the_booking(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let pod = podiatrist(&pool, &admin, "Dra. Uno", None).await;
    let ana = patient(&pool, &admin, "Ana", "Pérez", "").await;
    let ctx = ctx_for(&pool, "admin", ADMIN_PASSWORD).await;
    assert_eq!(reminders::attendance(&ctx, ana).await.unwrap().no_shows, 0);
    let missed = appointments::book(&ctx, booking(ana, pod, future(0, 16, 0), 30)).await.unwrap();
    appointments::set_status(&ctx, missed.id, Status::NoShow).await.unwrap();
    let kept = appointments::book(&ctx, booking(ana, pod, future(1, 16, 0), 30)).await.unwrap();
    for s in [Status::Arrived, Status::InConsultation, Status::Completed] {
        appointments::set_status(&ctx, kept.id, s).await.unwrap();
    }
    let seen = reminders::attendance(&ctx, ana).await.unwrap();
    assert_eq!((seen.no_shows, seen.completed, seen.last_no_show), (1, 1, Some(missed.starts_at)));
}

#[sqlx::test(migrations = "../migrations")]
async fn an_hour_booked_across_a_change_of_clock_is_an_hour(pool: PgPool) {
    sqlx::query("UPDATE clinic_profile SET timezone = 'America/Tijuana'").execute(&pool).await.unwrap();
    let admin = first_admin(&pool).await;
    let pod = podiatrist(&pool, &admin, "Dra. Uno", None).await;
    let ana = patient(&pool, &admin, "Ana", "Pérez", "").await;
    let ctx = ctx_for(&pool, "admin", ADMIN_PASSWORD).await;
    // 2027-03-14: Tijuana's clock jumps from 02:00 PST to 03:00 PDT. 01:30 PST is 09:30 UTC; an
    // hour later it is 03:30 PDT. The calendar sends the start and start + the typed length.
    let spring = Utc.with_ymd_and_hms(2027, 3, 14, 9, 30, 0).unwrap();
    let a = appointments::book(&ctx, booking(ana, pod, spring, 60)).await.expect("inside the schedule across the gap");
    assert_eq!(a.ends_at - a.starts_at, Duration::minutes(60));
    let row = stored_row(&pool, a.id).await;
    assert_eq!(row.3 - row.2, 60, "the calendar shows an hour");
    let tz: chrono_tz::Tz = "America/Tijuana".parse().unwrap();
    assert_eq!(a.ends_at.with_timezone(&tz).format("%H:%M").to_string(), "03:30");
    // The slots of that day are all as long as asked and start at times the clock shows.
    let slots = appointments::find_slots(
        &ctx,
        podoclinic_clinic::appointments::model::SlotQuery {
            podiatrist_id: Some(pod),
            duration_minutes: 45,
            from: Utc.with_ymd_and_hms(2027, 3, 14, 8, 0, 0).unwrap(),
            to: Utc.with_ymd_and_hms(2027, 3, 14, 12, 0, 0).unwrap(),
            limit: 50,
        },
    )
    .await
    .unwrap();
    assert!(!slots.is_empty());
    for s in &slots {
        assert_eq!(s.ends_at - s.starts_at, Duration::minutes(45));
        let local = s.starts_at.with_timezone(&tz);
        assert_eq!(podoclinic_clinic::profile::time::to_utc(tz, local.naive_local()), s.starts_at, "{local} exists");
    }
    // 2027-11-07: 01:00–02:00 happens twice. Its first 01:30 (PDT, 08:30 UTC) plus an hour is an hour.
    let fall = Utc.with_ymd_and_hms(2027, 11, 7, 8, 30, 0).unwrap();
    let b = appointments::book(&ctx, booking(ana, pod, fall, 60)).await.unwrap();
    assert_eq!(b.ends_at - b.starts_at, Duration::minutes(60));
    assert_eq!(stored_row(&pool, b.id).await.3 - stored_row(&pool, b.id).await.2, 60);
    assert_eq!(
        podoclinic_clinic::profile::time::to_utc(tz, fall.with_timezone(&tz).naive_local()),
        fall,
        "the first 01:30 is the one meant"
    );
}
