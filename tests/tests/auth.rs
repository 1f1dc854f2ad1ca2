//! Accounts, login, lockout, sessions and roles against a real PostgreSQL (fresh database per test).

use chrono::{Duration, Utc};
use podoclinic_clinic::auth::Permission;
use podoclinic_clinic::auth::model::{FirstAdminInput, NewUserInput, RoleInput, UserUpdateInput};
use podoclinic_clinic::auth::service::{self, Purpose};
use podoclinic_clinic::error::AppError;
use podoclinic_desk::guard::require;
use podoclinic_tests::*;
use sqlx::PgPool;
use uuid::Uuid;

#[sqlx::test(migrations = "../migrations")]
async fn the_first_admin_can_be_created_once_and_is_audited(pool: PgPool) {
    assert!(service::needs_first_admin(&desk(&pool)).await.unwrap());
    let admin = first_admin(&pool).await;
    assert_eq!(admin.role_name, "admin");
    assert!(!service::needs_first_admin(&desk(&pool)).await.unwrap());

    let again = FirstAdminInput {
        id: Uuid::now_v7(),
        username: "otro".into(),
        display_name: "Otro".into(),
        password: ADMIN_PASSWORD.into(),
    };
    let err = service::create_first_admin(&desk_named(&pool, "desk-2"), again).await.unwrap_err();
    assert_eq!(err, AppError::conflict("already_initialized", None));
    assert_eq!(audit_actions(&pool).await, vec!["user.create_first_admin"]);
}

#[sqlx::test(migrations = "../migrations")]
async fn two_desks_racing_to_create_the_first_admin_make_exactly_one(pool: PgPool) {
    let tasks: Vec<_> = (0..6)
        .map(|i| {
            let pool = pool.clone();
            tokio::spawn(async move {
                let input = FirstAdminInput {
                    id: Uuid::now_v7(),
                    username: format!("admin{i}"),
                    display_name: format!("Admin {i}"),
                    password: ADMIN_PASSWORD.into(),
                };
                service::create_first_admin(&desk_named(&pool, &format!("desk-{i}")), input).await
            })
        })
        .collect();
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(e) => assert_eq!(e, AppError::conflict("already_initialized", None)),
        }
    }
    assert_eq!(ok, 1);
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users").fetch_one(&pool).await.unwrap();
    assert_eq!(users, 1);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_weak_first_admin_password_is_refused_naming_the_field_and_nothing_is_stored(pool: PgPool) {
    let input = FirstAdminInput {
        id: Uuid::now_v7(),
        username: "admin".into(),
        display_name: "A".into(),
        password: "12345678".into(),
    };
    let err = service::create_first_admin(&desk_named(&pool, "d"), input).await.unwrap_err();
    assert_eq!(err, AppError::validation("password", "password_too_common"));
    assert!(service::needs_first_admin(&desk(&pool)).await.unwrap());
    assert!(audit_actions(&pool).await.is_empty());
}

#[sqlx::test(migrations = "../migrations")]
async fn login_succeeds_with_the_right_password_and_gives_the_role_s_permissions(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let rec = staff(&pool, &admin, "recepcion1", RECEPTION_ROLE).await;
    let session = service::authenticate(&desk_named(&pool, "desk-1"), " Recepcion1 ", STAFF_PASSWORD, Purpose::Login)
        .await
        .unwrap();
    assert_eq!(session.user_id, rec.id);
    assert!(session.permissions.contains(&Permission::AppointmentsWrite));
    assert!(!session.permissions.contains(&Permission::ClinicalRead), "reception must not read clinical notes");
    assert!(!session.permissions.contains(&Permission::UsersManage));
    assert_eq!(session.idle_limit, Duration::minutes(5));
    let admin_session =
        service::authenticate(&desk_named(&pool, "desk-1"), "admin", ADMIN_PASSWORD, Purpose::Login).await.unwrap();
    assert_eq!(admin_session.permissions.len(), Permission::ALL.len());
    assert_eq!(audit_actions(&pool).await.iter().filter(|a| *a == "login.success").count(), 2);
}

#[sqlx::test(migrations = "../migrations")]
async fn wrong_passwords_and_unknown_users_look_the_same_and_are_audited(pool: PgPool) {
    first_admin(&pool).await;
    let wrong =
        service::authenticate(&desk_named(&pool, "d"), "admin", "not the password", Purpose::Login).await.unwrap_err();
    let unknown =
        service::authenticate(&desk_named(&pool, "d"), "nadie", "not the password", Purpose::Login).await.unwrap_err();
    assert_eq!(wrong, AppError::InvalidCredentials);
    assert_eq!(unknown, AppError::InvalidCredentials);
    // A password typed into the username box, and a username of a megabyte: the same answer.
    let typed_password = "mi clave secreta 2026";
    let pasted = service::authenticate(&desk_named(&pool, "d"), typed_password, "x", Purpose::Login).await.unwrap_err();
    let huge = "a".repeat(1_000_000);
    let flood = service::authenticate(&desk_named(&pool, "d"), &huge, "x", Purpose::Login).await.unwrap_err();
    let nul = service::authenticate(&desk_named(&pool, "d"), "ad\0min", "x", Purpose::Login).await.unwrap_err();
    assert_eq!(
        [pasted, flood, nul],
        [AppError::InvalidCredentials, AppError::InvalidCredentials, AppError::InvalidCredentials]
    );
    let failures: Vec<(Option<String>, String, Option<String>)> = sqlx::query_as(
        "SELECT username, after->>'reason', after->>'typed' FROM audit_log WHERE action = 'login.failure' ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(failures[0], (Some("admin".into()), "wrong_password".into(), None));
    // Unknown usernames are a marker and a short digest, never the text typed.
    for (username, reason, typed) in &failures[1..] {
        assert_eq!((username, reason.as_str()), (&None, "unknown_user"));
        assert_eq!(typed.as_deref().map(str::len), Some(8));
    }
    assert_eq!(failures.len(), 5, "each failure is audited, the megabyte and the NUL too");
    let everything: String = sqlx::query_scalar(
        "SELECT string_agg(coalesce(username, '') || coalesce(after::text, ''), ' ') FROM audit_log",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(!everything.contains("nadie") && !everything.contains("clave secreta") && !everything.contains("aaaaaaaa"));
}

/// Unknown, wrong and locked answer alike, at the same cost; only the right password for a
/// locked account hears that it is locked, and until when.
#[sqlx::test(migrations = "../migrations")]
async fn a_locked_account_answers_like_a_wrong_password_until_the_right_one_is_given(pool: PgPool) {
    let admin = first_admin(&pool).await;
    staff(&pool, &admin, "recepcion1", RECEPTION_ROLE).await;
    let attempt = |username: &'static str, password: &'static str| {
        let pool = pool.clone();
        async move {
            let started = std::time::Instant::now();
            let answer = service::authenticate(&desk_named(&pool, "d"), username, password, Purpose::Login).await;
            (answer.unwrap_err(), started.elapsed())
        }
    };
    for _ in 0..5 {
        assert_eq!(attempt("recepcion1", "wrong password").await.0, AppError::InvalidCredentials);
    }
    let (locked_wrong, t_locked) = attempt("recepcion1", "wrong password").await;
    let (unknown, t_unknown) = attempt("nadie", "wrong password").await;
    let (wrong, t_wrong) = attempt("admin", "wrong password").await;
    assert_eq!([&locked_wrong, &unknown, &wrong], [&AppError::InvalidCredentials; 3]);
    // Each paid one password hash (tens of milliseconds); none answered without one.
    println!(
        "answer times: locked {:.1} ms, unknown {:.1} ms, wrong password {:.1} ms",
        t_locked.as_secs_f64() * 1e3,
        t_unknown.as_secs_f64() * 1e3,
        t_wrong.as_secs_f64() * 1e3
    );
    let floor = t_wrong.min(t_unknown).min(t_locked);
    assert!(floor >= std::time::Duration::from_millis(5), "a hash check each: {t_locked:?} {t_unknown:?} {t_wrong:?}");
    let (right, _) = attempt("recepcion1", STAFF_PASSWORD).await;
    assert!(matches!(right, AppError::LockedOut { .. }), "{right:?}");
}

/// The last active admin cannot be locked out by someone at the login screen: failures past the
/// threshold only wait, and the right password still gets in.
#[sqlx::test(migrations = "../migrations")]
async fn the_last_admin_is_slowed_never_locked_out(pool: PgPool) {
    first_admin(&pool).await;
    for _ in 0..12 {
        let err =
            service::authenticate(&desk_named(&pool, "d"), "admin", "adivinando", Purpose::Login).await.unwrap_err();
        assert_eq!(err, AppError::InvalidCredentials);
    }
    service::authenticate(&desk_named(&pool, "d"), "admin", ADMIN_PASSWORD, Purpose::Login)
        .await
        .expect("the last admin still gets in");
    assert!(!audit_actions(&pool).await.contains(&"user.lockout".to_string()));
}

#[sqlx::test(migrations = "../migrations")]
async fn five_failures_lock_the_account_on_every_desk_until_an_admin_unlocks_it(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let rec = staff(&pool, &admin, "recepcion1", RECEPTION_ROLE).await;
    for i in 1..=4 {
        let desk = if i % 2 == 0 { "desk-1" } else { "desk-2" };
        let err = service::authenticate(&desk_named(&pool, desk), "recepcion1", "wrong password", Purpose::Login)
            .await
            .unwrap_err();
        assert_eq!(err, AppError::InvalidCredentials, "attempt {i}");
    }
    let fifth = service::authenticate(&desk_named(&pool, "desk-3"), "recepcion1", "wrong password", Purpose::Login)
        .await
        .unwrap_err();
    assert_eq!(fifth, AppError::InvalidCredentials, "the lock is not told to a wrong password");
    // The right password hears it, from any desk.
    let told = service::authenticate(&desk_named(&pool, "desk-1"), "recepcion1", STAFF_PASSWORD, Purpose::Login)
        .await
        .unwrap_err();
    let AppError::LockedOut { until } = told else { panic!("expected lockout, got {told:?}") };
    let until = chrono::DateTime::parse_from_rfc3339(&until).unwrap().with_timezone(&Utc);
    let minutes = (until - Utc::now()).num_minutes();
    assert!((14..=15).contains(&minutes), "locked for {minutes} minutes");

    let listed = service::list_users(&ctx_of(&pool, &admin).await).await.unwrap();
    assert!(listed.iter().find(|u| u.id == rec.id).unwrap().locked_until.is_some());

    let unlocked = service::unlock_user(&ctx_of(&pool, &admin).await, rec.id).await.unwrap();
    assert!(unlocked.locked_until.is_none());
    service::authenticate(&desk_named(&pool, "desk-1"), "recepcion1", STAFF_PASSWORD, Purpose::Login).await.unwrap();
    let actions = audit_actions(&pool).await;
    assert!(actions.contains(&"user.lockout".to_string()) && actions.contains(&"user.unlock".to_string()));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_repeated_lockout_lasts_twice_as_long_up_to_an_hour(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let rec = staff(&pool, &admin, "recepcion1", RECEPTION_ROLE).await;
    let lock_once = || async {
        for _ in 0..5 {
            service::authenticate(&desk_named(&pool, "d"), "recepcion1", "wrong password", Purpose::Login)
                .await
                .unwrap_err();
        }
        let told = service::authenticate(&desk_named(&pool, "d"), "recepcion1", STAFF_PASSWORD, Purpose::Login)
            .await
            .unwrap_err();
        match told {
            AppError::LockedOut { until } => {
                (chrono::DateTime::parse_from_rfc3339(&until).unwrap().with_timezone(&Utc) - Utc::now()).num_minutes()
            }
            other => panic!("expected lockout, got {other:?}"),
        }
    };
    assert!((14..=15).contains(&lock_once().await));
    service::unlock_user(&ctx_of(&pool, &admin).await, rec.id).await.unwrap();
    assert!((29..=30).contains(&lock_once().await));
    service::unlock_user(&ctx_of(&pool, &admin).await, rec.id).await.unwrap();
    assert!((59..=60).contains(&lock_once().await));
    service::unlock_user(&ctx_of(&pool, &admin).await, rec.id).await.unwrap();
    assert!((59..=60).contains(&lock_once().await), "capped at an hour");
    // A successful login forgets the repeats.
    service::unlock_user(&ctx_of(&pool, &admin).await, rec.id).await.unwrap();
    service::authenticate(&desk_named(&pool, "d"), "recepcion1", STAFF_PASSWORD, Purpose::Login).await.unwrap();
    assert!((14..=15).contains(&lock_once().await));
}

#[sqlx::test(migrations = "../migrations")]
async fn failures_older_than_fifteen_minutes_do_not_count(pool: PgPool) {
    let admin = first_admin(&pool).await;
    staff(&pool, &admin, "recepcion1", RECEPTION_ROLE).await;
    for _ in 0..4 {
        service::authenticate(&desk_named(&pool, "d"), "recepcion1", "wrong password", Purpose::Login)
            .await
            .unwrap_err();
    }
    sqlx::query("UPDATE login_failures SET at = at - interval '16 minutes'").execute(&pool).await.unwrap();
    let err = service::authenticate(&desk_named(&pool, "d"), "recepcion1", "wrong password", Purpose::Login)
        .await
        .unwrap_err();
    assert_eq!(err, AppError::InvalidCredentials);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_hash_weaker_than_today_s_policy_is_replaced_at_login(pool: PgPool) {
    use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
    let admin = first_admin(&pool).await;
    let weak = argon2::Argon2::new(
        argon2::Algorithm::Argon2i,
        argon2::Version::V0x13,
        argon2::Params::new(4096, 1, 1, None).unwrap(),
    );
    let hash = weak.hash_password(ADMIN_PASSWORD.as_bytes(), &SaltString::generate(&mut OsRng)).unwrap().to_string();
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(&hash)
        .bind(admin.id)
        .execute(&pool)
        .await
        .unwrap();

    service::authenticate(&desk_named(&pool, "d"), "admin", ADMIN_PASSWORD, Purpose::Login).await.unwrap();
    let stored: String = sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
        .bind(admin.id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{stored}");
    assert!(audit_actions(&pool).await.contains(&"user.password_rehash".to_string()));
    service::authenticate(&desk_named(&pool, "d"), "admin", ADMIN_PASSWORD, Purpose::Login).await.unwrap();
}

#[sqlx::test(migrations = "../migrations")]
async fn the_audit_log_refuses_updates_and_deletes(pool: PgPool) {
    first_admin(&pool).await;
    let update = sqlx::query("UPDATE audit_log SET action = 'nothing happened'").execute(&pool).await.unwrap_err();
    let delete = sqlx::query("DELETE FROM audit_log").execute(&pool).await.unwrap_err();
    let truncate = sqlx::query("TRUNCATE audit_log").execute(&pool).await.unwrap_err();
    for err in [update, delete, truncate] {
        assert_eq!(AppError::from(err), AppError::conflict("audit_log_append_only", None));
    }
    assert_eq!(audit_actions(&pool).await, vec!["user.create_first_admin"]);
}

#[sqlx::test(migrations = "../migrations")]
async fn creating_a_user_twice_with_one_id_is_idempotent_and_different_content_is_refused(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let actor = ctx_of(&pool, &admin).await;
    let input = NewUserInput {
        id: Uuid::now_v7(),
        username: "ana".into(),
        display_name: "Ana".into(),
        password: STAFF_PASSWORD.into(),
        role_id: RECEPTION_ROLE,
    };
    let first = service::create_user(&actor, input.clone()).await.unwrap();
    let replay = service::create_user(&actor, input.clone()).await.unwrap();
    assert_eq!(first, replay);
    let changed = NewUserInput { display_name: "Ana María".into(), ..input.clone() };
    assert_eq!(service::create_user(&actor, changed).await.unwrap_err(), AppError::conflict("id_reused", None));
    let other_id_same_name = NewUserInput { id: Uuid::now_v7(), ..input };
    assert_eq!(
        service::create_user(&actor, other_id_same_name).await.unwrap_err(),
        AppError::conflict("username_taken", Some("username"))
    );
    let creates = audit_actions(&pool).await.iter().filter(|a| *a == "user.create").count();
    assert_eq!(creates, 1);
}

#[sqlx::test(migrations = "../migrations")]
async fn the_last_active_admin_cannot_be_demoted_or_deactivated(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let actor = ctx_of(&pool, &admin).await;
    let demote = UserUpdateInput {
        id: admin.id,
        display_name: admin.display_name.clone(),
        role_id: RECEPTION_ROLE,
        active: true,
    };
    assert_eq!(
        service::update_user(&actor, demote.clone()).await.unwrap_err(),
        AppError::conflict("last_admin", Some("roleId"))
    );
    let deactivate = UserUpdateInput { role_id: admin.role_id, active: false, ..demote.clone() };
    assert_eq!(
        service::update_user(&actor, deactivate).await.unwrap_err(),
        AppError::conflict("last_admin", Some("active"))
    );

    let second = staff(&pool, &admin, "admin2", admin.role_id).await;
    let updated = service::update_user(&actor, demote).await.unwrap();
    assert_eq!(updated.role_id, RECEPTION_ROLE);
    assert!(
        service::list_users(&ctx_of(&pool, &admin).await).await.unwrap().iter().any(|u| u.id == second.id && u.active)
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn the_admin_role_is_fixed_and_other_roles_are_editable(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let actor = ctx_of(&pool, &admin).await;
    let edit_admin = RoleInput { id: admin.role_id, name: "jefe".into(), permissions: vec![] };
    assert_eq!(
        service::update_role(&actor, edit_admin).await.unwrap_err(),
        AppError::conflict("admin_role_fixed", None)
    );

    let role = service::create_role(
        &actor,
        RoleInput {
            id: Uuid::now_v7(),
            name: "Caja".into(),
            permissions: vec![Permission::CashOperate, Permission::CashClose],
        },
    )
    .await
    .unwrap();
    assert_eq!(role.permissions, vec![Permission::CashOperate, Permission::CashClose]);
    let dup = RoleInput { id: Uuid::now_v7(), name: "caja".into(), permissions: vec![] };
    assert_eq!(
        service::create_role(&actor, dup).await.unwrap_err(),
        AppError::conflict("role_name_taken", Some("name"))
    );
    let blank = RoleInput { id: Uuid::now_v7(), name: "  ".into(), permissions: vec![] };
    assert_eq!(service::create_role(&actor, blank).await.unwrap_err(), AppError::validation("name", "required"));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_permission_removed_from_a_role_is_refused_within_two_seconds_in_a_live_session(pool: PgPool) {
    let admin = first_admin(&pool).await;
    staff(&pool, &admin, "recepcion1", RECEPTION_ROLE).await;
    let state = state_on(pool.clone(), "desk-1");
    let session = service::authenticate(&desk_named(&pool, "desk-1"), "recepcion1", STAFF_PASSWORD, Purpose::Login)
        .await
        .unwrap();
    state.sessions.start(session);
    assert!(require(&state, Permission::StatsRead, None).await.is_ok());

    let reception = service::list_roles(&ctx_of(&pool, &admin).await)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.id == RECEPTION_ROLE)
        .unwrap();
    let fewer: Vec<Permission> =
        reception.permissions.iter().copied().filter(|p| *p != Permission::StatsRead).collect();
    service::update_role(
        &ctx_of(&pool, &admin).await,
        RoleInput { id: RECEPTION_ROLE, name: reception.name, permissions: fewer },
    )
    .await
    .unwrap();
    // Grants are re-read at most every GRANTS_TTL (2 s); let that pass.
    state.sessions.age(podoclinic_clinic::auth::session::GRANTS_TTL);
    assert_eq!(
        require(&state, Permission::StatsRead, None).await.err(),
        Some(AppError::Forbidden { permission: Permission::StatsRead })
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_deactivated_user_is_signed_out_within_two_seconds(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let rec = staff(&pool, &admin, "recepcion1", RECEPTION_ROLE).await;
    let state = state_on(pool.clone(), "desk-1");
    state.sessions.start(
        service::authenticate(&desk_named(&pool, "desk-1"), "recepcion1", STAFF_PASSWORD, Purpose::Login)
            .await
            .unwrap(),
    );
    let off =
        UserUpdateInput { id: rec.id, display_name: rec.display_name.clone(), role_id: RECEPTION_ROLE, active: false };
    service::update_user(&ctx_of(&pool, &admin).await, off).await.unwrap();
    state.sessions.age(podoclinic_clinic::auth::session::GRANTS_TTL);
    assert_eq!(require(&state, Permission::PatientsRead, None).await.err(), Some(AppError::Unauthorized));
    assert!(state.sessions.peek().is_none());
    let err = service::authenticate(&desk_named(&pool, "desk-1"), "recepcion1", STAFF_PASSWORD, Purpose::Login)
        .await
        .unwrap_err();
    assert_eq!(err, AppError::InvalidCredentials);
}

#[sqlx::test(migrations = "../migrations")]
async fn an_idle_session_locks_and_only_the_password_unlocks_it(pool: PgPool) {
    first_admin(&pool).await;
    let state = state_on(pool.clone(), "desk-1");
    state.sessions.start(
        service::authenticate(&desk_named(&pool, "desk-1"), "admin", ADMIN_PASSWORD, Purpose::Login).await.unwrap(),
    );
    state.sessions.age(Duration::minutes(6));
    assert_eq!(require(&state, Permission::UsersManage, None).await.err(), Some(AppError::SessionLocked));

    let wrong = service::authenticate(&desk_named(&pool, "desk-1"), "admin", "not it at all", Purpose::Unlock)
        .await
        .unwrap_err();
    assert_eq!(wrong, AppError::InvalidCredentials);
    service::authenticate(&desk_named(&pool, "desk-1"), "admin", ADMIN_PASSWORD, Purpose::Unlock).await.unwrap();
    state.sessions.unlock(Utc::now()).unwrap();
    assert!(require(&state, Permission::UsersManage, None).await.is_ok());

    state.sessions.age(Duration::hours(12));
    assert_eq!(require(&state, Permission::UsersManage, None).await.err(), Some(AppError::Unauthorized));
    let actions = audit_actions(&pool).await;
    assert!(actions.contains(&"session.unlock_failure".to_string()) && actions.contains(&"session.unlock".to_string()));
}

#[sqlx::test(migrations = "../migrations")]
async fn the_idle_lock_time_comes_from_the_clinic_profile(pool: PgPool) {
    first_admin(&pool).await;
    sqlx::query("UPDATE clinic_profile SET idle_lock_minutes = 15").execute(&pool).await.unwrap();
    let state = state_on(pool.clone(), "desk-1");
    state.sessions.start(
        service::authenticate(&desk_named(&pool, "desk-1"), "admin", ADMIN_PASSWORD, Purpose::Login).await.unwrap(),
    );
    state.sessions.age(Duration::minutes(10));
    assert!(require(&state, Permission::UsersManage, None).await.is_ok(), "10 idle minutes are under the clinic's 15");
    state.sessions.age(Duration::minutes(15));
    assert_eq!(
        require(&state, Permission::UsersManage, None).await.err(),
        Some(AppError::SessionLocked),
        "15 idle minutes reach the clinic's limit"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn changing_one_s_own_password_needs_the_current_one(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let actor = ctx_of(&pool, &admin).await;
    let err = service::change_own_password(&actor, &quick_throttle(), "wrong current", "un camino nuevo 9".into())
        .await
        .unwrap_err();
    assert_eq!(err, AppError::validation("currentPassword", "wrong_password"));
    let err =
        service::change_own_password(&actor, &quick_throttle(), ADMIN_PASSWORD, "corta".into()).await.unwrap_err();
    assert_eq!(err, AppError::validation("newPassword", "password_too_short"));
    service::change_own_password(&actor, &quick_throttle(), ADMIN_PASSWORD, "un camino nuevo 9".into()).await.unwrap();
    service::authenticate(&desk_named(&pool, "d"), "admin", "un camino nuevo 9", Purpose::Login).await.unwrap();
}

/// A wrong current password in "change my password" is a guess like any other: audited, and
/// counted toward the lockout.
#[sqlx::test(migrations = "../migrations")]
async fn wrong_current_passwords_are_audited_and_count_toward_the_lockout(pool: PgPool) {
    let admin = first_admin(&pool).await;
    staff(&pool, &admin, "recepcion1", RECEPTION_ROLE).await;
    let me = ctx_for(&pool, "recepcion1", STAFF_PASSWORD).await;
    for _ in 0..5 {
        let err = service::change_own_password(&me, &quick_throttle(), "adivino", "un camino nuevo 9".into()).await;
        assert_eq!(err.unwrap_err(), AppError::validation("currentPassword", "wrong_password"));
    }
    let actions = audit_actions(&pool).await;
    assert_eq!(actions.iter().filter(|a| *a == "user.password_change_failure").count(), 5);
    assert!(actions.contains(&"user.lockout".to_string()), "five guesses lock the account");
    let locked = service::authenticate(&desk(&pool), "recepcion1", STAFF_PASSWORD, Purpose::Login).await;
    assert!(matches!(locked, Err(AppError::LockedOut { .. })));
}

/// Nobody hands out more than they hold: a users manager cannot make anyone (themselves
/// included) an admin, give a role beyond their own, or take an admin's account by resetting its
/// password; a roles manager cannot give their own role (or any) a permission they lack.
#[sqlx::test(migrations = "../migrations")]
async fn nobody_grants_themselves_or_others_more_than_they_hold(pool: PgPool) {
    let admin = first_admin(&pool).await;
    let admin_ctx = ctx_of(&pool, &admin).await;
    let manager_role = service::create_role(
        &admin_ctx,
        RoleInput {
            id: Uuid::now_v7(),
            name: "Gerencia".into(),
            permissions: vec![Permission::UsersManage, Permission::RolesManage, Permission::PatientsRead],
        },
    )
    .await
    .unwrap();
    let manager = staff(&pool, &admin, "gerente", manager_role.id).await;
    let ctx = ctx_of(&pool, &manager).await;
    let admin_role = podoclinic_clinic::auth::repo::admin_role_id(&pool).await.unwrap();
    let refused = |field: &str, key: &str| AppError::validation(field, key);

    let promote = UserUpdateInput { id: manager.id, display_name: "Gerente".into(), role_id: admin_role, active: true };
    assert_eq!(service::update_user(&ctx, promote).await.unwrap_err(), refused("roleId", "admin_only"));
    let new_admin = NewUserInput {
        id: Uuid::now_v7(),
        username: "complice".into(),
        display_name: "Cómplice".into(),
        password: "una clave larga 123".into(),
        role_id: admin_role,
    };
    assert_eq!(service::create_user(&ctx, new_admin.clone()).await.unwrap_err(), refused("roleId", "admin_only"));
    let podiatrist = NewUserInput { role_id: PODIATRIST_ROLE, ..new_admin };
    assert_eq!(service::create_user(&ctx, podiatrist).await.unwrap_err(), refused("roleId", "beyond_own"));
    let takeover = service::reset_password(&ctx, admin.id, "la clave es mía 99".into()).await;
    assert_eq!(takeover.unwrap_err(), refused("password", "admin_only"));
    let demote = UserUpdateInput { id: admin.id, display_name: "Admin".into(), role_id: manager_role.id, active: true };
    assert_eq!(service::update_user(&ctx, demote).await.unwrap_err(), refused("roleId", "admin_only"));

    let mut everything = manager_role.clone();
    everything.permissions = Permission::ALL.to_vec();
    let grown = RoleInput { id: everything.id, name: everything.name.clone(), permissions: everything.permissions };
    assert_eq!(service::update_role(&ctx, grown).await.unwrap_err(), refused("permissions", "beyond_own"));
    let wider = RoleInput { id: Uuid::now_v7(), name: "Caja total".into(), permissions: vec![Permission::CashOperate] };
    assert_eq!(service::create_role(&ctx, wider).await.unwrap_err(), refused("permissions", "beyond_own"));

    // Within their own: allowed. An admin may do all of the above.
    let narrower =
        RoleInput { id: Uuid::now_v7(), name: "Consulta".into(), permissions: vec![Permission::PatientsRead] };
    service::create_role(&ctx, narrower).await.expect("a role within one's own");
    let promote = UserUpdateInput { id: manager.id, display_name: "Gerente".into(), role_id: admin_role, active: true };
    service::update_user(&admin_ctx, promote).await.expect("an admin makes admins");
}
