use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use super::model::{Charge, ChargeInput, ChargeLine, DraftLine, Payment};
use crate::db::ClientCreate;
use crate::error::AppResult;
use crate::money::Method;

struct ChargeRow {
    id: Uuid,
    folio: i64,
    patient_id: Uuid,
    patient_name: String,
    visit_id: Option<Uuid>,
    total_cents: i64,
    paid_cents: i64,
    created_at: DateTime<Utc>,
    created_by_name: String,
}

async fn with_lines(conn: &mut PgConnection, rows: Vec<ChargeRow>) -> AppResult<Vec<Charge>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let lines = sqlx::query!(
        r#"SELECT charge_id, treatment_id, product_id, description, quantity, unit_price_cents, discount_cents,
                  discount_reason, quantity * unit_price_cents - discount_cents AS "total_cents!"
           FROM charge_lines WHERE charge_id = ANY ($1) ORDER BY charge_id, position"#,
        &ids
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Charge {
            lines: lines
                .iter()
                .filter(|l| l.charge_id == r.id)
                .map(|l| ChargeLine {
                    treatment_id: l.treatment_id,
                    product_id: l.product_id,
                    description: l.description.clone(),
                    quantity: l.quantity,
                    unit_price_cents: l.unit_price_cents,
                    discount_cents: l.discount_cents,
                    discount_reason: l.discount_reason.clone(),
                    total_cents: l.total_cents,
                })
                .collect(),
            id: r.id,
            folio: r.folio,
            patient_id: r.patient_id,
            patient_name: r.patient_name,
            visit_id: r.visit_id,
            total_cents: r.total_cents,
            paid_cents: r.paid_cents,
            created_at: r.created_at,
            created_by_name: r.created_by_name,
        })
        .collect())
}

pub async fn charge(conn: &mut PgConnection, id: Uuid) -> AppResult<Option<Charge>> {
    let rows = sqlx::query_as!(
        ChargeRow,
        r#"SELECT c.id, c.folio, c.patient_id, patient_label(p) AS "patient_name!",
                c.visit_id, c.total_cents,
                coalesce((SELECT sum(amount_cents) FROM payments WHERE charge_id = c.id), 0)::bigint AS "paid_cents!",
                c.created_at, u.display_name AS created_by_name
           FROM charges c JOIN patients p ON p.id = c.patient_id JOIN users u ON u.id = c.created_by WHERE c.id = $1"#,
        id
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(with_lines(conn, rows).await?.pop())
}

pub async fn charge_for_visit(conn: &mut PgConnection, visit: Uuid) -> AppResult<Option<Charge>> {
    let rows = sqlx::query_as!(ChargeRow, r#"SELECT c.id, c.folio, c.patient_id, patient_label(p) AS "patient_name!",
                c.visit_id, c.total_cents,
                coalesce((SELECT sum(amount_cents) FROM payments WHERE charge_id = c.id), 0)::bigint AS "paid_cents!",
                c.created_at, u.display_name AS created_by_name
           FROM charges c JOIN patients p ON p.id = c.patient_id JOIN users u ON u.id = c.created_by WHERE c.visit_id = $1"#, visit)
        .fetch_all(&mut *conn)
        .await?;
    Ok(with_lines(conn, rows).await?.pop())
}

pub async fn charges_for_patient(conn: &mut PgConnection, patient: Uuid) -> AppResult<Vec<Charge>> {
    let rows = sqlx::query_as!(
        ChargeRow,
        r#"SELECT c.id, c.folio, c.patient_id, patient_label(p) AS "patient_name!",
                c.visit_id, c.total_cents,
                coalesce((SELECT sum(amount_cents) FROM payments WHERE charge_id = c.id), 0)::bigint AS "paid_cents!",
                c.created_at, u.display_name AS created_by_name
           FROM charges c JOIN patients p ON p.id = c.patient_id JOIN users u ON u.id = c.created_by
           WHERE c.patient_id = $1 ORDER BY c.created_at DESC LIMIT 200"#,
        patient
    )
    .fetch_all(&mut *conn)
    .await?;
    with_lines(conn, rows).await
}

/// Current catalog entry of a treatment or product: (description, unit price, active).
pub async fn catalog_price(
    db: impl PgExecutor<'_>,
    treatment: Option<Uuid>,
    product: Option<Uuid>,
) -> AppResult<Option<(String, i64, bool)>> {
    let found = sqlx::query!(
        r#"SELECT name AS "name!", price_cents AS "price_cents!", active AS "active!" FROM treatments WHERE id = $1
           UNION ALL SELECT name, price_cents, active FROM products WHERE id = $2"#,
        treatment,
        product
    )
    .fetch_optional(db)
    .await?;
    Ok(found.map(|f| (f.name, f.price_cents, f.active)))
}

pub async fn insert_charge(
    db: impl PgExecutor<'_>,
    id: Uuid,
    patient: Uuid,
    visit: Option<Uuid>,
    total: i64,
    by: Uuid,
) -> AppResult<()> {
    sqlx::query!(
        "INSERT INTO charges (id, patient_id, visit_id, total_cents, created_by) VALUES ($1, $2, $3, $4, $5)",
        id,
        patient,
        visit,
        total,
        by
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn insert_lines(db: impl PgExecutor<'_>, charge: Uuid, lines: &[ChargeLine]) -> AppResult<()> {
    let positions: Vec<i16> = (0..lines.len() as i16).collect();
    let treatments: Vec<Option<Uuid>> = lines.iter().map(|l| l.treatment_id).collect();
    let products: Vec<Option<Uuid>> = lines.iter().map(|l| l.product_id).collect();
    let descriptions: Vec<&str> = lines.iter().map(|l| l.description.as_str()).collect();
    let quantities: Vec<i32> = lines.iter().map(|l| l.quantity).collect();
    let prices: Vec<i64> = lines.iter().map(|l| l.unit_price_cents).collect();
    let discounts: Vec<i64> = lines.iter().map(|l| l.discount_cents).collect();
    let reasons: Vec<&str> = lines.iter().map(|l| l.discount_reason.as_str()).collect();
    sqlx::query!(
        "INSERT INTO charge_lines (charge_id, position, treatment_id, product_id, description, quantity,
                                   unit_price_cents, discount_cents, discount_reason)
         SELECT $1, * FROM unnest($2::smallint[], $3::uuid[], $4::uuid[], $5::text[], $6::int[], $7::bigint[],
                                  $8::bigint[], $9::text[])",
        charge,
        &positions,
        &treatments as &[Option<Uuid>],
        &products as &[Option<Uuid>],
        &descriptions as &[&str],
        &quantities,
        &prices,
        &discounts,
        &reasons as &[&str]
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn payment(db: impl PgExecutor<'_>, id: Uuid) -> AppResult<Option<Payment>> {
    Ok(sqlx::query_as!(
        Payment,
        r#"SELECT p.id, p.patient_id, p.charge_id, p.method AS "method: Method", p.amount_cents, p.reason, p.reference,
                p.session_id, p.at, u.display_name AS created_by_name
           FROM payments p JOIN users u ON u.id = p.created_by WHERE p.id = $1"#,
        id
    )
    .fetch_optional(db)
    .await?)
}

pub async fn payments_for_patient(db: impl PgExecutor<'_>, patient: Uuid) -> AppResult<Vec<Payment>> {
    Ok(sqlx::query_as!(
        Payment,
        r#"SELECT p.id, p.patient_id, p.charge_id, p.method AS "method: Method", p.amount_cents, p.reason, p.reference,
                p.session_id, p.at, u.display_name AS created_by_name
           FROM payments p JOIN users u ON u.id = p.created_by
           WHERE p.patient_id = $1 ORDER BY p.at DESC LIMIT 500"#,
        patient
    )
    .fetch_all(db)
    .await?)
}

pub struct NewPayment<'a> {
    pub id: Uuid,
    pub patient: Uuid,
    pub charge: Option<Uuid>,
    pub method: Method,
    pub amount: i64,
    pub reason: &'a str,
    pub reference: &'a str,
    pub session: Uuid,
    pub by: Uuid,
}

pub async fn insert_payment(db: impl PgExecutor<'_>, p: NewPayment<'_>) -> AppResult<()> {
    sqlx::query!("INSERT INTO payments (id, patient_id, charge_id, method, amount_cents, reason, reference, session_id, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)", p.id, p.patient, p.charge, p.method as Method, p.amount, p.reason, p.reference, p.session, p.by)
    .execute(db)
    .await?;
    Ok(())
}

/// (charged, paid) for a patient; paid is net of refunds.
pub async fn totals(db: impl PgExecutor<'_>, patient: Uuid) -> AppResult<(i64, i64)> {
    let t = sqlx::query!(
        r#"SELECT coalesce((SELECT sum(total_cents) FROM charges WHERE patient_id = $1), 0)::bigint AS "charged!",
                  coalesce((SELECT sum(amount_cents) FROM payments WHERE patient_id = $1), 0)::bigint AS "paid!""#,
        patient
    )
    .fetch_one(db)
    .await?;
    Ok((t.charged, t.paid))
}

/// Payments less refunds on one charge, or on the patient's account when `charge` is `None`.
pub async fn paid(db: impl PgExecutor<'_>, patient: Uuid, charge: Option<Uuid>) -> AppResult<i64> {
    Ok(sqlx::query_scalar!(
        r#"SELECT coalesce(sum(amount_cents), 0)::bigint AS "paid!" FROM payments
           WHERE patient_id = $1 AND ($2::uuid IS NULL OR charge_id = $2)"#,
        patient,
        charge
    )
    .fetch_one(db)
    .await?)
}

/// The procedures a visit recorded, at today's catalog prices.
pub async fn proposed_lines(db: impl PgExecutor<'_>, visit: Uuid) -> AppResult<Vec<DraftLine>> {
    Ok(sqlx::query_as!(
        DraftLine,
        "SELECT t.id AS treatment_id, t.name AS description, vp.quantity, t.price_cents AS unit_price_cents
         FROM visit_procedures vp JOIN treatments t ON t.id = vp.treatment_id
         WHERE vp.visit_id = $1 ORDER BY t.name",
        visit
    )
    .fetch_all(db)
    .await?)
}

/// Holds a patient's row (one charge or payment at a time per patient); `None` if there is no such
/// patient. Lock order: step 4 (see `db::locks`).
pub async fn lock_patient(conn: &mut PgConnection, patient: Uuid) -> AppResult<Option<Uuid>> {
    Ok(sqlx::query_scalar!("SELECT id FROM patients WHERE id = $1 FOR NO KEY UPDATE", patient)
        .fetch_optional(conn)
        .await?)
}

/// Whose charge it is, and its total.
pub async fn charge_owner_and_total(db: impl PgExecutor<'_>, charge: Uuid) -> AppResult<Option<(Uuid, i64)>> {
    let found =
        sqlx::query!("SELECT patient_id, total_cents FROM charges WHERE id = $1", charge).fetch_optional(db).await?;
    Ok(found.map(|c| (c.patient_id, c.total_cents)))
}

impl ClientCreate for ChargeInput {
    type Stored = Charge;
    fn id(&self) -> Uuid {
        self.id
    }
    async fn stored(conn: &mut PgConnection, id: Uuid) -> AppResult<Option<Charge>> {
        charge(conn, id).await
    }
    /// The same lines, and any price the desk showed is the one stored.
    fn same_as(&self, stored: &Charge) -> bool {
        let lines = self.lines.iter().map(|l| super::model::LineInput { unit_price_cents: None, ..l.clone() });
        let asked = ChargeInput { lines: lines.collect(), ..self.clone() };
        let prices_agree = (self.lines.iter().zip(&stored.lines))
            .all(|(l, s)| l.unit_price_cents.is_none_or(|shown| shown == s.unit_price_cents));
        stored.as_input() == asked && prices_agree
    }
}

impl ClientCreate for super::model::CheckedPayment {
    type Stored = Payment;
    fn id(&self) -> Uuid {
        self.id
    }
    async fn stored(conn: &mut PgConnection, id: Uuid) -> AppResult<Option<Payment>> {
        payment(conn, id).await
    }
    fn same_as(&self, stored: &Payment) -> bool {
        (self.patient, self.charge, self.method, self.amount, self.reason.as_str(), self.reference.as_str())
            == (
                stored.patient_id,
                stored.charge_id,
                stored.method,
                stored.amount_cents,
                stored.reason.as_str(),
                stored.reference.as_str(),
            )
    }
}
