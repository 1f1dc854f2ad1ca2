//! The tamper-evident audit log against a real PostgreSQL: every write joins one chain, even when
//! desks write at once, and the verifier names the first row edited, deleted, moved or written
//! outside the chain by someone who could switch the database's guards off (the owner).

use std::sync::Arc;

use podoclinic_clinic::audit::service::{self as audit, BreakReason};
use podoclinic_clinic::auth::Ctx;
use podoclinic_tests::*;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

/// A clinic with a few audited writes; the admin's context.
async fn some_history(pool: &PgPool) -> Ctx {
    let admin = first_admin(pool).await;
    for i in 0..4 {
        patient(pool, &admin, &format!("Paciente{i}"), "Bitácora", "").await;
    }
    ctx_of(pool, &admin).await
}

async fn audit_id_at(pool: &PgPool, position: i64) -> i64 {
    sqlx::query_scalar("SELECT id FROM audit_log WHERE chain_seq = $1").bind(position).fetch_one(pool).await.unwrap()
}

/// Runs `sql` as the owner would, with the audit's row guard switched off around it.
async fn as_owner_without_the_guard(pool: &PgPool, sql: &str, id: i64) {
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only_row").execute(&mut *tx).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(sql.to_string())).bind(id).execute(&mut *tx).await.unwrap();
    sqlx::query("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only_row").execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
}

#[sqlx::test(migrations = "../migrations")]
async fn every_write_joins_the_chain_and_an_untouched_chain_verifies(pool: PgPool) {
    let ctx = some_history(&pool).await;
    let check = audit::verify(&ctx).await.unwrap();
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log").fetch_one(&pool).await.unwrap();
    assert!(rows >= 5);
    assert_eq!(check.rows, rows, "every row is in the chain");
    assert_eq!(check.first_break, None);
    assert_eq!(check.head.len(), 64);
}

#[sqlx::test(migrations = "../migrations")]
async fn desks_writing_at_once_make_one_chain(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let wide = PgPoolOptions::new().max_connections(10).connect_with((*pool.connect_options()).clone()).await.unwrap();
    let barrier = Arc::new(tokio::sync::Barrier::new(10));
    let mut tasks = Vec::new();
    for i in 0..10 {
        let desk = Ctx::for_user(&wide, admin.id, &format!("desk-{i}")).await.unwrap();
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let p = new_patient(&format!("Simultáneo{i}"), "Cadena", "");
            podoclinic_clinic::patients::service::create(&desk, p, true).await.unwrap();
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let ctx = ctx_of(&pool, &admin).await;
    let check = audit::verify(&ctx).await.unwrap();
    assert_eq!(check.first_break, None);
    let positions: Vec<i64> =
        sqlx::query_scalar("SELECT chain_seq FROM audit_log ORDER BY chain_seq").fetch_all(&pool).await.unwrap();
    assert_eq!(positions, (1..=positions.len() as i64).collect::<Vec<_>>(), "no gap, no fork");
}

#[sqlx::test(migrations = "../migrations")]
async fn an_owner_s_edit_is_named_by_the_verifier(pool: PgPool) {
    let ctx = some_history(&pool).await;
    let edited = audit_id_at(&pool, 3).await;
    as_owner_without_the_guard(&pool, "UPDATE audit_log SET desk = 'otra' WHERE id = $1", edited).await;
    let check = audit::verify(&ctx).await.unwrap();
    let found = check.first_break.expect("the edit is found");
    assert_eq!((found.audit_id, found.position, found.reason), (Some(edited), Some(3), BreakReason::Changed));
}

#[sqlx::test(migrations = "../migrations")]
async fn an_owner_s_deletion_is_named_at_the_row_after_it(pool: PgPool) {
    let ctx = some_history(&pool).await;
    let deleted = audit_id_at(&pool, 2).await;
    let next = audit_id_at(&pool, 3).await;
    as_owner_without_the_guard(&pool, "DELETE FROM audit_log WHERE id = $1", deleted).await;
    let found = audit::verify(&ctx).await.unwrap().first_break.expect("the deletion is found");
    assert_eq!((found.audit_id, found.position, found.reason), (Some(next), Some(3), BreakReason::Missing));
}

#[sqlx::test(migrations = "../migrations")]
async fn rows_swapped_in_the_chain_are_named_out_of_order(pool: PgPool) {
    let ctx = some_history(&pool).await;
    let (second, third) = (audit_id_at(&pool, 2).await, audit_id_at(&pool, 3).await);
    as_owner_without_the_guard(&pool, "UPDATE audit_log SET chain_seq = 1000002 WHERE id = $1", second).await;
    as_owner_without_the_guard(&pool, "UPDATE audit_log SET chain_seq = 2 WHERE id = $1", third).await;
    as_owner_without_the_guard(&pool, "UPDATE audit_log SET chain_seq = 3 WHERE id = $1", second).await;
    let found = audit::verify(&ctx).await.unwrap().first_break.expect("the swap is found");
    assert_eq!((found.audit_id, found.position, found.reason), (Some(third), Some(2), BreakReason::OutOfOrder));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_row_written_with_the_chain_switched_off_is_named(pool: PgPool) {
    let ctx = some_history(&pool).await;
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("ALTER TABLE audit_log DISABLE TRIGGER audit_log_chain").execute(&mut *tx).await.unwrap();
    let forged: i64 = sqlx::query_scalar(
        "INSERT INTO audit_log (desk, action, entity) VALUES ('recepcion', 'patient.update', 'patient') RETURNING id",
    )
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    sqlx::query("ALTER TABLE audit_log ENABLE TRIGGER audit_log_chain").execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
    let found = audit::verify(&ctx).await.unwrap().first_break.expect("the forged row is found");
    assert_eq!((found.audit_id, found.position, found.reason), (Some(forged), None, BreakReason::Unchained));
}

#[sqlx::test(migrations = "../migrations")]
async fn the_database_refuses_any_other_change_to_a_chained_row(pool: PgPool) {
    some_history(&pool).await;
    for sql in [
        "UPDATE audit_log SET desk = 'x' WHERE chain_seq = 1",
        "UPDATE audit_log SET chain_seq = 99 WHERE chain_seq = 1",
        "UPDATE audit_log SET hash = '\\x00' WHERE chain_seq = 1",
        "DELETE FROM audit_log WHERE chain_seq = 1",
    ] {
        let err = sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&pool).await.unwrap_err();
        assert_eq!(err.as_database_error().and_then(|e| e.constraint()), Some("audit_log_append_only"), "{sql}");
    }
}

/// Content with quotes, backslashes, accents, JSON escapes and empty fields hashes the same in the
/// verifier (Rust) as in the database's chain (SQL): no false alarm on awkward text.
#[sqlx::test(migrations = "../migrations")]
async fn awkward_text_verifies_as_written(pool: PgPool) {
    let ctx = some_history(&pool).await;
    for (entity_id, after) in [
        (Some(r"O'Brien \ C:\ruta"), serde_json::json!({"nota": "dijo \"no\" \\ y 'sí'", "ñ": "🦶", "x": null})),
        (None, serde_json::json!([1, 2.50, "tab\tfin", {"a": {}}])),
        (Some(""), serde_json::json!("")),
    ] {
        sqlx::query(
            "INSERT INTO audit_log (user_id, username, desk, action, entity, entity_id, after)
             VALUES (NULL, NULL, 'mostrador \\ 2', 'patient.update', 'patient', $1, $2)",
        )
        .bind(entity_id)
        .bind(after)
        .execute(&pool)
        .await
        .unwrap();
    }
    let check = audit::verify(&ctx).await.unwrap();
    assert_eq!(check.first_break, None);
}

/// The owner hides an edit by rewriting the schema's hashing function to return the old content for
/// that row: a verifier that asked the database to hash would pass it; this one hashes itself.
#[sqlx::test(migrations = "../migrations")]
async fn an_edit_hidden_behind_a_rewritten_hash_function_is_still_named(pool: PgPool) {
    let ctx = some_history(&pool).await;
    let edited = audit_id_at(&pool, 2).await;
    let original: Vec<u8> = sqlx::query_scalar("SELECT audit_log_content(a) FROM audit_log a WHERE id = $1")
        .bind(edited)
        .fetch_one(&pool)
        .await
        .unwrap();
    let hex: String = original.iter().map(|b| format!("{b:02x}")).collect();
    let cover = format!(
        "CREATE OR REPLACE FUNCTION audit_log_content(r audit_log) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
           SELECT CASE WHEN r.id = {edited} THEN '\\x{hex}'::bytea ELSE convert_to(concat_ws('|',
             quote_nullable(r.chain_seq), quote_nullable(r.id),
             quote_nullable((extract(epoch FROM r.at) * 1000000)::bigint), quote_nullable(r.user_id),
             quote_nullable(r.username), quote_nullable(r.desk), quote_nullable(r.action),
             quote_nullable(r.entity), quote_nullable(r.entity_id), quote_nullable(r.before::text),
             quote_nullable(r.after::text)), 'UTF8') END $$"
    );
    sqlx::query(sqlx::AssertSqlSafe(cover)).execute(&pool).await.unwrap();
    as_owner_without_the_guard(&pool, "UPDATE audit_log SET username = 'nadie' WHERE id = $1", edited).await;
    let in_database: bool =
        sqlx::query_scalar("SELECT hash = sha256(prev_hash || audit_log_content(a)) FROM audit_log a WHERE id = $1")
            .bind(edited)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(in_database, "the rewritten function covers the edit");
    let found = audit::verify(&ctx).await.unwrap().first_break.expect("the edit is still found");
    assert_eq!((found.audit_id, found.reason), (Some(edited), BreakReason::Changed));
}

/// A corte Z with some history after it; returns (the closed session, its anchor's place and hash).
async fn a_closed_day(pool: &PgPool) -> (Ctx, uuid::Uuid, i64, Vec<u8>) {
    let admin = first_admin(pool).await;
    for i in 0..4 {
        patient(pool, &admin, &format!("Antes{i}"), "Corte", "").await;
    }
    let ctx = ctx_of(pool, &admin).await;
    let session = open_drawer(&ctx, 50_000).await;
    podoclinic_clinic::cash::service::close(&ctx, close_input(session, 50_000, 0, 0)).await.unwrap();
    for i in 0..3 {
        patient(pool, &admin, &format!("Después{i}"), "Corte", "").await;
    }
    let (rows, head): (i64, Vec<u8>) = sqlx::query_as("SELECT audit_rows, audit_head FROM cash_sessions WHERE id = $1")
        .bind(session)
        .fetch_one(pool)
        .await
        .unwrap();
    let at_place: Vec<u8> =
        sqlx::query_scalar("SELECT hash FROM audit_log WHERE chain_seq = $1").bind(rows).fetch_one(pool).await.unwrap();
    assert_eq!(at_place, head, "the corte recorded the chain's head as it stood");
    let total: i64 = sqlx::query_scalar("SELECT max(chain_seq) FROM audit_log").fetch_one(pool).await.unwrap();
    assert!(rows >= 5 && total > rows + 3, "the corte's own rows and later work come after its anchor");
    assert_eq!(audit::verify(&ctx).await.unwrap().first_break, None);
    (ctx, session, rows, head)
}

/// Rows cut from the chain's end leave a shorter chain that holds together: the corte Z that
/// recorded it longer names the cut.
#[sqlx::test(migrations = "../migrations")]
async fn rows_cut_from_the_end_are_named_by_the_corte_that_saw_them(pool: PgPool) {
    let (ctx, session, anchor, _) = a_closed_day(&pool).await;
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only_row").execute(&mut *tx).await.unwrap();
    sqlx::query("DELETE FROM audit_log WHERE chain_seq >= $1").bind(anchor - 1).execute(&mut *tx).await.unwrap();
    sqlx::query("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only_row").execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
    let found = audit::verify(&ctx).await.unwrap().first_break.expect("the cut is found");
    assert_eq!(
        (found.reason, found.position, found.audit_id, found.cash_session_id),
        (BreakReason::Truncated, Some(anchor), None, Some(session))
    );
}

/// The owner edits a row before the corte and re-hashes every row after it: the chain holds
/// together again, but not with what the corte recorded.
#[sqlx::test(migrations = "../migrations")]
async fn a_chain_rewritten_from_an_edit_on_is_named_by_the_corte(pool: PgPool) {
    let (ctx, session, anchor, _) = a_closed_day(&pool).await;
    let edited = audit_id_at(&pool, 2).await;
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only_row").execute(&mut *tx).await.unwrap();
    sqlx::query("UPDATE audit_log SET desk = 'otra' WHERE id = $1").bind(edited).execute(&mut *tx).await.unwrap();
    let total: i64 = sqlx::query_scalar("SELECT max(chain_seq) FROM audit_log").fetch_one(&mut *tx).await.unwrap();
    for place in 2..=total {
        sqlx::query(
            "UPDATE audit_log a SET prev_hash = p.hash, hash = sha256(p.hash || audit_log_content(a))
             FROM audit_log p WHERE a.chain_seq = $1 AND p.chain_seq = $1 - 1",
        )
        .bind(place)
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    sqlx::query("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only_row").execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
    let found = audit::verify(&ctx).await.unwrap().first_break.expect("the rewrite is found");
    let at_anchor = audit_id_at(&pool, anchor).await;
    assert_eq!(
        (found.reason, found.position, found.audit_id, found.cash_session_id),
        (BreakReason::Rewritten, Some(anchor), Some(at_anchor), Some(session))
    );
}
