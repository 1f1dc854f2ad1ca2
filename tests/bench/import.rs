//! Benchmark (issue 19): a clinic's history brought in through the import itself (the same core
//! functions the "Importar" tab calls). On a fresh database with 20 podiatrists:
//! 1. a CSV of 100,000 patients (target: imported in ≤ 60 s);
//! 2. a CSV of 1,000,000 past appointments over five and a half years, 90 % completed, 6 %
//!    cancelled, 4 % missed (target: imported in ≤ 5 minutes).
//!
//! Each is timed as read + dry run, and as the import (which reads and checks the file again),
//! with the cost per row and the process's peak memory; then the rollups the triggers kept are
//! compared with a rebuild (`stats_rebuild()`): the process fails if they differ, or if a count is
//! off. Figures, not pass/fail: SQL-bound, a debug build is enough.
//!
//! `DATABASE_URL` names the server; the data goes to database `podoclinic_bench_import`, made anew
//! on each run; the CSVs go to a temporary folder, removed at the end.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use chrono::{Days, Utc};
use podoclinic_clinic::import::model::ImportMapping;
use podoclinic_clinic::import::service;
use podoclinic_tests::bench::{Database, ROLLUP_DIGEST, peak_rss_mib};

const PATIENTS: usize = 100_000;
const APPOINTMENTS: usize = 1_000_000;
const PODIATRISTS: usize = 20;
/// Twenty-minute slots a podiatrist has a day (8:00 to 16:20).
const SLOTS: usize = 25;

fn patients_csv(path: &Path) {
    let mut text = String::from("Expediente;Nombre;Apellidos;Fecha de nacimiento;Teléfono;Sexo\n");
    for i in 0..PATIENTS {
        let birth = format!("{:02}/{:02}/19{:02}", 1 + i % 28, 1 + i % 12, 30 + i % 60);
        writeln!(text, "EXP-{i};Paciente{i};Pérez Núñez;{birth};55 {:08};{}", i, ["F", "M"][i % 2]).unwrap();
    }
    std::fs::write(path, text).unwrap();
}

/// Days going back from yesterday, each podiatrist's slots filled in turn; the patient cycles
/// through the file's keys.
fn appointments_csv(path: &Path) {
    let mut text = String::from("Folio;Fecha;Hora;Duración;Podólogo;Expediente;Estado;Motivo\n");
    let yesterday = Utc::now().date_naive() - Days::new(1);
    for i in 0..APPOINTMENTS {
        let (day, rest) = (i / (PODIATRISTS * SLOTS), i % (PODIATRISTS * SLOTS));
        let (podiatrist, slot) = (rest / SLOTS, rest % SLOTS);
        let date = yesterday - Days::new(day as u64);
        let minute = 8 * 60 + slot * 20;
        let status = match i % 50 {
            0..=2 => "Cancelada",
            3 | 4 => "No asistió",
            _ => "Atendida",
        };
        writeln!(
            text,
            "C-{i};{};{:02}:{:02};20;Podólogo {};EXP-{};{status};Revisión",
            date.format("%d/%m/%Y"),
            minute / 60,
            minute % 60,
            podiatrist + 1,
            (i * 7919) % PATIENTS
        )
        .unwrap();
    }
    std::fs::write(path, text).unwrap();
}

async fn timed(
    what: &str,
    rows: usize,
    ctx: &podoclinic_clinic::auth::Ctx,
    dir: &Path,
    path: &Path,
    mapping: &ImportMapping,
) -> podoclinic_clinic::import::model::ImportReport {
    let t = Instant::now();
    let dry = service::dry_run(ctx, path, mapping).await.unwrap();
    let checked = t.elapsed().as_secs_f64();
    println!("{what}: read and dry run of {rows} rows: {checked:.1} s ({} new)", dry.new);
    let t = Instant::now();
    let cancel = AtomicBool::new(false);
    let done = service::import(ctx, dir, path, mapping, &cancel, |_| {}).await.unwrap();
    let secs = t.elapsed().as_secs_f64();
    println!(
        "{what}: import of {rows} rows ({} written, file read and checked again): {secs:.1} s, {:.0} µs/row; peak memory so far {:.0} MiB",
        done.imported,
        secs * 1e6 / rows as f64,
        peak_rss_mib()
    );
    done
}

fn main() {
    podoclinic_tests::runtime().block_on(async {
        let (pool, _) = Database::Import.open(true).await;
        let admin = podoclinic_tests::first_admin(&pool).await;
        let ctx = podoclinic_tests::ctx_of(&pool, &admin).await;
        sqlx::query(
            "INSERT INTO podiatrists (id, name) SELECT gen_random_uuid(), 'Podólogo ' || i FROM generate_series(1, 20) i",
        )
        .execute(&pool)
        .await
        .unwrap();
        let dir = std::env::temp_dir().join(format!("podoclinic-bench-import-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();

        let t = Instant::now();
        let patients = dir.join("pacientes.csv");
        patients_csv(&patients);
        let appointments = dir.join("citas.csv");
        appointments_csv(&appointments);
        println!(
            "wrote the CSVs in {:.1} s ({:.1} MiB of appointments)",
            t.elapsed().as_secs_f64(),
            std::fs::metadata(&appointments).unwrap().len() as f64 / 1048576.0
        );

        // The mappings the headers suggest, as the tab offers them.
        let mapping = ImportMapping::Patients(service::preview(&patients).await.unwrap().suggested);
        let done = timed("patients", PATIENTS, &ctx, &dir, &patients, &mapping).await;
        assert_eq!(done.imported as usize, PATIENTS, "every patient imported");

        let preview = service::preview(&appointments).await.unwrap();
        assert_eq!(preview.suggested_appointments.iter().flatten().count(), 8, "every column recognised");
        let mapping = ImportMapping::Appointments(preview.suggested_appointments);
        let done = timed("appointments", APPOINTMENTS, &ctx, &dir, &appointments, &mapping).await;
        assert_eq!(done.imported as usize, APPOINTMENTS, "every appointment imported: {:?}", done.problems.first());

        let t = Instant::now();
        let again = service::dry_run(&ctx, &appointments, &mapping).await.unwrap();
        println!(
            "appointments: the same file checked again: {:.1} s ({} already imported, {} new)",
            t.elapsed().as_secs_f64(),
            again.already,
            again.new
        );
        assert_eq!(again.already as usize, APPOINTMENTS);

        let completed: i64 =
            sqlx::query_scalar("SELECT sum(count) FROM stats_appointment_days WHERE status = 'completed'")
                .fetch_one(&pool)
                .await
                .unwrap();
        println!("completed appointments in the dashboard's rollups: {completed}");
        assert_eq!(completed as usize, APPOINTMENTS / 50 * 45);
        let kept: String = sqlx::query_scalar(ROLLUP_DIGEST).fetch_one(&pool).await.unwrap();
        sqlx::query("SELECT stats_rebuild()").execute(&pool).await.unwrap();
        let rebuilt: String = sqlx::query_scalar(ROLLUP_DIGEST).fetch_one(&pool).await.unwrap();
        println!("rollups kept by the triggers equal a rebuild: {}", if kept == rebuilt { "yes" } else { "NO" });
        assert_eq!(kept, rebuilt, "the rollups kept by the triggers differ from a rebuild");
        std::fs::remove_dir_all(&dir).unwrap();
        pool.close().await;
    });
}
