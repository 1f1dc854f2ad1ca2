//! Writes the desk makes while the server is away. Each is checked here as the server would check
//! what it can (the same validations, the week's agenda for clashes, the directory for the
//! patient), stored in the outbox with its client-made id and on disk before the desk answers,
//! and shown at once (the calendar marks it "pendiente"). When the server is back the outbox is
//! sent in the order it was made, through the same services, as the user who typed each write:
//! ids make a write sent twice land once. What the server refuses is never dropped: it waits in
//! the conflicts tray for a person to amend it or discard it (with a reason, audited).
//!
//! A kept write is its author's only by its proof (`proof`): made with the author's outbox key,
//! checked with the server's before anything is sent. A row with no proof, or another key's, is
//! refused as not authentic; one proved under credentials the author has since changed waits for
//! the author to sign in with the server here again. A person who amends a refused write becomes
//! its author (their permissions, their proof); the tray still says who typed it first.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{DeskStore, fault};
use crate::state::AppState;
use crate::store::directory::typed_here;
use podoclinic_clinic::appointments::model::{Appointment, BookInput, RescheduleInput, Status, cancel_reason};
use podoclinic_clinic::auth::{Ctx, Permission, Session};
use podoclinic_clinic::billing::model::{Charge, ChargeInput, LineInput, Payment, PaymentInput, check_amount};
use podoclinic_clinic::cash::model::{CashSession, DeskCash};
use podoclinic_clinic::catalog::model::{Product, Treatment};
use podoclinic_clinic::consents::model::{LetterInput, Template};
use podoclinic_clinic::documents::render::Lang;
use podoclinic_clinic::error::{AppError, AppResult};
use podoclinic_clinic::expenses::model::{Expense, ExpenseCategory, ExpenseInput};
use podoclinic_clinic::money::Method;
use podoclinic_clinic::patients::model::{CreatePatientOutcome, Patient};
use podoclinic_store::directory::Listing;

/// An appointment as the desk showed it when a change to it was kept: who, when, in what state. At
/// replay, an appointment the server holds otherwise (another desk moved it, cancelled it or marked
/// it meanwhile) refuses the change to the tray (`appointment_changed`), never overwrites it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Seen {
    pub podiatrist_id: Uuid,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub status: Status,
}

impl Seen {
    pub fn of(a: &Appointment) -> Seen {
        Seen { podiatrist_id: a.podiatrist_id, starts_at: a.starts_at, ends_at: a.ends_at, status: a.status }
    }
}

/// A write the desk can make without its server.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum Write {
    Book {
        input: BookInput,
    },
    Reschedule {
        input: RescheduleInput,
        /// The appointment as the desk showed it when the change was kept (`None`: kept by an
        /// older app, or amended over what the appointment had become).
        #[serde(default)]
        seen: Option<Seen>,
    },
    SetStatus {
        id: Uuid,
        status: Status,
        #[serde(default)]
        seen: Option<Seen>,
    },
    Cancel {
        id: Uuid,
        reason: String,
        #[serde(default)]
        seen: Option<Seen>,
    },
    CreatePatient {
        patient: Patient,
        allow_duplicate: bool,
    },
    UpdatePatient {
        patient: Patient,
    },
    Charge {
        input: ChargeInput,
    },
    /// Money into the drawer session it was taken at (`drawer`), or to the tray if that session
    /// was closed meanwhile: never into another drawer.
    Payment {
        input: PaymentInput,
        #[serde(default)]
        drawer: Option<Uuid>,
    },
    /// A cash expense names its drawer session as a payment does.
    Expense {
        input: ExpenseInput,
        #[serde(default)]
        drawer: Option<Uuid>,
    },
    /// A consent letter signed on the pad while the server was away, after the podiatrist's
    /// password opened their sealed key here: made into its PDF/A when sent, with the time the
    /// signatures were taken (`at`) and the language the desk showed.
    SignConsent {
        input: LetterInput,
        at: DateTime<Utc>,
        lang: Lang,
    },
    /// A sign-in (or an unlock) the desk let through without the server: audited on the server
    /// as the user's, with the time it happened, when the server is back. Not counted on the
    /// banner; in the tray (for whoever manages users) only if the server refused it: the user was
    /// deactivated meanwhile, or the row is not authentic.
    SignIn {
        unlock: bool,
        at: DateTime<Utc>,
    },
    /// A failed attempt to sign in (or unlock) without the server, reported by the desk (nobody
    /// signed it: it is audited as the desk's report). `typed`: a short digest of the username.
    SignInFailed {
        unlock: bool,
        reason: OfflineFailure,
        typed: String,
        at: DateTime<Utc>,
    },
}

impl Write {
    /// The permission the write needs, checked at the desk and again when it is sent (`None`:
    /// the user's own sign-in).
    pub fn permission(&self) -> Option<Permission> {
        Some(match self {
            Write::Book { .. } | Write::Reschedule { .. } | Write::SetStatus { .. } | Write::Cancel { .. } => {
                Permission::AppointmentsWrite
            }
            Write::CreatePatient { .. } | Write::UpdatePatient { .. } => Permission::PatientsWrite,
            Write::Charge { .. } | Write::Payment { .. } => Permission::PaymentsWrite,
            Write::Expense { .. } => Permission::ExpensesWrite,
            Write::SignConsent { .. } => Permission::ConsentsSign,
            Write::SignIn { .. } | Write::SignInFailed { .. } => return None,
        })
    }

    /// Who may see (and give up) the write in the tray.
    fn shown_to(&self, session: &Session) -> bool {
        match self.permission() {
            Some(p) => session.permissions.contains(&p),
            None => session.permissions.contains(&Permission::UsersManage),
        }
    }

    /// Whether `session` may make (or fix, or give up) this write.
    fn allowed(&self, session: &Session) -> AppResult<()> {
        match self.permission() {
            Some(permission) if !session.permissions.contains(&permission) => Err(AppError::Forbidden { permission }),
            _ => Ok(()),
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Write::Book { .. } => "book",
            Write::Reschedule { .. } => "reschedule",
            Write::SetStatus { .. } => "setStatus",
            Write::Cancel { .. } => "cancel",
            Write::CreatePatient { .. } => "createPatient",
            Write::UpdatePatient { .. } => "updatePatient",
            Write::Charge { .. } => "charge",
            Write::Payment { .. } => "payment",
            Write::Expense { .. } => "expense",
            Write::SignConsent { .. } => "signConsent",
            Write::SignIn { .. } => SIGN_IN,
            Write::SignInFailed { .. } => SIGN_IN_FAILED,
        }
    }

    /// The drawer session the write's money was taken at, if it names one.
    fn drawer(&self) -> Option<Uuid> {
        match self {
            Write::Payment { drawer, .. } | Write::Expense { drawer, .. } => *drawer,
            _ => None,
        }
    }

    /// The appointment the write is about, if any (its agenda is re-read after it is sent).
    fn appointment(&self) -> Option<Uuid> {
        match self {
            Write::Book { input } => Some(input.id),
            Write::Reschedule { input, .. } => Some(input.id),
            Write::SetStatus { id, .. } | Write::Cancel { id, .. } => Some(*id),
            _ => None,
        }
    }

    /// The appointment a change was kept on, as the desk showed it then.
    fn seen(&self) -> Option<&Seen> {
        match self {
            Write::Reschedule { seen, .. } | Write::SetStatus { seen, .. } | Write::Cancel { seen, .. } => {
                seen.as_ref()
            }
            _ => None,
        }
    }

    /// The same write, kept on the appointment as the desk shows it now (`None`: not shown).
    fn seen_now(self, now: Option<Seen>) -> Write {
        match self {
            Write::Reschedule { input, .. } => Write::Reschedule { input, seen: now },
            Write::SetStatus { id, status, .. } => Write::SetStatus { id, status, seen: now },
            Write::Cancel { id, reason, .. } => Write::Cancel { id, reason, seen: now },
            other => other,
        }
    }

    /// A kept change to an appointment still finds it as the desk showed it (or already as the
    /// change leaves it: the same status set at another desk), or is refused.
    async fn still_as_seen(&self, pool: &sqlx::PgPool) -> AppResult<()> {
        let (Some(id), Some(seen)) = (self.appointment(), self.seen()) else { return Ok(()) };
        let Some(now) = podoclinic_clinic::appointments::repo::find(pool, id).await? else { return Ok(()) };
        let reached = match self {
            Write::Reschedule { input, .. } => {
                (now.podiatrist_id, now.starts_at, now.ends_at) == (input.podiatrist_id, input.starts_at, input.ends_at)
            }
            Write::SetStatus { status, .. } => now.status == *status,
            Write::Cancel { .. } => now.status == Status::Cancelled,
            _ => false,
        };
        if Seen::of(&now) == *seen || reached {
            return Ok(());
        }
        Err(AppError::conflict("appointment_changed", None))
    }

    /// Sends the write (kept under `id`) through the service that makes it online.
    async fn apply(&self, ctx: &Ctx, id: Uuid) -> AppResult<()> {
        use podoclinic_clinic::appointments::service as appointments;
        use podoclinic_clinic::patients::service as patients;
        match self.clone() {
            Write::Book { input } => appointments::book(ctx, input).await.map(drop),
            Write::Reschedule { input, .. } => appointments::reschedule(ctx, input).await.map(drop),
            Write::SetStatus { id, status, .. } => appointments::set_status(ctx, id, status).await.map(drop),
            Write::Cancel { id, reason, .. } => appointments::cancel(ctx, id, &reason).await.map(drop),
            Write::CreatePatient { patient, allow_duplicate } => {
                match patients::create(ctx, patient, allow_duplicate).await?.created {
                    Some(_) => Ok(()),
                    None => Err(AppError::conflict("possible_duplicate", Some("patient"))),
                }
            }
            Write::UpdatePatient { patient } => patients::update(ctx, patient).await.map(drop),
            Write::Charge { input } => podoclinic_clinic::billing::service::create_charge(ctx, input).await.map(drop),
            Write::Payment { input, .. } => {
                podoclinic_clinic::billing::service::take_payment(ctx, input).await.map(drop)
            }
            Write::Expense { input, .. } => podoclinic_clinic::expenses::service::record(ctx, input).await.map(drop),
            Write::SignConsent { input, at, lang } => {
                podoclinic_clinic::consents::service::sign(ctx, input, Some(at), lang).await.map(drop)
            }
            Write::SignIn { unlock, at } => audit_sign_in(ctx, id, unlock, at).await,
            Write::SignInFailed { .. } => Err(AppError::internal("a failed sign-in is the desk's report")),
        }
    }
}

/// Why an offline attempt failed, as the server's audit will say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum OfflineFailure {
    /// Nobody by that name signed in here with the server (or too long ago).
    UnknownUser,
    WrongPassword,
    /// The right password, or not, while the desk's lock on the sign-in lasts.
    LockedOut,
}

/// The outbox kinds of a sign-in made without the server, and of a failed attempt.
const SIGN_IN: &str = "signIn";
const SIGN_IN_FAILED: &str = "signInFailed";

/// A sign-in the desk let through without the server, in the server's audit as the user's own,
/// once (the outbox id is in the entry: sent again after a crash, it is found, not repeated).
async fn audit_sign_in(ctx: &Ctx, id: Uuid, unlock: bool, at: DateTime<Utc>) -> AppResult<()> {
    use podoclinic_clinic::audit::{Action, Entry};
    let action = if unlock { Action::SessionUnlock } else { Action::LoginSuccess };
    let mut tx = ctx.pool.begin().await?;
    podoclinic_clinic::db::lock_id(&mut tx, id).await?;
    if !podoclinic_clinic::audit::repo::recorded_for(&mut *tx, action, ctx.session.user_id, id).await? {
        let after = serde_json::json!({ "withoutServer": true, "at": at, "outboxId": id });
        podoclinic_clinic::audit::record(
            &mut *tx,
            &ctx.actor,
            Entry::new(action, "user", ctx.session.user_id).after(&after),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// A failed attempt without the server, in the server's audit as this desk's report, once.
async fn report_failure(pool: &sqlx::PgPool, desk: &str, id: Uuid, user: Uuid, write: &Write) -> AppResult<()> {
    use podoclinic_clinic::audit::{Action, Actor, Entry};
    let Write::SignInFailed { unlock, reason, typed, at } = write else {
        return Err(AppError::internal("not a failed sign-in"));
    };
    let action = if *unlock { Action::SessionUnlockFailure } else { Action::LoginFailure };
    let mut tx = pool.begin().await?;
    podoclinic_clinic::db::lock_id(&mut tx, id).await?;
    if !podoclinic_clinic::audit::repo::recorded_for(&mut *tx, action, user, id).await? {
        let after = serde_json::json!({
            "withoutServer": true, "reportedBy": "desk", "reason": reason, "typed": typed, "at": at, "outboxId": id,
        });
        let entry = Entry::new(action, "user", user).after(&after);
        podoclinic_clinic::audit::record(&mut *tx, &Actor::system(desk), entry).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// A sign-in without the server by a user deactivated since: audited as such (as the user, once),
/// then shown in the tray to whoever manages users.
async fn audit_inactive_sign_in(pool: &sqlx::PgPool, desk: &str, id: Uuid, user: Uuid, write: &Write) -> AppResult<()> {
    use podoclinic_clinic::audit::{Action, Actor, Entry};
    let Write::SignIn { unlock, at } = write else { return Ok(()) };
    let action = if *unlock { Action::SessionUnlock } else { Action::LoginSuccess };
    let username = podoclinic_clinic::auth::repo::find_user(pool, user).await?.map(|u| u.username).unwrap_or_default();
    let mut tx = pool.begin().await?;
    podoclinic_clinic::db::lock_id(&mut tx, id).await?;
    if !podoclinic_clinic::audit::repo::recorded_for(&mut *tx, action, user, id).await? {
        let after = serde_json::json!({ "withoutServer": true, "inactive": true, "at": at, "outboxId": id });
        let entry = Entry::new(action, "user", user).after(&after);
        podoclinic_clinic::audit::record(&mut *tx, &Actor::user(user, &username, desk), entry).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// A kept row's write, or `None` for one no version of the app wrote (a row edited by hand): it is
/// neither sent nor shown, and the log says so without its content (it may name a patient).
fn readable(entry: &podoclinic_store::outbox::Entry) -> Option<Write> {
    match serde_json::from_str(&entry.payload) {
        Ok(write) => Some(write),
        Err(_) => {
            tracing::warn!(outbox_id = %entry.id, kind = %entry.kind, "an unreadable row in the outbox was left alone");
            None
        }
    }
}

/// One write in the outbox, as the tray shows it.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Kept {
    pub id: Uuid,
    pub write: Write,
    pub created_at: DateTime<Utc>,
    /// Its author: who typed it, or who amended it last.
    pub user_id: Uuid,
    /// `false`: typed in a session the server had not confirmed; it waits for its author to give
    /// the password to the server (or for a person to send it as theirs).
    pub confirmed: bool,
    /// The author's name as this desk knows it (empty: nobody who signed in here).
    pub author_name: String,
    /// Who typed it first, when someone else amended it since.
    pub typed_by_name: Option<String>,
    /// Waiting to be sent (`None`), or why the server refused it.
    pub refusal: Option<AppError>,
}

/// What the banner counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct OutboxCount {
    pub pending: u32,
    pub conflicts: u32,
}

impl DeskStore {
    /// Every write not settled yet, oldest first.
    pub async fn kept(&self) -> AppResult<Vec<Kept>> {
        let entries = podoclinic_store::outbox::open(&self.store).await.map_err(fault)?;
        let known = podoclinic_store::sign_ins::all(&self.store).await.map_err(fault)?;
        let name =
            |id: Uuid| known.iter().find(|k| k.user_id == id).map(|k| k.display_name.clone()).unwrap_or_default();
        entries
            .into_iter()
            .filter_map(|e| readable(&e).map(|write| (e, write)))
            .map(|(e, write)| {
                Ok(Kept {
                    id: e.id,
                    write,
                    created_at: e.created_at,
                    user_id: e.user_id,
                    confirmed: e.confirmed,
                    author_name: name(e.user_id),
                    typed_by_name: e.typed_by.filter(|t| *t != e.user_id).map(name),
                    refusal: e.refusal.map(|r| serde_json::from_str(&r)).transpose().map_err(AppError::internal)?,
                })
            })
            .collect()
    }

    /// Counts what is pending and refused, and tells whoever listens (the banner) if it changed.
    pub async fn recount(&self) -> AppResult<OutboxCount> {
        let mut kept = podoclinic_store::outbox::open(&self.store).await.map_err(fault)?;
        // Sign-ins on their way to the audit are nobody's to fix; a refused one is.
        kept.retain(|e| {
            e.state == podoclinic_store::outbox::State::Conflict || (e.kind != SIGN_IN && e.kind != SIGN_IN_FAILED)
        });
        let conflicts = kept.iter().filter(|e| e.state == podoclinic_store::outbox::State::Conflict).count();
        let count = OutboxCount { pending: (kept.len() - conflicts) as u32, conflicts: conflicts as u32 };
        self.outbox.send_if_modified(|seen| std::mem::replace(seen, count) != count);
        Ok(count)
    }

    /// Stores a write for later, on disk, proved with its author's key, and counts it. A user
    /// whose key the desk does not hold (never signed in here with the server) cannot keep writes.
    /// `confirmed`: the server confirmed the session it was typed in.
    pub(crate) async fn push(&self, id: Uuid, user: Uuid, write: &Write, confirmed: bool) -> AppResult<()> {
        let key = self.key_of(user).ok_or(AppError::Offline)?;
        self.keep_write(id, user, write, confirmed, Some(&key)).await
    }

    /// Stores what the desk reports by itself (a failed sign-in): no author, no proof.
    pub(crate) async fn push_unproved(&self, id: Uuid, user: Uuid, write: &Write) -> AppResult<()> {
        self.keep_write(id, user, write, true, None).await
    }

    async fn keep_write(
        &self,
        id: Uuid,
        user: Uuid,
        write: &Write,
        confirmed: bool,
        key: Option<&super::proof::OutboxKey>,
    ) -> AppResult<()> {
        let payload = serde_json::to_string(write).map_err(AppError::internal)?;
        let new = podoclinic_store::outbox::New {
            id,
            user_id: user,
            kind: write.kind(),
            payload: &payload,
            at: Utc::now(),
            proof: None,
            confirmed,
        };
        let proof = key.map(|k| k.prove(&new));
        podoclinic_store::outbox::push(&self.store, podoclinic_store::outbox::New { proof: proof.as_ref(), ..new })
            .await
            .map_err(fault)?;
        self.recount().await?;
        self.kick.notify_one();
        Ok(())
    }

    /// Holds a user's outbox key in memory (from the server, or unsealed at an offline sign-in).
    /// Public for tests that build an `OutboxWriter` by hand: a key the server did not issue
    /// proves nothing when the writes are sent.
    pub fn hold_key(&self, key: super::proof::OutboxKey) {
        self.keys.lock().unwrap_or_else(|e| e.into_inner()).insert(key.user_id, key);
    }

    fn key_of(&self, user: Uuid) -> Option<super::proof::OutboxKey> {
        self.keys.lock().unwrap_or_else(|e| e.into_inner()).get(&user).cloned()
    }

    /// Shows an appointment as the desk now has it (pending: changed here, not on the server).
    async fn show(&self, a: &Appointment, pending: bool) -> AppResult<()> {
        let entry = podoclinic_store::agenda::Entry {
            id: a.id,
            podiatrist_id: a.podiatrist_id,
            starts_min: podoclinic_store::epoch_minutes(a.starts_at),
            ends_min: podoclinic_store::epoch_minutes(a.ends_at),
            body: serde_json::to_string(a).map_err(AppError::internal)?,
            pending,
        };
        podoclinic_store::agenda::upsert(&self.store, &entry).await.map_err(fault)
    }

    /// The live appointment of `podiatrist` overlapping `[start, end)` in the desk store, other
    /// than `except`: "slot taken", as the server would say it.
    async fn clash(&self, podiatrist: Uuid, start: DateTime<Utc>, end: DateTime<Utc>, except: Uuid) -> AppResult<()> {
        let around = self.appointments(start, end, Some(&[podiatrist])).await?;
        match around.into_iter().map(|(a, _)| a).find(|a| a.id != except && a.status.is_live()) {
            Some(a) => Err(AppError::SlotTaken {
                appointment_id: a.id,
                starts_at: a.starts_at.to_rfc3339(),
                ends_at: a.ends_at.to_rfc3339(),
                patient_name: a.patient_name,
            }),
            None => Ok(()),
        }
    }
}

/// What a signed-in user may write at the desk while the server is away. Each method checks what
/// the desk can check, keeps the write, shows it, and answers as the command does online.
pub struct OutboxWriter {
    pub store: Arc<DeskStore>,
    pub session: Session,
    /// The server confirmed the session (it did not begin, or was not unlocked, without it).
    pub confirmed: bool,
}

impl OutboxWriter {
    async fn keep(&self, id: Uuid, write: Write) -> AppResult<()> {
        self.store.push(id, self.session.user_id, &write, self.confirmed).await
    }

    /// The appointment as the desk knows it; one outside its store cannot be changed offline.
    async fn appointment(&self, id: Uuid) -> AppResult<Appointment> {
        self.store.appointment(id).await
    }

    pub async fn book(&self, input: BookInput) -> AppResult<Appointment> {
        input.check()?;
        let patient = self.store.directory.read().await.get(input.patient_id).cloned();
        let patient = patient.ok_or_else(|| AppError::validation("patientId", "unknown_patient"))?;
        self.store.clash(input.podiatrist_id, input.starts_at, input.ends_at, input.id).await?;
        let booked = Appointment {
            id: input.id,
            patient_id: patient.id,
            patient_name: patient.full_name,
            patient_at_risk: patient.at_risk,
            podiatrist_id: input.podiatrist_id,
            starts_at: input.starts_at,
            ends_at: input.ends_at,
            reason: input.reason.trim().to_string(),
            status: Status::Scheduled,
            cancel_reason: None,
            series_id: None,
            outside_schedule: input.override_schedule,
            reminder: None,
        };
        self.keep(input.id, Write::Book { input }).await?;
        self.store.show(&booked, true).await?;
        Ok(booked)
    }

    pub async fn reschedule(&self, input: RescheduleInput) -> AppResult<Appointment> {
        input.check()?;
        let before = self.appointment(input.id).await?;
        before.status.check_open()?;
        self.store.clash(input.podiatrist_id, input.starts_at, input.ends_at, input.id).await?;
        let seen = Some(Seen::of(&before));
        let after = Appointment {
            podiatrist_id: input.podiatrist_id,
            starts_at: input.starts_at,
            ends_at: input.ends_at,
            outside_schedule: input.override_schedule,
            ..before
        };
        self.keep(Uuid::now_v7(), Write::Reschedule { input, seen }).await?;
        self.store.show(&after, true).await?;
        Ok(after)
    }

    pub async fn set_status(&self, id: Uuid, status: Status) -> AppResult<Appointment> {
        status.check_settable()?;
        self.change_status(id, status, None).await
    }

    pub async fn cancel(&self, id: Uuid, reason: String) -> AppResult<Appointment> {
        let reason = cancel_reason(&reason)?;
        self.change_status(id, Status::Cancelled, Some(reason)).await
    }

    async fn change_status(&self, id: Uuid, status: Status, reason: Option<String>) -> AppResult<Appointment> {
        let before = self.appointment(id).await?;
        if !before.status.check_change(status)? {
            return Ok(before);
        }
        let seen = Some(Seen::of(&before));
        let after = Appointment { status, cancel_reason: reason.clone(), ..before };
        let write = match reason {
            Some(reason) => Write::Cancel { id, reason, seen },
            None => Write::SetStatus { id, status, seen },
        };
        self.keep(Uuid::now_v7(), write).await?;
        self.store.show(&after, true).await?;
        Ok(after)
    }

    pub async fn create_patient(&self, patient: Patient, allow_duplicate: bool) -> AppResult<CreatePatientOutcome> {
        let today = podoclinic_clinic::profile::time::local_date(self.store.zone().await?, Utc::now());
        let p = Patient { archived: false, ..patient }.parse(today)?;
        if !allow_duplicate {
            let possible_duplicates = self.store.directory.read().await.possible_duplicates(&p);
            if !possible_duplicates.is_empty() {
                return Ok(CreatePatientOutcome { created: None, possible_duplicates });
            }
        }
        self.keep(p.id, Write::CreatePatient { patient: p.clone(), allow_duplicate }).await?;
        self.store.list(typed_here(&p)).await?;
        Ok(CreatePatientOutcome { created: Some(p), possible_duplicates: Vec::new() })
    }

    pub async fn update_patient(&self, patient: Patient) -> AppResult<Patient> {
        let today = podoclinic_clinic::profile::time::local_date(self.store.zone().await?, Utc::now());
        let p = patient.parse(today)?;
        if self.store.directory.read().await.get(p.id).is_none() {
            return Err(AppError::not_found("patient"));
        }
        // A second edit of the same record by the same user, before the first was sent, is one
        // update made on the version the first was made on: never a conflict with oneself.
        let _not_while_sending = self.store.replaying.lock().await;
        match self.store.pending_update(p.id, self.session.user_id).await? {
            Some((entry, first)) => {
                let p = Patient { updated_at: first.updated_at, ..p.clone() };
                let write = Write::UpdatePatient { patient: p };
                self.store.rewrite(&entry, self.session.user_id, &write, self.confirmed).await?;
            }
            None => self.keep(Uuid::now_v7(), Write::UpdatePatient { patient: p.clone() }).await?,
        }
        self.store.list(typed_here(&p)).await?;
        Ok(p)
    }

    /// This desk's open cash session, as last known: money in or out of the drawer needs one.
    async fn drawer(&self) -> AppResult<CashSession> {
        let drawer: DeskCash = self.store.view(super::View::DeskCash).await?;
        drawer.session.ok_or_else(|| AppError::conflict("cash_session_required", None))
    }

    /// A charge at the prices of the desk store's catalog. The prices it showed travel with
    /// it: the server makes it at those prices, or refuses it ("the price changed") to the tray.
    pub async fn create_charge(&self, input: ChargeInput) -> AppResult<Charge> {
        let input = input.parse()?;
        input.check_discount(&self.session.permissions)?;
        let patient = self.store.directory.read().await.get(input.patient_id).cloned();
        let patient = patient.ok_or_else(|| AppError::validation("patientId", "unknown_patient"))?;
        let treatments: Vec<Treatment> = self.store.view(super::View::Treatments).await?;
        let products: Vec<Product> = self.store.view(super::View::Products).await?;
        let mut lines = Vec::with_capacity(input.lines.len());
        for l in &input.lines {
            let item = match (l.treatment_id, l.product_id) {
                (Some(id), _) => {
                    treatments.iter().find(|x| x.id == id).map(|x| (x.name.clone(), x.price_cents, x.active))
                }
                (_, Some(id)) => {
                    products.iter().find(|x| x.id == id).map(|x| (x.name.clone(), x.price_cents, x.active))
                }
                (None, None) => None,
            };
            lines.push(l.priced(item)?);
        }
        let shown = (input.lines.iter().zip(&lines))
            .map(|(l, priced)| LineInput { unit_price_cents: Some(priced.unit_price_cents), ..l.clone() });
        let sent = ChargeInput { lines: shown.collect(), ..input.clone() };
        let charge = Charge {
            id: input.id,
            folio: 0,
            patient_id: patient.id,
            patient_name: patient.full_name,
            visit_id: input.visit_id,
            total_cents: lines.iter().map(|l| l.total_cents).sum(),
            paid_cents: 0,
            created_at: Utc::now(),
            created_by_name: self.session.display_name.clone(),
            lines,
        };
        self.keep(input.id, Write::Charge { input: sent }).await?;
        self.store.keep(super::View::Charge(charge.id), &charge, charge.created_at).await?;
        Ok(charge)
    }

    /// A payment into this desk's open cash session (as last known); on a charge made here, never
    /// more than it still owes.
    pub async fn take_payment(&self, input: PaymentInput) -> AppResult<Payment> {
        let input = input.parse()?;
        if self.store.directory.read().await.get(input.patient_id).is_none() {
            return Err(AppError::validation("patientId", "unknown_patient"));
        }
        if let Some(charge) = input.charge_id
            && let Some(charge) = self.store.kept_charge(charge, Some(input.id)).await?
        {
            let owed = Some((charge.patient_id, charge.total_cents));
            check_amount(input.patient_id, input.amount_cents, charge.paid_cents, owed)?;
        }
        let session = self.drawer().await?;
        let payment = Payment {
            id: input.id,
            patient_id: input.patient_id,
            charge_id: input.charge_id,
            method: input.method,
            amount_cents: input.amount_cents,
            reason: String::new(),
            reference: input.reference.clone(),
            session_id: session.id,
            at: Utc::now(),
            created_by_name: self.session.display_name.clone(),
        };
        self.keep(input.id, Write::Payment { input, drawer: Some(session.id) }).await?;
        Ok(payment)
    }

    /// A consent letter signed on the pad: checked as the server would check its shape, against
    /// the templates the desk last read (the current version of its kind), and kept.
    pub async fn sign_consent(&self, input: LetterInput, lang: Lang) -> AppResult<Uuid> {
        let input = input.parse()?;
        let templates: Vec<Template> = self.store.view(super::View::ConsentTemplates).await?;
        let template = templates.iter().find(|t| t.id == input.template_id);
        let template = template.ok_or_else(|| AppError::conflict("template_superseded", Some("templateId")))?;
        if input.witnesses.len() < usize::try_from(template.witnesses).unwrap_or(0) {
            return Err(AppError::validation("witnesses", "required"));
        }
        if self.store.directory.read().await.get(input.patient_id).is_none() {
            return Err(AppError::validation("patientId", "unknown_patient"));
        }
        let id = input.id;
        self.keep(id, Write::SignConsent { input, at: Utc::now(), lang }).await?;
        Ok(id)
    }

    /// An expense; cash comes out of this desk's open drawer, today.
    pub async fn record_expense(&self, input: ExpenseInput) -> AppResult<Expense> {
        let today = podoclinic_clinic::profile::time::local_date(self.store.zone().await?, Utc::now());
        let x = input.parse(today)?;
        x.check_cash_day(today)?;
        let categories: Vec<ExpenseCategory> = self.store.view(super::View::ExpenseCategories).await?;
        let category = categories.into_iter().find(|c| c.id == x.category_id && c.active);
        let category = category.ok_or_else(|| AppError::validation("categoryId", "unknown_category"))?;
        let session_id = match x.method {
            Method::Cash => Some(self.drawer().await?.id),
            _ => None,
        };
        let expense = Expense {
            id: x.id,
            category_id: category.id,
            category_name: category.name,
            amount_cents: x.amount_cents,
            spent_on: x.spent_on,
            method: x.method,
            supplier_id: x.supplier_id,
            supplier_name: None,
            note: x.note.clone(),
            session_id,
            at: Utc::now(),
            created_by_name: self.session.display_name.clone(),
        };
        self.keep(x.id, Write::Expense { input: x, drawer: session_id }).await?;
        Ok(expense)
    }
}

impl DeskStore {
    /// The pending update of `patient` kept for `user`, if any, and the record as it holds it.
    async fn pending_update(
        &self,
        patient: Uuid,
        user: Uuid,
    ) -> AppResult<Option<(podoclinic_store::outbox::Entry, Patient)>> {
        for e in podoclinic_store::outbox::open(&self.store).await.map_err(fault)? {
            if e.state != podoclinic_store::outbox::State::Pending || e.user_id != user {
                continue;
            }
            if let Some(Write::UpdatePatient { patient: p }) = readable(&e)
                && p.id == patient
            {
                return Ok(Some((e, p)));
            }
        }
        Ok(None)
    }

    /// `user` gave their password to the server here: what they kept in a session it had not
    /// confirmed may go.
    pub(crate) async fn confirm_author(&self, user: Uuid) -> AppResult<()> {
        podoclinic_store::outbox::confirm(&self.store, user).await.map_err(fault)?;
        self.kick.notify_one();
        Ok(())
    }

    /// Replaces a pending write of `user` with `write`, proved anew; it keeps its place in line.
    async fn rewrite(
        &self,
        entry: &podoclinic_store::outbox::Entry,
        user: Uuid,
        write: &Write,
        confirmed: bool,
    ) -> AppResult<()> {
        let key = self.key_of(user).ok_or(AppError::Offline)?;
        let payload = serde_json::to_string(write).map_err(AppError::internal)?;
        let new =
            podoclinic_store::outbox::New { user_id: user, kind: write.kind(), payload: &payload, ..entry.as_new() };
        let proof = key.prove(&new);
        podoclinic_store::outbox::amend(&self.store, entry.id, user, &payload, &proof, confirmed)
            .await
            .map_err(fault)?;
        self.recount().await?;
        self.kick.notify_one();
        Ok(())
    }

    /// A charge made here and not sent yet, with what was paid on it here (leaving out the
    /// payment `except`, when that payment is being sent again); `None`: not a charge made here.
    pub async fn kept_charge(&self, id: Uuid, except: Option<Uuid>) -> AppResult<Option<Charge>> {
        let mut charge: Charge = match self.view(super::View::Charge(id)).await {
            Ok(charge) => charge,
            Err(AppError::Offline) => return Ok(None),
            Err(e) => return Err(e),
        };
        for kept in self.kept().await? {
            if let (None, Write::Payment { input, .. }) = (&kept.refusal, &kept.write)
                && input.charge_id == Some(id)
                && Some(input.id) != except
            {
                charge.paid_cents += input.amount_cents;
            }
        }
        Ok(Some(charge))
    }

    /// Puts a patient typed here in the directory (store and index), marked pending.
    async fn list(&self, listing: Listing) -> AppResult<()> {
        podoclinic_store::directory::upsert(&self.store, &listing).await.map_err(fault)?;
        self.directory.write().await.upsert(listing);
        Ok(())
    }
}

/// How a write ended when it was sent.
enum Sent {
    Landed,
    Refused(AppError),
    /// The server went away again (or is busy): try later, in the same order.
    NotNow,
}

/// The refusal of a row the server's key does not prove.
const NOT_AUTHENTIC: &str = "not_authentic";
/// The refusal of a row proved under credentials its author has changed since.
const AUTHOR_MUST_CONFIRM: &str = "author_must_confirm";

/// What the server's keys say of a row's proof.
enum Authentic {
    Yes,
    /// Proved, under credentials the author has changed since.
    Stale,
    No,
}

/// Checks a row's proof against the server's key of its author and generation.
async fn authentic(pool: &sqlx::PgPool, entry: &podoclinic_store::outbox::Entry) -> AppResult<Authentic> {
    let Some(proof) = &entry.proof else { return Ok(Authentic::No) };
    // The author's current key first: the usual row needs one query.
    let Some(current) = super::proof::from_server(pool, entry.user_id, None).await? else {
        return Ok(Authentic::No);
    };
    let stale = proof.generation != current.generation;
    let key = match stale {
        true => super::proof::from_server(pool, entry.user_id, Some(proof.generation)).await?,
        false => Some(current),
    };
    Ok(match key {
        Some(key) if !key.verifies(&entry.as_new(), proof) => Authentic::No,
        Some(_) if stale => Authentic::Stale,
        Some(_) => Authentic::Yes,
        None => Authentic::No,
    })
}

/// Sends what is pending, oldest first, while the server answers. Returns how many landed. The
/// writes of a session begun without the server wait (with everything after them) until its user
/// has confirmed the password with the server.
pub async fn replay(state: &AppState) -> AppResult<usize> {
    let Some(offline) = state.store.get() else { return Ok(0) };
    let _one_at_a_time = offline.replaying.lock().await;
    let limited = state.sessions.limited_user();
    let mut landed = 0;
    // Appointments an earlier kept write is still waiting on (refused, or its author's): a later
    // write on the same one waits behind it, in order, rather than be checked against a state the
    // earlier one was meant to change.
    let mut held = std::collections::HashSet::new();
    for entry in podoclinic_store::outbox::open(&offline.store).await.map_err(fault)? {
        let Some(write) = readable(&entry) else { continue };
        if let Some(appointment) = write.appointment()
            && held.contains(&appointment)
        {
            continue;
        }
        if entry.state != podoclinic_store::outbox::State::Pending {
            held.extend(write.appointment());
            continue;
        }
        if limited == Some(entry.user_id) {
            break;
        }
        let pool = match state.db() {
            Ok(pool) => pool,
            Err(_) => break,
        };
        // Typed in a session the server has not confirmed: it waits for its author (a sign-out
        // or a restart does not send it), without holding up what others typed; unless the server
        // deactivated that author meanwhile, who never will confirm: then it goes to the tray now
        // (a sign-in audited as a deactivated user's).
        let mut author_inactive = false;
        if !entry.confirmed {
            match author_active(&pool, entry.user_id).await {
                Ok(true) => {
                    held.extend(write.appointment());
                    continue;
                }
                Ok(false) => author_inactive = true,
                Err(_) => break,
            }
        }
        let sent = match &write {
            Write::SignInFailed { .. } => {
                sent(report_failure(&pool, &state.desk, entry.id, entry.user_id, &write).await)
            }
            _ => match authentic(&pool, &entry).await {
                Err(e) => {
                    // The proof could not be checked (the server faltered): try again later, in
                    // order; a write is refused for what it is, never for the server's trouble.
                    tracing::warn!(error = %e, "a kept write's proof not checked now");
                    Sent::NotNow
                }
                Ok(Authentic::No) => Sent::Refused(AppError::conflict(NOT_AUTHENTIC, None)),
                Ok(authentic) => match (&write, authentic) {
                    (Write::SignIn { .. }, _) => sign_in_sent(&pool, &state.desk, &entry, &write).await,
                    _ if author_inactive => Sent::Refused(AppError::conflict("user_inactive", None)),
                    (_, Authentic::Stale) => Sent::Refused(AppError::conflict(AUTHOR_MUST_CONFIRM, None)),
                    _ => send(&pool, &state.desk, entry.id, entry.user_id, &write).await,
                },
            },
        };
        match sent {
            Sent::Landed => {
                podoclinic_store::outbox::remove(&offline.store, entry.id).await.map_err(fault)?;
                landed += 1;
            }
            Sent::Refused(why) => {
                held.extend(write.appointment());
                tracing::warn!(write = write.kind(), refusal = %why, "a write kept offline was refused");
                let refusal = serde_json::to_string(&why).map_err(AppError::internal)?;
                podoclinic_store::outbox::refuse(&offline.store, entry.id, &refusal, Utc::now())
                    .await
                    .map_err(fault)?;
            }
            Sent::NotNow => break,
        }
        // What the desk showed for the write is replaced by what the server now holds.
        settle_store(&pool, offline, &write).await?;
        offline.recount().await?;
    }
    Ok(landed)
}

fn sent(outcome: AppResult<()>) -> Sent {
    match outcome {
        Ok(()) => Sent::Landed,
        Err(AppError::Offline | AppError::Busy | AppError::Conflicted) => Sent::NotNow,
        Err(e) => Sent::Refused(e),
    }
}

/// Whether the server has `user` as an active user (a user it does not have never will be).
async fn author_active(pool: &sqlx::PgPool, user: Uuid) -> AppResult<bool> {
    Ok(podoclinic_clinic::auth::repo::find_user(pool, user).await?.is_some_and(|u| u.active))
}

/// A proved sign-in without the server: audited as the user's; a user deactivated since is
/// audited as such and the row goes to the tray.
async fn sign_in_sent(pool: &sqlx::PgPool, desk: &str, entry: &podoclinic_store::outbox::Entry, write: &Write) -> Sent {
    let active = match author_active(pool, entry.user_id).await {
        Ok(active) => active,
        Err(_) => return Sent::NotNow,
    };
    if active {
        return send(pool, desk, entry.id, entry.user_id, write).await;
    }
    match audit_inactive_sign_in(pool, desk, entry.id, entry.user_id, write).await {
        Ok(()) => Sent::Refused(AppError::conflict("user_inactive", None)),
        Err(_) => Sent::NotNow,
    }
}

/// Whether the server has already taken the kept write `id` (sent before, from this desk's file or
/// a copy of it).
async fn landed_before(pool: &sqlx::PgPool, id: Uuid) -> AppResult<bool> {
    Ok(sqlx::query_scalar!(r#"SELECT EXISTS (SELECT 1 FROM outbox_landed WHERE id = $1) AS "landed!""#, id)
        .fetch_one(pool)
        .await?)
}

/// Notes on the server that the kept write `id` was taken.
async fn note_landed(pool: &sqlx::PgPool, id: Uuid, user: Uuid, desk: &str) -> AppResult<()> {
    sqlx::query!(
        "INSERT INTO outbox_landed (id, user_id, desk) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING",
        id,
        user,
        desk
    )
    .execute(pool)
    .await?;
    Ok(())
}

async fn send(pool: &sqlx::PgPool, desk: &str, id: Uuid, user: Uuid, write: &Write) -> Sent {
    let outcome = async {
        // Taken already: recognised, not made again.
        if landed_before(pool, id).await? {
            return Ok(());
        }
        let mut ctx = Ctx::for_user(pool, user, desk).await?;
        ctx.drawer = write.drawer();
        write.allowed(&ctx.session)?;
        write.still_as_seen(pool).await?;
        let mut reruns = 0;
        loop {
            match write.apply(&ctx, id).await {
                Err(AppError::Conflicted) if reruns < crate::state::RETRIES => reruns += 1,
                Ok(()) => return note_landed(pool, id, user, desk).await,
                other => return other,
            }
        }
    };
    sent(outcome.await)
}

/// After a write was sent (landed or refused), the desk store of what it touched follows the
/// server: the appointment's agenda is re-read, a patient typed here leaves the pending list, a
/// charge made here is read from the server from now on.
async fn settle_store(pool: &sqlx::PgPool, offline: &DeskStore, write: &Write) -> AppResult<()> {
    if let Some(id) = write.appointment() {
        podoclinic_store::agenda::remove(&offline.store, id).await.map_err(fault)?;
        if let Some(a) = podoclinic_clinic::appointments::repo::find(pool, id).await?
            && a.status.is_live()
        {
            offline.show(&a, false).await?;
        }
    }
    match write {
        Write::CreatePatient { patient, .. } | Write::UpdatePatient { patient } => {
            super::sync::patient(pool, offline, patient.id).await?
        }
        Write::Charge { input } => offline.drop_view(super::View::Charge(input.id)).await?,
        _ => {}
    }
    Ok(())
}

/// Sends the outbox whenever the server is (back) online or a write was kept, for the app's life.
pub async fn run(state: &AppState) {
    let Some(offline) = state.store.get().cloned() else { return };
    let mut status = state.health.status.subscribe();
    loop {
        if *status.borrow_and_update() == crate::db::health::DbStatus::Online
            && let Err(e) = replay(state).await
        {
            tracing::warn!(error = %e, "outbox not sent");
        }
        tokio::select! {
            changed = status.changed() => if changed.is_err() { return },
            _ = offline.kick.notified() => {}
            _ = tokio::time::sleep(std::time::Duration::from_secs(30)) => {}
        }
    }
}

/// The signed-in session, with the server or without it (the tray works either way).
async fn session(state: &AppState) -> AppResult<Session> {
    match crate::guard::signed_in(state).await {
        Err(AppError::Offline | AppError::ConfirmPassword) => state.sessions.touch(Utc::now()),
        other => Ok(other?.session),
    }
}

fn offline(state: &AppState) -> AppResult<&DeskStore> {
    state.store.get().map(|o| &**o).ok_or_else(|| AppError::not_found("outbox"))
}

/// "Pendientes y conflictos": the writes kept at this desk and not settled, those the user may
/// make (a receptionist does not see a podiatrist's clinical writes, and the other way round).
pub async fn tray(state: &AppState) -> AppResult<Vec<Kept>> {
    let session = session(state).await?;
    let kept = offline(state)?.kept().await?;
    Ok(kept
        .into_iter()
        .filter(|k| k.refusal.is_some() || k.write.permission().is_some())
        .filter(|k| k.write.shown_to(&session))
        .collect())
}

/// A refused write (or one waiting for its author's confirmation), corrected (another slot, another
/// podiatrist, booked anyway with the override, registered anyway as a new patient) or not, goes
/// back in line in its place, as the write of
/// whoever amended it: sent with their permissions, under their proof (the tray still says who
/// typed it first).
pub async fn amend(state: &AppState, id: Uuid, write: Write) -> AppResult<()> {
    let session = session(state).await?;
    let offline = offline(state)?;
    let entry = podoclinic_store::outbox::find(&offline.store, id).await.map_err(fault)?;
    let entry = entry.ok_or_else(|| AppError::not_found("outbox"))?;
    // A refused write, or one waiting for an author who has not confirmed their session: someone
    // else may send it as theirs.
    if entry.state != podoclinic_store::outbox::State::Conflict && entry.confirmed {
        return Err(AppError::conflict("outbox_not_refused", None));
    }
    let before = readable(&entry).ok_or_else(|| AppError::not_found("outbox"))?;
    if before.kind() != write.kind() || before.appointment() != write.appointment() {
        return Err(AppError::validation("write", "outbox_other_write"));
    }
    // A signed letter is the signers' and its podiatrist's, who confirmed it with a password: it
    // is sent again only as it was signed and by its author, or given up; never amended.
    if let Write::SignConsent { .. } = &before
        && (entry.user_id != session.user_id || serde_json::to_value(&before).ok() != serde_json::to_value(&write).ok())
    {
        return Err(AppError::conflict("letter_not_amendable", None));
    }
    if write.permission().is_none() {
        return Err(AppError::validation("write", "outbox_other_write"));
    }
    before.allowed(&session)?;
    write.allowed(&session)?;
    // A change to an appointment keeps what it was typed on, unless it was refused: then the
    // amended one is made on the appointment as the server holds it now, which the tray showed.
    let changes_one = matches!(write, Write::Reschedule { .. } | Write::SetStatus { .. } | Write::Cancel { .. });
    let write = match write.appointment() {
        Some(id) if changes_one && entry.state == podoclinic_store::outbox::State::Conflict => {
            let now = podoclinic_clinic::appointments::repo::find(&state.db()?, id).await?;
            write.seen_now(now.map(|a| Seen::of(&a)))
        }
        _ => write.seen_now(before.seen().cloned()),
    };
    // Amended in a session the server has not confirmed, it waits for this author in turn.
    offline.rewrite(&entry, session.user_id, &write, !state.sessions.is_limited()).await
}

/// Gives up a refused write, with the reason: audited on the server (what was typed, by whom, why
/// it was given up), so it needs the server.
pub async fn discard(ctx: &Ctx, offline: &DeskStore, id: Uuid, reason: String) -> AppResult<()> {
    let mut reason = reason;
    podoclinic_clinic::validate::required(&mut reason, "reason", podoclinic_clinic::limits::CANCEL_REASON)?;
    let entry = podoclinic_store::outbox::find(&offline.store, id).await.map_err(fault)?;
    let entry = entry.ok_or_else(|| AppError::not_found("outbox"))?;
    if entry.state != podoclinic_store::outbox::State::Conflict {
        return Err(AppError::conflict("outbox_not_refused", None));
    }
    let write = readable(&entry).ok_or_else(|| AppError::not_found("outbox"))?;
    write.allowed(&ctx.session)?;
    if !write.shown_to(&ctx.session) {
        return Err(AppError::Forbidden { permission: Permission::UsersManage });
    }
    let after = serde_json::json!({
        "write": write, "refusal": entry.refusal, "reason": reason, "author": entry.user_id,
        "typedBy": entry.typed_by.unwrap_or(entry.user_id), "typedAt": entry.created_at,
    });
    let record = podoclinic_clinic::audit::Entry::new(podoclinic_clinic::audit::Action::OutboxDiscard, "outbox", id)
        .after(&after);
    podoclinic_clinic::audit::record(&ctx.pool, &ctx.actor, record).await?;
    podoclinic_store::outbox::remove(&offline.store, id).await.map_err(fault)?;
    settle_store(&ctx.pool, offline, &write).await?;
    offline.recount().await?;
    Ok(())
}

/// The banner's facts: what the outbox holds and how old the desk store is.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct StoreStatus {
    pub outbox: OutboxCount,
    /// When the desk store was last refreshed whole (`null`: never).
    pub synced_at: Option<DateTime<Utc>>,
}

pub async fn store_status(state: &AppState) -> AppResult<StoreStatus> {
    match state.store.get() {
        Some(offline) => {
            let outbox = *offline.outbox.borrow();
            Ok(StoreStatus { outbox, synced_at: offline.synced_at().await? })
        }
        None => Ok(StoreStatus { outbox: OutboxCount::default(), synced_at: None }),
    }
}
