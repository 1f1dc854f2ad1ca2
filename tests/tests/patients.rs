//! Patients against a real PostgreSQL: accent- and typo-tolerant search, duplicate warnings.

use podoclinic_clinic::error::AppError;
use podoclinic_clinic::patients::service as patients;
use podoclinic_tests::*;
use sqlx::PgPool;

#[sqlx::test(migrations = "../migrations")]
async fn search_ignores_accents_and_case_and_tolerates_a_typo(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let jose = patient(&pool, &admin, "José", "González Muñoz", "55 1234 5678").await;
    patient(&pool, &admin, "Josefina", "Gómez", "").await;
    patient(&pool, &admin, "Ana", "Gonzaga", "").await;
    for query in ["jose gonzalez", "JOSÉ", "gonzalez jose", "munoz", "gonzales", "1234 56"] {
        let found = patients::search(&ctx_of(&pool, &admin).await, query).await.unwrap();
        assert_eq!(found.first().map(|p| p.id), Some(jose), "query {query:?} gave {found:?}");
    }
    assert!(patients::search(&ctx_of(&pool, &admin).await, "zzzz").await.unwrap().is_empty());
    assert!(patients::search(&ctx_of(&pool, &admin).await, " ").await.unwrap().is_empty());
    let actor = ctx_of(&pool, &admin).await;
    patients::set_archived(&actor, jose, true).await.unwrap();
    assert!(patients::search(&actor, "jose gonzalez").await.unwrap().iter().all(|p| p.id != jose));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_likely_duplicate_is_shown_before_creating(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let actor = ctx_of(&pool, &admin).await;
    let mut first = new_patient("María", "López", "+52 55 1111 2222");
    first.birth_date = chrono::NaiveDate::from_ymd_opt(1970, 5, 1);
    patients::create(&actor, first.clone(), false).await.unwrap();

    let mut same_name = new_patient("maria", "lopez", "");
    same_name.birth_date = first.birth_date;
    let outcome = patients::create(&actor, same_name.clone(), false).await.unwrap();
    assert!(outcome.created.is_none());
    assert_eq!(outcome.possible_duplicates[0].id, first.id);
    let same_phone = new_patient("Otra", "Persona", "55-1111-2222");
    assert_eq!(patients::create(&actor, same_phone, false).await.unwrap().possible_duplicates.len(), 1);

    let forced = patients::create(&actor, same_name, true).await.unwrap();
    assert!(forced.created.is_some());
    let bad = new_patient("Ana", "", "12ab");
    assert_eq!(patients::create(&actor, bad, true).await.unwrap_err(), AppError::validation("phone", "phone_format"));
}

#[sqlx::test(migrations = "../migrations")]
async fn opening_a_patient_record_is_audited_with_who_and_which_desk(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let rosa = patient(&pool, &admin, "Rosa", "Cruz", "").await;
    let ctx = ctx_of(&pool, &admin).await;
    patients::get(&ctx, rosa).await.unwrap();
    let read: (String, String, String) = sqlx::query_as(
        "SELECT username, desk, entity_id FROM audit_log WHERE action = 'patient.read' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(read, ("admin".to_string(), "test-desk".to_string(), rosa.to_string()));
}

/// A CURP is optional, checked (shape, date, check digit) by the form and by the database, and
/// names one patient only.
#[sqlx::test(migrations = "../migrations")]
async fn a_curp_is_checked_and_belongs_to_one_patient(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let actor = ctx_of(&pool, &admin).await;
    let mut gloria = new_patient("Gloria", "Hernández García", "");
    gloria.curp = Some("hegg560427mvzrrl04".into());
    let created = patients::create(&actor, gloria, false).await.unwrap().created.unwrap();
    assert_eq!(created.curp.as_deref(), Some("HEGG560427MVZRRL04"));
    assert_eq!(patients::get(&actor, created.id).await.unwrap().curp.as_deref(), Some("HEGG560427MVZRRL04"));

    let mut other = new_patient("Otra", "Persona", "");
    other.curp = Some("HEGG560427MVZRRL04".into());
    assert_eq!(
        patients::create(&actor, other.clone(), true).await.unwrap_err(),
        AppError::conflict("curp_taken", Some("curp"))
    );
    other.curp = Some("HEGG560427MVZRRL05".into());
    assert_eq!(
        patients::create(&actor, other.clone(), true).await.unwrap_err(),
        AppError::validation("curp", "curp_format")
    );
    other.curp = Some(String::new());
    assert_eq!(patients::create(&actor, other, true).await.unwrap().created.unwrap().curp, None);

    // Written by hand, as a desk login could: the database holds the same check digit.
    let err = sqlx::query("UPDATE patients SET curp = 'HEGG560427MVZRRL05' WHERE id = $1")
        .bind(created.id)
        .execute(&pool)
        .await
        .unwrap_err();
    assert_eq!(AppError::from(err), AppError::validation("curp", "curp_format"));
}
