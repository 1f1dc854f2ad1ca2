//! The agenda against a real PostgreSQL: no double booking (also under 50 concurrent desks),
//! schedules and overrides, the workflow, series, slots and DST.

use chrono::{Duration, TimeZone, Utc};
use podoclinic_clinic::appointments::model::{
    AT_RISK, AgendaRow, Appointment, RescheduleInput, SeriesInput, SlotQuery, Status,
};
use podoclinic_clinic::appointments::service as appointments;
use podoclinic_clinic::error::AppError;
use podoclinic_clinic::patients::service as patients;
use podoclinic_clinic::schedules::model::ScheduleBlock;
use podoclinic_desk::db::live::Change;
use podoclinic_tests::*;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use uuid::Uuid;

#[sqlx::test(migrations = "../migrations")]
async fn fifty_desks_booking_the_same_slot_get_one_booking_and_forty_nine_slot_taken(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let pod = podiatrist(&pool, &admin, "Dra. Uno", None).await;
    let mut patients_ids = Vec::new();
    for i in 0..50 {
        patients_ids.push(patient(&pool, &admin, &format!("Paciente{i}"), "Prueba", "").await);
    }
    // Separate connections: a pool as large as the crowd, so every task has its own.
    let wide = PgPoolOptions::new().max_connections(50).connect_with((*pool.connect_options()).clone()).await.unwrap();
    let ctx = ctx_for(&wide, "admin", ADMIN_PASSWORD).await;
    let ctx = std::sync::Arc::new(ctx);
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(50));
    let tasks: Vec<_> = patients_ids
        .iter()
        .map(|p| {
            let (ctx, barrier, p) = (ctx.clone(), barrier.clone(), *p);
            tokio::spawn(async move {
                barrier.wait().await;
                appointments::book(&ctx, booking(p, pod, future(0, 16, 0), 30)).await
            })
        })
        .collect();
    let mut winners = Vec::new();
    let mut taken = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(a) => winners.push(a),
            Err(AppError::SlotTaken { appointment_id, .. }) => {
                taken += 1;
                let _ = appointment_id;
            }
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((winners.len(), taken), (1, 49));
    let overlaps: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM appointments a JOIN appointments b
           ON a.podiatrist_id = b.podiatrist_id AND a.id < b.id AND a.during && b.during
         WHERE a.status NOT IN ('cancelled', 'no_show') AND b.status NOT IN ('cancelled', 'no_show')",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(overlaps, 0);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_clash_names_the_appointment_in_the_way_and_back_to_back_is_fine(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let pod = podiatrist(&pool, &admin, "Dra. Uno", None).await;
    let ana = patient(&pool, &admin, "Ana", "Pérez", "").await;
    let luis = patient(&pool, &admin, "Luis", "Mora", "").await;
    let ctx = ctx_for(&pool, "admin", ADMIN_PASSWORD).await;
    let first = appointments::book(&ctx, booking(ana, pod, future(0, 16, 0), 60)).await.unwrap();

    let err = appointments::book(&ctx, booking(luis, pod, future(0, 16, 30), 30)).await.unwrap_err();
    let AppError::SlotTaken { appointment_id, patient_name, starts_at, .. } = err else { panic!("{err:?}") };
    assert_eq!((appointment_id, patient_name.as_str()), (first.id, "Ana Pérez"));
    assert_eq!(starts_at, first.starts_at.to_rfc3339());

    appointments::book(&ctx, booking(luis, pod, future(0, 17, 0), 30)).await.expect("back-to-back");
    appointments::book(&ctx, booking(luis, pod, future(0, 15, 30), 30)).await.expect("back-to-back before");
    appointments::cancel(&ctx, first.id, "Paciente llamó").await.unwrap();
    appointments::book(&ctx, booking(luis, pod, future(0, 16, 0), 60))
        .await
        .expect("a cancelled appointment frees its slot");
}

#[sqlx::test(migrations = "../migrations")]
async fn booking_the_same_id_twice_books_once(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let pod = podiatrist(&pool, &admin, "Dra. Uno", None).await;
    let ana = patient(&pool, &admin, "Ana", "Pérez", "").await;
    let ctx = ctx_for(&pool, "admin", ADMIN_PASSWORD).await;
    let input = booking(ana, pod, future(0, 16, 0), 30);
    let a = appointments::book(&ctx, input.clone()).await.unwrap();
    let b = appointments::book(&ctx, input.clone()).await.unwrap();
    assert_eq!(a, b);
    let other = podoclinic_clinic::appointments::model::BookInput { reason: "otra cosa".into(), ..input };
    assert_eq!(appointments::book(&ctx, other).await.unwrap_err(), AppError::conflict("id_reused", None));
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM appointments").fetch_one(&pool).await.unwrap();
    assert_eq!(count, 1);
}

#[sqlx::test(migrations = "../migrations")]
async fn booking_outside_the_schedule_needs_the_override_permission(pool: PgPool) {
    let admin = first_admin(&pool).await;
    staff(&pool, &admin, "recepcion1", RECEPTION_ROLE).await;
    let pod = podiatrist(&pool, &admin, "Dra. Uno", None).await;
    let actor = ctx_of(&pool, &admin).await;
    // Mondays 09:00–14:00 clinic time (America/Mexico_City, UTC-6): 15:00–20:00 UTC.
    let monday = vec![ScheduleBlock { weekday: 1, start_minute: 540, end_minute: 840 }];
    podoclinic_clinic::schedules::service::set_weekly(&actor, pod, monday).await.unwrap();
    let ana = patient(&pool, &admin, "Ana", "Pérez", "").await;
    let reception = ctx_for(&pool, "recepcion1", STAFF_PASSWORD).await;

    appointments::book(&reception, booking(ana, pod, future(0, 15, 0), 60)).await.expect("inside hours");
    let late = booking(ana, pod, future(0, 20, 0), 30);
    assert_eq!(
        appointments::book(&reception, late.clone()).await.unwrap_err(),
        AppError::validation("startsAt", "outside_schedule")
    );
    let forced = podoclinic_clinic::appointments::model::BookInput { override_schedule: true, ..late.clone() };
    assert_eq!(
        appointments::book(&reception, forced.clone()).await.unwrap_err(),
        AppError::Forbidden { permission: podoclinic_clinic::auth::Permission::AppointmentsOverrideSchedule }
    );
    let admin_ctx = ctx_for(&pool, "admin", ADMIN_PASSWORD).await;
    let booked = appointments::book(&admin_ctx, forced).await.unwrap();
    assert!(booked.outside_schedule);
}

#[sqlx::test(migrations = "../migrations")]
async fn the_workflow_allows_only_forward_steps_and_the_database_agrees(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let pod = podiatrist(&pool, &admin, "Dra. Uno", None).await;
    let ana = patient(&pool, &admin, "Ana", "Pérez", "").await;
    let ctx = ctx_for(&pool, "admin", ADMIN_PASSWORD).await;
    let a = appointments::book(&ctx, booking(ana, pod, future(0, 16, 0), 30)).await.unwrap();
    for next in [Status::Confirmed, Status::Arrived, Status::InConsultation] {
        assert_eq!(appointments::set_status(&ctx, a.id, next).await.unwrap().status, next);
    }
    assert_eq!(
        appointments::cancel(&ctx, a.id, "x").await.unwrap_err(),
        AppError::validation("status", "invalid_transition")
    );
    assert_eq!(appointments::set_status(&ctx, a.id, Status::Completed).await.unwrap().status, Status::Completed);
    let moved = RescheduleInput {
        id: a.id,
        podiatrist_id: pod,
        starts_at: future(1, 16, 0),
        ends_at: future(1, 16, 30),
        override_schedule: false,
    };
    assert_eq!(
        appointments::reschedule(&ctx, moved).await.unwrap_err(),
        AppError::conflict("appointment_closed", None)
    );
    // The database is the wall even for a client that skips the rules.
    let err: sqlx::Error = sqlx::query("UPDATE appointments SET status = 'scheduled' WHERE id = $1")
        .bind(a.id)
        .execute(&pool)
        .await
        .unwrap_err();
    assert_eq!(AppError::from(err), AppError::validation("status", "invalid_transition"));
    let err = sqlx::query("DELETE FROM appointments WHERE id = $1").bind(a.id).execute(&pool).await.unwrap_err();
    assert_eq!(AppError::from(err), AppError::conflict("never_deleted", None));
    assert_eq!(
        appointments::cancel(&ctx, a.id, "  ").await.unwrap_err(),
        AppError::validation("cancelReason", "required")
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_series_books_what_fits_and_reports_each_clash(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let pod = podiatrist(&pool, &admin, "Dra. Uno", None).await;
    let ana = patient(&pool, &admin, "Ana", "Pérez", "").await;
    let luis = patient(&pool, &admin, "Luis", "Mora", "").await;
    let ctx = ctx_for(&pool, "admin", ADMIN_PASSWORD).await;
    let blocker = appointments::book(&ctx, booking(luis, pod, future(56, 16, 15), 30)).await.unwrap();

    let series = SeriesInput { first: booking(ana, pod, future(0, 16, 0), 45), every_weeks: 4, count: 6 };
    let outcome = appointments::book_series(&ctx, series.clone()).await.unwrap();
    assert_eq!(outcome.booked.len(), 5);
    assert_eq!(outcome.clashes.len(), 1);
    assert_eq!(outcome.clashes[0].starts_at, future(56, 16, 0));
    assert!(
        matches!(&outcome.clashes[0].error, AppError::SlotTaken { appointment_id, .. } if *appointment_id == blocker.id)
    );
    let weeks: Vec<i64> = outcome.booked.iter().map(|a| (a.starts_at - future(0, 16, 0)).num_days() / 7).collect();
    assert_eq!(weeks, vec![0, 4, 12, 16, 20]);

    let replay = appointments::book_series(&ctx, series).await.unwrap();
    assert_eq!(replay.booked.len(), 5, "a replayed series returns the same bookings");
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM appointments WHERE series_id IS NOT NULL")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(count, 5);
}

#[sqlx::test(migrations = "../migrations")]
async fn the_slot_finder_skips_busy_time_holidays_and_closed_hours(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let pod = podiatrist(&pool, &admin, "Dra. Uno", None).await;
    let actor = ctx_of(&pool, &admin).await;
    let blocks = vec![ScheduleBlock { weekday: 1, start_minute: 540, end_minute: 660 }];
    podoclinic_clinic::schedules::service::set_weekly(&actor, pod, blocks).await.unwrap();
    let ana = patient(&pool, &admin, "Ana", "Pérez", "").await;
    let ctx = ctx_for(&pool, "admin", ADMIN_PASSWORD).await;
    // Monday 09:00–11:00 local = 15:00–17:00 UTC; 15:30–16:15 taken.
    appointments::book(&ctx, booking(ana, pod, future(0, 15, 30), 45)).await.unwrap();
    let q = SlotQuery {
        podiatrist_id: Some(pod),
        duration_minutes: 30,
        from: future(0, 0, 0),
        to: future(1, 0, 0),
        limit: 20,
    };
    let starts: Vec<String> = appointments::find_slots(&ctx, q.clone())
        .await
        .unwrap()
        .iter()
        .map(|s| s.starts_at.format("%H:%M").to_string())
        .collect();
    assert_eq!(starts, vec!["15:00", "16:15", "16:30"]);

    // The next Monday is a clinic holiday: nothing that day.
    let holiday = podoclinic_clinic::schedules::model::ExceptionInput {
        id: Uuid::now_v7(),
        podiatrist_id: None,
        kind: podoclinic_clinic::schedules::model::ExceptionKind::Holiday,
        from_date: chrono::NaiveDate::from_ymd_opt(2030, 1, 14).unwrap(),
        to_date: chrono::NaiveDate::from_ymd_opt(2030, 1, 14).unwrap(),
        start_minute: None,
        end_minute: None,
        note: "Festivo".into(),
    };
    podoclinic_clinic::schedules::service::add_exception(&actor, holiday).await.unwrap();
    let next_week = SlotQuery { from: future(7, 0, 0), to: future(8, 0, 0), ..q };
    assert!(appointments::find_slots(&ctx, next_week).await.unwrap().is_empty());
}

#[sqlx::test(migrations = "../migrations")]
async fn across_a_daylight_saving_change_hours_and_series_keep_local_time(pool: PgPool) {
    sqlx::query("UPDATE clinic_profile SET timezone = 'America/Tijuana'").execute(&pool).await.unwrap();
    let admin = first_admin(&pool).await;
    let pod = podiatrist(&pool, &admin, "Dra. Uno", None).await;
    let actor = ctx_of(&pool, &admin).await;
    // Saturdays and Sundays 09:00–12:00 local. DST starts Sunday 2027-03-14 in Tijuana.
    let blocks = vec![
        ScheduleBlock { weekday: 6, start_minute: 540, end_minute: 720 },
        ScheduleBlock { weekday: 7, start_minute: 540, end_minute: 720 },
    ];
    podoclinic_clinic::schedules::service::set_weekly(&actor, pod, blocks).await.unwrap();
    let saturday = Utc.with_ymd_and_hms(2027, 3, 13, 8, 0, 0).unwrap();
    let q = SlotQuery {
        podiatrist_id: Some(pod),
        duration_minutes: 60,
        from: saturday,
        to: saturday + Duration::days(2),
        limit: 100,
    };
    let slots = appointments::find_slots(&actor, q).await.unwrap();
    let first_saturday = slots.iter().find(|s| s.starts_at.date_naive().to_string() == "2027-03-13").unwrap();
    let first_sunday = slots.iter().find(|s| s.starts_at.date_naive().to_string() == "2027-03-14").unwrap();
    assert_eq!(first_saturday.starts_at.to_rfc3339(), "2027-03-13T17:00:00+00:00", "09:00 PST");
    assert_eq!(first_sunday.starts_at.to_rfc3339(), "2027-03-14T16:00:00+00:00", "09:00 PDT");

    let ana = patient(&pool, &admin, "Ana", "Pérez", "").await;
    let ctx = ctx_for(&pool, "admin", ADMIN_PASSWORD).await;
    let first = booking(ana, pod, Utc.with_ymd_and_hms(2027, 3, 6, 18, 0, 0).unwrap(), 30); // Sat 10:00 PST
    let outcome = appointments::book_series(&ctx, SeriesInput { first, every_weeks: 1, count: 3 }).await.unwrap();
    let utc: Vec<String> = outcome.booked.iter().map(|a| a.starts_at.to_rfc3339()).collect();
    assert_eq!(utc, vec!["2027-03-06T18:00:00+00:00", "2027-03-13T18:00:00+00:00", "2027-03-20T17:00:00+00:00"]);
    assert!(outcome.clashes.is_empty());
}

#[sqlx::test(migrations = "../migrations")]
async fn a_booking_on_one_desk_is_announced_to_the_others(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let pod = podiatrist(&pool, &admin, "Dra. Uno", None).await;
    let ana = patient(&pool, &admin, "Ana", "Pérez", "").await;
    let (tx, mut rx) = tokio::sync::broadcast::channel(16);
    let listener = tokio::spawn(podoclinic_desk::db::live::run(pool.clone(), tx));
    let first = tokio::time::timeout(std::time::Duration::from_secs(5), rx.recv()).await.unwrap().unwrap();
    assert_eq!(first, Change::Everything, "a (re)connected listener first asks for a full refresh");

    let ctx = ctx_for(&pool, "admin", ADMIN_PASSWORD).await;
    appointments::book(&ctx, booking(ana, pod, future(0, 16, 0), 30)).await.unwrap();
    let change = tokio::time::timeout(std::time::Duration::from_secs(5), rx.recv()).await.expect("announced").unwrap();
    assert_eq!(change, Change::Agenda(pod));
    listener.abort();
}

#[sqlx::test(migrations = "../migrations")]
async fn renaming_a_patient_renames_them_on_the_agenda(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let pod = podiatrist(&pool, &admin, "Dra. Uno", None).await;
    let ana = patient(&pool, &admin, "Ana", "Pérez", "").await;
    let ctx = ctx_for(&pool, "admin", ADMIN_PASSWORD).await;
    let booked = appointments::book(&ctx, booking(ana, pod, future(0, 16, 0), 30)).await.unwrap();
    appointments::set_status(&ctx, booked.id, Status::Arrived).await.unwrap();
    let actor = ctx_of(&pool, &admin).await;
    let mut record = patients::get(&ctx, ana).await.unwrap();
    record.last_names = "Pérez Ortega".into();
    record.diabetes = podoclinic_clinic::patients::model::Diabetes::Type2;
    patients::update(&actor, record).await.unwrap();
    let agenda = appointments::agenda(&ctx, future(0, 0, 0), future(1, 0, 0), None).await.unwrap();
    let rows = agenda.rows().unwrap();
    assert_eq!((rows[0].5.as_str(), rows[0].7 & AT_RISK != 0), ("Ana Pérez Ortega", true));
    assert_eq!(rows, vec![agenda_row(&appointments::find(&ctx, booked.id).await.unwrap())]);
}

/// What the calendar should show of an appointment, from its whole record.
fn agenda_row(a: &Appointment) -> AgendaRow {
    AgendaRow::of(a, false)
}

/// Every kind of write (book, series, reschedule to another podiatrist, each workflow step,
/// cancel, no-show, patient rename, booking outside the schedule) leaves the calendar showing
/// exactly what the appointments hold, for the whole clinic and for one podiatrist.
#[sqlx::test(migrations = "../migrations")]
async fn the_calendar_shows_what_each_write_left_in_the_appointments(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let (uno, dos) =
        (podiatrist(&pool, &admin, "Dra. Uno", None).await, podiatrist(&pool, &admin, "Dr. Dos", None).await);
    // Dos works 04:00–10:00 in the clinic (UTC−6): the 22:30 UTC booking is outside.
    let actor = ctx_of(&pool, &admin).await;
    let mornings = (1..=7).map(|weekday| ScheduleBlock { weekday, start_minute: 240, end_minute: 600 }).collect();
    podoclinic_clinic::schedules::service::set_weekly(&actor, dos, mornings).await.unwrap();
    let ana = patient(&pool, &admin, "Ana", "Pérez \"La Güera\"", "").await;
    let beto = patient(&pool, &admin, "Beto", "Ruiz", "").await;
    let ctx = ctx_for(&pool, "admin", ADMIN_PASSWORD).await;
    let a = appointments::book(&ctx, booking(ana, uno, future(0, 9, 0), 30)).await.unwrap();
    let b = appointments::book(&ctx, booking(beto, uno, future(0, 10, 0), 45)).await.unwrap();
    let c = appointments::book(&ctx, booking(beto, dos, future(0, 11, 0), 20)).await.unwrap();
    let d = appointments::book(&ctx, booking(ana, dos, future(0, 12, 0), 20)).await.unwrap();
    let mut late = booking(ana, dos, future(0, 22, 30), 60);
    late.override_schedule = true;
    let late = appointments::book(&ctx, late).await.unwrap();
    assert!(late.outside_schedule);
    appointments::reschedule(
        &ctx,
        RescheduleInput {
            id: b.id,
            podiatrist_id: dos,
            starts_at: future(0, 13, 15),
            ends_at: future(0, 14, 0),
            override_schedule: false,
        },
    )
    .await
    .unwrap();
    for step in [Status::Arrived, Status::InConsultation, Status::Completed] {
        appointments::set_status(&ctx, a.id, step).await.unwrap();
    }
    appointments::set_status(&ctx, c.id, Status::Confirmed).await.unwrap();
    appointments::cancel(&ctx, d.id, "Viaje").await.unwrap();
    let mut record = patients::get(&ctx, beto).await.unwrap();
    record.first_name = "Roberto".into();
    record.anticoagulants = true;
    patients::update(&actor, record).await.unwrap();

    let mut expected = Vec::new();
    for id in [a.id, b.id, c.id, late.id] {
        expected.push(agenda_row(&appointments::find(&ctx, id).await.unwrap()));
    }
    let key = |r: &AgendaRow| (r.2, r.0);
    expected.sort_by_key(key);
    let whole = appointments::agenda(&ctx, future(0, 0, 0), future(1, 0, 0), None).await.unwrap().rows().unwrap();
    assert_eq!(whole, expected, "the clinic's calendar, in start order");
    assert_eq!(whole[1].5, "Roberto Ruiz");
    let only_dos =
        appointments::agenda(&ctx, future(0, 0, 0), future(1, 0, 0), Some(vec![dos])).await.unwrap().rows().unwrap();
    let dos_rows: Vec<AgendaRow> = expected.iter().filter(|r| r.1 == dos).cloned().collect();
    assert_eq!(only_dos, dos_rows);
    assert_eq!(only_dos.len(), 3, "b moved to Dos, c and the late one; d was cancelled");
}
