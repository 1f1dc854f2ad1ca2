//! Suppliers against a real PostgreSQL: a valid RFC, the purchases received from them.

use chrono::NaiveDate;
use podoclinic_clinic::error::AppError;
use podoclinic_clinic::inventory::model::{PurchaseInput, PurchaseLine};
use podoclinic_clinic::inventory::service as inventory;
use podoclinic_tests::*;
use sqlx::PgPool;
use uuid::Uuid;

#[sqlx::test(migrations = "../migrations")]
async fn a_supplier_has_a_valid_rfc_and_a_purchase_history(pool: PgPool) {
    use podoclinic_clinic::suppliers::{model::Supplier, service as suppliers};
    let admin = first_admin(&pool).await;
    let actor = ctx_of(&pool, &admin).await;
    let input = |rfc: &str| Supplier {
        id: Uuid::now_v7(),
        name: "Insumos Podológicos SA".into(),
        rfc: rfc.into(),
        contact: "Laura".into(),
        phone: "55 1111 2222".into(),
        email: String::new(),
        address: String::new(),
        notes: String::new(),
        active: true,
    };
    assert_eq!(
        suppliers::create(&actor, input("IPO991332AB1")).await.unwrap_err(),
        AppError::validation("rfc", "rfc_format")
    );
    let s = suppliers::create(&actor, input(" ipo990101ab1 ")).await.unwrap();
    assert_eq!(s.rfc, "IPO990101AB1");
    assert_eq!(
        suppliers::create(&actor, input("IPO990101AB1")).await.unwrap_err(),
        AppError::conflict("rfc_taken", Some("rfc"))
    );
    let gauze = product(&actor, "GASA-10", 250, 2).await;
    let delivery = PurchaseInput {
        id: Uuid::now_v7(),
        supplier_id: s.id,
        invoice_ref: "R-77".into(),
        received_on: NaiveDate::from_ymd_opt(2026, 11, 27).unwrap(),
        lines: vec![PurchaseLine { product_id: gauze, quantity: 100, unit_cost_cents: 240 }],
    };
    inventory::receive(&actor, delivery).await.unwrap();
    let detail = suppliers::detail(&actor, s.id).await.unwrap();
    assert_eq!(detail.products.len(), 1);
    assert_eq!(detail.products[0].last_cost_cents, Some(240));
    assert_eq!((detail.purchases[0].total_cents, detail.purchases[0].paid), (24_000, false));
}
