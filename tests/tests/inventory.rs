//! The inventory ledger against a real PostgreSQL: stock never goes negative, also under 20
//! concurrent dispenses, and the ledger's sum is always the stock on hand.

use chrono::NaiveDate;
use podoclinic_clinic::error::AppError;
use podoclinic_clinic::inventory::model::{ManualStockMovement, PurchaseInput, PurchaseLine, StockKind};
use podoclinic_clinic::inventory::repo::Link;
use podoclinic_clinic::inventory::service as inventory;
use podoclinic_tests::*;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use uuid::Uuid;

async fn ledger_and_stock(pool: &PgPool, product: Uuid) -> (i64, i64) {
    sqlx::query_as(
        "SELECT (SELECT coalesce(sum(quantity), 0) FROM stock_movements WHERE product_id = $1)::bigint,
                (SELECT stock_on_hand FROM products WHERE id = $1)::bigint",
    )
    .bind(product)
    .fetch_one(pool)
    .await
    .unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn twenty_concurrent_dispenses_against_a_stock_of_ten_leave_exactly_ten(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let actor = ctx_of(&pool, &admin).await;
    let gauze = product(&actor, "GASA-10", 250, 2).await;
    let from = supplier(&pool).await;
    let delivery = PurchaseInput {
        id: Uuid::now_v7(),
        supplier_id: from,
        invoice_ref: "F-1001".into(),
        received_on: NaiveDate::from_ymd_opt(2026, 11, 27).unwrap(),
        lines: vec![PurchaseLine { product_id: gauze, quantity: 10, unit_cost_cents: 250 }],
    };
    inventory::receive(&actor, delivery).await.unwrap();

    let wide = PgPoolOptions::new().max_connections(20).connect_with((*pool.connect_options()).clone()).await.unwrap();
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(20));
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let (wide, barrier) = (wide.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                let link = Link { reason: "venta".into(), ..Link::default() };
                podoclinic_clinic::inventory::repo::insert(
                    &wide,
                    Uuid::now_v7(),
                    gauze,
                    StockKind::Sale,
                    -1,
                    &link,
                    Some(admin.id),
                )
                .await
            })
        })
        .collect();
    let (mut ok, mut short) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(e) => {
                assert_eq!(e, AppError::conflict("stock_short", Some("quantity")));
                short += 1;
            }
        }
    }
    assert_eq!((ok, short), (10, 10));
    assert_eq!(ledger_and_stock(&pool, gauze).await, (0, 0), "the ledger sums to the stock on hand");
    // Every balance on the stock card is distinct: the movements were applied one after another.
    let mut balances: Vec<i32> =
        inventory::card(&actor, gauze).await.unwrap().iter().map(|m| m.balance_after).collect();
    balances.sort();
    assert_eq!(balances, (0..=10).collect::<Vec<_>>());
}

#[sqlx::test(migrations = "../migrations")]
async fn received_stock_moves_only_through_the_ledger_with_reasons(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let actor = ctx_of(&pool, &admin).await;
    let cream = product(&actor, "CREMA-UREA", 9_000, 3).await;
    let insoles = product(&actor, "PLANTILLA-01", 35_000, 1).await;
    let from = supplier(&pool).await;
    let id = Uuid::now_v7();
    let delivery = PurchaseInput {
        id,
        supplier_id: from,
        invoice_ref: "F-2002".into(),
        received_on: NaiveDate::from_ymd_opt(2026, 11, 27).unwrap(),
        lines: vec![
            PurchaseLine { product_id: cream, quantity: 6, unit_cost_cents: 9_500 },
            PurchaseLine { product_id: insoles, quantity: 2, unit_cost_cents: 34_000 },
        ],
    };
    inventory::receive(&actor, delivery.clone()).await.unwrap();
    inventory::receive(&actor, delivery.clone()).await.unwrap(); // a replay receives nothing more
    let mut other = delivery;
    other.lines[0].quantity = 60;
    assert_eq!(
        inventory::receive(&actor, other).await.unwrap_err(),
        AppError::conflict("id_reused", None),
        "the id of another delivery"
    );
    assert_eq!(ledger_and_stock(&pool, cream).await, (6, 6));
    let total: i64 =
        sqlx::query_scalar("SELECT total_cents FROM purchases WHERE id = $1").bind(id).fetch_one(&pool).await.unwrap();
    assert_eq!(total, 6 * 9_500 + 2 * 34_000);

    let manual = |kind, quantity, reason: &str| ManualStockMovement {
        id: Uuid::now_v7(),
        product_id: cream,
        kind,
        quantity,
        reason: reason.into(),
        supplier_id: None,
    };
    assert_eq!(
        inventory::record(&actor, manual(StockKind::Loss, 1, " ")).await.unwrap_err(),
        AppError::validation("reason", "required")
    );
    assert_eq!(
        inventory::record(&actor, manual(StockKind::Loss, 7, "Caducó")).await.unwrap_err(),
        AppError::conflict("stock_short", Some("quantity"))
    );
    let loss = manual(StockKind::Loss, 1, "Caducó");
    assert_eq!(inventory::record(&actor, loss.clone()).await.unwrap(), 5);
    assert_eq!(inventory::record(&actor, loss.clone()).await.unwrap(), 5, "a replay takes nothing more");
    assert_eq!(
        inventory::record(&actor, ManualStockMovement { quantity: 2, ..loss }).await.unwrap_err(),
        AppError::conflict("id_reused", None)
    );
    assert_eq!(inventory::record(&actor, manual(StockKind::Adjustment, -2, "Conteo físico")).await.unwrap(), 3);
    assert_eq!(
        inventory::record(&actor, manual(StockKind::Sale, 1, "x")).await.unwrap_err(),
        AppError::validation("kind", "not_manual")
    );
    assert_eq!(ledger_and_stock(&pool, cream).await, (3, 3));

    let overview = inventory::overview(&actor).await.unwrap();
    assert_eq!(overview.low_count, 1, "cream is at its minimum (3)");
    assert_eq!(overview.valuation_cents, 3 * 9_000 + 2 * 35_000, "valued at the catalog cost");
    // Stock never changes outside the ledger, and the ledger never changes.
    assert!(sqlx::query("UPDATE products SET stock_on_hand = 100").execute(&pool).await.is_err());
    assert!(sqlx::query("DELETE FROM stock_movements").execute(&pool).await.is_err());
    // RFC is checked by the database too.
    let bad = sqlx::query("INSERT INTO suppliers (id, name, rfc) VALUES ($1, 'X', 'NO-ES-RFC')")
        .bind(Uuid::now_v7())
        .execute(&pool)
        .await;
    assert_eq!(bad.unwrap_err().as_database_error().and_then(|e| e.constraint()), Some("suppliers_rfc_format"));
}

#[sqlx::test(migrations = "../migrations")]
async fn completing_a_visit_takes_its_consumables_and_a_sale_takes_the_product(pool: PgPool) {
    use podoclinic_clinic::billing::model::{ChargeInput, LineInput};
    use podoclinic_clinic::visits::model::{Procedure, VisitInput};
    let admin = first_admin(&pool).await;
    let actor = ctx_of(&pool, &admin).await;
    staff(&pool, &admin, "podologa1", PODIATRIST_ROLE).await;
    let gauze = product(&actor, "GASA-10", 250, 2).await;
    let cream = product(&actor, "CREMA-UREA", 9_000, 1).await;
    let from = supplier(&pool).await;
    let delivery = PurchaseInput {
        id: Uuid::now_v7(),
        supplier_id: from,
        invoice_ref: "F-3".into(),
        received_on: NaiveDate::from_ymd_opt(2026, 11, 27).unwrap(),
        lines: vec![
            PurchaseLine { product_id: gauze, quantity: 3, unit_cost_cents: 250 },
            PurchaseLine { product_id: cream, quantity: 2, unit_cost_cents: 9_000 },
        ],
    };
    inventory::receive(&actor, delivery).await.unwrap();
    // A treatment that uses two gauzes, done twice in the visit: four needed, three in stock.
    let cure = podoclinic_clinic::catalog::model::Treatment {
        id: Uuid::now_v7(),
        name: "Curación".into(),
        duration_minutes: 30,
        price_cents: 45_000,
        active: true,
        consumables: vec![podoclinic_clinic::catalog::model::Consumable { product_id: gauze, quantity: 2 }],
        requires_consent: None,
    };
    let cure = podoclinic_clinic::catalog::service::create_treatment(&actor, cure).await.unwrap().id;
    let pod = podiatrist(&pool, &admin, "Dra. Pies", None).await;
    let pat = patient(&pool, &admin, "Sergio", "Vázquez", "").await;
    let ctx = ctx_for(&pool, "admin", ADMIN_PASSWORD).await;
    let appointment = arrived(&ctx, pat, pod, 0).await;
    let visit = podoclinic_clinic::visits::service::open(&ctx, appointment).await.unwrap();
    let input = VisitInput {
        id: visit.id,
        findings: Default::default(),
        risk_category: Some(1),
        notes: String::new(),
        procedures: vec![Procedure { treatment_id: cure, quantity: 2 }],
        ..podoclinic_tests::signable()
    };
    podoclinic_clinic::visits::service::save(&ctx, input).await.unwrap();
    let err = podoclinic_clinic::visits::service::sign(&ctx, visit.id, false).await.unwrap_err();
    assert_eq!(err, AppError::StockShort { product_name: "Producto GASA-10".into(), needed: 4, available: 3 });
    let (signed, status): (bool, String) = sqlx::query_as(
        "SELECT v.signed_at IS NOT NULL, a.status FROM visits v JOIN appointments a ON a.id = v.appointment_id",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((signed, status.as_str()), (false, "in_consultation"), "nothing changed");
    assert_eq!(ledger_and_stock(&pool, gauze).await, (3, 3));

    // A podiatrist without the override permission cannot force it; the admin can, and the
    // missing gauze is recorded.
    let podiatrist_ctx = ctx_for(&pool, "podologa1", STAFF_PASSWORD).await;
    assert!(matches!(
        podoclinic_clinic::visits::service::sign(&podiatrist_ctx, visit.id, true).await,
        Err(AppError::Forbidden { .. })
    ));
    podoclinic_clinic::visits::service::sign(&ctx, visit.id, true).await.unwrap();
    assert_eq!(ledger_and_stock(&pool, gauze).await, (0, 0));
    let missing: i32 = sqlx::query_scalar("SELECT missing FROM stock_shortfalls").fetch_one(&pool).await.unwrap();
    assert_eq!(missing, 1);

    // A sale of cream goes through the checkout; more than in stock refuses the whole charge.
    let sale = |quantity| ChargeInput {
        id: Uuid::now_v7(),
        patient_id: pat,
        visit_id: None,
        lines: vec![LineInput {
            treatment_id: None,
            product_id: Some(cream),
            quantity,
            discount_cents: 0,
            discount_reason: String::new(),
            unit_price_cents: None,
        }],
    };
    assert_eq!(
        podoclinic_clinic::billing::service::create_charge(&ctx, sale(3)).await.unwrap_err(),
        AppError::StockShort { product_name: "Producto CREMA-UREA".into(), needed: 3, available: 2 }
    );
    let charges: i64 = sqlx::query_scalar("SELECT count(*) FROM charges").fetch_one(&pool).await.unwrap();
    assert_eq!(charges, 0);
    podoclinic_clinic::billing::service::create_charge(&ctx, sale(2)).await.unwrap();
    assert_eq!(ledger_and_stock(&pool, cream).await, (0, 0));
    let card = inventory::card(&ctx, cream).await.unwrap();
    assert_eq!(
        card.iter().map(|m| (m.kind, m.quantity, m.balance_after)).collect::<Vec<_>>(),
        vec![(StockKind::Sale, -2, 0), (StockKind::Purchase, 2, 2)]
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn paying_a_purchase_in_cash_records_its_expense_in_the_drawer(pool: PgPool) {
    use podoclinic_clinic::money::Method;
    let admin = first_admin(&pool).await;
    let actor = ctx_of(&pool, &admin).await;
    let gauze = product(&actor, "GASA-10", 250, 2).await;
    let from = supplier(&pool).await;
    let purchase = Uuid::now_v7();
    let delivery = PurchaseInput {
        id: purchase,
        supplier_id: from,
        invoice_ref: "F-9".into(),
        received_on: NaiveDate::from_ymd_opt(2026, 11, 27).unwrap(),
        lines: vec![PurchaseLine { product_id: gauze, quantity: 100, unit_cost_cents: 240 }],
    };
    inventory::receive(&actor, delivery).await.unwrap();
    let expense = Uuid::now_v7();
    assert_eq!(
        inventory::pay(&actor, purchase, expense, Method::Cash).await.unwrap_err(),
        AppError::conflict("cash_session_required", None)
    );
    let ctx = ctx_for(&pool, "admin", ADMIN_PASSWORD).await;
    let session = open_drawer(&ctx, 50_000).await;
    let paid = inventory::pay(&actor, purchase, expense, Method::Cash).await.unwrap();
    assert_eq!((paid.amount_cents, paid.session_id, paid.supplier_id), (24_000, Some(session), Some(from)));
    assert_eq!(inventory::pay(&actor, purchase, expense, Method::Cash).await.unwrap().id, expense, "a replay");
    assert_eq!(
        inventory::pay(&actor, purchase, Uuid::now_v7(), Method::Cash).await.unwrap_err(),
        AppError::conflict("purchase_paid", None)
    );
    let x = podoclinic_clinic::cash::service::report(&ctx, session).await.unwrap();
    assert_eq!(x.methods[0].expected_cents, 50_000 - 24_000);
    let detail = podoclinic_clinic::suppliers::service::detail(&ctx, from).await.unwrap();
    assert!(detail.purchases[0].paid);
}
