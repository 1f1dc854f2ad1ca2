//! The desk's own copy of the server (`podoclinic_desk::store`): the directory's search answers
//! as the server's does, and the copy follows what other desks change.

use std::sync::Arc;
use std::time::Duration;

use podoclinic_clinic::error::AppResult;
use podoclinic_clinic::patients::service as patients;
use podoclinic_desk::db::live::{self, Change};
use podoclinic_desk::store::{DeskStore, sync};
use podoclinic_tests::*;
use sqlx::PgPool;
use uuid::Uuid;

const FIRST: &[&str] = &[
    "José", "Josefina", "María", "Mario", "Ana", "Ángel", "Luis", "Lucía", "Jesús", "Ramón", "Inés", "Iñaki", "Sofía",
    "Raúl", "Nuria", "Óscar", "Elena", "Héctor", "Irene", "Tomás",
];
const LAST: &[&str] = &[
    "González",
    "Gonzaga",
    "López",
    "Pérez",
    "Muñoz",
    "Ibáñez",
    "Martínez",
    "Rodríguez",
    "Núñez",
    "García",
    "Sánchez",
    "Ortega",
    "Ruiz",
    "Díaz",
    "Vázquez",
    "Castañeda",
    "Peña",
    "Quiñones",
    "Zúñiga",
    "De la Cruz",
];

/// `n` patients named from the lists above (namesakes included), with phones, straight into the
/// table (the services are tested elsewhere; this is a directory to search).
async fn seed(pool: &PgPool, n: i32) {
    sqlx::query(
        "INSERT INTO patients (id, first_name, last_names, phone, birth_date)
         SELECT gen_random_uuid(), ($1::text[])[1 + (i * 7) % array_length($1, 1)],
                ($2::text[])[1 + (i * 13) % array_length($2, 1)] || ' ' || ($2::text[])[1 + (i * 3) % array_length($2, 1)],
                '55 ' || lpad((i * 7919 % 100000000)::text, 8, '0'), DATE '1950-01-01' + (i % 20000)
         FROM generate_series(1, $3) AS i",
    )
    .bind(FIRST)
    .bind(LAST)
    .bind(n)
    .execute(pool)
    .await
    .unwrap();
}

async fn desk_copy(pool: &PgPool) -> (Arc<DeskStore>, std::path::PathBuf) {
    let dir = temp_paths().data_dir.join("store");
    let offline = Arc::new(DeskStore::open(&dir, &store_key()).await.unwrap());
    sync::refresh(pool, &offline, "test-desk").await.unwrap();
    (offline, dir)
}

/// What people type: prefixes, middles, accents or none, capitals, typos, several words, phones.
fn queries() -> Vec<String> {
    let mut q: Vec<String> = Vec::new();
    for name in FIRST.iter().chain(LAST) {
        let chars: Vec<char> = name.chars().collect();
        for len in [1, 2, 3, 5, chars.len()] {
            q.push(chars.iter().take(len).collect());
        }
        q.push(name.to_uppercase());
        q.push(chars.iter().skip(1).take(4).collect());
        // One letter changed: the typo path.
        let mut typo = chars.clone();
        if typo.len() > 4 {
            typo[3] = 'x';
            q.push(typo.into_iter().collect());
        }
    }
    for (f, l) in FIRST.iter().zip(LAST.iter().rev()) {
        q.push(format!("{f} {l}"));
        let start = |s: &str, n: usize| s.chars().take(n).collect::<String>();
        q.push(format!("{} {}", start(l, 3), start(f, 2)));
    }
    q.extend(
        ["gonzales", "rodrigues", "perez lopes", "zzqx", "55 0000", "791", "5500", "de la", "  ana  ", "ñ", "-"]
            .map(String::from),
    );
    q
}

#[sqlx::test(migrations = "../migrations")]
async fn search_from_the_directory_finds_what_the_server_finds(pool: PgPool) {
    let admin = first_admin(&pool).await;
    seed(&pool, 3_000).await;
    let ctx = ctx_of(&pool, &admin).await;
    let (offline, _) = desk_copy(&pool).await;
    let (mut exact, mut capped) = (0, 0);
    for q in queries() {
        let server = patients::search(&ctx, &q).await.unwrap();
        let desk = offline.search(&q).await.unwrap();
        // Over 200 matches the server ranks an arbitrary 200 of them: only the count and the rule
        // can be compared. Otherwise the answers are the same, in the same order.
        let matches = match patients::terms(&q) {
            Some(terms) => offline.directory.read().await.candidates(&terms, usize::MAX).len(),
            None => 0,
        };
        if matches > 200 {
            capped += 1;
            assert_eq!(desk.len(), server.len(), "{q:?}: as many results");
            let terms = patients::terms(&q).unwrap();
            for p in &desk {
                let name = podoclinic_clinic::patients::model::fold(&p.full_name);
                assert!(
                    terms.words.iter().all(|w| name.contains(w.as_str())),
                    "{q:?}: {} holds every word",
                    p.full_name
                );
            }
        } else {
            exact += 1;
            assert_eq!(desk, server, "{q:?}: the same patients in the same order");
        }
    }
    assert!(exact > 100 && capped > 10, "both kinds of query were tried ({exact} exact, {capped} capped)");
    // A phone search and a typo search really found someone.
    assert!(!offline.search("gonzales").await.unwrap().is_empty());
    let some_phone: String =
        sqlx::query_scalar("SELECT right(phone, 6) FROM patients LIMIT 1").fetch_one(&pool).await.unwrap();
    assert!(!offline.search(&some_phone).await.unwrap().is_empty());
}

#[sqlx::test(migrations = "../migrations")]
async fn the_directory_comes_back_from_the_desks_store_after_a_restart(pool: PgPool) {
    let admin = first_admin(&pool).await;
    patient(&pool, &admin, "Ana", "López", "5512345678").await;
    let (offline, dir) = desk_copy(&pool).await;
    assert!(offline.ready());
    offline.store.close().await;
    drop(offline);
    pool.close().await;
    // The server is gone; the desk starts again and still finds her.
    let again = DeskStore::open(&dir, &store_key()).await.unwrap();
    assert!(again.ready(), "refreshed once on an earlier run");
    let found = again.search("lopez").await.unwrap();
    assert_eq!(found.iter().map(|p| p.full_name.as_str()).collect::<Vec<_>>(), ["Ana López"]);
}

#[sqlx::test(migrations = "../migrations")]
async fn the_desk_copy_follows_what_other_desks_change(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let ctx = ctx_of(&pool, &admin).await;
    let (offline, _) = desk_copy(&pool).await;
    let (tx, _) = tokio::sync::broadcast::channel(64);
    let syncer = tokio::spawn(sync::run(pool.clone(), offline.clone(), "test-desk".into(), tx.subscribe()));
    let listener = tokio::spawn(live::run(pool.clone(), tx.clone()));

    let found = |q: &'static str| {
        let offline = offline.clone();
        async move { offline.search(q).await.unwrap().into_iter().map(|p| p.full_name).collect::<Vec<_>>() }
    };
    let eventually = |q: &'static str, want: Vec<&'static str>| async move {
        for _ in 0..100 {
            if found(q).await == want {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{q:?} never found {want:?}; found {:?}", found(q).await);
    };
    let id = patient(&pool, &admin, "Marta", "Quiñones", "5599887766").await;
    eventually("quinones", vec!["Marta Quiñones"]).await;
    let mut record = patients::get(&ctx, id).await.unwrap();
    record.last_names = "Quiñones Ruiz".into();
    patients::update(&ctx, record).await.unwrap();
    eventually("quinones ruiz", vec!["Marta Quiñones Ruiz"]).await;
    patients::set_archived(&ctx, id, true).await.unwrap();
    eventually("quinones", vec![]).await;
    syncer.abort();
    listener.abort();
}

#[sqlx::test(migrations = "../migrations")]
async fn every_desk_hears_which_account_session_and_product_changed(pool: PgPool) {
    use podoclinic_clinic::billing::model::PaymentInput;
    use podoclinic_clinic::money::Method;
    let admin = first_admin(&pool).await;
    let ctx = ctx_of(&pool, &admin).await;
    let ana = patient(&pool, &admin, "Ana", "López", "").await;
    let (tx, mut rx) = tokio::sync::broadcast::channel(64);
    let listener = tokio::spawn(live::run(pool.clone(), tx));
    let mut next = async || tokio::time::timeout(Duration::from_secs(5), rx.recv()).await.expect("announced").unwrap();
    assert_eq!(next().await, Change::Everything);

    // From a write's start to another connection hearing of it (printed: the figure, not a limit).
    let mut slowest = Duration::ZERO;
    let started = std::time::Instant::now();
    let session = open_drawer(&ctx, 50_000).await;
    assert_eq!(next().await, Change::Cash(session));
    slowest = slowest.max(started.elapsed());
    let started = std::time::Instant::now();
    let pay = PaymentInput {
        id: Uuid::now_v7(),
        patient_id: ana,
        charge_id: None,
        method: Method::Cash,
        amount_cents: 20_000,
        reference: String::new(),
    };
    podoclinic_clinic::billing::service::take_payment(&ctx, pay).await.unwrap();
    let mut heard = vec![next().await, next().await];
    heard.sort_by_key(|c| format!("{c:?}"));
    assert_eq!(heard, [Change::Cash(session), Change::Money(ana)]);
    slowest = slowest.max(started.elapsed());

    let started = std::time::Instant::now();
    let gauze = product(&ctx, "GAS-01", 1_000, 0).await;
    assert_eq!(next().await, Change::Setup, "a new product is the catalog's");
    slowest = slowest.max(started.elapsed());
    let started = std::time::Instant::now();
    let category = podoclinic_clinic::expenses::model::ExpenseCategory {
        id: Uuid::now_v7(),
        name: "Lavandería".into(),
        active: true,
    };
    podoclinic_clinic::expenses::service::save_category(&ctx, category).await.unwrap();
    assert_eq!(next().await, Change::Setup, "expense categories are the set-up's (kept for offline expenses)");
    slowest = slowest.max(started.elapsed());
    let started = std::time::Instant::now();
    let movement = podoclinic_clinic::inventory::model::ManualStockMovement {
        id: Uuid::now_v7(),
        product_id: gauze,
        kind: podoclinic_clinic::inventory::model::StockKind::Adjustment,
        quantity: 5,
        reason: "conteo".into(),
        supplier_id: None,
    };
    podoclinic_clinic::inventory::service::record(&ctx, movement).await.unwrap();
    assert_eq!(next().await, Change::Stock(gauze));
    slowest = slowest.max(started.elapsed());
    println!("live: slowest write-to-heard on another connection {} ms (target 1,000 ms)", slowest.as_millis());
    listener.abort();
}

/// Both answers to one input agree: both accepted, or both refused with the same error.
fn same<T, U>(what: &str, online: AppResult<T>, offline: AppResult<U>) {
    match (online, offline) {
        (Ok(_), Ok(_)) => {}
        (Err(a), Err(b)) => assert_eq!(a, b, "{what}: the service and the outbox refuse it differently"),
        (a, b) => panic!("{what}: the service answered {:?}, the outbox {:?}", a.err(), b.err()),
    }
}

/// One rule, one place: every write the desk can keep while the server is away is checked by the
/// rule functions the service calls. Each sample goes both ways, to the service (the server is
/// there) and to the outbox (it is not, and the desk checks against its store): both accept it, or
/// both refuse it with the same error. A rule re-stated in the outbox that drifted fails here.
#[sqlx::test(migrations = "../migrations")]
async fn the_outbox_and_the_services_answer_the_same_inputs_alike(pool: PgPool) {
    use chrono::{Duration as Days, Utc};
    use podoclinic_clinic::appointments::{model::Status, service as appointments};
    use podoclinic_clinic::billing::{model::ChargeInput, service as billing};
    use podoclinic_clinic::expenses::{model::ExpenseInput, service as expenses};
    use podoclinic_clinic::money::Method;
    use podoclinic_desk::store::outbox::OutboxWriter;

    let admin = first_admin(&pool).await;
    let ctx = ctx_of(&pool, &admin).await;
    let reception = staff(&pool, &admin, "mostrador", RECEPTION_ROLE).await;
    let reception = ctx_for(&pool, &reception.username, STAFF_PASSWORD).await;
    let pod = podiatrist(&pool, &admin, "Dra. Uno", None).await;
    let ana = patient(&pool, &admin, "Ana", "Quiñones", "5512345678").await;
    let luis = patient(&pool, &admin, "Luis", "Peña", "5587654321").await;
    let quiro = treatment(&pool, &admin, "Quiropodia", 45_000).await;
    open_drawer(&ctx, 50_000).await;
    // Tomorrow, inside the agenda the desk keeps; a minute-aligned hour.
    // The clock read once: hours from one minute-aligned instant.
    let t = Utc::now() + Days::days(1);
    let base = t - Days::seconds(t.timestamp() % 60);
    let at = |hour: i64| base + Days::hours(hour);
    let scheduled = appointments::book(&ctx, booking(ana, pod, at(0), 30)).await.unwrap();
    let done = appointments::book(&ctx, booking(luis, pod, at(2), 30)).await.unwrap();
    for s in [Status::Arrived, Status::InConsultation, Status::Completed] {
        appointments::set_status(&ctx, done.id, s).await.unwrap();
    }
    let (store, _) = desk_copy(&pool).await;
    // Both users signed in here with the server: the desk holds their outbox keys.
    for user in [ctx.session.user_id, reception.session.user_id] {
        store.hold_key(podoclinic_desk::store::proof::from_server(&pool, user, None).await.unwrap().unwrap());
    }
    let admin_desk = OutboxWriter { store: store.clone(), session: ctx.session.clone(), confirmed: true };
    let reception_desk = OutboxWriter { store: store.clone(), session: reception.session.clone(), confirmed: true };

    // Bookings: times out of order, empty, longer than a day's work, a reason too long, an unknown
    // patient, and one that is fine.
    let mut long_reason = booking(ana, pod, at(4), 30);
    long_reason.reason = "x".repeat(2_000);
    let samples = [
        ("times out of order", booking(ana, pod, at(4), -30)),
        ("no length", booking(ana, pod, at(4), 0)),
        ("over eight hours", booking(ana, pod, at(4), 8 * 60 + 1)),
        ("reason too long", long_reason),
        ("unknown patient", booking(Uuid::now_v7(), pod, at(4), 30)),
        ("a free slot", booking(ana, pod, at(6), 30)),
    ];
    for (what, input) in samples {
        same(what, appointments::book(&ctx, input.clone()).await, admin_desk.book(input).await);
    }

    // The workflow: cancel through set_status, a step it does not allow, a repeated click, a
    // cancel without its reason, and moving or cancelling an appointment already attended.
    same(
        "set to cancelled",
        appointments::set_status(&ctx, scheduled.id, Status::Cancelled).await,
        admin_desk.set_status(scheduled.id, Status::Cancelled).await,
    );
    same(
        "skip to completed",
        appointments::set_status(&ctx, scheduled.id, Status::Completed).await,
        admin_desk.set_status(scheduled.id, Status::Completed).await,
    );
    same(
        "already scheduled",
        appointments::set_status(&ctx, scheduled.id, Status::Scheduled).await,
        admin_desk.set_status(scheduled.id, Status::Scheduled).await,
    );
    same(
        "cancel without a reason",
        appointments::cancel(&ctx, scheduled.id, "  ").await,
        admin_desk.cancel(scheduled.id, "  ".into()).await,
    );
    same(
        "cancel an attended one",
        appointments::cancel(&ctx, done.id, "Se enfermó").await,
        admin_desk.cancel(done.id, "Se enfermó".into()).await,
    );
    let moved = podoclinic_clinic::appointments::model::RescheduleInput {
        id: done.id,
        podiatrist_id: pod,
        starts_at: at(8),
        ends_at: at(8) + Days::minutes(30),
        override_schedule: false,
    };
    same(
        "move an attended one",
        appointments::reschedule(&ctx, moved.clone()).await,
        admin_desk.reschedule(moved.clone()).await,
    );
    let backwards =
        podoclinic_clinic::appointments::model::RescheduleInput { id: scheduled.id, ends_at: at(7), ..moved };
    same(
        "move to times out of order",
        appointments::reschedule(&ctx, backwards.clone()).await,
        admin_desk.reschedule(backwards).await,
    );

    // Charges: a discount without its permission, a line without quantity, one that is fine.
    let charge = |lines| ChargeInput { id: Uuid::now_v7(), patient_id: ana, visit_id: None, lines };
    for (what, input) in [
        ("a discount without payments.discount", charge(vec![line(quiro, 1, 5_000)])),
        ("no quantity", charge(vec![line(quiro, 0, 0)])),
        ("a plain charge", charge(vec![line(quiro, 1, 0)])),
    ] {
        same(what, billing::create_charge(&reception, input.clone()).await, reception_desk.create_charge(input).await);
    }

    // Payments on a charge made each way: more than it owes, on another patient's charge, zero,
    // and what it owes.
    let online = billing::create_charge(&ctx, charge(vec![line(quiro, 1, 0)])).await.unwrap();
    let offline = admin_desk.create_charge(charge(vec![line(quiro, 1, 0)])).await.unwrap();
    for (what, patient, amount) in [
        ("more than owed", ana, 45_001),
        ("another patient's charge", luis, 100),
        ("nothing", ana, 0),
        ("what is owed", ana, 45_000),
    ] {
        same(
            what,
            billing::take_payment(&ctx, pay(patient, Some(online.id), Method::Cash, amount)).await,
            admin_desk.take_payment(pay(patient, Some(offline.id), Method::Cash, amount)).await,
        );
    }

    // Expenses: nothing spent, a day to come, cash on another day, one that is fine.
    let category = podoclinic_clinic::expenses::service::categories(&ctx).await.unwrap()[0].id;
    let today = podoclinic_clinic::profile::time::local_date(
        podoclinic_clinic::profile::time::zone(&pool).await.unwrap(),
        Utc::now(),
    );
    let expense = |amount, spent_on, method| ExpenseInput {
        id: Uuid::now_v7(),
        category_id: category,
        amount_cents: amount,
        spent_on,
        method,
        supplier_id: None,
        note: String::new(),
    };
    for (what, input) in [
        ("nothing spent", expense(0, today, Method::Cash)),
        ("tomorrow", expense(1_000, today + Days::days(1), Method::Card)),
        ("cash on another day", expense(1_000, today - Days::days(3), Method::Cash)),
        ("cash today", expense(1_000, today, Method::Cash)),
    ] {
        same(what, expenses::record(&ctx, input.clone()).await, admin_desk.record_expense(input).await);
    }
}

/// The duplicate warning is one rule in two engines: the server's SQL (`repo::possible_duplicates`)
/// and the desk's directory, which warns while the server is away. The same new patients get the
/// same suspects from both: the folded name with the birth date, or the last ten digits of the
/// phone, never the patient itself, ten at most, in the same order.
#[sqlx::test(migrations = "../migrations")]
async fn the_desk_warns_of_the_same_duplicates_as_the_server(pool: PgPool) {
    use chrono::NaiveDate;
    use podoclinic_clinic::patients::model::Patient;
    let admin = first_admin(&pool).await;
    let ctx = ctx_of(&pool, &admin).await;
    let born = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
    let stored = [
        ("Ana", "Quiñones Díaz", "55 1234 5678", born(1970, 3, 9)),
        ("Ána", "QUIÑONES díaz", "", born(1970, 3, 9)),
        ("Ana", "Quiñones Díaz", "", born(1981, 1, 1)),
        ("Luis", "Peña", "+52 (55) 8765-4321", None),
        ("Luis", "Peña", "", None),
        ("José", "Núñez", "", born(1990, 5, 5)),
    ];
    for (first, last, phone, birth) in stored {
        let p = Patient { birth_date: birth, ..new_patient(first, last, phone) };
        patients::create(&ctx, p, true).await.unwrap();
    }
    for i in 0..12 {
        patient(&pool, &admin, "Rita", &format!("Mora {i}"), "5599990000").await;
    }
    let (store, _) = desk_copy(&pool).await;
    let today = chrono::Utc::now().date_naive();
    let asked = [
        ("ana", "quinones diaz", "", born(1970, 3, 9)),
        ("Ana", "Quiñones Díaz", "", None),
        ("Otra", "Persona", "5512345678", None),
        ("Otra", "Persona", "1-55-1234-5678", born(2000, 1, 1)),
        ("Luis", "Peña", "", None),
        ("José", "Núñez", "", born(1990, 5, 5)),
        ("Rita", "Nueva", "55 9999 0000", None),
        ("Nadie", "Parecido", "5500000000", born(1999, 9, 9)),
    ];
    for (first, last, phone, birth) in asked {
        let p = Patient { birth_date: birth, ..new_patient(first, last, phone) }.parse(today).unwrap();
        let online = podoclinic_clinic::patients::repo::possible_duplicates(&pool, &p, &p.phone_key()).await.unwrap();
        let offline = store.directory.read().await.possible_duplicates(&p);
        let ids = |found: &[podoclinic_clinic::patients::model::PatientSummary]| {
            found.iter().map(|s| s.id).collect::<Vec<_>>()
        };
        assert_eq!(ids(&online), ids(&offline), "{first} {last} {phone}: the server and the desk name other suspects");
    }
}
