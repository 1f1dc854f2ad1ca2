//! Backups against a real PostgreSQL: a dump holds exactly what its snapshot counted, restores
//! into a scratch database with the same rows and the same audit chain head, and reads back only
//! with the clinic's recovery key.

use podoclinic_clinic::error::AppError;
use podoclinic_clinic::money::Method;
use podoclinic_desk::backup::dump::{self, Conn, Proof};
use podoclinic_desk::backup::model::{BackupSettingsInput, Outcome};
use podoclinic_desk::backup::service;
use podoclinic_desk::backup::source::{self, BackupSource};
use podoclinic_desk::backup::{file, key::RecoveryKey};
use podoclinic_desk::picked::{PickFor, PickedFiles};
use podoclinic_tests::*;
use sqlx::Connection;
use sqlx::{PgConnection, PgPool};

/// How the client programs reach the test's database: the server and login of DATABASE_URL.
fn conn_to(pool: &PgPool) -> Conn {
    let server = Conn::from_url(&std::env::var("DATABASE_URL").expect("DATABASE_URL")).expect("a URL");
    server.on(pool.connect_options().get_database().expect("a database"))
}

#[sqlx::test(migrations = "../migrations")]
async fn a_backup_holds_what_its_snapshot_counted_restores_the_same_and_reads_back_with_the_key_only(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let ctx = ctx_of(&pool, &admin).await;
    open_drawer(&ctx, 50_000).await;
    for i in 0..25 {
        let id = patient(&pool, &admin, "Paciente", &format!("Número {i}"), "").await;
        podoclinic_clinic::billing::service::take_payment(&ctx, pay(id, None, Method::Cash, 10_000)).await.unwrap();
    }
    let conn = conn_to(&pool);
    let tools = dump::tools_for(dump::server_major(&pool).await.unwrap()).await.expect("pg_dump of the server's major");
    let dir = std::env::temp_dir().join(format!("podoclinic-backup-test-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();

    let plain = dir.join("clinic.dump");
    let taken = dump::dump(&conn, &tools, &plain).await.unwrap();
    assert_eq!(taken.row_counts["patients"], 25);
    assert_eq!(taken.row_counts["payments"], 25);
    let audited: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log").fetch_one(&pool).await.unwrap();
    assert_eq!(taken.row_counts["audit_log"], audited);
    assert!(taken.audit_rows > 0 && taken.audit_hash.len() == 64, "the chain's head: {taken:?}");

    // Proven: restored into a scratch database, the same rows and the same chain head.
    assert_eq!(dump::verify(&conn, &tools, &plain, &taken).await.unwrap(), Proof::Matches);
    // This proof's own scratch database, by its source's name: other tests prove their backups
    // on the same server meanwhile.
    let mine = dump::scratch_name(&conn.database);
    let mine = &mine[..mine.len() - 12];
    let scratch: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_database WHERE left(datname, length($1)) = $1")
        .bind(mine)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(scratch, 0, "the scratch database is dropped");
    // A dump that does not hold what was counted is caught.
    let mut claimed = taken.clone();
    *claimed.row_counts.get_mut("patients").unwrap() += 1;
    match dump::verify(&conn, &tools, &plain, &claimed).await.unwrap() {
        Proof::Differs(what) => assert_eq!(what, ["patients: Some(26) → Some(25)"]),
        Proof::Matches => panic!("a wrong count must not be proven"),
    }

    // Encrypted to the recovery key: without its passphrase the file is unreadable; with it, the
    // very dump comes back and proves the same.
    let key = RecoveryKey::create_with_work("respaldo de la clínica 2026", Some(10)).unwrap();
    let sealed = dir.join("clinic.dump.age");
    let written = file::encrypt(&plain, &key.recipient, &sealed).unwrap();
    assert_eq!(written.sha256, file::sha256_of(&sealed).unwrap());
    assert!(key.unseal("otra frase cualquiera").is_err());
    let back = dir.join("back.dump");
    file::decrypt(&sealed, &key.unseal("respaldo de la clínica 2026").unwrap(), &back).unwrap();
    assert_eq!(std::fs::read(&back).unwrap(), std::fs::read(&plain).unwrap());
    assert_eq!(dump::verify(&conn, &tools, &back, &taken).await.unwrap(), Proof::Matches);
    std::fs::remove_dir_all(&dir).unwrap();
}

const PASSPHRASE: &str = "pasos firmes en la arena";

/// Backups set up as an admin would: this folder, run by this desk, at `daily_at`.
async fn set_up(ctx: &podoclinic_clinic::auth::Ctx, folder: &std::path::Path, daily_at: &str) {
    let input = BackupSettingsInput {
        runner_desk: ctx.actor.desk.clone(),
        folder: folder.display().to_string(),
        daily_at: daily_at.into(),
        enabled: true,
        passphrase: Some(PASSPHRASE.into()),
        passphrase_again: Some(PASSPHRASE.into()),
    };
    let saved = service::save_settings(ctx, input).await.unwrap();
    assert!(saved.has_key);
}

async fn count(conn: &Conn, sql: &str) -> i64 {
    let mut db = PgConnection::connect_with(&conn.options()).await.unwrap();
    let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string())).fetch_one(&mut db).await.unwrap();
    db.close().await.unwrap();
    n
}

#[sqlx::test(migrations = "../migrations")]
async fn a_scheduled_backup_is_taken_once_a_day_by_the_chosen_desk_proven_and_recorded(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let ctx = ctx_of(&pool, &admin).await;
    for i in 0..5 {
        patient(&pool, &admin, "Paciente", &format!("Programada {i}"), "").await;
    }
    let work = temp_paths();
    let folder = work.data_dir.join("respaldos");
    std::fs::create_dir_all(&folder).unwrap();
    let now = chrono::Utc::now();
    // Not set up: nothing is due, and the dashboard says there is no verified backup.
    assert!(!service::due(&pool, &ctx.actor.desk, now).await.unwrap());
    let health = service::health(&pool, &ctx.actor.desk, now).await.unwrap();
    assert!(!health.configured && health.stale && health.last_verified_at.is_none());

    set_up(&ctx, &folder, "00:00").await;
    assert!(service::due(&pool, &ctx.actor.desk, now).await.unwrap(), "due since midnight");
    assert!(!service::due(&pool, "otra-recepción", now).await.unwrap(), "another desk does not run it");

    let record = service::run(&work.data_dir, &pool, &ctx.actor, &conn_to(&pool)).await.unwrap();
    assert_eq!(record.outcome, Outcome::Verified);
    assert_eq!(record.row_counts["patients"], 5);
    let file = folder.join(record.file_name.as_deref().unwrap());
    assert_eq!(record.sha256.as_deref(), Some(file::sha256_of(&file).unwrap().as_str()));
    assert_eq!(record.bytes, Some(std::fs::metadata(&file).unwrap().len() as i64));
    // Encrypted: no patient's name, no table's name reads in clear.
    let bytes = std::fs::read(&file).unwrap();
    for clear in [&b"Programada"[..], b"patients", b"PGDMP"] {
        assert!(!bytes.windows(clear.len()).any(|w| w == clear), "the file holds {:?} in clear", clear);
    }
    // No plain dump is left behind in the desk's working folder.
    let left = std::fs::read_dir(work.data_dir.join("backup-work")).unwrap().count();
    assert_eq!(left, 0, "plain dumps left behind");
    // Taken today: not due again; the dashboard is green; the run is audited.
    assert!(!service::due(&pool, &ctx.actor.desk, chrono::Utc::now()).await.unwrap());
    let health = service::health(&pool, &ctx.actor.desk, chrono::Utc::now()).await.unwrap();
    assert!(health.configured && !health.stale && !health.last_failed);
    // The admin proves the recovery key opens it: the wrong passphrase does not, a changed file
    // is named, the right passphrase gives back the very dump that was verified. Each try audited.
    let wrong = service::prove_key(&ctx, "otra frase cualquiera").await;
    assert_eq!(wrong.unwrap_err(), AppError::validation("passphrase", "wrong_passphrase"));
    let good = std::fs::read(&file).unwrap();
    let mut bad = good.clone();
    bad[good.len() / 2] ^= 1;
    std::fs::write(&file, &bad).unwrap();
    let changed = service::prove_key(&ctx, PASSPHRASE).await;
    assert_eq!(changed.unwrap_err(), AppError::validation("file", "backup_checksum_mismatch"));
    assert!(service::health(&pool, &ctx.actor.desk, chrono::Utc::now()).await.unwrap().file_differs);
    std::fs::write(&file, &good).unwrap();
    let proven = service::prove_key(&ctx, PASSPHRASE).await.expect("the recovery key opens it");
    assert!(proven.key_proven_at.is_some() && proven.id == record.id);
    let tries: Vec<serde_json::Value> =
        sqlx::query_scalar("SELECT after->'result' FROM audit_log WHERE action = 'backup.key_proof' ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(tries, ["passphrase: wrong_passphrase", "file: backup_checksum_mismatch", "proven"]);
    let in_three_days = chrono::Utc::now() + chrono::Duration::hours(49);
    assert!(
        service::health(&pool, &ctx.actor.desk, in_three_days).await.unwrap().stale,
        "red after 48 hours without one"
    );
    let audited: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'backup.run'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(audited, 1);

    // A folder that went away (a USB disk unplugged): the attempt fails, is recorded as failed, and
    // the dashboard says so; the desk tries again only after an hour.
    std::fs::remove_dir_all(&folder).unwrap();
    let failed = service::run(&work.data_dir, &pool, &ctx.actor, &conn_to(&pool)).await;
    assert_eq!(failed.unwrap_err(), AppError::validation("folder", "folder_unreachable"));
    let health = service::health(&pool, &ctx.actor.desk, chrono::Utc::now()).await.unwrap();
    assert!(health.last_failed && health.file_differs && health.stale, "the verified file is out of reach");
    let elsewhere = service::health(&pool, "otra-recepción", chrono::Utc::now()).await.unwrap();
    assert!(elsewhere.last_failed && !elsewhere.file_differs && !elsewhere.stale, "another desk sees the record");
    // A backup's record cannot be rewritten, even by the owner's own session here.
    let rewrite = sqlx::query("UPDATE backups SET outcome = 'verified', verified_at = now() WHERE outcome = 'failed'")
        .execute(&pool)
        .await;
    assert!(rewrite.is_err(), "a failed backup was made to look verified");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_restored_backup_takes_the_clinics_place_with_exactly_the_backups_data(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let ctx = ctx_of(&pool, &admin).await;
    open_drawer(&ctx, 50_000).await;
    let mut ids = Vec::new();
    for i in 0..10 {
        let id = patient(&pool, &admin, "Paciente", &format!("Respaldada {i}"), "").await;
        podoclinic_clinic::billing::service::take_payment(&ctx, pay(id, None, Method::Cash, 10_000)).await.unwrap();
        ids.push(id);
    }
    let conn = conn_to(&pool);
    let work = temp_paths();
    let folder = work.data_dir.join("respaldos");
    std::fs::create_dir_all(&folder).unwrap();
    set_up(&ctx, &folder, "21:00").await;
    let backup = service::run(&work.data_dir, &pool, &ctx.actor, &conn).await.unwrap();
    assert_eq!(backup.outcome, Outcome::Verified);
    let path = folder.join(backup.file_name.unwrap());
    let patients_then = count(&conn, "SELECT count(*) FROM patients").await;
    let payments_then = count(&conn, "SELECT count(*) FROM payments").await;

    // After the backup, the clinic goes on: new patients and payments, a patient renamed.
    for i in 0..4 {
        let id = patient(&pool, &admin, "Paciente", &format!("Posterior {i}"), "").await;
        podoclinic_clinic::billing::service::take_payment(&ctx, pay(id, None, Method::Cash, 5_000)).await.unwrap();
    }
    let mut renamed = podoclinic_clinic::patients::service::get(&ctx, ids[0]).await.unwrap();
    renamed.last_names = "Cambiada Después".into();
    podoclinic_clinic::patients::service::update(&ctx, renamed).await.unwrap();

    // A new passphrase (a new recovery key) does not orphan the backups taken before: each has
    // the sealed key it was taken under beside it, read with its own passphrase.
    assert!(service::key_file_for(&path).is_file(), "the sealed key beside the backup");
    let renewed = BackupSettingsInput {
        runner_desk: ctx.actor.desk.clone(),
        folder: folder.display().to_string(),
        daily_at: "21:00".into(),
        enabled: true,
        passphrase: Some("otra frase nueva y bastante larga".into()),
        passphrase_again: Some("otra frase nueva y bastante larga".into()),
    };
    service::save_settings(&ctx, renewed).await.unwrap();

    // What a restore reads is named by the list's record or by a file picked at this desk: a
    // listed backup is its recorded file; a picked copy elsewhere (a USB drive) is that copy, and
    // one byte flipped in it is a damaged backup, named so; a token nobody picked names nothing.
    let picked = PickedFiles::default();
    let listed = source::path_of(&pool, &picked, &BackupSource::Listed { id: backup.id }).await.unwrap();
    assert_eq!(listed, path);
    let missing = source::path_of(&pool, &picked, &BackupSource::Listed { id: uuid::Uuid::now_v7() }).await;
    assert_eq!(missing.unwrap_err(), AppError::not_found("backup"));
    let usb = work.data_dir.join("usb");
    std::fs::create_dir_all(&usb).unwrap();
    let copy = usb.join(path.file_name().unwrap());
    let mut flipped = std::fs::read(&path).unwrap();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x40;
    std::fs::write(&copy, &flipped).unwrap();
    std::fs::copy(service::key_file_for(&path), service::key_file_for(&copy)).unwrap();
    let chosen = picked.remember(PickFor::Backup, copy.clone());
    assert_eq!(chosen.file_name, path.file_name().unwrap().to_string_lossy());
    let read = source::path_of(&pool, &picked, &BackupSource::Picked { token: chosen.token }).await.unwrap();
    assert_eq!(read, copy);
    let refused = service::restore(&work.data_dir, &ctx, &read, PASSPHRASE, &conn).await;
    assert_eq!(refused.unwrap_err(), AppError::validation("file", "backup_damaged"));
    let unknown = source::path_of(&pool, &picked, &BackupSource::Picked { token: uuid::Uuid::now_v7() }).await;
    assert_eq!(unknown.unwrap_err(), AppError::validation("file", "pick_again"));

    // Without the passphrase the backup cannot be read, and nothing is created.
    let refused = service::restore(&work.data_dir, &ctx, &path, "no es la frase correcta", &conn).await;
    assert_eq!(refused.unwrap_err(), AppError::validation("passphrase", "wrong_passphrase"));
    // A file changed since it was written is refused by its checksum.
    let good = std::fs::read(&path).unwrap();
    let mut bad = good.clone();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    std::fs::write(&path, &bad).unwrap();
    let refused = service::restore(&work.data_dir, &ctx, &path, PASSPHRASE, &conn).await;
    assert_eq!(refused.unwrap_err(), AppError::validation("file", "backup_checksum_mismatch"));
    std::fs::write(&path, &good).unwrap();
    let staged: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_database WHERE datname LIKE '%\\_restaurada\\_%' AND starts_with(datname, left(current_database(), 30))",
    )
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(staged, 0, "a refused restore creates no database");

    // With it: restored beside the clinic's database, what it holds shown against what is there now.
    let preview = service::restore(&work.data_dir, &ctx, &path, PASSPHRASE, &conn).await.unwrap();
    assert_eq!(preview.taken_at, Some(backup.started_at));
    assert_eq!(preview.row_counts["patients"], patients_then);
    assert_eq!(preview.current_counts["patients"], patients_then + 4);
    assert_eq!(preview.current_counts["payments"], payments_then + 4);
    // Only a restored database's name is accepted for the switch.
    let wrong = service::switch(&ctx, "postgres", &conn).await;
    assert_eq!(wrong.unwrap_err(), AppError::validation("database", "not_a_restored_database"));

    let kept_as = service::switch(&ctx, &preview.database, &conn).await.unwrap();
    // The clinic's database (same name, as every desk's profile has it) now holds the backup's data.
    assert_eq!(count(&conn, "SELECT count(*) FROM patients").await, patients_then);
    assert_eq!(count(&conn, "SELECT count(*) FROM payments").await, payments_then);
    let original: String = {
        let mut db = PgConnection::connect_with(&conn.options()).await.unwrap();
        let name = sqlx::query_scalar("SELECT last_names FROM patients WHERE id = $1")
            .bind(ids[0])
            .fetch_one(&mut db)
            .await
            .unwrap();
        db.close().await.unwrap();
        name
    };
    assert_eq!(original, "Respaldada 0");
    assert_eq!(count(&conn, "SELECT count(*) FROM patients WHERE last_names LIKE 'Posterior%'").await, 0);
    // The restore is audited in the restored database, and the audit chain still verifies there.
    assert_eq!(count(&conn, "SELECT count(*) FROM audit_log WHERE action = 'backup.restore'").await, 1);
    // The desks' group has exactly its grants back (the restore kept owners and privileges).
    assert_eq!(
        count(&conn, "SELECT count(*) FROM information_schema.role_table_grants WHERE grantee = 'podoclinic_app' AND table_name = 'audit_chain_lock'").await,
        0
    );
    assert!(count(&conn, "SELECT count(*) FROM information_schema.role_table_grants WHERE grantee = 'podoclinic_app' AND table_name = 'patients'").await > 0);
    // The pool reconnects to it by itself.
    let mut seen = 0;
    for _ in 0..10 {
        if let Ok(n) = sqlx::query_scalar::<_, i64>("SELECT count(*) FROM patients").fetch_one(&pool).await {
            seen = n;
            break;
        }
    }
    assert_eq!(seen, patients_then);

    // The replaced database is kept, with what was done since the backup, until an admin drops it.
    let kept = service::kept(&conn).await.unwrap();
    assert_eq!(kept.iter().map(|k| k.name.as_str()).collect::<Vec<_>>(), [kept_as.as_str()]);
    assert!(kept[0].bytes > 0);
    let refused = service::drop_kept(&ctx_of(&pool, &admin).await, "postgres", &conn).await;
    assert_eq!(refused.unwrap_err(), AppError::validation("name", "not_a_kept_database"));
    service::drop_kept(&ctx_of(&pool, &admin).await, &kept_as, &conn).await.unwrap();
    assert!(service::kept(&conn).await.unwrap().is_empty());
}
