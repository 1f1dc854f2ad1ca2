//! Expenses against a real PostgreSQL.

use chrono::Utc;
use podoclinic_clinic::error::AppError;
use podoclinic_clinic::expenses::model::ExpenseInput;
use podoclinic_clinic::money::Method;
use podoclinic_tests::*;
use sqlx::PgPool;
use uuid::Uuid;

#[sqlx::test(migrations = "../migrations")]
async fn an_expense_by_card_stays_out_of_the_drawer_and_bad_input_changes_nothing(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let ctx = ctx_for(&pool, "admin", ADMIN_PASSWORD).await;
    let today = podoclinic_clinic::profile::time::local_date(chrono_tz::America::Mexico_City, Utc::now());
    let mut expense = ExpenseInput {
        id: Uuid::now_v7(),
        category_id: Uuid::from_u128(0x00000000_0000_7000_8000_000000000102),
        amount_cents: 800_000,
        spent_on: today,
        method: Method::Transfer,
        supplier_id: None,
        note: "Renta de noviembre".into(),
    };
    let stored = podoclinic_clinic::expenses::service::record(&ctx, expense.clone()).await.unwrap();
    assert_eq!(stored.session_id, None);
    let bad = [
        (
            ExpenseInput { id: Uuid::now_v7(), amount_cents: 0, ..expense.clone() },
            AppError::validation("amountCents", "amount_zero"),
        ),
        (
            ExpenseInput { id: Uuid::now_v7(), spent_on: today + chrono::Duration::days(1), ..expense.clone() },
            AppError::validation("spentOn", "in_future"),
        ),
        (
            ExpenseInput { id: Uuid::now_v7(), method: Method::Cash, ..expense.clone() },
            AppError::conflict("cash_session_required", None),
        ),
        (
            ExpenseInput { id: Uuid::now_v7(), category_id: Uuid::now_v7(), ..expense.clone() },
            AppError::validation("categoryId", "unknown_category"),
        ),
        (
            ExpenseInput { id: Uuid::now_v7(), supplier_id: Some(Uuid::now_v7()), ..expense.clone() },
            AppError::validation("supplierId", "unknown_supplier"),
        ),
    ];
    for (input, error) in bad {
        assert_eq!(podoclinic_clinic::expenses::service::record(&ctx, input).await.unwrap_err(), error);
    }
    expense.note = "otra cosa".into();
    assert_eq!(
        podoclinic_clinic::expenses::service::record(&ctx, expense).await.unwrap_err(),
        AppError::conflict("id_reused", None)
    );
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM expenses").fetch_one(&pool).await.unwrap();
    assert_eq!(count, 1);
    let _ = admin;
}
