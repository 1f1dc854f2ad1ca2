//! The patient's data under the LFPDPPP: the privacy notice in versions, express consent and the
//! voluntary purposes, the ARCO register, and cancellation as a block the database holds against
//! the desk's own login.

use chrono::Utc;
use podoclinic_clinic::appointments::service as appointments;
use podoclinic_clinic::error::AppError;
use podoclinic_clinic::history::service as history;
use podoclinic_clinic::patients::service as patients;
use podoclinic_clinic::privacy::model::{
    ArcoAnswer, ArcoInput, ArcoKind, ArcoOutcome, ConsentInput, NoticeInput, Purposes, due_date,
};
use podoclinic_clinic::privacy::service as privacy;
use podoclinic_clinic::profile::time;
use podoclinic_clinic::visits::service as visits;
use podoclinic_tests::*;
use sqlx::PgPool;
use uuid::Uuid;

fn notice(text: &str) -> NoticeInput {
    NoticeInput {
        id: Uuid::now_v7(),
        simplified: format!("Aviso simplificado {text}"),
        integral: format!("Aviso integral {text}"),
    }
}

fn consent(patient: Uuid, version: i32) -> ConsentInput {
    ConsentInput {
        id: Uuid::now_v7(),
        patient_id: patient,
        notice_version: version,
        health_data: true,
        purposes: Purposes { teaching_photos: false, promotions: false, reminders: true },
    }
}

async fn today(pool: &PgPool) -> chrono::NaiveDate {
    time::local_date(time::zone(pool).await.unwrap(), Utc::now())
}

fn request(patient: Uuid, kind: ArcoKind, received_on: chrono::NaiveDate) -> ArcoInput {
    ArcoInput {
        id: Uuid::now_v7(),
        patient_id: patient,
        kind,
        requester: "La paciente".into(),
        details: String::new(),
        received_on,
    }
}

fn sqlstate(err: &sqlx::Error) -> Option<String> {
    err.as_database_error().and_then(|e| e.code()).map(|c| c.into_owned())
}

async fn count(pool: &PgPool, action: &str) -> usize {
    audit_actions(pool).await.iter().filter(|a| *a == action).count()
}

#[sqlx::test(migrations = "../migrations")]
async fn consent_is_given_on_the_notice_shown_and_each_purpose_changes_alone(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let ctx = ctx_for(&pool, "admin", ADMIN_PASSWORD).await;
    let rosa = patient(&pool, &admin, "Rosa", "Cruz", "").await;

    // No notice yet: nothing to consent on.
    assert_eq!(privacy::consent(&ctx, rosa).await.unwrap(), None);
    assert_eq!(
        privacy::record_consent(&ctx, consent(rosa, 1)).await.unwrap_err(),
        AppError::conflict("no_privacy_notice", None)
    );

    let blank = NoticeInput { simplified: "  ".into(), ..notice("v1") };
    assert_eq!(privacy::publish_notice(&ctx, blank).await.unwrap_err(), AppError::validation("simplified", "required"));
    let first = notice("v1");
    let v1 = privacy::publish_notice(&ctx, first.clone()).await.unwrap();
    assert_eq!(v1.version, 1);
    assert_eq!(privacy::publish_notice(&ctx, first).await.unwrap(), v1, "a retried publication is the same version");

    let input = consent(rosa, 1);
    let given = privacy::record_consent(&ctx, input.clone()).await.unwrap();
    assert_eq!((given.notice_version, given.health_data), (Some(1), Some(true)));
    assert_eq!(privacy::record_consent(&ctx, input).await.unwrap(), given, "a retried recording is one");

    // A newer notice published while the desk showed v1: the patient must see the one they accept.
    privacy::publish_notice(&ctx, notice("v2")).await.unwrap();
    assert_eq!(
        privacy::record_consent(&ctx, consent(rosa, 1)).await.unwrap_err(),
        AppError::conflict("privacy_notice_changed", Some("noticeVersion"))
    );

    // Opposition to one purpose keeps the express consent and the notice it was given on.
    let changed = privacy::choose(&ctx, rosa, |p| p.promotions = true).await.unwrap();
    assert_eq!((changed.notice_version, changed.health_data), (Some(1), Some(true)));
    assert_eq!(changed.purposes, Purposes { teaching_photos: false, promotions: true, reminders: true });
    assert_eq!(count(&pool, "privacy.consent").await, 2);
    assert_eq!(count(&pool, "privacy.notice_publish").await, 2);

    // What was answered is never rewritten: the desk's login holds no such privilege, and the
    // tables' triggers refuse it to the owner too.
    let desk = desk_login(&pool).await;
    for sql in ["UPDATE privacy_consents SET health_data = false", "DELETE FROM privacy_notices"] {
        let err = sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&desk).await.unwrap_err();
        assert_eq!(sqlstate(&err).as_deref(), Some("42501"), "{sql}: {err}");
    }
    let err = sqlx::query("UPDATE privacy_consents SET health_data = false").execute(&pool).await.unwrap_err();
    assert_eq!(AppError::from(err), AppError::conflict("append_only", None));
}

#[sqlx::test(migrations = "../migrations")]
async fn requests_are_registered_with_the_legal_due_date_and_answered_once(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let ctx = ctx_for(&pool, "admin", ADMIN_PASSWORD).await;
    let rosa = patient(&pool, &admin, "Rosa", "Cruz", "").await;
    let today = today(&pool).await;

    let tomorrow = request(rosa, ArcoKind::Access, today.succ_opt().unwrap());
    assert_eq!(privacy::receive(&ctx, tomorrow).await.unwrap_err(), AppError::validation("receivedOn", "in_future"));
    let nobody = request(Uuid::now_v7(), ArcoKind::Access, today);
    assert_eq!(privacy::receive(&ctx, nobody).await.unwrap_err(), AppError::validation("patientId", "unknown_patient"));

    let input = request(rosa, ArcoKind::Access, today);
    let access = privacy::receive(&ctx, input.clone()).await.unwrap();
    assert_eq!((access.due_on, access.outcome, access.blocked), (due_date(today), None, false));
    assert_eq!(privacy::receive(&ctx, input).await.unwrap(), access, "a retried request is one");

    let denial = ArcoAnswer { request_id: access.id, outcome: ArcoOutcome::Denied, answer: " ".into() };
    assert_eq!(privacy::answer(&ctx, denial).await.unwrap_err(), AppError::validation("answer", "required"));
    let granted =
        ArcoAnswer { request_id: access.id, outcome: ArcoOutcome::Granted, answer: "Se entregó el expediente".into() };
    let answered = privacy::answer(&ctx, granted.clone()).await.unwrap();
    assert_eq!(
        (answered.outcome, answered.answered_on, answered.blocked),
        (Some(ArcoOutcome::Granted), Some(today), false)
    );
    assert_eq!(privacy::answer(&ctx, granted).await.unwrap_err(), AppError::conflict("request_answered", None));

    // Open requests come first in the register.
    let open = privacy::receive(&ctx, request(rosa, ArcoKind::Rectification, today)).await.unwrap();
    let register = privacy::requests(&ctx).await.unwrap();
    assert_eq!(register.iter().map(|r| r.id).collect::<Vec<_>>(), vec![open.id, access.id]);

    // The register is kept as answered, whoever writes.
    let desk = desk_login(&pool).await;
    for sql in [
        "UPDATE arco_requests SET answer = 'otra' WHERE outcome IS NOT NULL",
        "UPDATE arco_requests SET kind = 'cancellation'",
    ] {
        let err = sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&desk).await.unwrap_err();
        assert_eq!(AppError::from(err), AppError::conflict("request_answered", None), "{sql}");
    }
    let err = sqlx::query("DELETE FROM arco_requests").execute(&desk).await.unwrap_err();
    assert_eq!(sqlstate(&err).as_deref(), Some("42501"), "a desk deleted requests: {err}");
    let err = sqlx::query("DELETE FROM arco_requests").execute(&pool).await.unwrap_err();
    assert_eq!(AppError::from(err), AppError::conflict("request_answered", None), "the owner too is refused");
    assert_eq!(count(&pool, "privacy.request").await, 2);
    assert_eq!(count(&pool, "privacy.answer").await, 1);
}

/// A granted cancellation blocks the record: gone from search, suggestions and the agenda's
/// names, its future appointments cancelled, every reading by id refused, nothing new written
/// about the patient; read only through the request (audited). The desk's own login can neither
/// lift the block nor forge one.
#[sqlx::test(migrations = "../migrations")]
async fn a_granted_cancellation_blocks_the_record_everywhere(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let ctx = ctx_for(&pool, "admin", ADMIN_PASSWORD).await;
    let pod = podiatrist(&pool, &admin, "Dra. Pies", None).await;
    let rosa = patient(&pool, &admin, "Rosalinda", "Quintanar", "").await;
    let ana = patient(&pool, &admin, "Ana", "Quintanar", "").await;
    let seen = arrived(&ctx, rosa, pod, 0).await;
    let next = appointments::book(&ctx, booking(rosa, pod, future(3, 16, 0), 30)).await.unwrap();
    let today = today(&pool).await;

    let cancellation = privacy::receive(&ctx, request(rosa, ArcoKind::Cancellation, today)).await.unwrap();
    // Before the answer the record is open.
    patients::get(&ctx, rosa).await.unwrap();
    let answer = ArcoAnswer { request_id: cancellation.id, outcome: ArcoOutcome::Granted, answer: String::new() };
    let answered = privacy::answer(&ctx, answer).await.unwrap();
    assert!(answered.blocked);

    // The agenda: the future appointment cancelled, no appointment of hers carries her name.
    let rows: Vec<(Uuid, String, String, Option<String>)> = sqlx::query_as(
        "SELECT id, status, patient_name, cancel_reason FROM appointments WHERE patient_id = $1 ORDER BY lower(during)",
    )
    .bind(rosa)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        rows,
        vec![
            (seen, "arrived".into(), "—".into(), None),
            (next.id, "cancelled".into(), "—".into(), Some("ARCO".into())),
        ]
    );

    // Search and its suggestions: only Ana; "rosalinda" is no longer a known word.
    let found: Vec<Uuid> = patients::search(&ctx, "quintanar").await.unwrap().into_iter().map(|p| p.id).collect();
    assert_eq!(found, vec![ana]);
    assert!(patients::search(&ctx, "rosalinda").await.unwrap().is_empty());
    assert!(patients::search(&ctx, "rosalind quintanar").await.unwrap().iter().all(|p| p.id != rosa));
    let words: Vec<String> =
        sqlx::query_scalar("SELECT word FROM patient_name_words ORDER BY word").fetch_all(&pool).await.unwrap();
    assert!(words.contains(&"quintanar".to_string()) && !words.contains(&"rosalinda".to_string()), "{words:?}");

    // Every reading by id is refused, and so is lifting the archive.
    let blocked = AppError::conflict("patient_blocked", None);
    assert_eq!(patients::get(&ctx, rosa).await.unwrap_err(), blocked);
    assert_eq!(visits::for_patient(&ctx, rosa).await.unwrap_err(), blocked);
    assert_eq!(history::current(&ctx, rosa).await.unwrap_err(), blocked);
    assert_eq!(appointments::for_patient(&ctx, rosa).await.unwrap_err(), blocked);
    assert_eq!(privacy::access_export(&ctx, rosa).await.unwrap_err(), blocked);
    assert_eq!(privacy::consent(&ctx, rosa).await.unwrap_err(), blocked);
    assert_eq!(patients::set_archived(&ctx, rosa, false).await.unwrap_err(), blocked);
    assert!(appointments::book(&ctx, booking(rosa, pod, future(5, 16, 0), 30)).await.is_err());

    // Read through the request: the whole record, audited naming the request.
    let data = privacy::blocked_record(&ctx, cancellation.id).await.unwrap();
    assert_eq!(data["patients"][0]["id"], serde_json::json!(rosa));
    assert_eq!(data["appointments"].as_array().map(Vec::len), Some(2));
    let read: serde_json::Value =
        sqlx::query_scalar("SELECT after FROM audit_log WHERE action = 'privacy.blocked_read' AND entity_id = $1")
            .bind(rosa.to_string())
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(read["request"], serde_json::json!(cancellation.id.to_string()));
    // Another kind of request opens nothing.
    let access = privacy::receive(&ctx, request(ana, ArcoKind::Access, today)).await.unwrap();
    assert_eq!(
        privacy::blocked_record(&ctx, access.id).await.unwrap_err(),
        AppError::conflict("request_not_blocking", None)
    );

    // The desk's own login: no lifting, no change to her row, nothing new about her, no forged block.
    let desk = desk_login(&pool).await;
    let attempts: [(String, AppError); 5] = [
        (
            format!(
                "UPDATE patients SET blocked_at = NULL, blocked_by_request = NULL, archived_at = NULL WHERE id = '{rosa}'"
            ),
            blocked.clone(),
        ),
        (format!("UPDATE patients SET phone = '5512345678' WHERE id = '{rosa}'"), blocked.clone()),
        (
            format!(
                "INSERT INTO appointments (id, patient_id, podiatrist_id, during) VALUES ('{}', '{rosa}', '{pod}', tstzrange('2030-02-01 16:00Z', '2030-02-01 16:30Z'))",
                Uuid::now_v7()
            ),
            blocked.clone(),
        ),
        (
            format!(
                "UPDATE patients SET blocked_at = now(), blocked_by_request = '{}', archived_at = now() WHERE id = '{ana}'",
                cancellation.id
            ),
            AppError::conflict("request_not_blocking", None),
        ),
        (
            format!(
                "INSERT INTO patients (id, first_name, last_names, blocked_at, blocked_by_request, archived_at) VALUES ('{}', 'X', 'Y', now(), '{}', now())",
                Uuid::now_v7(),
                cancellation.id
            ),
            AppError::conflict("request_not_blocking", None),
        ),
    ];
    for (sql, expected) in attempts {
        let err = sqlx::query(sqlx::AssertSqlSafe(sql.clone())).execute(&desk).await.unwrap_err();
        assert_eq!(AppError::from(err), expected, "{sql}");
    }
    assert_eq!(patients::search(&ctx, "ana").await.unwrap().len(), 1, "Ana is untouched");
}
