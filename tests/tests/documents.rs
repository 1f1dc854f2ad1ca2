//! Receipts, closing reports and CSV exports: what they print is what was recorded.

use podoclinic_clinic::billing::model::ChargeInput;
use podoclinic_clinic::billing::service as billing;
use podoclinic_clinic::cash::service as cash;
use podoclinic_clinic::money::Method;
use podoclinic_tests::*;
use sqlx::PgPool;
use uuid::Uuid;

#[sqlx::test(migrations = "../migrations")]
async fn the_receipt_and_the_closing_report_print_what_was_recorded(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let pat = patient(&pool, &admin, "Verónica", "Ibáñez Núñez", "").await;
    let nails = treatment(&pool, &admin, "Corte de uñas con fresado", 123_450).await;
    let ctx = ctx_for(&pool, "admin", ADMIN_PASSWORD).await;
    let session = open_drawer(&ctx, 50_000).await;
    let charge = billing::create_charge(
        &ctx,
        ChargeInput { id: Uuid::now_v7(), patient_id: pat, visit_id: None, lines: vec![line(nails, 2, 0)] },
    )
    .await
    .unwrap();
    billing::take_payment(&ctx, pay(pat, Some(charge.id), Method::Cash, 200_000)).await.unwrap();
    let dir = std::env::temp_dir().join(format!("podoclinic-docs-{}", Uuid::now_v7()));
    let lang = podoclinic_clinic::documents::render::Lang::Es;
    let receipt = podoclinic_clinic::documents::receipt(&ctx, &dir, charge.id, lang).await.unwrap();
    let text = pdf_text(&receipt.path);
    for expected in
        ["Mi clínica", "Recibo de pago", "Verónica Ibáñez Núñez", "Corte de uñas con fresado", "$2,469.00", "$469.00"]
    {
        assert!(text.contains(expected), "receipt lacks {expected:?}:\n{text}");
    }
    cash::close(&ctx, close_input(session, 249_900, 0, 0)).await.unwrap();
    let report = podoclinic_clinic::documents::cash_report(&ctx, &dir, session, lang).await.unwrap();
    let text = pdf_text(&report.path);
    for expected in ["Corte Z", "Caja 1", "Fondo inicial", "$2,500.00", "$2,499.00", "-$1.00", "Diferencia"] {
        assert!(text.contains(expected), "report lacks {expected:?}:\n{text}");
    }
    // The audit chain's head as it stood when the drawer closed: the corte's anchor, stored by the
    // database, which the verifier holds the chain to.
    let (rows, head) = podoclinic_clinic::audit::service::head(&ctx, Some(session)).await.unwrap();
    let (now, _) = podoclinic_clinic::audit::service::head(&ctx, None).await.unwrap();
    assert!(rows < now, "the anchor is the chain before the closing's own rows ({rows} < {now})");
    assert!(text.contains("Bitácora"), "the report names the audit chain:\n{text}");
    assert!(
        text.contains(&head) || text.contains(&head[..32]),
        "the report prints the chain's head {head} ({rows}):\n{text}"
    );
    std::fs::remove_dir_all(dir).ok();
}

#[sqlx::test(migrations = "../migrations")]
async fn a_table_exported_as_csv_keeps_accents_commas_and_quotes(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let ctx = ctx_of(&pool, &admin).await;
    let dir = std::env::temp_dir().join(format!("podoclinic-csv-{}", Uuid::now_v7()));
    let header = vec!["Tratamiento".to_string(), "Ingreso".to_string()];
    let rows = vec![vec!["Curación, con \"fresado\"".to_string(), "500.00".to_string()]];
    let saved = podoclinic_clinic::documents::csv_table(&ctx, &dir, "top-tratamientos", header, rows).await.unwrap();
    assert!(saved.name.starts_with("top-tratamientos-") && saved.name.ends_with(".csv"));
    let bytes = std::fs::read(&saved.path).unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "a BOM for spreadsheet apps");
    assert_eq!(
        String::from_utf8(bytes[3..].to_vec()).unwrap(),
        "Tratamiento,Ingreso\n\"Curación, con \"\"fresado\"\"\",500.00\n"
    );
    assert!(
        podoclinic_clinic::documents::csv_table(&ctx, &dir, "../..", vec![], vec![]).await.is_err(),
        "no path in the name"
    );
    std::fs::remove_dir_all(dir).ok();
}

#[sqlx::test(migrations = "../migrations")]
async fn every_document_made_or_shown_is_audited_with_who_and_which_desk(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let ctx = ctx_of(&pool, &admin).await;
    let root = std::env::temp_dir().join(format!("podoclinic-audited-{}", Uuid::now_v7()));
    let paths =
        podoclinic_desk::state::Paths { config_dir: root.clone(), data_dir: root.clone(), log_dir: root.clone() };
    let dir = podoclinic_desk::documents::folder(&paths);
    let session = open_drawer(&ctx, 1_000).await;
    podoclinic_clinic::documents::cash_report(&ctx, &dir, session, podoclinic_clinic::documents::render::Lang::Es)
        .await
        .unwrap();
    let saved =
        podoclinic_clinic::documents::csv_table(&ctx, &dir, "ingresos", vec!["Mes".into()], vec![]).await.unwrap();
    podoclinic_desk::documents::saved(&ctx, &paths, &saved.name).await.unwrap();
    let audited: Vec<(String, String, String)> =
        sqlx::query_as("SELECT action, desk, username FROM audit_log WHERE action LIKE 'document.%' ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(
        audited,
        vec![
            ("document.cash_report".into(), "test-desk".into(), "admin".into()),
            ("document.csv".into(), "test-desk".into(), "admin".into()),
            ("document.open".into(), "test-desk".into(), "admin".into()),
        ]
    );
    std::fs::remove_dir_all(root).ok();
}

/// NOM-004: the signed note prints with its sections, who signed it with their cédula and the
/// institution of their title, when, and the SHA-256 of its content: the same the signing's audit
/// entry recorded. A draft does not print; each print is audited.
#[sqlx::test(migrations = "../migrations")]
async fn the_signed_note_prints_its_sections_signature_and_content_hash(pool: PgPool) {
    use podoclinic_clinic::podiatrists::service as podiatrists;
    use podoclinic_clinic::visits::model::{Diagnosis, Procedure, VisitInput, Vitals};
    use podoclinic_clinic::visits::service as visits;
    let admin = first_admin(&pool).await;
    let ctx = ctx_for(&pool, "admin", ADMIN_PASSWORD).await;
    let pod = podiatrist(&pool, &admin, "Dra. Lucía Hernández Ruiz", None).await;
    let mut record = podiatrists::list(&ctx).await.unwrap().into_iter().find(|p| p.id == pod).unwrap();
    record.license = "8123456".into();
    record.title_institution = "Instituto Politécnico Nacional".into();
    podiatrists::update(&ctx, record).await.unwrap();
    let pat = patient(&pool, &admin, "Verónica", "Ibáñez Núñez", "").await;
    let nails = treatment(&pool, &admin, "Corte de uñas con fresado", 35_000).await;
    let appointment = arrived(&ctx, pat, pod, 0).await;
    let visit = visits::open(&ctx, appointment).await.unwrap();
    let input = VisitInput {
        id: visit.id,
        risk_category: Some(2),
        notes: "Dolor en el primer dedo derecho desde hace dos semanas.".into(),
        procedures: vec![Procedure { treatment_id: nails, quantity: 1 }],
        vitals: Vitals { systolic: Some(130), diastolic: Some(85), glucose: Some(142), ..Vitals::default() },
        diagnoses: vec![Diagnosis {
            text: "Onicocriptosis del primer dedo derecho".into(),
            code: Some("L60.0".into()),
        }],
        prognosis: "Bueno".into(),
        plan: "Espiculotomía; curación diaria y revisión en 7 días.".into(),
        ..VisitInput::default()
    };
    visits::save(&ctx, input).await.unwrap();
    let dir = std::env::temp_dir().join(format!("podoclinic-note-{}", Uuid::now_v7()));
    let lang = podoclinic_clinic::documents::render::Lang::Es;
    assert_eq!(
        podoclinic_clinic::documents::visit_note(&ctx, &dir, visit.id, lang).await.unwrap_err(),
        podoclinic_clinic::error::AppError::conflict("visit_not_signed", None),
        "a draft is no note yet"
    );
    let signed = visits::sign(&ctx, visit.id, false).await.unwrap();
    visits::add_addendum(&ctx, visit.id, Uuid::now_v7(), "Se indica calzado abierto.".into()).await.unwrap();
    let recorded: String = sqlx::query_scalar(
        "SELECT after->>'content_sha256' FROM audit_log WHERE action = 'visit.sign' AND entity_id = $1",
    )
    .bind(visit.id.to_string())
    .fetch_one(&pool)
    .await
    .unwrap();
    // The digest is the stored row's: an addendum (which comes after) leaves it as signed.
    let now = podoclinic_clinic::visits::repo::content_digest(&pool, visit.id).await.unwrap();
    assert_eq!((recorded.len(), &now), (64, &recorded));
    assert!(signed.signed_at.is_some());

    let saved = podoclinic_clinic::documents::visit_note(&ctx, &dir, visit.id, lang).await.unwrap();
    assert!(saved.name.starts_with("nota-"), "{}", saved.name);
    let text = pdf_text(&saved.path);
    for expected in [
        "Nota de evolución",
        "Verónica Ibáñez Núñez",
        "Dolor en el primer dedo derecho",
        "TA 130/85 mmHg",
        "Glucosa capilar 142 mg/dL",
        "Corte de uñas con fresado × 1",
        "L60.0 — Onicocriptosis del primer dedo derecho",
        "Pronóstico",
        "Espiculotomía; curación diaria",
        "Riesgo de pie diabético (IWGDF): 2",
        "Dra. Lucía Hernández Ruiz",
        "Cédula profesional: 8123456",
        "Institución que expidió el título: Instituto Politécnico Nacional",
        "Firmada electrónicamente el",
        "Se indica calzado abierto.",
        &recorded,
    ] {
        assert!(text.contains(expected), "the note lacks {expected:?}:\n{text}");
    }
    let printed: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE action = 'document.visit_note' AND entity_id = $1 AND after->>'content_sha256' = $2",
    )
    .bind(visit.id.to_string())
    .bind(&recorded)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(printed, 1);

    // What the patient takes home: "Indicaciones", never "Receta".
    let handout = podoclinic_clinic::documents::instructions(&ctx, &dir, visit.id, lang).await.unwrap();
    let text = pdf_text(&handout.path);
    for expected in
        ["Indicaciones", "Verónica Ibáñez Núñez", "Espiculotomía; curación diaria", "Cédula profesional: 8123456"]
    {
        assert!(text.contains(expected), "the handout lacks {expected:?}:\n{text}");
    }
    assert!(!text.to_lowercase().contains("receta"), "a podiatrist's handout is no prescription:\n{text}");

    // The nota de referencia: sending and receiving establishment, reason, impression, treatment.
    let input = podoclinic_clinic::visits::model::ReferralInput {
        id: Uuid::now_v7(),
        visit_id: visit.id,
        receiving: "Hospital General de Zona 1, Angiología".into(),
        reason: "Pulso pedio disminuido; valoración vascular".into(),
        impression: "L60.0 — Onicocriptosis del primer dedo derecho".into(),
        treatment: "Espiculotomía y curación".into(),
    };
    let referral = visits::refer(&ctx, input).await.unwrap();
    let saved = podoclinic_clinic::documents::referral(&ctx, &dir, referral.id, lang).await.unwrap();
    let text = pdf_text(&saved.path);
    for expected in [
        "Nota de referencia",
        "Establecimiento que envía: Mi clínica",
        "Establecimiento receptor: Hospital General de Zona 1, Angiología",
        "Motivo de envío",
        "Pulso pedio disminuido; valoración vascular",
        "Impresión diagnóstica",
        "Terapéutica empleada",
        "Espiculotomía y curación",
        "Verónica Ibáñez Núñez",
        "Cédula profesional: 8123456",
    ] {
        assert!(text.contains(expected), "the referral lacks {expected:?}:\n{text}");
    }

    // The resumen clínico: the history and each signed note's diagnoses and plan.
    use podoclinic_clinic::history::model::{Habit, HistoryContent, HistoryInput};
    let content = HistoryContent {
        family: "Madre con diabetes tipo 2".into(),
        tobacco: Habit::Former,
        ..HistoryContent::default()
    };
    podoclinic_clinic::history::service::record(&ctx, HistoryInput { id: Uuid::now_v7(), patient_id: pat, content })
        .await
        .unwrap();
    let summary = podoclinic_clinic::documents::clinical_summary(&ctx, &dir, pat, lang).await.unwrap();
    let text = pdf_text(&summary.path);
    for expected in [
        "Resumen clínico",
        "Verónica Ibáñez Núñez",
        "Antecedentes",
        "Heredofamiliares: Madre con diabetes tipo 2",
        "Tabaquismo: previo",
        "Último riesgo de pie diabético (IWGDF): 2",
        "Dra. Lucía Hernández Ruiz",
        "L60.0 — Onicocriptosis del primer dedo derecho",
        "Espiculotomía; curación diaria",
    ] {
        assert!(text.contains(expected), "the summary lacks {expected:?}:\n{text}");
    }
    let audited: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE action IN ('document.instructions', 'document.referral', 'document.clinical_summary') ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(audited, ["document.instructions", "document.referral", "document.clinical_summary"]);
    std::fs::remove_dir_all(dir).ok();
}
