//! Importing patients and appointments from a spreadsheet (issue 19), against a real PostgreSQL:
//! the counts of a 100,000-row CSV with 1 % bad rows and 1 % duplicates, an XLSX as Excel writes
//! it, a second import that adds nothing, a cancel that leaves whole batches only; appointments
//! matched to their patients and podiatrists, overlaps refused, completed ones in the dashboard.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use podoclinic_clinic::import::model::{AppointmentField, ImportMapping, PatientField};
use podoclinic_clinic::import::patients::BATCH;
use podoclinic_clinic::import::service;
use podoclinic_tests::*;
use sqlx::PgPool;

fn folder() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("podoclinic-import-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `n` rows: row i is a patient of its own (unique name, birth date and phone), except every
/// hundredth row from the 50th, which is bad (a date that does not exist, or a phone too short,
/// in turns), and every hundredth from the 99th, which repeats the phone of the row before.
fn generated_csv(dir: &Path, n: usize) -> PathBuf {
    let mut text = String::from("Expediente;Nombre;Apellidos;Fecha de nacimiento;Teléfono;Sexo;Diabetes\n");
    for i in 0..n {
        let phone = |k: usize| format!("55 {:08}", k);
        let (birth, tel) = match i % 100 {
            50 if i % 200 == 50 => ("31/02/1980".to_string(), phone(i)),
            50 => (format!("{:02}/{:02}/19{:02}", 1 + i % 28, 1 + i % 12, 30 + i % 60), "123".to_string()),
            99 => (format!("{:02}/{:02}/19{:02}", 1 + i % 28, 1 + i % 12, 30 + i % 60), phone(i - 1)),
            _ => (format!("{:02}/{:02}/19{:02}", 1 + i % 28, 1 + i % 12, 30 + i % 60), phone(i)),
        };
        let sex = ["F", "M", ""][i % 3];
        let diabetes = ["no", "tipo 2", ""][i % 3];
        text.push_str(&format!("EXP-{i};Paciente{i};Pérez Núñez;{birth};{tel};{sex};{diabetes}\n"));
    }
    let path = dir.join("pacientes.csv");
    std::fs::write(&path, text).unwrap();
    path
}

#[sqlx::test(migrations = "../migrations")]
async fn a_100k_row_csv_gives_exactly_its_bad_rows_and_duplicates_and_a_second_import_adds_nothing(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let ctx = ctx_of(&pool, &admin).await;
    let dir = folder();
    let path = generated_csv(&dir, 100_000);

    let preview = service::preview(&path).await.unwrap();
    assert_eq!(preview.rows, 100_000);
    let mapping = preview.suggested.clone();
    assert_eq!(
        mapping,
        [
            Some(PatientField::Key),
            Some(PatientField::FirstName),
            Some(PatientField::LastNames),
            Some(PatientField::BirthDate),
            Some(PatientField::Phone),
            Some(PatientField::Sex),
            Some(PatientField::Diabetes)
        ]
    );

    let mapping = ImportMapping::Patients(mapping);
    let t = std::time::Instant::now();
    let dry = service::dry_run(&ctx, &path, &mapping).await.unwrap();
    println!("dry run of 100,000 rows: {:.1} s", t.elapsed().as_secs_f64());
    assert_eq!((dry.new, dry.errors, dry.duplicates, dry.already), (98_000, 1_000, 1_000, 0));
    assert_eq!(dry.problems.len(), 200, "the screen lists the first problems");
    assert_eq!(dry.problems[0].row, 52, "row 52 of the sheet is the 51st data row");
    assert_eq!((dry.problems[0].field.as_deref(), dry.problems[0].key.as_str()), (Some("birthDate"), "date_format"));
    let nothing: i64 = sqlx::query_scalar("SELECT count(*) FROM patients").fetch_one(&pool).await.unwrap();
    assert_eq!(nothing, 0, "a dry run writes nothing");

    let t = std::time::Instant::now();
    let cancel = AtomicBool::new(false);
    let done = service::import(&ctx, &dir, &path, &mapping, &cancel, |_| {}).await.unwrap();
    println!("import of 100,000 rows (98,000 new): {:.1} s", t.elapsed().as_secs_f64());
    assert_eq!((done.imported, done.errors, done.duplicates, done.cancelled), (98_000, 1_000, 1_000, false));
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM patients").fetch_one(&pool).await.unwrap();
    assert_eq!(stored, 98_000);
    // The rejected rows: the file's own columns, the row number and a reason, to fix and import again.
    let rejected = std::fs::read_to_string(&done.rejected.as_ref().unwrap().path).unwrap();
    let lines: Vec<&str> = rejected.lines().collect();
    assert_eq!(lines.len(), 1 + 2_000);
    assert!(lines[0].contains("Fila") && lines[0].contains("Motivo"));
    assert!(
        lines[1].starts_with("52,EXP-50,") && lines[1].contains("Fecha de nacimiento: fecha no válida"),
        "{}",
        lines[1]
    );
    assert!(rejected.contains("posible duplicado"));
    // One audit entry with the counts.
    let audited: serde_json::Value = sqlx::query_scalar("SELECT after FROM audit_log WHERE action = 'patient.import'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(audited["imported"], 98_000);

    // The same file again: nothing new.
    let again = service::import(&ctx, &dir, &path, &mapping, &cancel, |_| {}).await.unwrap();
    assert_eq!((again.new, again.imported, again.already), (0, 0, 98_000));
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM patients").fetch_one(&pool).await.unwrap();
    assert_eq!(stored, 98_000);
    // The rollups and search see them: a patient found by name.
    let found = podoclinic_clinic::patients::service::search(&ctx, "paciente4242").await.unwrap();
    assert_eq!(found.iter().filter(|p| p.full_name == "Paciente4242 Pérez Núñez").count(), 1, "{found:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[sqlx::test(migrations = "../migrations")]
async fn a_cancelled_import_leaves_whole_batches_and_finishes_on_the_next_run(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let ctx = ctx_of(&pool, &admin).await;
    let dir = folder();
    let path = generated_csv(&dir, 5_000);
    let mapping = ImportMapping::Patients(service::preview(&path).await.unwrap().suggested);
    let cancel = AtomicBool::new(false);
    // Cancelled as the first batch is written: that batch is whole, nothing of the next.
    let stopped = service::import(&ctx, &dir, &path, &mapping, &cancel, |p| {
        if p.done > 0 {
            cancel.store(true, Ordering::SeqCst);
        }
    })
    .await
    .unwrap();
    assert!(stopped.cancelled);
    assert_eq!(stopped.imported as usize, BATCH);
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM patients").fetch_one(&pool).await.unwrap();
    assert_eq!(stored as usize, BATCH, "whole batches only");
    cancel.store(false, Ordering::SeqCst);
    let rest = service::import(&ctx, &dir, &path, &mapping, &cancel, |_| {}).await.unwrap();
    assert_eq!((rest.already as usize, rest.imported), (BATCH, 4_900 - BATCH as u32));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[sqlx::test(migrations = "../migrations")]
async fn an_xlsx_with_accents_serial_dates_number_cells_and_empty_cells_imports(pool: PgPool) {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let admin = first_admin(&pool).await;
    let ctx = ctx_of(&pool, &admin).await;
    let dir = folder();
    let path = dir.join("pacientes.xlsx");
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    for (c, h) in ["No. Expediente", "Nombre completo", "F. Nac", "Teléfono", "Sexo", "Alergias", "Anticoagulantes"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    // José: a date cell (a serial number), a phone typed into a number cell, accents and ñ.
    sheet.write_number(1, 0, 101.0).unwrap();
    sheet.write_string(1, 1, "José Ñúñez Ibáñez").unwrap();
    sheet.write_datetime_with_format(1, 2, ExcelDateTime::from_ymd(1958, 11, 23).unwrap(), &date).unwrap();
    sheet.write_number(1, 3, 5512345678.0).unwrap();
    sheet.write_string(1, 4, "Masculino").unwrap();
    sheet.write_string(1, 5, "Penicilina").unwrap();
    sheet.write_string(1, 6, "sí").unwrap();
    // Lupita: empty cells between (no date, no phone, no sex).
    sheet.write_number(2, 0, 102.0).unwrap();
    sheet.write_string(2, 1, "Guadalupe Peña").unwrap();
    sheet.write_string(2, 6, "no").unwrap();
    // A bad row: an unknown sex.
    sheet.write_number(3, 0, 103.0).unwrap();
    sheet.write_string(3, 1, "Ramón Ortiz").unwrap();
    sheet.write_string(3, 4, "quizá").unwrap();
    book.save(&path).unwrap();

    let preview = service::preview(&path).await.unwrap();
    assert_eq!(preview.rows, 3);
    assert_eq!(preview.sample[0][2], "1958-11-23", "a serial date reads as a date");
    assert_eq!(preview.sample[0][3], "5512345678", "a number cell reads without a decimal point");
    assert_eq!(preview.sample[1][2], "");
    let mapping = preview.suggested.clone();
    assert_eq!(mapping[0], Some(PatientField::Key));
    assert_eq!(mapping[2], Some(PatientField::BirthDate));
    assert_eq!(mapping[6], Some(PatientField::Anticoagulants));
    let mapping = ImportMapping::Patients(mapping);
    let cancel = AtomicBool::new(false);
    let done = service::import(&ctx, &dir, &path, &mapping, &cancel, |_| {}).await.unwrap();
    assert_eq!((done.imported, done.errors), (2, 1));
    assert_eq!(done.problems[0].field.as_deref(), Some("sex"));
    let jose = podoclinic_clinic::patients::service::search(&ctx, "nunez ibanez").await.unwrap();
    assert_eq!(jose.len(), 1);
    let p = podoclinic_clinic::patients::service::get(&ctx, jose[0].id).await.unwrap();
    assert_eq!((p.first_name.as_str(), p.last_names.as_str()), ("José", "Ñúñez Ibáñez"));
    assert_eq!(p.birth_date, chrono::NaiveDate::from_ymd_opt(1958, 11, 23));
    assert_eq!((p.phone.as_str(), p.allergies.as_str(), p.anticoagulants), ("5512345678", "Penicilina", true));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A clinic's appointments file: matched by key and by name with birth date, each kind of problem
/// once, overlaps with the file and with the agenda refused, the completed ones in the rollups, and
/// the same file again adding nothing.
#[sqlx::test(migrations = "../migrations")]
async fn appointments_are_matched_checked_against_the_agenda_and_counted_in_the_dashboard(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let ctx = ctx_of(&pool, &admin).await;
    let dir = folder();
    let soto = podiatrist(&pool, &admin, "Dr. Soto", None).await;
    // Dra. Ruiz has no working hours set: a booking ahead for her is outside her schedule.
    let ruiz: uuid::Uuid =
        sqlx::query_scalar("INSERT INTO podiatrists (id, name) VALUES (gen_random_uuid(), 'Dra. Ruiz') RETURNING id")
            .fetch_one(&pool)
            .await
            .unwrap();
    let patients = dir.join("pacientes.csv");
    std::fs::write(
        &patients,
        "Expediente;Nombre;Apellidos;Fecha de nacimiento\nEXP-1;Ana;Ruiz;01/01/1960\nEXP-2;Beto;Luna;02/02/1970\n\
         ;Lucía;Fernández;12/12/1950\n",
    )
    .unwrap();
    let mapping = ImportMapping::Patients(service::preview(&patients).await.unwrap().suggested);
    let cancel = AtomicBool::new(false);
    assert_eq!(service::import(&ctx, &dir, &patients, &mapping, &cancel, |_| {}).await.unwrap().imported, 3);
    let ana = podoclinic_clinic::import::patients::key_id("EXP-1");
    // Already in the agenda: Ana with Dr. Soto on 8 March 2024 at 11:15.
    sqlx::query(
        "INSERT INTO appointments (id, patient_id, podiatrist_id, during, status)
         VALUES (gen_random_uuid(), $1, $2, tstzrange('2024-03-08 11:15-06', '2024-03-08 11:45-06'), 'completed')",
    )
    .bind(ana)
    .bind(soto)
    .execute(&pool)
    .await
    .unwrap();

    let ahead = (chrono::Utc::now() + chrono::Duration::days(10)).format("%d/%m/%Y").to_string();
    let file = dir.join("citas.csv");
    let rows = [
        "Folio cita;Fecha;Hora;Duración;Podólogo;Expediente;Paciente;Fecha de nacimiento;Estado;Motivo".to_string(),
        "C-1;05/03/2024;10:00;30;Dra. Ruiz;EXP-1;;;Atendida;Revisión".into(),
        "C-2;05/03/2024;10:30;30;dra ruiz;EXP-2;;;;Onicocriptosis".into(),
        // Overlaps C-2, an earlier row of the file.
        "C-3;05/03/2024;10:45;30;Dra. Ruiz;EXP-1;;;Atendida;".into(),
        // By name and birth date (accents aside); cancelled and missed ones hold no slot.
        "C-4;06/03/2024;09:00;45;DR. SOTO;;Lucía Fernández;12/12/1950;Cancelada;".into(),
        "C-5;06/03/2024;09:00;30;Dr. Soto;;lucia fernandez;1950-12-12;No asistió;".into(),
        "C-6;07/03/2024;09:00;30;Dr. Nadie;EXP-1;;;;".into(),
        "C-7;07/03/2024;09:00;30;Dr. Soto;EXP-999;;;;".into(),
        "C-8;31/02/2024;09:00;30;Dr. Soto;EXP-1;;;;".into(),
        // Overlaps the agenda's appointment of 11:15.
        "C-9;08/03/2024;11:00;30;Dr. Soto;EXP-2;;;;".into(),
        // The agenda's appointment itself: a duplicate, not a clash.
        "C-10;08/03/2024;11:15;30;Dr. Soto;EXP-1;;;Atendida;".into(),
        format!("C-11;{ahead};10:00;30;Dr. Soto;EXP-2;;;Confirmada;Control"),
        format!("C-12;{ahead};11:00;30;Dr. Soto;EXP-2;;;Atendida;"),
        "C-13;04/03/2024;16:00;30;Dra. Ruiz;EXP-1;;;Programada;".into(),
        format!("C-14;{ahead};12:00;30;Dra. Ruiz;EXP-1;;;;"),
        // C-1's key again.
        "C-1;05/03/2024;10:00;30;Dra. Ruiz;EXP-1;;;Atendida;Revisión".into(),
    ];
    std::fs::write(&file, rows.join("\n")).unwrap();
    let preview = service::preview(&file).await.unwrap();
    assert_eq!(
        preview.kind,
        podoclinic_clinic::import::model::ImportKind::Appointments,
        "the headers name appointments"
    );
    use AppointmentField as A;
    assert_eq!(
        preview.suggested_appointments,
        [
            Some(A::Key),
            Some(A::Date),
            Some(A::Time),
            Some(A::DurationMinutes),
            Some(A::Podiatrist),
            Some(A::PatientKey),
            Some(A::PatientName),
            Some(A::PatientBirthDate),
            Some(A::Status),
            Some(A::Reason)
        ]
    );
    let mapping = ImportMapping::Appointments(preview.suggested_appointments);

    let dry = service::dry_run(&ctx, &file, &mapping).await.unwrap();
    let problems: Vec<(u32, Option<&str>, &str)> =
        dry.problems.iter().map(|p| (p.row, p.field.as_deref(), p.key.as_str())).collect();
    assert_eq!(
        problems,
        [
            (4, Some("time"), "slot_taken"),
            (7, Some("podiatrist"), "unknown_podiatrist"),
            (8, Some("patientKey"), "unknown_patient"),
            (9, Some("date"), "date_format"),
            (10, Some("time"), "slot_taken"),
            (11, None, "duplicate"),
            (13, Some("status"), "not_yet"),
            (14, Some("status"), "past_open"),
            (16, None, "duplicate"),
        ]
    );
    assert_eq!((dry.new, dry.duplicates, dry.errors, dry.already), (6, 2, 7, 0));
    let count =
        || async { sqlx::query_scalar::<_, i64>("SELECT count(*) FROM appointments").fetch_one(&pool).await.unwrap() };
    assert_eq!(count().await, 1, "a dry run writes nothing");

    let done = service::import(&ctx, &dir, &file, &mapping, &cancel, |_| {}).await.unwrap();
    assert_eq!((done.imported, done.errors, done.duplicates), (6, 7, 2));
    assert_eq!(count().await, 7);
    let rejected = std::fs::read_to_string(&done.rejected.as_ref().unwrap().path).unwrap();
    assert!(rejected.contains("Podólogo: no hay un podólogo activo con ese nombre"), "{rejected}");
    let got = |key: &str| {
        let id = podoclinic_clinic::import::appointments::derived_id(&[0; 32], Some(key), 0);
        let pool = pool.clone();
        async move {
            sqlx::query_as::<_, (String, uuid::Uuid, uuid::Uuid, i32, bool, Option<String>)>(
                "SELECT status, patient_id, podiatrist_id, (extract(epoch FROM upper(during) - lower(during)) / 60)::int,
                        outside_schedule, cancel_reason FROM appointments WHERE id = $1",
            )
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    let lucia: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM patients WHERE first_name = 'Lucía'").fetch_one(&pool).await.unwrap();
    assert_eq!(got("C-1").await, ("completed".into(), ana, ruiz, 30, false, None));
    assert_eq!(got("C-2").await.0, "completed", "a past appointment without a status was attended");
    let c4 = got("C-4").await;
    assert_eq!((c4.0.as_str(), c4.1, c4.3, c4.5.is_some()), ("cancelled", lucia, 45, true));
    assert_eq!(got("C-5").await.0, "no_show");
    assert_eq!((got("C-11").await.0.as_str(), got("C-11").await.4), ("confirmed", false));
    assert_eq!((got("C-14").await.0.as_str(), got("C-14").await.4), ("scheduled", true), "outside Dra. Ruiz's hours");
    // The completed ones count in the dashboard, as a visit closed at the desk does.
    let completed: i32 = sqlx::query_scalar(
        "SELECT count FROM stats_appointment_days WHERE day = '2024-03-05' AND status = 'completed' AND podiatrist_id = $1",
    )
    .bind(ruiz)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(completed, 2);
    let first: chrono::NaiveDate = sqlx::query_scalar("SELECT first_day FROM stats_first_visits WHERE patient_id = $1")
        .bind(ana)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(first, chrono::NaiveDate::from_ymd_opt(2024, 3, 5).unwrap());
    let audited: serde_json::Value =
        sqlx::query_scalar("SELECT after FROM audit_log WHERE action = 'appointment.import'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((audited["imported"].as_u64(), audited["errors"].as_u64()), (Some(6), Some(7)));

    // The same file again: nothing new (C-1's second row is C-1, imported now).
    let again = service::import(&ctx, &dir, &file, &mapping, &cancel, |_| {}).await.unwrap();
    assert_eq!((again.new, again.imported, again.already), (0, 0, 7));
    assert_eq!(count().await, 7);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A slot a desk booked after the dry run: the database's rule refuses the imported row, which is
/// reported, and the rest of its batch is written.
#[sqlx::test(migrations = "../migrations")]
async fn a_slot_booked_meanwhile_refuses_the_imported_row_and_keeps_the_rest(pool: PgPool) {
    use podoclinic_clinic::appointments::model::Status;
    use podoclinic_clinic::import::appointments::Row;
    let admin = first_admin(&pool).await;
    let soto = podiatrist(&pool, &admin, "Dr. Soto", None).await;
    let ana = patient(&pool, &admin, "Ana", "Ruiz", "55 1111 2222").await;
    let at = |h: i64| {
        chrono::DateTime::parse_from_rfc3339("2024-03-08T10:00:00-06:00").unwrap().to_utc() + chrono::Duration::hours(h)
    };
    let row = |number: u32, h: i64| Row {
        number,
        id: uuid::Uuid::now_v7(),
        patient_id: ana,
        podiatrist_id: soto,
        starts_at: at(h),
        ends_at: at(h) + chrono::Duration::minutes(30),
        status: Status::Completed,
        reason: String::new(),
        outside_schedule: false,
    };
    let (first, second) = (row(2, 0), row(3, 1));
    // Booked at a desk meanwhile: 11:00 with Dr. Soto.
    let mut desk = row(0, 1);
    desk.id = uuid::Uuid::now_v7();
    let mut conn = pool.acquire().await.unwrap();
    podoclinic_clinic::import::repo::insert_appointments(&mut conn, &[&desk], admin.id).await.unwrap();
    let written =
        podoclinic_clinic::import::repo::insert_appointments(&mut conn, &[&first, &second], admin.id).await.unwrap();
    assert_eq!((written.rows, written.refused), (1, vec![3]));
    // Written again (a retried batch): nothing written, nothing refused.
    let again = podoclinic_clinic::import::repo::insert_appointments(&mut conn, &[&first], admin.id).await.unwrap();
    assert_eq!((again.rows, again.refused), (0, vec![]));
}

/// A file without keys, fixed and imported again (its ids all new): its attended, cancelled and
/// missed visits are each there once. An archived patient's namesake is the one matched by name,
/// and an archived patient gets no booking ahead.
#[sqlx::test(migrations = "../migrations")]
async fn a_keyless_file_imported_again_after_an_edit_adds_only_its_new_rows(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let ctx = ctx_of(&pool, &admin).await;
    let dir = folder();
    podiatrist(&pool, &admin, "Dr. Soto", None).await;
    sqlx::query(
        "INSERT INTO patients (id, first_name, last_names, birth_date, archived_at) VALUES
            (gen_random_uuid(), 'Lucía', 'Fernández', '1950-12-12', NULL),
            (gen_random_uuid(), 'Lucía', 'Fernández', '1950-12-12', now()),
            (gen_random_uuid(), 'Raúl', 'Archivado', '1960-01-01', now())",
    )
    .execute(&pool)
    .await
    .unwrap();
    let ahead = (chrono::Utc::now() + chrono::Duration::days(10)).format("%d/%m/%Y").to_string();
    let header = "Fecha;Hora;Duración;Podólogo;Paciente;Fecha de nacimiento;Estado";
    let visits = [
        "05/03/2024;10:00:30;30;Dr. Soto;Lucía Fernández;12/12/1950;Atendida",
        "06/03/2024;10:00;30;Dr. Soto;Lucía Fernández;12/12/1950;Cancelada",
        "07/03/2024;10:00;30;Dr. Soto;Lucía Fernández;12/12/1950;No asistió",
    ];
    let first = dir.join("citas.csv");
    std::fs::write(
        &first,
        format!("{header}\n{}\n{ahead};10:00;30;Dr. Soto;Raúl Archivado;01/01/1960;\n", visits.join("\n")),
    )
    .unwrap();
    let mapping = ImportMapping::Appointments(service::preview(&first).await.unwrap().suggested_appointments);
    let cancel = AtomicBool::new(false);
    let done = service::import(&ctx, &dir, &first, &mapping, &cancel, |_| {}).await.unwrap();
    assert_eq!((done.imported, done.errors), (3, 1));
    assert_eq!(
        (done.problems[0].field.as_deref(), done.problems[0].key.as_str()),
        (Some("patientName"), "patient_archived")
    );
    let active: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM patients WHERE first_name = 'Lucía' AND archived_at IS NULL")
            .fetch_one(&pool)
            .await
            .unwrap();
    let matched: Vec<uuid::Uuid> =
        sqlx::query_scalar("SELECT DISTINCT patient_id FROM appointments").fetch_all(&pool).await.unwrap();
    assert_eq!(matched, [active], "the namesake not archived");
    let start: String = sqlx::query_scalar(
        "SELECT to_char(lower(during) AT TIME ZONE 'America/Mexico_City', 'HH24:MI:SS') FROM appointments WHERE status = 'completed'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(start, "10:00:00", "seconds dropped");

    // The same visits with one more, in another order: only the new one is imported.
    let second = dir.join("citas-corregido.csv");
    std::fs::write(
        &second,
        format!(
            "{header}\n08/03/2024;10:00;30;Dr. Soto;Lucía Fernández;12/12/1950;\n{}\n",
            visits.iter().rev().cloned().collect::<Vec<_>>().join("\n")
        ),
    )
    .unwrap();
    let again = service::import(&ctx, &dir, &second, &mapping, &cancel, |_| {}).await.unwrap();
    assert_eq!((again.imported, again.duplicates, again.errors), (1, 3, 0));
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM appointments").fetch_one(&pool).await.unwrap();
    assert_eq!(count, 4);
    std::fs::remove_dir_all(&dir).unwrap();
}
