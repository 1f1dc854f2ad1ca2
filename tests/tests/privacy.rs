//! The patient's data under the LFPDPPP: the privacy notice in versions, express consent and the
//! voluntary purposes, the ARCO register, and cancellation as a block the database holds against
//! the desk's own login.

use chrono::Utc;
use podoclinic_clinic::appointments::service as appointments;
use podoclinic_clinic::consents::model::{Ink, InkPoint};
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

/// A signature as the pad keeps it: one stroke across it.
fn signature() -> Ink {
    let stroke =
        (0..12u16).map(|i| InkPoint { x: 20.0 + f32::from(i) * 25.0, y: 60.0, t: u32::from(i) * 16 }).collect();
    Ink { width: 400.0, height: 150.0, strokes: vec![stroke] }
}

fn consent(patient: Uuid, version: i32) -> ConsentInput {
    ConsentInput {
        id: Uuid::now_v7(),
        patient_id: patient,
        notice_version: version,
        health_data: true,
        signature: Some(signature()),
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

    // A yes to health data is the patient's signed yes (express written consent); a no needs none.
    let unsigned = ConsentInput { signature: None, ..consent(rosa, 1) };
    assert_eq!(
        privacy::record_consent(&ctx, unsigned.clone()).await.unwrap_err(),
        AppError::validation("signature", "signature_missing")
    );
    let dot = Ink { strokes: vec![signature().strokes[0][..2].to_vec()], ..signature() };
    assert_eq!(
        privacy::record_consent(&ctx, ConsentInput { signature: Some(dot), ..consent(rosa, 1) }).await.unwrap_err(),
        AppError::validation("signature", "signature_missing")
    );
    let desk = desk_login(&pool).await;
    let forged = format!(
        "INSERT INTO privacy_consents (id, patient_id, notice_id, health_data, teaching_photos, promotions, reminders)
         SELECT '{}', '{rosa}', id, true, false, false, true FROM privacy_notices",
        Uuid::now_v7()
    );
    let err = sqlx::query(sqlx::AssertSqlSafe(forged)).execute(&desk).await.unwrap_err();
    assert_eq!(
        AppError::from(err),
        AppError::validation("signature", "signature_missing"),
        "the database holds it too"
    );
    let input = consent(rosa, 1);
    let given = privacy::record_consent(&ctx, input.clone()).await.unwrap();
    assert_eq!((given.notice_version, given.health_data, given.signed), (Some(1), Some(true), true));
    assert_eq!(privacy::record_consent(&ctx, input).await.unwrap(), given, "a retried recording is one");

    // A newer notice published while the desk showed v1: the patient must see the one they accept.
    privacy::publish_notice(&ctx, notice("v2")).await.unwrap();
    assert_eq!(
        privacy::record_consent(&ctx, consent(rosa, 1)).await.unwrap_err(),
        AppError::conflict("privacy_notice_changed", Some("noticeVersion"))
    );

    // Opposition to one purpose keeps the express consent and the notice it was given on.
    let changed = privacy::choose(&ctx, rosa, |p| p.promotions = true).await.unwrap();
    assert_eq!((changed.notice_version, changed.health_data, changed.signed), (Some(1), Some(true), true));
    assert_eq!(changed.purposes, Purposes { teaching_photos: false, promotions: true, reminders: true });
    assert_eq!(count(&pool, "privacy.consent").await, 2);
    assert_eq!(count(&pool, "privacy.notice_publish").await, 2);

    // What was answered is never rewritten: the desk's login holds no such privilege, and the
    // tables' triggers refuse it to the owner too.
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

/// How many rows of any table of the schema hold `needle` in any column (the audit log included).
async fn rows_holding(pool: &PgPool, needle: &str) -> Vec<(String, i64)> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT quote_ident(table_name) FROM information_schema.tables
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut found = Vec::new();
    for table in tables {
        let sql = format!("SELECT count(*) FROM public.{table} t WHERE t::text ILIKE '%' || $1 || '%'");
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(needle).fetch_one(pool).await.unwrap();
        if n > 0 {
            found.push((table, n));
        }
    }
    found
}

/// Moves everything dated about the patient `years` back, as if it had happened then (the test's
/// own superuser, with the guards off for this transaction only).
async fn age_record(pool: &PgPool, patient: Uuid, years: i32) {
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("SET LOCAL session_replication_role = replica").execute(&mut *tx).await.unwrap();
    let back = format!("{years} years");
    for sql in [
        "UPDATE patients SET created_at = created_at - $2::interval WHERE id = $1",
        "UPDATE visits SET created_at = created_at - $2::interval, signed_at = signed_at - $2::interval WHERE patient_id = $1",
        "UPDATE appointments SET during = tstzrange(lower(during) - $2::interval, upper(during) - $2::interval)
         WHERE patient_id = $1",
    ] {
        sqlx::query(sql).bind(patient).bind(&back).execute(&mut *tx).await.unwrap();
    }
    tx.commit().await.unwrap();
}

#[sqlx::test(migrations = "../migrations")]
async fn a_blocked_record_is_deleted_only_after_its_retention_and_the_money_stays(pool: PgPool) {
    use podoclinic_clinic::audit::service as audit;
    use podoclinic_clinic::billing::service as billing;
    use podoclinic_clinic::money::Method;
    use podoclinic_clinic::visits::model::VisitInput;

    let admin = first_admin(&pool).await;
    let ctx = ctx_for(&pool, "admin", ADMIN_PASSWORD).await;
    let pod = podiatrist(&pool, &admin, "Dra. Pies", None).await;
    let nails = treatment(&pool, &admin, "Corte de uñas", 35_000).await;
    let rosa = patient(&pool, &admin, "Rosalinda", "Quintanar", "5511223344").await;
    let ana = patient(&pool, &admin, "Ana", "Quintanar", "5599887766").await;
    privacy::publish_notice(&ctx, notice("v1")).await.unwrap();
    privacy::record_consent(&ctx, consent(rosa, 1)).await.unwrap();
    let appointment = arrived(&ctx, rosa, pod, 0).await;
    let visit = visits::open(&ctx, appointment).await.unwrap();
    let note = VisitInput {
        id: visit.id,
        risk_category: Some(1),
        notes: "Hiperqueratosis plantar bajo el quinto metatarsiano".into(),
        ..signable()
    };
    let charge = sign_and_charge(&ctx, rosa, note, nails).await;
    open_drawer(&ctx, 0).await;
    billing::take_payment(&ctx, pay(rosa, Some(charge), Method::Cash, 35_000)).await.unwrap();

    let cancellation = privacy::receive(&ctx, request(rosa, ArcoKind::Cancellation, today(&pool).await)).await.unwrap();
    let granted = ArcoAnswer { request_id: cancellation.id, outcome: ArcoOutcome::Granted, answer: String::new() };
    let answered = privacy::answer(&ctx, granted).await.unwrap();
    // Kept for five years from the last act: the attended appointment's end (the tests' agenda is
    // in 2030, after the note's signature).
    let expected: chrono::DateTime<Utc> =
        sqlx::query_scalar("SELECT upper(during) + interval '5 years' FROM appointments WHERE id = $1")
            .bind(appointment)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(answered.retention_ends, Some(expected));
    assert_eq!(answered.purged_at, None);

    // Not yet: the database refuses, by its own clock, whoever asks.
    let too_soon = AppError::conflict("retention_not_over", None);
    assert_eq!(privacy::purge(&ctx, cancellation.id).await.unwrap_err(), too_soon);
    // Another request, or an open record, is not a deletion's ground.
    let access = privacy::receive(&ctx, request(ana, ArcoKind::Access, today(&pool).await)).await.unwrap();
    assert_eq!(privacy::purge(&ctx, access.id).await.unwrap_err(), AppError::conflict("request_not_blocking", None));
    // Reception may not delete records: the command refuses them, and so does the database.
    let clerk = staff(&pool, &admin, "mostrador", RECEPTION_ROLE).await;
    let reception = ctx_of(&pool, &clerk).await;
    assert_eq!(
        privacy::purge(&reception, cancellation.id).await.unwrap_err(),
        AppError::conflict("purge_not_allowed", None)
    );

    // Years on: the record goes, deleted through the desk's own login (as a desk runs it).
    age_record(&pool, rosa, 11).await;
    let desk = desk_login(&pool).await;
    let at_desk = ctx_of(&desk, &admin).await;
    let report = privacy::purge(&at_desk, cancellation.id).await.unwrap();
    assert_eq!(report.request, cancellation.id);
    let erased = |table: &str| report.erased.get(table).copied();
    assert_eq!(
        (erased("visits"), erased("visit_procedures"), erased("privacy_consents"), erased("appointments")),
        (Some(1), Some(0), Some(1), Some(1))
    );
    assert_eq!((report.kept.get("charges"), report.kept.get("payments")), (Some(&1), Some(&1)));
    assert!(!report.redacted.is_empty(), "the audit rows that copied her record are emptied");

    // Nothing of hers is left anywhere in the database, the audit log included; Ana is untouched.
    for needle in ["Rosalinda", "5511223344", "Hiperqueratosis", "Onicocriptosis"] {
        let audited: Vec<String> = sqlx::query_scalar(
            "SELECT action::text || ' ' || entity || ' ' || coalesce(after::text, '') FROM audit_log a
             WHERE a::text ILIKE '%' || $1 || '%'",
        )
        .bind(needle)
        .fetch_all(&pool)
        .await
        .unwrap();
        assert_eq!(rows_holding(&pool, needle).await, vec![], "{needle} (audit rows: {audited:?})");
    }
    assert!(!rows_holding(&pool, "5599887766").await.is_empty(), "another patient's record stays");
    // The money stays, on the record's tombstone: the charge, its payment, the corte's figures.
    let (charges, paid): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM charges WHERE patient_id = $1),
                (SELECT coalesce(sum(amount_cents), 0)::bigint FROM payments WHERE patient_id = $1)",
    )
    .bind(rosa)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((charges, paid), (1, 35_000));
    let (label, signed, erased_at): (String, bool, bool) = sqlx::query_as(
        "SELECT patient_label(p), v.signed_at IS NOT NULL, v.erased_at IS NOT NULL
         FROM patients p JOIN visits v ON v.patient_id = p.id WHERE p.id = $1",
    )
    .bind(rosa)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((label.as_str(), signed, erased_at), ("—", true, true), "the visit keeps its date and signature");

    // The audit chain still holds: each emptied row is attested by the deletion's own entry.
    let check = audit::verify(&ctx).await.unwrap();
    assert_eq!(check.first_break, None);
    assert_eq!(count(&pool, "patient.purge").await, 1);
    let row = privacy::requests(&ctx).await.unwrap().into_iter().find(|r| r.id == cancellation.id).unwrap();
    assert!(row.purged_at.is_some());
    assert_eq!(privacy::purge(&ctx, cancellation.id).await.unwrap_err(), AppError::conflict("record_purged", None));

    // The desk's own login can neither switch the guards off nor mark a visit erased, nor run the
    // deletion in the name of someone not allowed to.
    let ana_visit = visits::open(&ctx, arrived(&ctx, ana, pod, 0).await).await.unwrap();
    let attempts = [
        "ALTER TABLE visits DISABLE TRIGGER visits_guard".to_string(),
        format!("UPDATE visits SET erased_at = now() WHERE id = '{}'", ana_visit.id),
        format!("SELECT purge_patient('{rosa}', '{}', '{}', 'x')", cancellation.id, clerk.id),
    ];
    for sql in attempts {
        let err = sqlx::query(sqlx::AssertSqlSafe(sql.clone())).execute(&desk).await.unwrap_err();
        assert!(matches!(sqlstate(&err).as_deref(), Some("42501" | "23000")), "{sql}: {err}");
    }
    // A forged attestation does not hide an edit: an emptied row outside any deletion breaks the chain.
    let forged: i64 =
        sqlx::query_scalar("SELECT id FROM audit_log WHERE entity_id = $1 AND after IS NOT NULL ORDER BY id LIMIT 1")
            .bind(ana.to_string())
            .fetch_one(&pool)
            .await
            .unwrap();
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("SET LOCAL session_replication_role = replica").execute(&mut *tx).await.unwrap();
    sqlx::query("UPDATE audit_log SET after = NULL, before = NULL WHERE id = $1")
        .bind(forged)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(audit::verify(&ctx).await.unwrap().first_break.and_then(|b| b.audit_id), Some(forged));
}
