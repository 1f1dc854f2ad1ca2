//! Property test of the money math: random charges with discounts, partial payments, refunds and
//! drawer movements, each against a plain model in integer cents. The database must accept
//! exactly what the model accepts, and the balances and the corte Z must equal the model's, to
//! the cent.

use podoclinic_clinic::billing::model::{ChargeInput, LineInput, PaymentInput, RefundInput};
use podoclinic_clinic::billing::service as billing;
use podoclinic_clinic::cash::model::{CashMovementInput, CashMovementKind, CloseInput};
use podoclinic_clinic::cash::service as cash;
use podoclinic_clinic::error::AppError;
use podoclinic_clinic::money::Method;
use podoclinic_tests::FreshDb;
use podoclinic_tests::*;
use proptest::prelude::*;
use uuid::Uuid;

const PRICES: [i64; 3] = [35_050, 49_999, 120_001];

#[derive(Debug, Clone)]
enum Op {
    /// Lines of (treatment, quantity, discount as a per-mille of the line's gross).
    Charge(Vec<(usize, i32, i64)>),
    /// On a charge (picked), a share (per cent) of what it still owes; over 100 must be refused.
    Pay {
        pick: usize,
        method: Method,
        percent: i64,
    },
    Refund {
        pick: usize,
        method: Method,
        percent: i64,
    },
    Movement {
        kind: CashMovementKind,
        method: Method,
        amount: i64,
    },
}

fn method() -> impl Strategy<Value = Method> {
    prop_oneof![Just(Method::Cash), Just(Method::Card), Just(Method::Transfer)]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => proptest::collection::vec((0..3usize, 1..5i32, prop_oneof![3 => Just(0i64), 1 => 1..=1000i64]), 1..4)
            .prop_map(Op::Charge),
        4 => (any::<usize>(), method(), 1..=130i64).prop_map(|(pick, method, percent)| Op::Pay { pick, method, percent }),
        1 => (any::<usize>(), method(), 1..=130i64).prop_map(|(pick, method, percent)| Op::Refund { pick, method, percent }),
        1 => (prop_oneof![Just(CashMovementKind::Withdrawal), Just(CashMovementKind::Deposit), Just(CashMovementKind::Adjustment)],
              method(), -50_000..50_000i64)
            .prop_map(|(kind, method, amount)| Op::Movement { kind, method, amount }),
    ]
}

struct ModelCharge {
    id: Uuid,
    total: i64,
    paid: i64,
}

fn slot(m: Method) -> usize {
    Method::ALL.iter().position(|x| *x == m).unwrap()
}

#[test]
fn balances_and_the_closing_totals_always_equal_a_model_in_cents() {
    let db = FreshDb::create();
    let (ctx, treatments, admin) = runtime().block_on(async {
        let admin = first_admin(&db.pool).await;
        let mut ts = Vec::new();
        for (i, price) in PRICES.iter().enumerate() {
            ts.push(treatment(&db.pool, &admin, &format!("Tratamiento {i}"), *price).await);
        }
        (ctx_for(&db.pool, "admin", ADMIN_PASSWORD).await, ts, admin)
    });
    let config = ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() };
    proptest!(config, |(ops in proptest::collection::vec(op(), 1..25), float in 0..200_000i64, deltas in [-500..500i64, -500..500i64, -500..500i64])| {
        runtime().block_on(async {
            let patient_id = patient(&db.pool, &admin, "Modelo", "Prueba", "").await;
            let session = open_drawer(&ctx, float).await;
            let mut charges: Vec<ModelCharge> = Vec::new();
            let mut expected = [float, 0, 0];
            for op in &ops {
                match op {
                    Op::Charge(items) => {
                        let lines: Vec<LineInput> = items
                            .iter()
                            .map(|&(t, quantity, per_mille)| LineInput {
                                treatment_id: Some(treatments[t]),
                                product_id: None,
                                quantity,
                                discount_cents: PRICES[t] * i64::from(quantity) * per_mille / 1000,
                                discount_reason: if per_mille > 0 { "promoción".into() } else { String::new() },
                                unit_price_cents: None,
                            })
                            .collect();
                        let total: i64 = lines
                            .iter()
                            .zip(items)
                            .map(|(l, &(t, q, _))| PRICES[t] * i64::from(q) - l.discount_cents)
                            .sum();
                        let input = ChargeInput { id: Uuid::now_v7(), patient_id, visit_id: None, lines };
                        let charge = billing::create_charge(&ctx, input).await.unwrap();
                        assert_eq!(charge.total_cents, total);
                        charges.push(ModelCharge { id: charge.id, total, paid: 0 });
                    }
                    Op::Pay { pick, method, percent } => {
                        if charges.is_empty() { continue; }
                        let n = charges.len();
                        let c = &mut charges[pick % n];
                        let owed = c.total - c.paid;
                        let amount = (owed * percent / 100).max(1);
                        let input = PaymentInput {
                            id: Uuid::now_v7(), patient_id, charge_id: Some(c.id), method: *method,
                            amount_cents: amount, reference: String::new(),
                        };
                        let result = billing::take_payment(&ctx, input).await;
                        if amount <= owed {
                            result.unwrap();
                            c.paid += amount;
                            expected[slot(*method)] += amount;
                        } else {
                            assert_eq!(result.unwrap_err(), AppError::validation("amountCents", "exceeds_balance"));
                        }
                    }
                    Op::Refund { pick, method, percent } => {
                        if charges.is_empty() { continue; }
                        let n = charges.len();
                        let c = &mut charges[pick % n];
                        let amount = (c.paid * percent / 100).max(1);
                        let input = RefundInput {
                            id: Uuid::now_v7(), patient_id, charge_id: Some(c.id), method: *method,
                            amount_cents: amount, reason: "devolución".into(),
                        };
                        let result = billing::refund(&ctx, input).await;
                        if amount <= c.paid {
                            result.unwrap();
                            c.paid -= amount;
                            expected[slot(*method)] -= amount;
                        } else {
                            assert_eq!(result.unwrap_err(), AppError::validation("amountCents", "refund_exceeds_paid"));
                        }
                    }
                    Op::Movement { kind, method, amount } => {
                        let (method, signed) = match kind {
                            CashMovementKind::Withdrawal => (Method::Cash, -amount.abs().max(1)),
                            CashMovementKind::Deposit => (Method::Cash, amount.abs().max(1)),
                            CashMovementKind::Adjustment => (*method, if *amount == 0 { 1 } else { *amount }),
                        };
                        let entered = if *kind == CashMovementKind::Adjustment { signed } else { signed.abs() };
                        let input = CashMovementInput { id: Uuid::now_v7(), kind: *kind, method, amount_cents: entered, reason: "modelo".into() };
                        cash::add_movement(&ctx, input).await.unwrap();
                        expected[slot(method)] += signed;
                    }
                }
            }
            let account = billing::account(&ctx, patient_id).await.unwrap();
            let charged: i64 = charges.iter().map(|c| c.total).sum();
            let paid: i64 = charges.iter().map(|c| c.paid).sum();
            assert_eq!((account.charged_cents, account.paid_cents, account.balance_cents), (charged, paid, charged - paid));
            for c in &charges {
                let stored = account.charges.iter().find(|s| s.id == c.id).unwrap();
                assert_eq!((stored.total_cents, stored.paid_cents), (c.total, c.paid));
            }
            let x = cash::report(&ctx, session).await.unwrap();
            assert_eq!(x.methods.iter().map(|m| m.expected_cents).collect::<Vec<_>>(), expected.to_vec());
            // Counted cash can't be negative; card and transfer totals come from the terminal.
            let counted: Vec<i64> = (0..3).map(|i| (expected[i] + deltas[i]).max(0)).collect();
            let close = CloseInput {
                session_id: session,
                counted_cash_cents: Some(counted[0]),
                denominations: None,
                counted_card_cents: counted[1],
                counted_transfer_cents: counted[2],
                note: String::new(),
            };
            let z = cash::close(&ctx, close).await.unwrap();
            for (i, m) in z.methods.iter().enumerate() {
                assert_eq!(m.expected_cents, expected[i]);
                assert_eq!(m.counted_cents, Some(counted[i]));
                assert_eq!(m.difference_cents, Some(counted[i] - expected[i]));
            }
            let stored: (i64, i64, i64) = sqlx::query_as(
                "SELECT expected_cash_cents, expected_card_cents, expected_transfer_cents FROM cash_sessions WHERE id = $1",
            )
            .bind(session)
            .fetch_one(&db.pool)
            .await
            .unwrap();
            assert_eq!([stored.0, stored.1, stored.2], expected);
        });
    });
}
