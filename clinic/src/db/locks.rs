//! # The one lock order
//!
//! Every write path takes its row locks in this order, and never the other way round; two desks'
//! transactions then cannot wait for each other in a circle (a deadlock). Each function that takes
//! one of these locks says which step it is. Locks a statement takes by itself count too: an
//! INSERT takes `FOR KEY SHARE` on every row its foreign keys point at, and an UPDATE takes the
//! row it changes.
//!
//! 1. **The create's id** (`db::replayed`): a transaction-scoped advisory lock on the client-made
//!    id, the first lock of every create, so a retry waits for its original.
//! 2. **Named advisory locks** (`auth::repo::lock_first_admin`, `lock_admins`; publishing a
//!    privacy notice or a consent template, `privacy::repo::insert_notice`,
//!    `consents::repo::insert_template`).
//! 3. **A user** (`auth::repo::credentials_for_update`, login and unlock).
//! 4. **A patient** (`billing::repo::lock_patient`): one charge or payment at a time per patient.
//!    Answering an ARCO request locks the request first (`privacy::repo::lock_request`; nothing else
//!    locks requests), then its patient.
//! 5. **A visit, then its appointment** (`visits::repo::lock`, then the status UPDATE), or an
//!    appointment alone (`appointments::repo::lock`).
//! 6. **A purchase** (`inventory::repo::purchase_for_payment`).
//! 7. **Products, in id order** (`inventory::repo::lock_products` up front, then
//!    `product_for_update` and the ledger's insert trigger, which updates `stock_on_hand`).
//!    A sale locks its products before it inserts its lines, so the lines' foreign-key share
//!    locks never stand in another sale's way.
//! 8. **A cash register** (`cash::repo::register_for_update`), then **a cash session**: entries
//!    share-lock it in their insert trigger, the corte Z takes it for itself
//!    (`cash::repo::lock`).
//! 9. **The stats rollups**: statement-level triggers upsert their day rows in key order.
//! 10. **The audit chain**, last of all: a write's audit rows join the chain when it commits (a
//!     deferred trigger under one lock, migration 9), after every other lock it took.
//!
//! Explicit row locks are `FOR NO KEY UPDATE`, which does not conflict with the `FOR KEY SHARE`
//! locks foreign keys take: a sale of a product does not wait for a treatment that uses it as a
//! consumable to be saved, nor the other way round. (An edit that changes a unique column, a
//! product's SKU or a register's name, takes `FOR UPDATE` and makes inserts pointing at that row
//! wait for it; it takes no other lock, so it cannot close a circle.)
//!
//! An appointment's UPDATE (a status change, a move) fires the rollup triggers of step 9 at once:
//! a path that also takes products (signing a visit) locks the appointment and the products
//! first and updates the appointment after.
//!
//! Every write path's waits are bounded by the database's `lock_timeout` (see `db::pool`): a desk
//! holding a row longer is answered "another desk is saving this" (`AppError::Busy`), not left
//! waiting. A deadlock or serialization failure nobody foresaw is retried as a whole
//! (`state::AppState::run`).
