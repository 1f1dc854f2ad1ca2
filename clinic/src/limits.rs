//! The longest text each form field takes: one number per field, used by the field's check in
//! Rust, by the database's CHECK on its column (migration 12; a test compares the two) and by the
//! UI's `maxLength` (exported to the bindings as `TEXT_LIMITS`, keyed `table.column`).

/// A text column, the form field it comes from, and its longest value in characters.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub table: &'static str,
    pub column: &'static str,
    pub field: &'static str,
    pub max: usize,
}

macro_rules! limits {
    ($($name:ident = $table:literal . $column:literal as $field:literal : $max:literal;)*) => {
        $(pub const $name: usize = $max;)*
        /// Every limited column.
        pub const LIMITS: &[Limit] = &[$(Limit { table: $table, column: $column, field: $field, max: $max }),*];
    };
}

limits! {
    PATIENT_FIRST_NAME = "patients"."first_name" as "firstName": 80;
    PATIENT_LAST_NAMES = "patients"."last_names" as "lastNames": 120;
    PATIENT_PHONE = "patients"."phone" as "phone": 30;
    PATIENT_PHONE_ALT = "patients"."phone_alt" as "phoneAlt": 30;
    PATIENT_EMERGENCY_PHONE = "patients"."emergency_phone" as "emergencyPhone": 30;
    PATIENT_EMAIL = "patients"."email" as "email": 120;
    PATIENT_ADDRESS = "patients"."address" as "address": 300;
    PATIENT_EMERGENCY_CONTACT = "patients"."emergency_contact" as "emergencyContact": 120;
    PATIENT_ALLERGIES = "patients"."allergies" as "allergies": 500;
    PATIENT_HISTORY_NOTES = "patients"."history_notes" as "historyNotes": 4000;
    SUPPLIER_NAME = "suppliers"."name" as "name": 120;
    SUPPLIER_CONTACT = "suppliers"."contact" as "contact": 120;
    SUPPLIER_PHONE = "suppliers"."phone" as "phone": 40;
    SUPPLIER_EMAIL = "suppliers"."email" as "email": 120;
    SUPPLIER_ADDRESS = "suppliers"."address" as "address": 300;
    SUPPLIER_NOTES = "suppliers"."notes" as "notes": 1000;
    PRODUCT_SKU = "products"."sku" as "sku": 40;
    PRODUCT_NAME = "products"."name" as "name": 120;
    PRODUCT_UNIT = "products"."unit" as "unit": 20;
    TREATMENT_NAME = "treatments"."name" as "name": 120;
    CASH_MOVEMENT_REASON = "cash_movements"."reason" as "reason": 300;
    CASH_CLOSE_NOTE = "cash_sessions"."close_note" as "note": 1000;
    CASH_REGISTER_NAME = "cash_registers"."name" as "name": 60;
    EXPENSE_CATEGORY_NAME = "expense_categories"."name" as "name": 80;
    EXPENSE_NOTE = "expenses"."note" as "note": 300;
    DISCOUNT_REASON = "charge_lines"."discount_reason" as "discountReason": 200;
    PAYMENT_REFERENCE = "payments"."reference" as "reference": 80;
    REFUND_REASON = "payments"."reason" as "reason": 300;
    STOCK_REASON = "stock_movements"."reason" as "reason": 300;
    INVOICE_REF = "purchases"."invoice_ref" as "invoiceRef": 60;
    VISIT_NOTES = "visits"."notes" as "notes": 10000;
    VISIT_PROGNOSIS = "visits"."prognosis" as "prognosis": 300;
    VISIT_PLAN = "visits"."plan" as "plan": 4000;
    ADDENDUM_TEXT = "visit_addenda"."text" as "text": 5000;
    REFERRAL_RECEIVING = "referrals"."receiving" as "receiving": 200;
    REFERRAL_REASON = "referrals"."reason" as "reason": 2000;
    REFERRAL_IMPRESSION = "referrals"."impression" as "impression": 2000;
    REFERRAL_TREATMENT = "referrals"."treatment" as "treatment": 4000;
    NOTICE_SIMPLIFIED = "privacy_notices"."simplified" as "simplified": 4000;
    NOTICE_INTEGRAL = "privacy_notices"."integral" as "integral": 40000;
    ARCO_REQUESTER = "arco_requests"."requester" as "requester": 200;
    ARCO_DETAILS = "arco_requests"."details" as "details": 2000;
    ARCO_ANSWER = "arco_requests"."answer" as "answer": 2000;
    CONSENT_TITLE = "consent_templates"."title" as "title": 200;
    CONSENT_ACT = "consent_templates"."act" as "act": 2000;
    CONSENT_RISKS = "consent_templates"."risks_benefits" as "risksBenefits": 8000;
    CONSENT_CONTINGENCIES = "consent_templates"."contingencies" as "contingencies": 4000;
    CONSENT_BODY = "consent_templates"."body" as "body": 20000;
    CONSENT_DETAIL = "consent_letters"."detail" as "detail": 500;
    CONSENT_REPRESENTATIVE = "consent_letters"."representative" as "representative": 200;
    CONSENT_RELATIONSHIP = "consent_letters"."relationship" as "relationship": 100;
    CONSENT_REVOCATION = "consent_revocations"."reason" as "reason": 2000;
    APPOINTMENT_REASON = "appointments"."reason" as "reason": 200;
    CANCEL_REASON = "appointments"."cancel_reason" as "cancelReason": 300;
    PODIATRIST_NAME = "podiatrists"."name" as "name": 120;
    PODIATRIST_TITLE_INSTITUTION = "podiatrists"."title_institution" as "titleInstitution": 200;
    DISPLAY_NAME = "users"."display_name" as "displayName": 100;
    USERNAME = "users"."username" as "username": 40;
    ROLE_NAME = "roles"."name" as "name": 60;
    CLINIC_NAME = "clinic_profile"."name" as "name": 120;
    CLINIC_ADDRESS = "clinic_profile"."address" as "address": 300;
    CLINIC_PHONE = "clinic_profile"."phone" as "phone": 40;
    CLINIC_TIMEZONE = "clinic_profile"."timezone" as "timezone": 64;
    CLINIC_REMINDER_TEMPLATE = "clinic_profile"."reminder_template" as "reminderTemplate": 1000;
    EXCEPTION_NOTE = "schedule_exceptions"."note" as "note": 300;
    DESK_NAME = "desk_registers"."desk" as "deskName": 60;
}

/// The limit behind a database CHECK's name (`<table>_<column>_len`), for its refusal.
pub fn for_constraint(constraint: &str) -> Option<&'static Limit> {
    LIMITS.iter().find(|l| constraint.strip_suffix("_len") == Some(&format!("{}_{}", l.table, l.column)))
}
