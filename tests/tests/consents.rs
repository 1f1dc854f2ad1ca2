//! Consent letters (NOM-004-SSA3-2012, 10.1): templates whose required contents are placeholders,
//! letters signed at the desk kept as PDF/A with their SHA-256 in the audit chain, revocation as
//! an addendum, the blank letter and its scan, and treatments that need a letter in force — held
//! by the database against the desk's own login too.

use chrono::{Duration, Utc};
use podoclinic_clinic::catalog::model::Treatment;
use podoclinic_clinic::consents::model::{
    ConsentKind, Ink, InkPoint, LetterInput, Revocation, ScanInput, Signer, TemplateInput, Witness,
};
use podoclinic_clinic::consents::service as consents;
use podoclinic_clinic::documents::{self, render::Lang};
use podoclinic_clinic::error::AppError;
use podoclinic_clinic::visits::model::{Procedure, VisitInput};
use podoclinic_clinic::visits::service as visits;
use podoclinic_tests::*;
use sqlx::PgPool;
use uuid::Uuid;

const BODY: &str = "{{establecimiento}}\n{{titulo}}\n{{lugar_y_fecha}}\n\nYo, {{paciente}}, autorizo a {{profesional}}: {{acto}}.\n\
Riesgos y beneficios: {{riesgos_y_beneficios}}\n{{contingencias}}\n{{firmas}}";

fn template(kind: ConsentKind, witnesses: i16) -> TemplateInput {
    TemplateInput {
        id: Uuid::now_v7(),
        kind,
        title: "Carta de consentimiento para avulsión de uña".into(),
        act: "Avulsión parcial de la lámina ungueal con anestesia local".into(),
        risks_benefits: "Dolor, sangrado, infección; alivio del dolor y de la inflamación.".into(),
        contingencies: "Autorizo al personal a atender las urgencias que deriven del acto.".into(),
        body: if witnesses > 0 { format!("{BODY}\n{{{{testigos}}}}") } else { BODY.into() },
        witnesses,
    }
}

/// A signature of `strokes` strokes drawn across a 400×150 pad.
fn ink(strokes: usize) -> Ink {
    let strokes = (0..strokes)
        .map(|s| {
            (0..40)
                .map(|i| InkPoint {
                    x: 20.0 + i as f32 * 8.0,
                    y: 40.0 + s as f32 * 20.0 + (i as f32 / 3.0).sin() * 15.0,
                    t: (s * 400 + i * 12) as u32,
                })
                .collect()
        })
        .collect();
    Ink { width: 400.0, height: 150.0, strokes }
}

fn letter(patient: Uuid, template: Uuid) -> LetterInput {
    LetterInput {
        id: Uuid::now_v7(),
        patient_id: patient,
        template_id: template,
        detail: "primer ortejo derecho".into(),
        signer: Signer::Patient,
        representative: String::new(),
        relationship: String::new(),
        signature: ink(2),
        witnesses: vec![],
    }
}

fn sqlstate(err: &sqlx::Error) -> Option<String> {
    err.as_database_error().and_then(|e| e.code()).map(|c| c.into_owned())
}

/// The podiatrist's account (linked to a podiatrist) and its context.
async fn podiatrist_ctx(pool: &PgPool, admin: &podoclinic_clinic::auth::model::User) -> podoclinic_clinic::auth::Ctx {
    let user = staff(pool, admin, "podologa", PODIATRIST_ROLE).await;
    podiatrist(pool, admin, "Dra. Ana Ruiz", Some(user.id)).await;
    ctx_for(pool, "podologa", STAFF_PASSWORD).await
}

#[sqlx::test(migrations = "../migrations")]
async fn templates_hold_every_nom004_placeholder_and_come_in_versions(pool: PgPool) {
    first_admin(&pool).await;
    let ctx = ctx_for(&pool, "admin", ADMIN_PASSWORD).await;

    let lacking =
        TemplateInput { body: BODY.replace("{{contingencias}}", ""), ..template(ConsentKind::NailSurgery, 0) };
    assert_eq!(
        consents::publish_template(&ctx, lacking).await.unwrap_err(),
        AppError::TemplateIncomplete { placeholder: "{{contingencias}}".into() }
    );
    let witnesses = TemplateInput { body: BODY.into(), ..template(ConsentKind::MinorSurgery, 2) };
    assert_eq!(
        consents::publish_template(&ctx, witnesses).await.unwrap_err(),
        AppError::TemplateIncomplete { placeholder: "{{testigos}}".into() },
        "a template asking for witnesses has their place"
    );
    let blank = TemplateInput { risks_benefits: " ".into(), ..template(ConsentKind::NailSurgery, 0) };
    assert_eq!(
        consents::publish_template(&ctx, blank).await.unwrap_err(),
        AppError::validation("risksBenefits", "required")
    );

    let a_line = TemplateInput {
        body: BODY.replace("{{firmas}}", "Firmas: {{firmas}}"),
        ..template(ConsentKind::NailSurgery, 0)
    };
    assert_eq!(
        consents::publish_template(&ctx, a_line).await.unwrap_err(),
        AppError::TemplateIncomplete { placeholder: "{{firmas}}".into() },
        "the signatures' place stands on its own line, where the letter draws the lines"
    );

    // Published through the desks' own login, as a LAN desk does.
    let desk = desk_login(&pool).await;
    let admin = podoclinic_clinic::auth::repo::list_users(&pool).await.unwrap().remove(0);
    let on_desk = podoclinic_clinic::auth::Ctx::for_user(&desk, admin.id, "test-desk").await.unwrap();
    let first = template(ConsentKind::NailSurgery, 0);
    let v1 = consents::publish_template(&on_desk, first.clone()).await.unwrap();
    assert_eq!(v1.version, 1);
    assert_eq!(consents::publish_template(&ctx, first).await.unwrap(), v1, "a retry is the same version");
    let v2 = consents::publish_template(&ctx, template(ConsentKind::NailSurgery, 0)).await.unwrap();
    let photos = consents::publish_template(&ctx, template(ConsentKind::ClinicalPhotos, 2)).await.unwrap();
    assert_eq!((v2.version, photos.version), (2, 1), "versions count per kind");
    let current: Vec<(ConsentKind, i32)> =
        consents::templates(&ctx).await.unwrap().iter().map(|t| (t.kind, t.version)).collect();
    assert_eq!(current, [(ConsentKind::NailSurgery, 2), (ConsentKind::ClinicalPhotos, 1)]);

    // The desk's own login: a template is never rewritten, and one without the law's contents is
    // refused even written by hand.
    let err = sqlx::query("UPDATE consent_templates SET body = 'nada'").execute(&desk).await.unwrap_err();
    assert_eq!(sqlstate(&err).as_deref(), Some("42501"), "{err}");
    let forged = sqlx::query(
        "INSERT INTO consent_templates (id, kind, version, title, act, risks_benefits, contingencies, body, witnesses, published_by)
         SELECT gen_random_uuid(), 'nail_surgery', 9, 't', 'a', 'r', 'c', 'Firme aquí', 0, id FROM users LIMIT 1",
    )
    .execute(&desk)
    .await
    .unwrap_err();
    assert_eq!(sqlstate(&forged).as_deref(), Some("23514"), "{forged}");
    let err = sqlx::query("DELETE FROM consent_templates").execute(&pool).await.unwrap_err();
    assert_eq!(AppError::from(err), AppError::conflict("append_only", None), "the owner too");
}

/// The letter signed at the desk is a PDF/A with the strokes drawn in and the law's contents
/// printed; its SHA-256, computed by the database from the stored bytes, is in the audit chain and
/// is the digest of the file the desk writes.
#[sqlx::test(migrations = "../migrations")]
async fn a_letter_signed_at_the_desk_is_a_pdfa_whose_digest_is_in_the_audit_chain(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let ctx = ctx_for(&pool, "admin", ADMIN_PASSWORD).await;
    let rosa = patient(&pool, &admin, "Rosa", "Cruz", "").await;
    let t = consents::publish_template(&ctx, template(ConsentKind::NailSurgery, 2)).await.unwrap();
    let pod = podiatrist_ctx(&pool, &admin).await;

    assert_eq!(
        consents::sign(&ctx, letter(rosa, t.id), None, Lang::Es).await.unwrap_err(),
        AppError::conflict("not_a_podiatrist", None),
        "the professional who informs signs: the admin is none"
    );
    assert_eq!(
        consents::sign(&pod, letter(rosa, t.id), None, Lang::Es).await.unwrap_err(),
        AppError::validation("witnesses", "required")
    );
    let dot = LetterInput {
        signature: Ink { strokes: vec![vec![InkPoint { x: 5.0, y: 5.0, t: 0 }]], ..ink(1) },
        ..letter(rosa, t.id)
    };
    assert_eq!(
        consents::sign(&pod, dot, None, Lang::Es).await.unwrap_err(),
        AppError::validation("signature", "signature_missing")
    );
    let witnesses = vec![
        Witness { name: "Luis Pérez".into(), signature: ink(1) },
        Witness { name: "Marta Gil".into(), signature: ink(1) },
    ];
    let input = LetterInput { witnesses, ..letter(rosa, t.id) };
    let signed = consents::sign(&pod, input.clone(), None, Lang::Es).await.unwrap();
    assert_eq!((signed.kind, signed.version, signed.source.as_str()), (ConsentKind::NailSurgery, 1, "desk"));
    assert!(signed.in_force && signed.sha256.len() == 64, "{signed:?}");
    assert_eq!(signed.witnesses, ["Luis Pérez", "Marta Gil"]);
    assert_eq!(consents::sign(&pod, input, None, Lang::Es).await.unwrap(), signed, "a retry is one letter");
    let strokes: i32 =
        sqlx::query_scalar("SELECT jsonb_array_length(strokes -> 'signature' -> 'strokes') FROM consent_letters")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(strokes, 2, "the strokes are kept as drawn, with their pace");

    let dir = temp_paths().data_dir.join("docs");
    let saved = documents::consent_letter(&pod, &dir, signed.id).await.unwrap();
    let bytes = std::fs::read(&saved.path).unwrap();
    let digest: String =
        sqlx::query_scalar("SELECT encode(sha256($1), 'hex')").bind(&bytes).fetch_one(&pool).await.unwrap();
    assert_eq!(digest, signed.sha256, "the file written is the letter stored");
    let raw = String::from_utf8_lossy(&bytes);
    assert!(raw.contains("pdfaid:part>2<") && raw.contains("pdfaid:conformance>B<"), "PDF/A-2b metadata");
    let text = pdf_text(&saved.path);
    for expected in [
        "Carta de consentimiento para avulsión de uña",
        "primer ortejo derecho",
        "Rosa Cruz",
        "Dra. Ana Ruiz",
        "Dolor, sangrado",
        "Autorizo al personal",
        "Testigo 2",
        "Marta Gil",
        "Firmado con su contraseña",
    ] {
        assert!(text.contains(expected), "{expected:?} missing from:\n{text}");
    }
    let audited: String = sqlx::query_scalar(
        "SELECT after ->> 'sha256' FROM audit_log WHERE action = 'consent.sign' AND entity_id = $1::text",
    )
    .bind(signed.id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(audited, signed.sha256);
    assert!(audit_actions(&pool).await.contains(&"document.consent".to_string()), "showing it is audited");
    let chain = podoclinic_clinic::audit::service::verify(&ctx).await.unwrap();
    assert!(chain.first_break.is_none(), "{chain:?}");

    // Kept as signed: the desk's login cannot touch it, the owner is refused by the trigger.
    let desk = desk_login(&pool).await;
    for sql in ["UPDATE consent_letters SET document = 'x'", "DELETE FROM consent_letters"] {
        let err = sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&desk).await.unwrap_err();
        assert_eq!(sqlstate(&err).as_deref(), Some("42501"), "{sql}: {err}");
    }
    let err = sqlx::query("UPDATE consent_letters SET detail = 'otro'").execute(&pool).await.unwrap_err();
    assert_eq!(AppError::from(err), AppError::conflict("append_only", None));

    // A newer template: the old version is no longer signed now; a letter a desk without its
    // server took before the new version was published lands on the version it showed.
    let shown_at = Utc::now();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let v2 = consents::publish_template(&ctx, template(ConsentKind::NailSurgery, 0)).await.unwrap();
    let on_v1 = || LetterInput {
        witnesses: vec![
            Witness { name: "Luis Pérez".into(), signature: ink(1) },
            Witness { name: "Marta Gil".into(), signature: ink(1) },
        ],
        ..letter(rosa, t.id)
    };
    assert_eq!(
        consents::sign(&pod, on_v1(), None, Lang::Es).await.unwrap_err(),
        AppError::conflict("template_superseded", Some("templateId"))
    );
    let kept = consents::sign(&pod, on_v1(), Some(shown_at), Lang::Es).await.unwrap();
    assert_eq!((kept.version, kept.signed_at.timestamp_micros()), (1, shown_at.timestamp_micros()));
    let before_v1 = Some(shown_at - Duration::days(1));
    assert_eq!(
        consents::sign(&pod, letter(rosa, v2.id), before_v1, Lang::Es).await.unwrap_err(),
        AppError::conflict("template_superseded", Some("templateId")),
        "nor signed on a text that did not exist yet"
    );
    let future =
        consents::sign(&pod, letter(rosa, v2.id), Some(Utc::now() + Duration::hours(2)), Lang::Es).await.unwrap();
    assert!(future.signed_at <= Utc::now() + Duration::seconds(5), "a desk's fast clock never dates a letter ahead");
}

/// A treatment that needs a letter is refused without one in force, naming both; signed, it is
/// recorded; revoked (an addendum) or older than a year, refused again. The database holds the
/// rule against the desk's own login.
#[sqlx::test(migrations = "../migrations")]
async fn a_treatment_needing_consent_is_refused_without_a_letter_in_force(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let ctx = ctx_for(&pool, "admin", ADMIN_PASSWORD).await;
    let rosa = patient(&pool, &admin, "Rosa", "Cruz", "").await;
    let t = consents::publish_template(&ctx, template(ConsentKind::NailSurgery, 0)).await.unwrap();
    let pod = podiatrist_ctx(&pool, &admin).await;
    let pod_id = podoclinic_clinic::podiatrists::repo::for_user(&pool, pod.session.user_id).await.unwrap().unwrap();
    let surgery = Treatment {
        id: Uuid::now_v7(),
        name: "Matricectomía".into(),
        duration_minutes: 60,
        price_cents: 150_000,
        active: true,
        consumables: vec![],
        requires_consent: Some(ConsentKind::NailSurgery),
    };
    let surgery = podoclinic_clinic::catalog::service::create_treatment(&ctx, surgery).await.unwrap();
    assert_eq!(surgery.requires_consent, Some(ConsentKind::NailSurgery));

    let appointment = arrived(&pod, rosa, pod_id, 1).await;
    let visit = visits::open(&pod, appointment).await.unwrap();
    let with_surgery = VisitInput {
        id: visit.id,
        procedures: vec![Procedure { treatment_id: surgery.id, quantity: 1 }],
        ..signable()
    };
    let refused =
        AppError::ConsentRequired { treatment_name: "Matricectomía".into(), consent: ConsentKind::NailSurgery };
    assert_eq!(visits::save(&pod, with_surgery.clone()).await.unwrap_err(), refused);
    let desk = desk_login(&pool).await;
    let forged = sqlx::query("INSERT INTO visit_procedures (visit_id, treatment_id, quantity) VALUES ($1, $2, 1)")
        .bind(visit.id)
        .bind(surgery.id)
        .execute(&desk)
        .await
        .unwrap_err();
    assert_eq!(AppError::from(forged), AppError::conflict("consent_required", Some("procedures")));

    // A letter signed more than a year ago (on a template the clinic had then) covers nothing today.
    for sql in [
        "ALTER TABLE consent_templates DISABLE TRIGGER consent_templates_append_only",
        "UPDATE consent_templates SET published_at = now() - interval '2 years'",
        "ALTER TABLE consent_templates ENABLE TRIGGER consent_templates_append_only",
    ] {
        sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&pool).await.unwrap();
    }
    let old = consents::sign(&pod, letter(rosa, t.id), Some(Utc::now() - Duration::days(400)), Lang::Es).await.unwrap();
    assert!(!old.in_force);
    assert_eq!(visits::save(&pod, with_surgery.clone()).await.unwrap_err(), refused);

    let signed = consents::sign(&pod, letter(rosa, t.id), None, Lang::En).await.unwrap();
    let saved = visits::save(&pod, with_surgery.clone()).await.unwrap();
    assert_eq!(saved.procedures.len(), 1);

    let blank = Revocation { letter_id: signed.id, reason: "  ".into() };
    assert_eq!(consents::revoke(&pod, blank).await.unwrap_err(), AppError::validation("reason", "required"));
    let revoked =
        consents::revoke(&pod, Revocation { letter_id: signed.id, reason: "Lo pensará".into() }).await.unwrap();
    assert!(!revoked.in_force && revoked.revoked_at.is_some());
    assert_eq!(revoked.sha256, signed.sha256, "the letter stays as signed");
    assert_eq!(visits::save(&pod, with_surgery).await.unwrap_err(), refused, "revoked: refused again");
    let err = sqlx::query("DELETE FROM consent_revocations").execute(&desk).await.unwrap_err();
    assert_eq!(sqlstate(&err).as_deref(), Some("42501"), "a revocation is not taken back: {err}");
    let listed = consents::letters(&pod, rosa).await.unwrap();
    assert_eq!(listed.iter().map(|l| l.in_force).collect::<Vec<_>>(), [false, false], "newest first: revoked, old");
    assert_eq!(
        audit_actions(&pool).await.iter().filter(|a| a.starts_with("consent.")).count(),
        4,
        "template, two letters, a revocation"
    );
}

/// Without a signature pad: the blank letter printed for the patient, signed on paper, and its
/// scan attached (PDF, PNG or JPEG by their bytes, never by name).
#[sqlx::test(migrations = "../migrations")]
async fn a_blank_letter_signed_on_paper_is_attached_as_its_scan(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let ctx = ctx_for(&pool, "admin", ADMIN_PASSWORD).await;
    let luis = patient(&pool, &admin, "Luis", "Mora", "").await;
    let t = consents::publish_template(&ctx, template(ConsentKind::MinorPatient, 2)).await.unwrap();
    let pod = podiatrist_ctx(&pool, &admin).await;

    let dir = temp_paths().data_dir.join("docs");
    let blank = documents::blank_consent(&pod, &dir, luis, t.id, Signer::Representative, Lang::Es).await.unwrap();
    let text = pdf_text(&blank.path);
    assert!(
        text.contains("Luis Mora") && text.contains("tutor o representante legal") && text.contains("Testigo 2"),
        "{text}"
    );
    assert!(
        !String::from_utf8_lossy(&std::fs::read(&blank.path).unwrap()).contains("pdfaid"),
        "blank: not the archive"
    );

    let today = podoclinic_clinic::profile::time::local_date(
        podoclinic_clinic::profile::time::zone(&pool).await.unwrap(),
        Utc::now(),
    );
    let scan = |file_bytes_ok: bool| ScanInput {
        id: Uuid::now_v7(),
        patient_id: luis,
        template_id: t.id,
        detail: String::new(),
        signer: Signer::Representative,
        representative: "Ana Mora".into(),
        relationship: if file_bytes_ok { "madre".into() } else { String::new() },
        witnesses: vec!["Luis Pérez".into(), "Marta Gil".into()],
        signed_on: today,
        file: Uuid::new_v4(),
    };
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    assert_eq!(
        consents::attach_scan(&pod, scan(true), b"GIF89a....".to_vec()).await.unwrap_err(),
        AppError::validation("file", "scan_format")
    );
    assert_eq!(
        consents::attach_scan(&pod, scan(false), png.clone()).await.unwrap_err(),
        AppError::validation("relationship", "required")
    );
    let tomorrow = ScanInput { signed_on: today + Duration::days(1), ..scan(true) };
    assert_eq!(
        consents::attach_scan(&pod, tomorrow, png.clone()).await.unwrap_err(),
        AppError::validation("signedOn", "in_future")
    );
    let one_witness = ScanInput { witnesses: vec!["Luis Pérez".into()], ..scan(true) };
    assert_eq!(
        consents::attach_scan(&pod, one_witness, png.clone()).await.unwrap_err(),
        AppError::validation("witnesses", "required")
    );
    let attached = consents::attach_scan(&pod, scan(true), png.clone()).await.unwrap();
    assert_eq!((attached.source.as_str(), attached.media_type.as_str()), ("scan", "image/png"));
    assert_eq!((attached.representative.as_str(), attached.relationship.as_str()), ("Ana Mora", "madre"));
    assert!(attached.in_force);
    let saved = documents::consent_letter(&pod, &dir, attached.id).await.unwrap();
    assert!(saved.name.ends_with(".png"));
    assert_eq!(std::fs::read(&saved.path).unwrap(), png, "the scan as attached");
    let audited: String = sqlx::query_scalar("SELECT after ->> 'sha256' FROM audit_log WHERE action = 'consent.scan'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(audited, attached.sha256);
}
