//! The fixed set of permissions. Roles are data (sets of these); the list itself is code.

use serde::{Deserialize, Serialize};

macro_rules! permissions {
    ($($variant:ident = $key:literal),+ $(,)?) => {
        /// One thing a role may be allowed to do. Checked in Rust by every command.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, specta::Type)]
        pub enum Permission {
            $(#[serde(rename = $key)] $variant,)+
        }

        impl Permission {
            pub const ALL: &'static [Permission] = &[$(Permission::$variant,)+];

            /// The stable key stored in `roles.permissions`.
            pub fn key(self) -> &'static str {
                match self { $(Permission::$variant => $key,)+ }
            }

            pub fn from_key(key: &str) -> Option<Self> {
                match key { $($key => Some(Permission::$variant),)+ _ => None }
            }
        }
    };
}

permissions! {
    UsersManage = "users.manage",
    RolesManage = "roles.manage",
    SettingsManage = "settings.manage",
    AuditRead = "audit.read",
    PodiatristsRead = "podiatrists.read",
    PodiatristsWrite = "podiatrists.write",
    PatientsRead = "patients.read",
    PatientsWrite = "patients.write",
    SchedulesRead = "schedules.read",
    SchedulesWrite = "schedules.write",
    AppointmentsRead = "appointments.read",
    AppointmentsWrite = "appointments.write",
    AppointmentsWriteOthers = "appointments.write_others",
    AppointmentsOverrideSchedule = "appointments.override_schedule",
    ClinicalRead = "clinical.read",
    ClinicalWrite = "clinical.write",
    PaymentsRead = "payments.read",
    PaymentsWrite = "payments.write",
    PaymentsDiscount = "payments.discount",
    PaymentsRefund = "payments.refund",
    CatalogRead = "catalog.read",
    CatalogWrite = "catalog.write",
    ExpensesRead = "expenses.read",
    ExpensesWrite = "expenses.write",
    CashOperate = "cash.operate",
    CashClose = "cash.close",
    SuppliersRead = "suppliers.read",
    SuppliersWrite = "suppliers.write",
    InventoryRead = "inventory.read",
    InventoryWrite = "inventory.write",
    InventoryOverride = "inventory.override",
    StatsRead = "stats.read",
    PrivacyManage = "privacy.manage",
    ConsentsManage = "consents.manage",
    ConsentsSign = "consents.sign",
    RecordsPurge = "records.purge",
}

/// Parses stored keys, skipping ones this version does not know (a newer desk may have added them).
pub fn parse_keys(keys: &[String]) -> Vec<Permission> {
    let mut out: Vec<Permission> = keys.iter().filter_map(|k| Permission::from_key(k)).collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_permission_round_trips_through_its_key() {
        for p in Permission::ALL {
            assert_eq!(Permission::from_key(p.key()), Some(*p));
            let json = serde_json::to_string(p).unwrap();
            assert_eq!(json, format!("\"{}\"", p.key()));
        }
    }

    #[test]
    fn unknown_keys_are_skipped_not_fatal() {
        let parsed = parse_keys(&["users.manage".into(), "from.the.future".into(), "users.manage".into()]);
        assert_eq!(parsed, vec![Permission::UsersManage]);
    }
}
