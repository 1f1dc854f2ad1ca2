//! Benchmark (issue 19): bulk inserts of completed appointments stay linear. On a fresh database
//! of 100,000 patients and 20 podiatrists, one statement each of 10,000, 100,000 and 1,000,000
//! completed appointments (on days of their own, going back in time), timed, with the cost per
//! row and its ratio to the smallest's; then the rollups the triggers kept are compared with a
//! rebuild from the source tables (`stats_rebuild()`), and the process fails if they differ.
//! Figures, not pass/fail: run it with `--release` on a quiet machine.
//!
//! `DATABASE_URL` names the server; the data goes to database `podoclinic_bench_rollups`, made
//! anew on each run.

use std::time::Instant;

/// Twenty podiatrists × 32 twenty-minute slots a day.
const PER_DAY: i64 = 640;

fn main() {
    tauri::async_runtime::block_on(async {
        let (pool, _) = podoclinic_shell_tests::bench::Database::Rollups.open(true).await;
        let t = Instant::now();
        podoclinic_shell_tests::seed_patients(&pool, 100_000).await;
        for statement in [
            "INSERT INTO podiatrists (id, name, color)
             SELECT gen_random_uuid(), 'Podólogo ' || i, '#0f766e' FROM generate_series(1, 20) i",
            "CREATE TABLE bench_patients AS SELECT id, row_number() OVER (ORDER BY id) AS n FROM patients",
            "CREATE UNIQUE INDEX ON bench_patients (n)",
            "CREATE TABLE bench_podiatrists AS SELECT id, row_number() OVER (ORDER BY id) AS n FROM podiatrists",
            "ANALYZE",
        ] {
            sqlx::query(sqlx::AssertSqlSafe(statement)).execute(&pool).await.unwrap();
        }
        println!("seeded 100000 patients in {:.1} s", t.elapsed().as_secs_f64());

        // Each statement fills whole days of its own, ending where the previous one began.
        let mut first_day = 1_i64;
        let mut base = None;
        for rows in [10_000_i64, 100_000, 1_000_000] {
            let days = (rows + PER_DAY - 1) / PER_DAY;
            let sql = format!(
                "INSERT INTO appointments (id, patient_id, podiatrist_id, during, reason, status)
                 SELECT gen_random_uuid(), pt.id, pd.id,
                        tstzrange(date_trunc('day', now()) - d * interval '1 day' + interval '14 hours' + k * interval '20 minutes',
                                  date_trunc('day', now()) - d * interval '1 day' + interval '14 hours' + (k + 1) * interval '20 minutes'),
                        'Revisión', 'completed'
                 FROM generate_series({first_day}, {last_day}) d
                 CROSS JOIN bench_podiatrists pd CROSS JOIN generate_series(0, 31) k
                 JOIN bench_patients pt ON pt.n = 1 + (d * 640 + pd.n * 32 + k) % 100000
                 LIMIT {rows}",
                last_day = first_day + days - 1
            );
            let t = Instant::now();
            let done = sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&pool).await.unwrap().rows_affected();
            let secs = t.elapsed().as_secs_f64();
            let per_row = secs * 1e6 / done as f64;
            let ratio = per_row / *base.get_or_insert(per_row);
            println!(
                "insert of {done:>9} completed appointments in one statement: {secs:>7.2} s  {per_row:>6.1} µs/row  (×{ratio:.2} the 10k statement's cost per row)"
            );
            first_day += days;
        }

        let kept: String =
            sqlx::query_scalar(podoclinic_shell_tests::bench::ROLLUP_DIGEST).fetch_one(&pool).await.unwrap();
        let t = Instant::now();
        sqlx::query("SELECT stats_rebuild()").execute(&pool).await.unwrap();
        println!("stats_rebuild() over 1,110,000 appointments: {:.1} s", t.elapsed().as_secs_f64());
        let rebuilt: String =
            sqlx::query_scalar(podoclinic_shell_tests::bench::ROLLUP_DIGEST).fetch_one(&pool).await.unwrap();
        println!("rollups kept by the triggers equal a rebuild: {}", if kept == rebuilt { "yes" } else { "NO" });
        assert_eq!(kept, rebuilt, "the rollups kept by the triggers differ from a rebuild");
        pool.close().await;
    });
}
