//! What the audit log records: every action, by name. The names are the text stored in
//! `audit_log.action` (and shown in the admin window), so a variant is never renamed.

use serde::{Deserialize, Serialize};

/// An action the audit log records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type, sqlx::Type)]
#[sqlx(type_name = "text")]
pub enum Action {
    #[serde(rename = "access.refused")]
    #[sqlx(rename = "access.refused")]
    AccessRefused,
    #[serde(rename = "document.cash_report")]
    #[sqlx(rename = "document.cash_report")]
    DocumentCashReport,
    #[serde(rename = "document.csv")]
    #[sqlx(rename = "document.csv")]
    DocumentCsv,
    #[serde(rename = "document.open")]
    #[sqlx(rename = "document.open")]
    DocumentOpen,
    #[serde(rename = "document.receipt")]
    #[sqlx(rename = "document.receipt")]
    DocumentReceipt,
    #[serde(rename = "document.visit_note")]
    #[sqlx(rename = "document.visit_note")]
    DocumentVisitNote,
    #[serde(rename = "document.instructions")]
    #[sqlx(rename = "document.instructions")]
    DocumentInstructions,
    #[serde(rename = "document.referral")]
    #[sqlx(rename = "document.referral")]
    DocumentReferral,
    #[serde(rename = "document.clinical_summary")]
    #[sqlx(rename = "document.clinical_summary")]
    DocumentClinicalSummary,
    #[serde(rename = "outbox.discard")]
    #[sqlx(rename = "outbox.discard")]
    OutboxDiscard,
    #[serde(rename = "patient.import")]
    #[sqlx(rename = "patient.import")]
    PatientImport,
    #[serde(rename = "appointment.import")]
    #[sqlx(rename = "appointment.import")]
    AppointmentImport,
    #[serde(rename = "patient.read")]
    #[sqlx(rename = "patient.read")]
    PatientRead,
    #[serde(rename = "patient.account_read")]
    #[sqlx(rename = "patient.account_read")]
    PatientAccountRead,
    #[serde(rename = "charge.read")]
    #[sqlx(rename = "charge.read")]
    ChargeRead,
    #[serde(rename = "cash.report_read")]
    #[sqlx(rename = "cash.report_read")]
    CashReportRead,
    #[serde(rename = "appointment.book")]
    #[sqlx(rename = "appointment.book")]
    AppointmentBook,
    #[serde(rename = "appointment.cancel")]
    #[sqlx(rename = "appointment.cancel")]
    AppointmentCancel,
    #[serde(rename = "appointment.reschedule")]
    #[sqlx(rename = "appointment.reschedule")]
    AppointmentReschedule,
    #[serde(rename = "appointment.status")]
    #[sqlx(rename = "appointment.status")]
    AppointmentStatus,
    #[serde(rename = "appointment.reminder")]
    #[sqlx(rename = "appointment.reminder")]
    AppointmentReminder,
    #[serde(rename = "reminders.read")]
    #[sqlx(rename = "reminders.read")]
    RemindersRead,
    #[serde(rename = "cash.assign_desk")]
    #[sqlx(rename = "cash.assign_desk")]
    CashAssignDesk,
    #[serde(rename = "cash.close")]
    #[sqlx(rename = "cash.close")]
    CashClose,
    #[serde(rename = "backup.database_drop")]
    #[sqlx(rename = "backup.database_drop")]
    BackupDatabaseDrop,
    #[serde(rename = "backup.restore")]
    #[sqlx(rename = "backup.restore")]
    BackupRestore,
    /// A restore began: which file, before anything is read (a failed or abandoned one shows too).
    #[serde(rename = "backup.restore_start")]
    #[sqlx(rename = "backup.restore_start")]
    BackupRestoreStart,
    #[serde(rename = "backup.run")]
    #[sqlx(rename = "backup.run")]
    BackupRun,
    #[serde(rename = "backup.key_proof")]
    #[sqlx(rename = "backup.key_proof")]
    BackupKeyProof,
    #[serde(rename = "backup.settings_update")]
    #[sqlx(rename = "backup.settings_update")]
    BackupSettingsUpdate,
    #[serde(rename = "cash.movement")]
    #[sqlx(rename = "cash.movement")]
    CashMovement,
    #[serde(rename = "cash.open")]
    #[sqlx(rename = "cash.open")]
    CashOpen,
    #[serde(rename = "cash.register_create")]
    #[sqlx(rename = "cash.register_create")]
    CashRegisterCreate,
    #[serde(rename = "cash.register_update")]
    #[sqlx(rename = "cash.register_update")]
    CashRegisterUpdate,
    #[serde(rename = "charge.create")]
    #[sqlx(rename = "charge.create")]
    ChargeCreate,
    #[serde(rename = "clinic_profile.update")]
    #[sqlx(rename = "clinic_profile.update")]
    ClinicProfileUpdate,
    #[serde(rename = "demo.seed")]
    #[sqlx(rename = "demo.seed")]
    DemoSeed,
    #[serde(rename = "expense.create")]
    #[sqlx(rename = "expense.create")]
    ExpenseCreate,
    #[serde(rename = "expense_category.create")]
    #[sqlx(rename = "expense_category.create")]
    ExpenseCategoryCreate,
    #[serde(rename = "expense_category.update")]
    #[sqlx(rename = "expense_category.update")]
    ExpenseCategoryUpdate,
    #[serde(rename = "postgres.upgrade")]
    #[sqlx(rename = "postgres.upgrade")]
    PostgresUpgrade,
    #[serde(rename = "login.failure")]
    #[sqlx(rename = "login.failure")]
    LoginFailure,
    #[serde(rename = "login.success")]
    #[sqlx(rename = "login.success")]
    LoginSuccess,
    #[serde(rename = "logout")]
    #[sqlx(rename = "logout")]
    Logout,
    #[serde(rename = "patient.archive")]
    #[sqlx(rename = "patient.archive")]
    PatientArchive,
    #[serde(rename = "patient.create")]
    #[sqlx(rename = "patient.create")]
    PatientCreate,
    #[serde(rename = "patient.restore")]
    #[sqlx(rename = "patient.restore")]
    PatientRestore,
    #[serde(rename = "patient.update")]
    #[sqlx(rename = "patient.update")]
    PatientUpdate,
    #[serde(rename = "patient.reminders_opt_out")]
    #[sqlx(rename = "patient.reminders_opt_out")]
    PatientRemindersOptOut,
    #[serde(rename = "payment.create")]
    #[sqlx(rename = "payment.create")]
    PaymentCreate,
    #[serde(rename = "payment.refund")]
    #[sqlx(rename = "payment.refund")]
    PaymentRefund,
    #[serde(rename = "podiatrist.create")]
    #[sqlx(rename = "podiatrist.create")]
    PodiatristCreate,
    #[serde(rename = "podiatrist.update")]
    #[sqlx(rename = "podiatrist.update")]
    PodiatristUpdate,
    #[serde(rename = "product.create")]
    #[sqlx(rename = "product.create")]
    ProductCreate,
    #[serde(rename = "product.update")]
    #[sqlx(rename = "product.update")]
    ProductUpdate,
    #[serde(rename = "purchase.pay")]
    #[sqlx(rename = "purchase.pay")]
    PurchasePay,
    #[serde(rename = "purchase.receive")]
    #[sqlx(rename = "purchase.receive")]
    PurchaseReceive,
    #[serde(rename = "role.create")]
    #[sqlx(rename = "role.create")]
    RoleCreate,
    #[serde(rename = "role.update")]
    #[sqlx(rename = "role.update")]
    RoleUpdate,
    #[serde(rename = "schedule.add_exception")]
    #[sqlx(rename = "schedule.add_exception")]
    ScheduleAddException,
    #[serde(rename = "schedule.remove_exception")]
    #[sqlx(rename = "schedule.remove_exception")]
    ScheduleRemoveException,
    #[serde(rename = "schedule.set_weekly")]
    #[sqlx(rename = "schedule.set_weekly")]
    ScheduleSetWeekly,
    #[serde(rename = "session.unlock")]
    #[sqlx(rename = "session.unlock")]
    SessionUnlock,
    #[serde(rename = "session.unlock_failure")]
    #[sqlx(rename = "session.unlock_failure")]
    SessionUnlockFailure,
    #[serde(rename = "stock.movement")]
    #[sqlx(rename = "stock.movement")]
    StockMovement,
    #[serde(rename = "stock.shortfall")]
    #[sqlx(rename = "stock.shortfall")]
    StockShortfall,
    #[serde(rename = "supplier.create")]
    #[sqlx(rename = "supplier.create")]
    SupplierCreate,
    #[serde(rename = "supplier.update")]
    #[sqlx(rename = "supplier.update")]
    SupplierUpdate,
    #[serde(rename = "treatment.create")]
    #[sqlx(rename = "treatment.create")]
    TreatmentCreate,
    #[serde(rename = "treatment.update")]
    #[sqlx(rename = "treatment.update")]
    TreatmentUpdate,
    #[serde(rename = "user.create")]
    #[sqlx(rename = "user.create")]
    UserCreate,
    #[serde(rename = "user.create_first_admin")]
    #[sqlx(rename = "user.create_first_admin")]
    UserCreateFirstAdmin,
    #[serde(rename = "user.lockout")]
    #[sqlx(rename = "user.lockout")]
    UserLockout,
    #[serde(rename = "user.password_change")]
    #[sqlx(rename = "user.password_change")]
    UserPasswordChange,
    #[serde(rename = "user.password_change_failure")]
    #[sqlx(rename = "user.password_change_failure")]
    UserPasswordChangeFailure,
    #[serde(rename = "user.password_rehash")]
    #[sqlx(rename = "user.password_rehash")]
    UserPasswordRehash,
    #[serde(rename = "user.password_reset")]
    #[sqlx(rename = "user.password_reset")]
    UserPasswordReset,
    #[serde(rename = "user.unlock")]
    #[sqlx(rename = "user.unlock")]
    UserUnlock,
    #[serde(rename = "user.update")]
    #[sqlx(rename = "user.update")]
    UserUpdate,
    #[serde(rename = "visit.addendum")]
    #[sqlx(rename = "visit.addendum")]
    VisitAddendum,
    #[serde(rename = "visit.create")]
    #[sqlx(rename = "visit.create")]
    VisitCreate,
    #[serde(rename = "privacy.access_export")]
    #[sqlx(rename = "privacy.access_export")]
    PrivacyAccessExport,
    #[serde(rename = "privacy.blocked_read")]
    #[sqlx(rename = "privacy.blocked_read")]
    PrivacyBlockedRead,
    #[serde(rename = "privacy.notice_publish")]
    #[sqlx(rename = "privacy.notice_publish")]
    PrivacyNoticePublish,
    #[serde(rename = "privacy.consent")]
    #[sqlx(rename = "privacy.consent")]
    PrivacyConsent,
    #[serde(rename = "privacy.request")]
    #[sqlx(rename = "privacy.request")]
    PrivacyRequest,
    #[serde(rename = "privacy.answer")]
    #[sqlx(rename = "privacy.answer")]
    PrivacyAnswer,
    #[serde(rename = "consent.template_publish")]
    #[sqlx(rename = "consent.template_publish")]
    ConsentTemplatePublish,
    #[serde(rename = "consent.sign")]
    #[sqlx(rename = "consent.sign")]
    ConsentSign,
    #[serde(rename = "consent.scan")]
    #[sqlx(rename = "consent.scan")]
    ConsentScan,
    #[serde(rename = "consent.revoke")]
    #[sqlx(rename = "consent.revoke")]
    ConsentRevoke,
    #[serde(rename = "patient.purge")]
    #[sqlx(rename = "patient.purge")]
    PatientPurge,
    #[serde(rename = "document.consent")]
    #[sqlx(rename = "document.consent")]
    DocumentConsent,
    #[serde(rename = "history.read")]
    #[sqlx(rename = "history.read")]
    HistoryRead,
    #[serde(rename = "history.record")]
    #[sqlx(rename = "history.record")]
    HistoryRecord,
    #[serde(rename = "visit.referral")]
    #[sqlx(rename = "visit.referral")]
    VisitReferral,
    #[serde(rename = "visit.open")]
    #[sqlx(rename = "visit.open")]
    VisitOpen,
    #[serde(rename = "visit.sign")]
    #[sqlx(rename = "visit.sign")]
    VisitSign,
    #[serde(rename = "visit.update")]
    #[sqlx(rename = "visit.update")]
    VisitUpdate,
}
