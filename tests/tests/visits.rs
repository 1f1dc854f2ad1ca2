//! Visits and clinical notes against a real PostgreSQL: a signed note never changes, corrections
//! are addenda, a podiatrist writes only on their own appointments, every opening is audited.

use podoclinic_clinic::error::AppError;
use podoclinic_clinic::visits::model::{Procedure, Ulcer, VisitInput};
use podoclinic_clinic::visits::service as visits;
use podoclinic_tests::*;
use sqlx::PgPool;
use uuid::Uuid;

/// An arrived patient's appointment with a podiatrist, the nail cut treatment, the admin's context.
async fn arrived_patient(pool: &PgPool) -> (Uuid, Uuid, podoclinic_clinic::auth::Ctx) {
    let admin = first_admin(pool).await;
    let pod = podiatrist(pool, &admin, "Dra. Pies", None).await;
    let pat = patient(pool, &admin, "José", "González", "").await;
    let nails = treatment(pool, &admin, "Corte de uñas", 35_000).await;
    let ctx = ctx_for(pool, "admin", ADMIN_PASSWORD).await;
    (arrived(&ctx, pat, pod, 0).await, nails, ctx)
}

async fn status_of(pool: &PgPool, appointment: Uuid) -> String {
    sqlx::query_scalar("SELECT status FROM appointments WHERE id = $1").bind(appointment).fetch_one(pool).await.unwrap()
}

/// A draft note with findings on both feet and one procedure, not yet graded for risk.
fn draft(visit: Uuid, nails: Uuid) -> VisitInput {
    let mut input = VisitInput {
        id: visit,
        findings: Default::default(),
        risk_category: None,
        notes: "Onicocriptosis lateral".into(),
        procedures: vec![Procedure { treatment_id: nails, quantity: 1 }],
        ..signable()
    };
    input.findings.left.ulcer = Some(Ulcer { location: "Primer metatarsiano".into(), wagner_grade: 1 });
    input.findings.right.monofilament_felt = Some(8);
    input
}

/// A signed note: (its visit, the input it was signed with).
async fn signed_note(ctx: &podoclinic_clinic::auth::Ctx, appointment: Uuid, nails: Uuid) -> (Uuid, VisitInput) {
    let visit = visits::open(ctx, appointment).await.unwrap();
    let input = VisitInput { risk_category: Some(2), ..draft(visit.id, nails) };
    visits::save(ctx, input.clone()).await.unwrap();
    visits::sign(ctx, visit.id, false).await.unwrap();
    (visit.id, input)
}

#[sqlx::test(migrations = "../migrations")]
async fn opening_a_visit_starts_the_consultation(pool: PgPool) {
    let (appointment, _, ctx) = arrived_patient(&pool).await;
    let visit = visits::open(&ctx, appointment).await.unwrap();
    assert!(visit.signed_at.is_none());
    assert_eq!(status_of(&pool, appointment).await, "in_consultation");
}

#[sqlx::test(migrations = "../migrations")]
async fn signing_needs_the_risk_category_and_completes_the_appointment(pool: PgPool) {
    let (appointment, nails, ctx) = arrived_patient(&pool).await;
    let visit = visits::open(&ctx, appointment).await.unwrap();
    let input = draft(visit.id, nails);
    visits::save(&ctx, input.clone()).await.unwrap();
    assert_eq!(
        visits::sign(&ctx, visit.id, false).await.unwrap_err(),
        AppError::validation("riskCategory", "required")
    );
    visits::save(&ctx, VisitInput { risk_category: Some(2), ..input }).await.unwrap();
    let signed = visits::sign(&ctx, visit.id, false).await.unwrap();
    assert!(signed.signed_at.is_some());
    assert_eq!(signed.findings.right.monofilament_felt, Some(8));
    assert_eq!(status_of(&pool, appointment).await, "completed");
}

/// NOM-004: a note is signed with a diagnosis and a plan. The service names the missing one; the
/// database refuses a note signed without them however the row is written, and a diagnosis that
/// is not the form's shape. What the audit keeps of the sections is their digest, never the text.
#[sqlx::test(migrations = "../migrations")]
async fn signing_needs_a_diagnosis_and_a_plan(pool: PgPool) {
    use podoclinic_clinic::visits::model::{Diagnosis, Vitals};
    let (appointment, nails, ctx) = arrived_patient(&pool).await;
    let visit = visits::open(&ctx, appointment).await.unwrap();
    let full = VisitInput {
        risk_category: Some(1),
        prognosis: "Bueno".into(),
        vitals: Vitals { systolic: Some(130), diastolic: Some(85), glucose: Some(142), ..Vitals::default() },
        ..draft(visit.id, nails)
    };
    visits::save(&ctx, VisitInput { diagnoses: vec![], ..full.clone() }).await.unwrap();
    assert_eq!(visits::sign(&ctx, visit.id, false).await.unwrap_err(), AppError::validation("diagnoses", "required"));
    visits::save(&ctx, VisitInput { plan: "  ".into(), ..full.clone() }).await.unwrap();
    assert_eq!(visits::sign(&ctx, visit.id, false).await.unwrap_err(), AppError::validation("plan", "required"));
    assert_eq!(status_of(&pool, appointment).await, "in_consultation", "nothing was signed");

    // The row written by hand, as a desk login could: refused, and named as the form names it.
    let by_hand = |sql: &'static str| {
        let pool = pool.clone();
        async move { AppError::from(sqlx::query(sql).bind(visit.id).execute(&pool).await.unwrap_err()) }
    };
    assert_eq!(
        by_hand("UPDATE visits SET signed_at = now(), signed_by = author_id WHERE id = $1").await,
        AppError::validation("plan", "required")
    );
    assert_eq!(
        by_hand(
            "UPDATE visits SET plan = 'x', diagnoses = '[]', signed_at = now(), signed_by = author_id WHERE id = $1"
        )
        .await,
        AppError::validation("diagnoses", "required")
    );
    for forged in [
        r#"UPDATE visits SET diagnoses = '[{"text": " "}]' WHERE id = $1"#,
        r#"UPDATE visits SET diagnoses = '[{"text": "a", "code": "l60"}]' WHERE id = $1"#,
        r#"UPDATE visits SET diagnoses = '[{"text": "a", "by": "x"}]' WHERE id = $1"#,
        r#"UPDATE visits SET diagnoses = '[{"text": 7}]' WHERE id = $1"#,
        r#"UPDATE visits SET diagnoses = '{"text": "a"}' WHERE id = $1"#,
        r#"UPDATE visits SET diagnoses = '["a"]' WHERE id = $1"#,
    ] {
        assert_eq!(by_hand(forged).await, AppError::validation("diagnoses", "invalid"), "{forged}");
    }

    visits::save(&ctx, full.clone()).await.unwrap();
    let signed = visits::sign(&ctx, visit.id, false).await.unwrap();
    assert_eq!(signed.diagnoses, vec![Diagnosis { text: "Onicocriptosis".into(), code: Some("L60.0".into()) }]);
    assert_eq!((signed.prognosis.as_str(), signed.vitals.glucose), ("Bueno", Some(142)));
    assert_eq!(signed.plan, full.plan);
    let leaked: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE entity_id = $1
           AND (concat(before::text, after::text) LIKE '%Onicocriptosis%' OR concat(before::text, after::text) LIKE '%antiséptico%')",
    )
    .bind(visit.id.to_string())
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(leaked, 0, "the audit keeps digests of the note, not its words");
    let digests: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE entity_id = $1 AND action = 'visit.update' AND after ? 'diagnoses_sha256'",
    )
    .bind(visit.id.to_string())
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(digests, 3);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_signed_note_is_refused_by_the_service_and_by_the_database(pool: PgPool) {
    let (appointment, nails, ctx) = arrived_patient(&pool).await;
    let (visit, input) = signed_note(&ctx, appointment, nails).await;
    assert_eq!(visits::save(&ctx, input).await.unwrap_err(), AppError::conflict("visit_signed", None));
    for sql in [
        "UPDATE visits SET notes = 'cambiada' WHERE id = $1",
        "DELETE FROM visits WHERE id = $1",
        "DELETE FROM visit_procedures WHERE visit_id = $1",
    ] {
        let err = sqlx::query(sql).bind(visit).execute(&pool).await.unwrap_err();
        assert!(err.as_database_error().is_some(), "{sql} must be refused");
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn corrections_to_a_signed_note_are_append_only_addenda(pool: PgPool) {
    let (appointment, nails, ctx) = arrived_patient(&pool).await;
    let (visit, _) = signed_note(&ctx, appointment, nails).await;
    let addendum = Uuid::now_v7();
    let after = visits::add_addendum(&ctx, visit, addendum, "Se aplicó antiséptico".into()).await.unwrap();
    assert_eq!(after.addenda.len(), 1);
    assert_eq!(after.notes, "Onicocriptosis lateral");
    let again = visits::add_addendum(&ctx, visit, addendum, "Se aplicó antiséptico".into()).await.unwrap();
    assert_eq!(again.addenda.len(), 1, "a replayed addendum is stored once");
    assert_eq!(
        visits::add_addendum(&ctx, visit, addendum, "Otro texto".into()).await.unwrap_err(),
        AppError::conflict("id_reused", None)
    );
    let err = sqlx::query("UPDATE visit_addenda SET text = 'x'").execute(&pool).await.unwrap_err();
    assert!(err.as_database_error().is_some());
}

#[sqlx::test(migrations = "../migrations")]
async fn every_opening_of_a_note_is_audited(pool: PgPool) {
    let (appointment, _, ctx) = arrived_patient(&pool).await;
    let opens = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM audit_log WHERE action = 'visit.open'")
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    visits::open(&ctx, appointment).await.unwrap();
    assert_eq!(opens().await, 1);
    visits::open(&ctx, appointment).await.unwrap();
    assert_eq!(opens().await, 2);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_podiatrist_writes_notes_only_on_their_own_appointments(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let (ana, luis) = (
        staff(&pool, &admin, "podologa.ana", PODIATRIST_ROLE).await,
        staff(&pool, &admin, "podologo.luis", PODIATRIST_ROLE).await,
    );
    let ana_pod = podiatrist(&pool, &admin, "Dra. Ana", Some(ana.id)).await;
    podiatrist(&pool, &admin, "Dr. Luis", Some(luis.id)).await;
    let patient = patient(&pool, &admin, "Rosa", "Cruz", "").await;
    let admin_ctx = ctx_for(&pool, "admin", ADMIN_PASSWORD).await;
    let appointment = arrived(&admin_ctx, patient, ana_pod, 0).await;
    let forbidden = AppError::Forbidden { permission: podoclinic_clinic::auth::Permission::AppointmentsWriteOthers };

    let luis_ctx = ctx_for(&pool, "podologo.luis", STAFF_PASSWORD).await;
    assert_eq!(visits::open(&luis_ctx, appointment).await.unwrap_err(), forbidden);
    assert_eq!(sqlx::query_scalar::<_, i64>("SELECT count(*) FROM visits").fetch_one(&pool).await.unwrap(), 0);
    let tried: (String, Option<String>, String) = sqlx::query_as(
        "SELECT entity, entity_id, username FROM audit_log WHERE action = 'access.refused' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        tried,
        ("podiatrist".into(), Some(ana_pod.to_string()), "podologo.luis".into()),
        "the refusal is audited: whose agenda, by whom"
    );

    let ana_ctx = ctx_for(&pool, "podologa.ana", STAFF_PASSWORD).await;
    let visit = visits::open(&ana_ctx, appointment).await.unwrap();
    let input = VisitInput {
        id: visit.id,
        findings: Default::default(),
        risk_category: Some(0),
        notes: "Revisión".into(),
        procedures: vec![],
        ..signable()
    };
    assert_eq!(visits::save(&luis_ctx, input.clone()).await.unwrap_err(), forbidden);
    visits::save(&ana_ctx, input).await.unwrap();
    assert_eq!(visits::sign(&luis_ctx, visit.id, false).await.unwrap_err(), forbidden);
    assert!(visits::sign(&ana_ctx, visit.id, false).await.unwrap().signed_at.is_some());
}

/// Ana's signed note on her own appointment; Luis, another podiatrist; reception.
struct TwoPodiatrists {
    visit: Uuid,
    ana: podoclinic_clinic::auth::Ctx,
    luis: podoclinic_clinic::auth::Ctx,
    reception: podoclinic_clinic::auth::Ctx,
}

async fn anas_signed_note(pool: &PgPool) -> TwoPodiatrists {
    let admin = first_admin(pool).await;
    let ana = staff(pool, &admin, "podologa.ana", PODIATRIST_ROLE).await;
    let luis = staff(pool, &admin, "podologo.luis", PODIATRIST_ROLE).await;
    staff(pool, &admin, "recepcion1", RECEPTION_ROLE).await;
    let ana_pod = podiatrist(pool, &admin, "Dra. Ana", Some(ana.id)).await;
    podiatrist(pool, &admin, "Dr. Luis", Some(luis.id)).await;
    let patient = patient(pool, &admin, "Rosa", "Cruz", "").await;
    let admin_ctx = ctx_for(pool, "admin", ADMIN_PASSWORD).await;
    let appointment = arrived(&admin_ctx, patient, ana_pod, 0).await;
    let ana = ctx_for(pool, "podologa.ana", STAFF_PASSWORD).await;
    let visit = visits::open(&ana, appointment).await.unwrap();
    let input = VisitInput {
        id: visit.id,
        findings: Default::default(),
        risk_category: Some(1),
        notes: "Hiperqueratosis plantar".into(),
        procedures: vec![],
        ..signable()
    };
    visits::save(&ana, input).await.unwrap();
    visits::sign(&ana, visit.id, false).await.unwrap();
    TwoPodiatrists {
        visit: visit.id,
        ana,
        luis: ctx_for(pool, "podologo.luis", STAFF_PASSWORD).await,
        reception: ctx_for(pool, "recepcion1", STAFF_PASSWORD).await,
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn an_addendum_to_another_podiatrist_s_note_needs_the_permission_to_write_for_them(pool: PgPool) {
    let t = anas_signed_note(&pool).await;
    assert_eq!(
        visits::add_addendum(&t.luis, t.visit, Uuid::now_v7(), "Corrección ajena".into()).await.unwrap_err(),
        AppError::Forbidden { permission: podoclinic_clinic::auth::Permission::AppointmentsWriteOthers }
    );
    let own = visits::add_addendum(&t.ana, t.visit, Uuid::now_v7(), "Corrección propia".into()).await.unwrap();
    assert_eq!(own.addenda.len(), 1);
}

#[sqlx::test(migrations = "../migrations")]
async fn an_addendum_id_reused_against_another_note_is_refused_and_shows_no_note(pool: PgPool) {
    let t = anas_signed_note(&pool).await;
    let addendum = Uuid::now_v7();
    visits::add_addendum(&t.ana, t.visit, addendum, "Se aplicó antiséptico".into()).await.unwrap();
    let elsewhere = Uuid::now_v7();
    assert_eq!(
        visits::add_addendum(&t.luis, elsewhere, addendum, "Se aplicó antiséptico".into()).await.unwrap_err(),
        AppError::conflict("id_reused", None)
    );
    assert_eq!(
        visits::add_addendum(&t.luis, t.visit, addendum, "Se aplicó antiséptico".into()).await.unwrap_err(),
        AppError::conflict("id_reused", None),
        "another author replaying the id gets nothing either"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn clinical_changes_are_audited_by_digest_never_by_their_text(pool: PgPool) {
    let t = anas_signed_note(&pool).await;
    visits::add_addendum(&t.ana, t.visit, Uuid::now_v7(), "Texto de la adenda".into()).await.unwrap();
    let entries: Vec<String> = sqlx::query_scalar(
        "SELECT coalesce(before::text, '') || coalesce(after::text, '') FROM audit_log WHERE entity = 'visit'",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(entries.iter().any(|e| e.contains("notes_sha256")), "{entries:?}");
    for e in &entries {
        assert!(!e.contains("Hiperqueratosis") && !e.contains("Texto de la adenda"), "clinical text in the audit: {e}");
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn reading_a_note_by_any_path_and_a_refused_attempt_are_audited(pool: PgPool) {
    let t = anas_signed_note(&pool).await;
    let count = |action: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT count(*) FROM audit_log WHERE action = $1")
                .bind(action)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    let opened = count("visit.open").await;
    visits::add_addendum(&t.ana, t.visit, Uuid::now_v7(), "Revisión".into()).await.unwrap();
    assert_eq!(count("visit.open").await, opened + 1, "an addendum's answer is the whole note: a reading");
    // Reception is refused the note by the guard, and the refusal is in the audit.
    let state = state_on(pool.clone(), "desk-2");
    state.sessions.start(
        podoclinic_clinic::auth::service::authenticate(
            &desk_named(&pool, "desk-2"),
            "recepcion1",
            STAFF_PASSWORD,
            podoclinic_clinic::auth::service::Purpose::Login,
        )
        .await
        .unwrap(),
    );
    let subject = podoclinic_desk::state::Subject { entity: "visit", id: t.visit };
    let refused =
        state.run_on(podoclinic_clinic::auth::Permission::ClinicalRead, subject, (), |_, ()| async { Ok(()) }).await;
    assert!(matches!(refused, Err(AppError::Forbidden { .. })));
    let who: (String, String, String, Option<String>, serde_json::Value) = sqlx::query_as(
        "SELECT username, desk, entity, entity_id, after FROM audit_log WHERE action = 'access.refused'
         ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        who,
        (
            "recepcion1".to_string(),
            "desk-2".to_string(),
            "visit".to_string(),
            Some(t.visit.to_string()),
            serde_json::json!({"permission": "clinical.read"})
        ),
        "who tried, from where, which note, lacking what"
    );
    let _ = t.reception;
}

#[sqlx::test(migrations = "../migrations")]
async fn the_audit_screen_shows_no_clinical_content_without_clinical_read(pool: PgPool) {
    let t = anas_signed_note(&pool).await;
    // An entry written before clinical text was kept out of the audit.
    sqlx::query("INSERT INTO audit_log (desk, action, entity, entity_id, after) VALUES ('d', 'visit.update', 'visit', $1, '{\"notes\": \"antigua\"}')")
        .bind(t.visit.to_string())
        .execute(&pool)
        .await
        .unwrap();
    let admin = ctx_for(&pool, "admin", ADMIN_PASSWORD).await;
    let with_clinical = podoclinic_clinic::audit::service::recent(&admin, 50).await.unwrap();
    assert!(with_clinical.iter().any(|r| r.after.as_ref().is_some_and(|a| a.to_string().contains("antigua"))));
    // A role that reads the audit but not notes: an admin-made role with audit.read only.
    let role = podoclinic_clinic::auth::service::create_role(
        &admin,
        podoclinic_clinic::auth::model::RoleInput {
            id: Uuid::now_v7(),
            name: "Auditoría".into(),
            permissions: vec![podoclinic_clinic::auth::Permission::AuditRead],
        },
    )
    .await
    .unwrap();
    let admin_user = podoclinic_clinic::auth::repo::find_user(&pool, admin.session.user_id).await.unwrap().unwrap();
    let auditor = staff(&pool, &admin_user, "auditora", role.id).await;
    let auditor = ctx_of(&pool, &auditor).await;
    let rows = podoclinic_clinic::audit::service::recent(&auditor, 50).await.unwrap();
    assert!(rows.iter().filter(|r| r.entity == "visit").all(|r| r.before.is_none() && r.after.is_none()));
    assert!(rows.iter().any(|r| r.entity == "visit"), "the entries are listed, without content");
    // Nor a patient's record (allergies, history) without patients.read; the admin sees it.
    let patients = rows.iter().filter(|r| r.entity == "patient").collect::<Vec<_>>();
    assert!(!patients.is_empty() && patients.iter().all(|r| r.before.is_none() && r.after.is_none()));
    let admin_rows = podoclinic_clinic::audit::service::recent(&admin, 50).await.unwrap();
    assert!(admin_rows.iter().any(|r| r.entity == "patient" && r.after.is_some()));
}

/// A nota de referencia is written from a signed note only (the service and the database), once per
/// id, never changed, and audited by digest.
#[sqlx::test(migrations = "../migrations")]
async fn a_referral_is_written_once_from_a_signed_note(pool: PgPool) {
    use podoclinic_clinic::visits::model::ReferralInput;
    let (appointment, nails, ctx) = arrived_patient(&pool).await;
    let visit = visits::open(&ctx, appointment).await.unwrap();
    let input = ReferralInput {
        id: Uuid::now_v7(),
        visit_id: visit.id,
        receiving: " Hospital General, Angiología ".into(),
        reason: "Valoración vascular".into(),
        impression: "Úlcera neuropática".into(),
        treatment: String::new(),
    };
    assert_eq!(visits::refer(&ctx, input.clone()).await.unwrap_err(), AppError::conflict("visit_not_signed", None));
    assert_eq!(
        visits::refer(&ctx, ReferralInput { reason: " ".into(), ..input.clone() }).await.unwrap_err(),
        AppError::validation("reason", "required")
    );
    let (signed, _) = {
        let input = VisitInput { risk_category: Some(2), ..draft(visit.id, nails) };
        visits::save(&ctx, input.clone()).await.unwrap();
        visits::sign(&ctx, visit.id, false).await.unwrap();
        (visit.id, input)
    };
    let written = visits::refer(&ctx, input.clone()).await.unwrap();
    assert_eq!(written.receiving, "Hospital General, Angiología");
    assert_eq!(visits::refer(&ctx, input.clone()).await.unwrap(), written, "a retry is the same referral");
    assert_eq!(
        visits::refer(&ctx, ReferralInput { reason: "Otro".into(), ..input.clone() }).await.unwrap_err(),
        AppError::conflict("id_reused", None)
    );
    assert_eq!(visits::open(&ctx, appointment).await.unwrap().referrals, vec![written.clone()]);
    // By hand, as a desk login could: never changed, never removed.
    for sql in ["UPDATE referrals SET reason = 'x' WHERE id = $1", "DELETE FROM referrals WHERE id = $1"] {
        let err = sqlx::query(sql).bind(written.id).execute(&pool).await.unwrap_err();
        assert_eq!(AppError::from(err), AppError::conflict("append_only", None), "{sql}");
    }
    let audit: (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE after::text LIKE '%Angiología%') FROM audit_log
         WHERE action = 'visit.referral' AND entity_id = $1",
    )
    .bind(signed.to_string())
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(audit, (1, 0), "one entry, by digest");
}

/// The historia clínica's interrogatorio: recorded again as it changes (each version kept, the
/// latest current), never changed in place, audited by digest; reading it is audited; reception
/// (no clinical permission) is refused by the command's permission, not by this service.
#[sqlx::test(migrations = "../migrations")]
async fn the_clinical_history_is_recorded_in_versions_and_read_audited(pool: PgPool) {
    use podoclinic_clinic::history::model::{Habit, HistoryContent, HistoryInput};
    use podoclinic_clinic::history::service as history;
    let admin = first_admin(&pool).await;
    let ctx = ctx_for(&pool, "admin", ADMIN_PASSWORD).await;
    let pat = patient(&pool, &admin, "Rosa", "Cruz", "").await;
    assert_eq!(history::current(&ctx, pat).await.unwrap(), None);
    let first = HistoryInput {
        id: Uuid::now_v7(),
        patient_id: pat,
        content: HistoryContent {
            family: " Madre con diabetes tipo 2 ".into(),
            tobacco: Habit::Former,
            footwear: "Zapato cerrado de tacón".into(),
            ..HistoryContent::default()
        },
    };
    let recorded = history::record(&ctx, first.clone()).await.unwrap();
    assert_eq!(recorded.content.family, "Madre con diabetes tipo 2");
    assert_eq!(history::record(&ctx, first.clone()).await.unwrap(), recorded, "a retry is the same version");
    let second = HistoryInput {
        id: Uuid::now_v7(),
        content: HistoryContent { medications: "Metformina 850 mg".into(), ..first.content.clone() },
        ..first.clone()
    };
    history::record(&ctx, second).await.unwrap();
    let current = history::current(&ctx, pat).await.unwrap().unwrap();
    assert_eq!(current.content.medications, "Metformina 850 mg");
    assert_eq!(current.content.tobacco, Habit::Former);
    let versions: i64 = sqlx::query_scalar("SELECT count(*) FROM patient_histories WHERE patient_id = $1")
        .bind(pat)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(versions, 2, "the first version is kept");
    let err = sqlx::query("UPDATE patient_histories SET content = '{}' WHERE id = $1")
        .bind(first.id)
        .execute(&pool)
        .await
        .unwrap_err();
    assert_eq!(AppError::from(err), AppError::conflict("append_only", None));
    assert_eq!(
        history::record(&ctx, HistoryInput { id: Uuid::now_v7(), patient_id: Uuid::now_v7(), ..first })
            .await
            .unwrap_err(),
        AppError::validation("patientId", "unknown_patient")
    );
    let (reads, records, leaked): (i64, i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE action = 'history.read'), count(*) FILTER (WHERE action = 'history.record'),
                count(*) FILTER (WHERE after::text LIKE '%Madre%' OR after::text LIKE '%Metformina%')
         FROM audit_log WHERE entity_id = $1",
    )
    .bind(pat.to_string())
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((reads, records, leaked), (2, 2, 0));
}
