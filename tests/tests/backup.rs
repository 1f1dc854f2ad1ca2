//! Backups against a real PostgreSQL: a dump holds exactly what its snapshot counted, restores
//! into a scratch database with the same rows and the same audit chain head, and reads back only
//! with the clinic's recovery key.

use podoclinic_core::backup::dump::{self, Conn, Proof};
use podoclinic_core::backup::{file, key::RecoveryKey};
use podoclinic_core::money::Method;
use podoclinic_tests::*;
use sqlx::PgPool;

/// How the client programs reach the test's database: the server and login of DATABASE_URL.
fn conn_to(pool: &PgPool) -> Conn {
    let url = std::env::var("DATABASE_URL").expect("DATABASE_URL");
    let rest = url.split_once("://").expect("a URL").1;
    let (login, server) = rest.rsplit_once('@').unwrap_or(("postgres", rest));
    let (user, password) = match login.split_once(':') {
        Some((user, password)) => (user.to_string(), Some(password.to_string())),
        None => (login.to_string(), None),
    };
    let server = server.split(['/', '?']).next().unwrap();
    let (host, port) = server.split_once(':').map(|(h, p)| (h, p.parse().unwrap())).unwrap_or((server, 5432));
    let database = pool.connect_options().get_database().expect("a database").to_string();
    Conn { host: host.into(), port, user, password, database }
}

#[sqlx::test(migrations = "../migrations")]
async fn a_backup_holds_what_its_snapshot_counted_restores_the_same_and_reads_back_with_the_key_only(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let ctx = ctx_of(&pool, &admin).await;
    open_drawer(&ctx, 50_000).await;
    for i in 0..25 {
        let id = patient(&pool, &admin, "Paciente", &format!("Número {i}"), "").await;
        podoclinic_core::billing::service::take_payment(&ctx, pay(id, None, Method::Cash, 10_000)).await.unwrap();
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
    let scratch: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_database WHERE datname LIKE 'podoclinic_verify_%'")
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
