//! Importing patients from a spreadsheet (issue 19), against a real PostgreSQL: the counts of a
//! 100,000-row CSV with 1 % bad rows and 1 % duplicates, an XLSX as Excel writes it, a second
//! import that adds nothing, a cancel that leaves whole batches only.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use podoclinic_core::import::model::PatientField;
use podoclinic_core::import::patients::BATCH;
use podoclinic_core::import::service;
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
    let found = podoclinic_core::patients::service::search(&ctx, "paciente4242").await.unwrap();
    assert_eq!(found.iter().filter(|p| p.full_name == "Paciente4242 Pérez Núñez").count(), 1, "{found:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[sqlx::test(migrations = "../migrations")]
async fn a_cancelled_import_leaves_whole_batches_and_finishes_on_the_next_run(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let ctx = ctx_of(&pool, &admin).await;
    let dir = folder();
    let path = generated_csv(&dir, 5_000);
    let mapping = service::preview(&path).await.unwrap().suggested;
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
    let cancel = AtomicBool::new(false);
    let done = service::import(&ctx, &dir, &path, &mapping, &cancel, |_| {}).await.unwrap();
    assert_eq!((done.imported, done.errors), (2, 1));
    assert_eq!(done.problems[0].field.as_deref(), Some("sex"));
    let jose = podoclinic_core::patients::service::search(&ctx, "nunez ibanez").await.unwrap();
    assert_eq!(jose.len(), 1);
    let p = podoclinic_core::patients::service::get(&ctx, jose[0].id).await.unwrap();
    assert_eq!((p.first_name.as_str(), p.last_names.as_str()), ("José", "Ñúñez Ibáñez"));
    assert_eq!(p.birth_date, chrono::NaiveDate::from_ymd_opt(1958, 11, 23));
    assert_eq!((p.phone.as_str(), p.allergies.as_str(), p.anticoagulants), ("5512345678", "Penicilina", true));
    std::fs::remove_dir_all(&dir).unwrap();
}
