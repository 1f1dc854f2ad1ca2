//! TLS that verifies (issue 13, item 6), against a real PostgreSQL started here with a certificate
//! from a CA this test makes: the clinic's CA and the right host name connect, encrypted; a
//! certificate from another CA, a wrong host name and a server without TLS are refused, each with
//! its own error, and a desk starting against such a server says why instead of "offline".

use std::path::{Path, PathBuf};

use podoclinic_clinic::error::AppError;
use podoclinic_desk::db::Target;
use podoclinic_desk::db::cluster::Cluster;
use podoclinic_desk::db::connection::{self, ServerProfile};
use podoclinic_desk::db::health::DbStatus;
use podoclinic_desk::db::programs::find_binaries;
use podoclinic_desk::db::tls::{SslMode, TlsRefusal};
use podoclinic_desk::startup;
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use sqlx::{Connection, PgConnection};

fn certificate_authority(name: &str) -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap()
}

/// A server certificate for `names`, signed by `ca`: (certificate, key) as PEM.
fn server_certificate(ca: &CertifiedIssuer<'static, KeyPair>, names: &[&str]) -> (String, String) {
    let key = KeyPair::generate().unwrap();
    let params = CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>()).unwrap();
    (params.signed_by(&key, ca).unwrap().pem(), key.serialize_pem())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn write(path: &Path, text: &str) {
    use std::io::Write;
    let _ = std::fs::remove_file(path);
    let mut f = podoclinic_desk::platform::create_private_file(path).unwrap();
    f.write_all(text.as_bytes()).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_trusts_the_clinics_ca_only_checks_the_name_and_says_why_it_refuses() {
    let bin = find_binaries().expect("PostgreSQL server binaries are required for this test");
    let scratch = std::env::temp_dir().join(format!("podoclinic-tls-test-{}", uuid::Uuid::now_v7().simple()));
    let mut cluster = Cluster::plan(bin, &scratch).expect("cluster plan");
    cluster.port = free_port();
    // Unquoted: Windows' pg_ctl passes quotes through to the server as part of the value.
    cluster.settings = vec!["listen_addresses=127.0.0.1".into()];
    let local = cluster.start().await.expect("the test's server starts");
    // The cluster's superuser ("owner" in its credentials file, as an older app named it) sets the
    // server's TLS up (ALTER SYSTEM, which the schema's owner may not) and is the login tried.
    let credentials: serde_json::Value =
        serde_json::from_slice(&std::fs::read(cluster.root.join("credentials.json")).unwrap()).unwrap();
    let password = credentials["owner"].as_str().unwrap().to_string();
    let superuser = local.owner.clone().expect("the cluster's address").username("clinic").password(&password);

    // The server: a certificate for "localhost" from the clinic's CA, password logins over TCP.
    let clinic_ca = certificate_authority("CA de la clínica");
    let other_ca = certificate_authority("Otra CA");
    let (cert, key) = server_certificate(&clinic_ca, &["localhost"]);
    let data = cluster.data_dir();
    for (file, text) in [("server.crt", cert.as_str()), ("server.key", key.as_str())] {
        write(&data.join(file), text);
        cluster.hand_over(&data.join(file)).unwrap();
    }
    let hba = data.join("pg_hba.conf");
    let mut rules = std::fs::read_to_string(&hba).unwrap();
    rules.push_str("host all all 127.0.0.1/32 scram-sha-256\n");
    write(&hba, &rules);
    cluster.hand_over(&hba).unwrap();
    let mut admin = PgConnection::connect_with(&superuser).await.unwrap();
    let set_ssl = async |admin: &mut PgConnection, on: bool| {
        let statement = if on { "ALTER SYSTEM SET ssl = on" } else { "ALTER SYSTEM SET ssl = off" };
        sqlx::query(statement).execute(&mut *admin).await.unwrap();
        sqlx::query("SELECT pg_reload_conf()").execute(&mut *admin).await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    };
    sqlx::query("ALTER SYSTEM SET ssl_cert_file = 'server.crt'").execute(&mut admin).await.unwrap();
    sqlx::query("ALTER SYSTEM SET ssl_key_file = 'server.key'").execute(&mut admin).await.unwrap();
    set_ssl(&mut admin, true).await;

    let cas = scratch.join("cas");
    std::fs::create_dir_all(&cas).unwrap();
    let (clinic_pem, other_pem): (PathBuf, PathBuf) = (cas.join("clinic.pem"), cas.join("other.pem"));
    write(&clinic_pem, &clinic_ca.pem());
    write(&other_pem, &other_ca.pem());
    let not_pem = cas.join("not.pem");
    write(&not_pem, "no certificate here");
    let profile = |host: &str, ssl_mode: SslMode, ca: &Path| ServerProfile {
        host: host.into(),
        port: cluster.port,
        database: "clinic".into(),
        user: "clinic".into(),
        ssl_mode,
        ssl_root_cert: Some(ca.display().to_string()),
    };
    let refused = |field: &str, key: &str| Err(AppError::validation(field, key));

    // The clinic's CA and the right name: connected, and the session is encrypted.
    let good = profile("localhost", SslMode::VerifyFull, &clinic_pem);
    let found = connection::try_server(&good, Some(&password)).await.expect("the right CA and host connect");
    assert_eq!(found.schema, "empty");
    let (options, tunnel) = good.options(Some(&password)).await.unwrap();
    let mut conn = PgConnection::connect_with(&options).await.unwrap();
    let encrypted: bool = sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert!(encrypted, "the server sees a TLS session");
    // What the tunnel costs a round trip (printed, not asserted): the same query, plain TCP to the
    // same server against TLS through the tunnel, on one connection each.
    let plain = profile("localhost", SslMode::Disable, &clinic_pem).options(Some(&password)).await.unwrap().0;
    let mut direct = PgConnection::connect_with(&plain).await.unwrap();
    let time = async |c: &mut PgConnection| {
        let started = std::time::Instant::now();
        for _ in 0..500 {
            sqlx::query("SELECT 1").execute(&mut *c).await.unwrap();
        }
        started.elapsed().as_secs_f64() * 1e6 / 500.0
    };
    let (through, straight) = (time(&mut conn).await, time(&mut direct).await);
    println!("round trip: {through:.0} µs through the TLS tunnel, {straight:.0} µs plain ({:.2}×)", through / straight);
    direct.close().await.unwrap();
    conn.close().await.unwrap();
    drop(tunnel);

    // Another CA's trust is not this server's; a name the certificate does not carry is refused
    // under verify-full and accepted under verify-ca; a file with no certificate is named as such.
    let result = connection::try_server(&profile("localhost", SslMode::VerifyFull, &other_pem), Some(&password)).await;
    assert_eq!(result.map(|_| ()), refused("sslRootCert", "tls_untrusted"));
    let result = connection::try_server(&profile("127.0.0.1", SslMode::VerifyFull, &clinic_pem), Some(&password)).await;
    assert_eq!(result.map(|_| ()), refused("host", "tls_wrong_host"));
    let result = connection::try_server(&profile("127.0.0.1", SslMode::VerifyCa, &clinic_pem), Some(&password)).await;
    assert!(result.is_ok(), "verify-ca checks the chain, not the name: {result:?}");
    let result = connection::try_server(&profile("localhost", SslMode::VerifyFull, &not_pem), Some(&password)).await;
    assert_eq!(result.map(|_| ()), refused("sslRootCert", "tls_bad_ca_file"));
    let result = connection::try_server(&profile("localhost", SslMode::Require, &other_pem), Some(&password)).await;
    assert!(result.is_ok(), "require encrypts without checking who answers (libpq's meaning): {result:?}");

    // A desk starting against a CA it does not trust says so, instead of "offline".
    let state = podoclinic_desk::state::AppState::new(podoclinic_tests::temp_paths(), "tls-desk".into());
    let untrusted = profile("localhost", SslMode::VerifyFull, &other_pem).options(Some(&password)).await.unwrap();
    startup::connect(&state, Target::desk_only(untrusted), false).await;
    assert_eq!(state.health.current(), DbStatus::TlsRefused { reason: TlsRefusal::Untrusted });

    // Issue 14, item 4: while the server is away (no admin can sign in) a desk that reached it
    // cannot be pointed elsewhere without that server's password (checked by connecting, as no
    // keyring is here), and a weaker TLS mode needs the password typed again, admin or not.
    use podoclinic_desk::db::connection::{ConnectionProfile, DeskConfig, guard_change};
    let desk = |server: ServerProfile| DeskConfig {
        desk_name: "Recepción".into(),
        connection: ConnectionProfile::Server(server),
        backup_user: None,
    };
    let before = desk(good.clone());
    let elsewhere = desk(ServerProfile { host: "servidor-falso.local".into(), ..good.clone() });
    assert_eq!(guard_change(&before, &elsewhere, false, None, None).await, refused("currentPassword", "required"));
    assert_eq!(
        guard_change(&before, &elsewhere, false, Some("adivino"), None).await,
        refused("currentPassword", "wrong_db_password")
    );
    guard_change(&before, &elsewhere, false, Some(&password), None).await.expect("the server's password proves it");
    guard_change(&before, &elsewhere, true, None, None).await.expect("a signed-in admin needs no more");
    let weaker = desk(ServerProfile { ssl_mode: SslMode::Disable, ..good.clone() });
    for admin in [false, true] {
        assert_eq!(
            guard_change(&before, &weaker, admin, Some(&password), None).await,
            refused("password", "password_for_weaker_tls")
        );
    }
    guard_change(&before, &weaker, true, None, Some("la de nuevo")).await.expect("typed again");
    let local = DeskConfig { desk_name: "Recepción".into(), connection: ConnectionProfile::Local, backup_user: None };
    guard_change(&local, &before, false, None, None).await.expect("first set-up from the embedded database");

    // The same server without TLS: refused under every mode that needs it; prefer goes in clear.
    set_ssl(&mut admin, false).await;
    for mode in [SslMode::VerifyFull, SslMode::VerifyCa, SslMode::Require] {
        let result = connection::try_server(&profile("localhost", mode, &clinic_pem), Some(&password)).await;
        assert_eq!(result.map(|_| ()), refused("sslMode", "tls_not_offered"), "{mode:?}");
    }
    let result = connection::try_server(&profile("localhost", SslMode::Prefer, &clinic_pem), Some(&password)).await;
    assert!(result.is_ok(), "prefer falls back to a plain connection: {result:?}");

    admin.close().await.unwrap();
    let root = cluster.root.clone();
    tokio::task::spawn_blocking(move || cluster.stop_blocking()).await.unwrap();
    let _ = std::fs::remove_dir_all(&root);
    let _ = std::fs::remove_dir_all(&scratch);
}
