//! Text is checked once, everywhere (issue 14, item 1): a NUL pasted from another program, an
//! escape sequence or a megabyte of text in a form's field is refused naming that field, and
//! nothing is stored; the database's own refusal of bad text is a validation error, not a fault.

use podoclinic_clinic::error::AppError;
use podoclinic_tests::*;
use sqlx::PgPool;
use uuid::Uuid;

const HOSTILE: [(&str, &str); 3] =
    [("a\0b", "control_characters"), ("a\u{1b}[2Jb", "control_characters"), ("", "too_long")];

fn hostile(which: usize) -> String {
    if which == 2 { "ñ".repeat(100_000) } else { HOSTILE[which].0.to_string() }
}

async fn rows(pool: &PgPool, table: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {table}"))).fetch_one(pool).await.unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn every_text_of_a_patient_refuses_control_characters_and_floods_naming_the_field(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let ctx = ctx_of(&pool, &admin).await;
    type Set = fn(&mut podoclinic_clinic::patients::model::Patient, String);
    let fields: [(&str, Set); 9] = [
        ("firstName", |p, v| p.first_name = v),
        ("lastNames", |p, v| p.last_names = v),
        ("phone", |p, v| p.phone = v),
        ("email", |p, v| p.email = v),
        ("address", |p, v| p.address = v),
        ("emergencyContact", |p, v| p.emergency_contact = v),
        ("emergencyPhone", |p, v| p.emergency_phone = v),
        ("allergies", |p, v| p.allergies = v),
        ("historyNotes", |p, v| p.history_notes = v),
    ];
    let before = rows(&pool, "patients").await;
    for (field, set) in fields {
        for (which, (_, expected)) in HOSTILE.iter().enumerate() {
            let mut p = new_patient("Rosa", "Cruz", "5512345678");
            set(&mut p, hostile(which));
            let err = podoclinic_clinic::patients::service::create(&ctx, p, true).await.unwrap_err();
            let AppError::Validation { field: named, key } = &err else { panic!("{field}: {err:?}") };
            assert_eq!(named, field, "{err:?}");
            // A flood of text in a phone field reads as a bad phone; elsewhere it is too long.
            assert!(key == expected || key == "phone_format", "{field}: {key}");
        }
    }
    assert_eq!(rows(&pool, "patients").await, before, "nothing stored");
}

#[sqlx::test(migrations = "../migrations")]
async fn other_forms_name_the_field_too(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let ctx = ctx_of(&pool, &admin).await;
    let nul = "Dra.\0Ana".to_string();
    let mut pod = podoclinic_clinic::podiatrists::model::Podiatrist {
        id: Uuid::now_v7(),
        name: nul.clone(),
        license: String::new(),
        title_institution: String::new(),
        color: "#336699".into(),
        active: true,
        user_id: None,
    };
    let err = podoclinic_clinic::podiatrists::service::create(&ctx, pod.clone()).await.unwrap_err();
    assert_eq!(err, AppError::validation("name", "control_characters"));
    pod.name = "Dra. Ana".into();
    let pod = podoclinic_clinic::podiatrists::service::create(&ctx, pod).await.unwrap().id;
    let pat = patient(&pool, &admin, "Rosa", "Cruz", "").await;
    let mut booking = booking(pat, pod, future(1, 10, 0), 30);
    booking.reason = "dolor\0".into();
    let err = podoclinic_clinic::appointments::service::book(&ctx, booking).await.unwrap_err();
    assert_eq!(err, AppError::validation("reason", "control_characters"));
    let mut profile = podoclinic_clinic::profile::service::get(&ctx).await.unwrap();
    profile.address = "Calle\0 1".into();
    let err = podoclinic_clinic::profile::service::update(&ctx, profile).await.unwrap_err();
    assert_eq!(err, AppError::validation("address", "control_characters"));
    let err = podoclinic_clinic::patients::service::search(&ctx, "ro\0sa").await.unwrap_err();
    assert_eq!(err, AppError::validation("query", "control_characters"));
    let err = podoclinic_clinic::patients::service::search(&ctx, &"a".repeat(100_000)).await.unwrap_err();
    assert_eq!(err, AppError::validation("query", "too_long"));
    let role =
        podoclinic_clinic::auth::model::RoleInput { id: Uuid::now_v7(), name: "Caja\u{7}".into(), permissions: vec![] };
    let err = podoclinic_clinic::auth::service::create_role(&ctx, role).await.unwrap_err();
    assert_eq!(err, AppError::validation("name", "control_characters"));
}

/// The last wall: text a check upstream missed is refused by PostgreSQL (a NUL in text or in JSON,
/// a value too long for its column), and that refusal is a validation error, not "Error interno".
#[sqlx::test(migrations = "../migrations")]
async fn the_database_s_refusal_of_bad_text_is_a_validation_error(pool: PgPool) {
    let nul = sqlx::query("SELECT $1::text").bind("a\0b").execute(&pool).await.unwrap_err();
    assert_eq!(AppError::from(nul), AppError::validation("text", "control_characters"));
    let json_nul = sqlx::query("SELECT $1::jsonb->>'x'")
        .bind(serde_json::json!({"x": "a\u{0}b"}))
        .fetch_one(&pool)
        .await
        .unwrap_err();
    assert_eq!(AppError::from(json_nul), AppError::validation("text", "control_characters"));
    let long = sqlx::query("SELECT $1::varchar(3)").bind("abcd").execute(&pool).await;
    // A cast to varchar(n) truncates silently; an insert into one refuses (22001).
    assert!(long.is_ok());
    let mut conn = pool.acquire().await.unwrap();
    sqlx::query("CREATE TEMP TABLE t (v varchar(3))").execute(&mut *conn).await.unwrap();
    let too_long = sqlx::query("INSERT INTO t VALUES ($1)").bind("abcd").execute(&mut *conn).await.unwrap_err();
    assert_eq!(AppError::from(too_long), AppError::validation("text", "too_long"));
}

/// One number per field: the database's length CHECK on each limited column is the limit the
/// Rust check uses (and the UI's maxLength, exported from the same table).
#[sqlx::test(migrations = "../migrations")]
async fn the_database_holds_the_same_text_limits_as_the_forms(pool: PgPool) {
    // Migration 12 added its CHECKs NOT VALID (rows already stored were checked by the app); a
    // CHECK added with its column is validated: the rule is the same.
    let checks: Vec<(String, String)> = sqlx::query_as(
        "SELECT conname::text, replace(pg_get_constraintdef(oid), ' NOT VALID', '') FROM pg_constraint
         WHERE contype = 'c' AND conname LIKE '%\\_len' ORDER BY 1",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let mut expected: Vec<(String, String)> = podoclinic_clinic::limits::LIMITS
        .iter()
        .map(|l| (format!("{}_{}_len", l.table, l.column), format!("CHECK ((char_length({}) <= {}))", l.column, l.max)))
        .collect();
    expected.sort();
    assert_eq!(checks, expected);
    // And a refusal by one of them names the form's field.
    let too_long = sqlx::query("INSERT INTO expense_categories (id, name) VALUES ($1, $2)")
        .bind(Uuid::now_v7())
        .bind("x".repeat(81))
        .execute(&pool)
        .await
        .unwrap_err();
    assert_eq!(AppError::from(too_long), AppError::validation("name", "too_long"));
}
