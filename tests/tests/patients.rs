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

/// The right of access: the export holds every row of every table about the patient (checked
/// against the database: each table with a `patient_id`, each table whose foreign key points at an
/// exported row) and nothing about another patient; it is audited.
#[sqlx::test(migrations = "../migrations")]
async fn the_access_export_holds_every_row_about_the_patient_and_no_other(pool: PgPool) {
    use podoclinic_clinic::visits::model::{Procedure, ReferralInput, VisitInput};
    use podoclinic_clinic::visits::service as visits;
    let admin = first_admin(&pool).await;
    let ctx = ctx_for(&pool, "admin", ADMIN_PASSWORD).await;
    let pod = podiatrist(&pool, &admin, "Dra. Pies", None).await;
    let nails = treatment(&pool, &admin, "Corte de uñas", 35_000).await;
    let mut ids = Vec::new();
    for (day, name) in [(0, "Rosa"), (1, "Otra")] {
        let pat = patient(&pool, &admin, name, "Cruz", "").await;
        let appointment = arrived(&ctx, pat, pod, day).await;
        let visit = visits::open(&ctx, appointment).await.unwrap();
        let input = VisitInput {
            id: visit.id,
            risk_category: Some(1),
            procedures: vec![Procedure { treatment_id: nails, quantity: 1 }],
            ..signable()
        };
        visits::save(&ctx, input).await.unwrap();
        visits::sign(&ctx, visit.id, false).await.unwrap();
        visits::add_addendum(&ctx, visit.id, uuid::Uuid::now_v7(), format!("Adenda de {name}")).await.unwrap();
        let referral = ReferralInput {
            id: uuid::Uuid::now_v7(),
            visit_id: visit.id,
            receiving: "Hospital General".into(),
            reason: "Valoración".into(),
            impression: "Úlcera".into(),
            treatment: String::new(),
        };
        visits::refer(&ctx, referral).await.unwrap();
        ids.push(pat);
    }
    let (rosa, other) = (ids[0], ids[1]);
    let data = podoclinic_clinic::privacy::service::access_export(&ctx, rosa).await.unwrap();
    let tables = data.as_object().unwrap();
    let count = |table: &str| tables.get(table).and_then(|t| t.as_array()).map_or(0, Vec::len) as i64;
    for table in ["patients", "appointments", "visits", "visit_procedures", "visit_addenda", "referrals", "audit_log"] {
        assert!(count(table) > 0, "the export lacks {table}: {:?}", tables.keys().collect::<Vec<_>>());
    }
    // Every table that names a patient: the export holds exactly its rows about Rosa. (The counts
    // are the database's own, each table's query quoted by `format` there.)
    let with_patient: Vec<(String, i64)> = sqlx::query_as(
        "SELECT c.relname::text,
                (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I WHERE patient_id = %L',
                                                            c.relname, $1::text), false, true, '')))[1]::text::bigint
         FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
         WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND a.attname = 'patient_id' ORDER BY 1",
    )
    .bind(rosa)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(with_patient.len() >= 5, "{with_patient:?}");
    for (table, held) in &with_patient {
        assert_eq!(count(table), *held, "{table}");
    }
    // Every table whose foreign key points at an exported row: its rows pointing there are in.
    let children: Vec<(String, String, String, Vec<String>, i64)> = sqlx::query_as(
        "SELECT child, col, parent, keys,
                (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %s WHERE %I::text = ANY (%L::text[])',
                                                            child, col, keys), false, true, '')))[1]::text::bigint
         FROM (SELECT c.conrelid::regclass::text AS child, ca.attname::text AS col, c.confrelid::regclass::text AS parent,
                      ARRAY(SELECT DISTINCT r ->> pa.attname FROM jsonb_array_elements($1::jsonb -> c.confrelid::regclass::text) r
                            WHERE r ->> pa.attname IS NOT NULL) AS keys
               FROM pg_constraint c
               JOIN pg_attribute ca ON ca.attrelid = c.conrelid AND ca.attnum = c.conkey[1]
               JOIN pg_attribute pa ON pa.attrelid = c.confrelid AND pa.attnum = c.confkey[1]
               WHERE c.contype = 'f' AND cardinality(c.conkey) = 1 AND c.connamespace = 'public'::regnamespace
                 AND $1::jsonb ? c.confrelid::regclass::text) AS fk",
    )
    .bind(&data)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(children.len() >= 6, "{children:?}");
    for (child, col, parent, keys, held) in children {
        let exported = tables.get(&child).and_then(|t| t.as_array()).map_or(0, |rows| {
            rows.iter().filter(|r| r.get(&col).map(json_text).is_some_and(|v| keys.contains(&v))).count()
        }) as i64;
        assert_eq!(exported, held, "{child}.{col} -> {parent}");
    }
    let text = data.to_string();
    assert!(!text.contains(&other.to_string()), "another patient's id is in the export");
    assert!(!text.contains("Adenda de Otra"));
    assert!(text.contains("Adenda de Rosa"));
    let audited: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'privacy.access_export' AND entity_id = $1")
            .bind(rosa.to_string())
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(audited, 1);
    assert_eq!(
        podoclinic_clinic::privacy::service::access_export(&ctx, uuid::Uuid::now_v7()).await.unwrap_err(),
        AppError::not_found("patient")
    );
}

/// A JSON value as PostgreSQL's `::text` writes it (strings bare).
fn json_text(v: &serde_json::Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_string)
}
