//! Property test: random bookings, reschedules and cancellations against a brute-force model of
//! "no two live appointments of one podiatrist overlap". The database must accept exactly what
//! the model accepts, and end in the model's state.

use std::collections::HashMap;

use chrono::Duration;
use podoclinic_clinic::appointments::model::RescheduleInput;
use podoclinic_clinic::appointments::service as appointments;
use podoclinic_clinic::error::AppError;
use podoclinic_tests::FreshDb;
use podoclinic_tests::*;
use proptest::prelude::*;
use uuid::Uuid;

#[derive(Debug, Clone)]
enum Op {
    Book { pod: usize, start: i64, len: i64 },
    Move { pick: usize, pod: usize, start: i64, len: i64 },
    Cancel { pick: usize },
}

fn op() -> impl Strategy<Value = Op> {
    // 15-minute units over one day; two podiatrists so moves can cross agendas.
    prop_oneof![
        4 => (0..2usize, 0..40i64, 1..6i64).prop_map(|(pod, start, len)| Op::Book { pod, start, len }),
        2 => (any::<usize>(), 0..2usize, 0..40i64, 1..6i64).prop_map(|(pick, pod, start, len)| Op::Move { pick, pod, start, len }),
        1 => any::<usize>().prop_map(|pick| Op::Cancel { pick }),
    ]
}

#[derive(Debug, Clone, Copy)]
struct Booked {
    pod: usize,
    start: i64,
    end: i64,
    live: bool,
}

fn clashes(model: &HashMap<Uuid, Booked>, except: Option<Uuid>, pod: usize, start: i64, end: i64) -> bool {
    model.iter().any(|(id, b)| Some(*id) != except && b.live && b.pod == pod && b.start < end && start < b.end)
}

#[test]
fn the_database_accepts_exactly_the_bookings_a_brute_force_model_accepts() {
    let db = FreshDb::create();
    let (ctx, pods, patient_id) = runtime().block_on(async {
        let admin = first_admin(&db.pool).await;
        let pods = [podiatrist(&db.pool, &admin, "Uno", None).await, podiatrist(&db.pool, &admin, "Dos", None).await];
        let p = patient(&db.pool, &admin, "Ana", "Pérez", "").await;
        (ctx_for(&db.pool, "admin", ADMIN_PASSWORD).await, pods, p)
    });
    let day_counter = std::sync::atomic::AtomicI64::new(0);
    let config = ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() };
    proptest!(config, |(ops in proptest::collection::vec(op(), 1..30))| {
        // Each case gets its own future day, so cases never see each other's bookings.
        let day = day_counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        let at = |unit: i64| future(day, 0, 0) + Duration::minutes(15 * unit);
        let mut model: HashMap<Uuid, Booked> = HashMap::new();
        let mut order: Vec<Uuid> = Vec::new();
        for op in ops {
            runtime().block_on(async {
                match op {
                    Op::Book { pod, start, len } => {
                        let input = booking(patient_id, pods[pod], at(start), 15 * len);
                        let expect_ok = !clashes(&model, None, pod, start, start + len);
                        let result = appointments::book(&ctx, input.clone()).await;
                        assert_eq!(result.is_ok(), expect_ok, "book {pod} {start}+{len}: {result:?}");
                        if let Err(e) = &result {
                            assert!(matches!(e, AppError::SlotTaken { .. }), "{e:?}");
                        }
                        if expect_ok {
                            model.insert(input.id, Booked { pod, start, end: start + len, live: true });
                            order.push(input.id);
                        }
                    }
                    Op::Move { pick, pod, start, len } if !order.is_empty() => {
                        let id = order[pick % order.len()];
                        let current = model[&id];
                        let input = RescheduleInput {
                            id, podiatrist_id: pods[pod], starts_at: at(start), ends_at: at(start + len), override_schedule: false,
                        };
                        let result = appointments::reschedule(&ctx, input).await;
                        let expect_ok = current.live && !clashes(&model, Some(id), pod, start, start + len);
                        assert_eq!(result.is_ok(), expect_ok, "move {id} to {pod} {start}+{len}: {result:?}");
                        if expect_ok {
                            model.insert(id, Booked { pod, start, end: start + len, live: true });
                        }
                    }
                    Op::Cancel { pick } if !order.is_empty() => {
                        let id = order[pick % order.len()];
                        let result = appointments::cancel(&ctx, id, "prueba").await;
                        // Cancelling again is a harmless retry: it answers with the cancelled appointment.
                        assert!(result.is_ok(), "cancel {id}: {result:?}");
                        if let Some(b) = model.get_mut(&id) {
                            b.live = false;
                        }
                    }
                    _ => {}
                }
            });
        }
        // The stored agenda is the model's.
        let stored = runtime().block_on(appointments::agenda(&ctx, at(0), at(50), None)).unwrap();
        let mut live: Vec<(Uuid, Uuid, i64, i64)> =
            model.iter().filter(|(_, b)| b.live).map(|(id, b)| (*id, pods[b.pod], b.start, b.end)).collect();
        live.sort();
        // The calendar's rows count minutes since the Unix epoch.
        let origin = at(0).timestamp() / 60;
        let mut got: Vec<(Uuid, Uuid, i64, i64)> = stored
            .rows()
            .unwrap()
            .iter()
            .map(|r| (r.0, r.1, (i64::from(r.2) - origin) / 15, (i64::from(r.3) - origin) / 15))
            .collect();
        got.sort();
        prop_assert_eq!(got, live);
    });
}
