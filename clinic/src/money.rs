//! The money math, in integer cents, kept pure so it can be checked against a model: line totals,
//! what a drawer should hold per payment method, and counting cash by MXN denomination.

use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult};

/// How money moved.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, specta::Type, sqlx::Type,
)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum Method {
    Cash,
    Card,
    Transfer,
}

impl Method {
    pub const ALL: [Method; 3] = [Method::Cash, Method::Card, Method::Transfer];

    pub fn as_str(self) -> &'static str {
        match self {
            Method::Cash => "cash",
            Method::Card => "card",
            Method::Transfer => "transfer",
        }
    }
}

/// One value per payment method, by name (a drawer's sums, what it should hold, what was counted).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PerMethod<T> {
    pub cash: T,
    pub card: T,
    pub transfer: T,
}

impl<T> PerMethod<T> {
    pub fn get(&self, method: Method) -> &T {
        match method {
            Method::Cash => &self.cash,
            Method::Card => &self.card,
            Method::Transfer => &self.transfer,
        }
    }

    pub fn get_mut(&mut self, method: Method) -> &mut T {
        match method {
            Method::Cash => &mut self.cash,
            Method::Card => &mut self.card,
            Method::Transfer => &mut self.transfer,
        }
    }

    pub fn map<U>(&self, mut f: impl FnMut(Method, &T) -> U) -> PerMethod<U> {
        PerMethod {
            cash: f(Method::Cash, &self.cash),
            card: f(Method::Card, &self.card),
            transfer: f(Method::Transfer, &self.transfer),
        }
    }
}

/// A line's amount: quantity × unit price − discount. Inputs are validated before (quantity
/// 1–999, prices and discounts within `validate::MAX_CENTS`), so this cannot overflow.
pub fn line_total(quantity: i32, unit_price_cents: i64, discount_cents: i64) -> i64 {
    i64::from(quantity) * unit_price_cents - discount_cents
}

/// What a session's entries add up to per method, from the drawer's point of view.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sums {
    pub payments: i64,
    pub refunds: i64,
    pub expenses: i64,
    pub withdrawals: i64,
    pub deposits: i64,
    pub adjustments: i64,
}

impl Sums {
    pub fn net(&self) -> i64 {
        self.payments + self.refunds + self.expenses + self.withdrawals + self.deposits + self.adjustments
    }
}

/// Where an entry of a cash session came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum EntryKind {
    Payment,
    Refund,
    Expense,
    Withdrawal,
    Deposit,
    Adjustment,
}

/// Sums a session's signed entries (money into the drawer positive) per method. The opening
/// float is cash that was already there.
pub fn session_sums(entries: impl IntoIterator<Item = (EntryKind, Method, i64)>) -> PerMethod<Sums> {
    let mut sums = PerMethod::<Sums>::default();
    for (kind, method, amount) in entries {
        let s = sums.get_mut(method);
        match kind {
            EntryKind::Payment => s.payments += amount,
            EntryKind::Refund => s.refunds += amount,
            EntryKind::Expense => s.expenses += amount,
            EntryKind::Withdrawal => s.withdrawals += amount,
            EntryKind::Deposit => s.deposits += amount,
            EntryKind::Adjustment => s.adjustments += amount,
        }
    }
    sums
}

/// What the drawer should hold per method: the float (cash only) plus every entry.
pub fn expected(opening_float: i64, sums: &PerMethod<Sums>) -> PerMethod<i64> {
    sums.map(|method, s| if method == Method::Cash { opening_float + s.net() } else { s.net() })
}

/// Mexican peso bills and coins, in cents.
pub const MXN_DENOMINATIONS: [i64; 12] = [100_000, 50_000, 20_000, 10_000, 5_000, 2_000, 1_000, 500, 200, 100, 50, 20];

/// Cash counted by denomination: (cents per piece, pieces).
pub fn count_cash(pieces: &[(i64, i32)]) -> AppResult<i64> {
    let mut total = 0;
    for &(cents, count) in pieces {
        if !MXN_DENOMINATIONS.contains(&cents) {
            return Err(AppError::validation("denominations", "unknown_denomination"));
        }
        if !(0..=100_000).contains(&count) {
            return Err(AppError::validation("denominations", "out_of_range"));
        }
        total += cents * i64::from(count);
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_drawer_adds_up_per_method() {
        let sums = session_sums([
            (EntryKind::Payment, Method::Cash, 50_000),
            (EntryKind::Payment, Method::Card, 80_000),
            (EntryKind::Refund, Method::Cash, -10_000),
            (EntryKind::Expense, Method::Cash, -3_550),
            (EntryKind::Withdrawal, Method::Cash, -20_000),
            (EntryKind::Deposit, Method::Cash, 5_000),
            (EntryKind::Adjustment, Method::Transfer, 1),
        ]);
        assert_eq!(expected(100_000, &sums), PerMethod { cash: 121_450, card: 80_000, transfer: 1 });
    }

    #[test]
    fn cash_is_counted_by_denomination() {
        assert_eq!(count_cash(&[(50_000, 2), (2_000, 3), (50, 1)]), Ok(106_050));
        assert_eq!(count_cash(&[(300, 1)]), Err(AppError::validation("denominations", "unknown_denomination")));
        assert_eq!(line_total(3, 45_000, 5_000), 130_000);
    }
}
