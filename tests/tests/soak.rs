//! The whole clinic at once: 8 desks, each its own state and pool, doing every kind of write for a
//! short while with the conflict retry switched off; afterwards the books balance, nobody got an
//! internal error, and the database saw no deadlock. (`--bin soak` runs it longer, by hand.)

use std::time::Duration;

use podoclinic_tests::soak::{self, Plan};
use sqlx::PgPool;

#[sqlx::test(migrations = "../migrations")]
async fn eight_desks_doing_everything_at_once_keep_the_books_and_never_deadlock(pool: PgPool) {
    let plan = Plan { desks: 8, duration: Duration::from_secs(20), retry: false };
    let report = soak::run(&pool, plan).await;
    println!("{}", report.render());
    assert!(report.faults.is_empty(), "answers no desk may get: {:?}", report.faults);
    assert!(report.broken.is_empty(), "broken invariants: {:?}", report.broken);
    assert_eq!(report.conflicts, 0, "the lock order leaves nothing to retry");
    assert_eq!(report.deadlocks_after, report.deadlocks_before, "the database saw a deadlock");
    assert!(report.seldom_done(5).is_empty(), "kinds of work that seldom succeeded: {:?}", report.seldom_done(5));
}
