//! Which backup files to keep: the newest verified backup of each of the last 7 days that have
//! one, of each of the last 4 ISO weeks, of each of the last 12 months, and of each year for 5
//! years (a clinic keeps clinical records at least five years after the last visit, NOM-004).
//! A year's copy is kept five years from the day it was taken. Everything else (older copies, and
//! unverified ones once a verified copy is newer) may go; the newest verified copy always stays.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate};

pub const DAILY: usize = 7;
pub const WEEKLY: usize = 4;
pub const MONTHLY: usize = 12;
pub const YEARS: i32 = 5;

/// A backup file on record: its id, the clinic's date it was taken on, and whether it was proven.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kept<Id> {
    pub id: Id,
    pub taken_on: NaiveDate,
    /// For ordering backups of the same day (any increasing value: the start time).
    pub order: i64,
    pub verified: bool,
}

/// The ids of `files` that retention lets go, as of `today`.
pub fn to_prune<Id: Copy + Ord>(files: &[Kept<Id>], today: NaiveDate) -> Vec<Id> {
    let mut verified: Vec<&Kept<Id>> = files.iter().filter(|f| f.verified).collect();
    // Newest first: the first backup seen of a period is the one kept for it.
    verified.sort_by_key(|f| std::cmp::Reverse((f.taken_on, f.order)));
    let mut keep = BTreeSet::new();
    keep_newest_per(&verified, DAILY, |d| (d.year(), d.ordinal() as i32), &mut keep);
    keep_newest_per(&verified, WEEKLY, |d| (d.iso_week().year(), d.iso_week().week() as i32), &mut keep);
    keep_newest_per(&verified, MONTHLY, |d| (d.year(), d.month() as i32), &mut keep);
    // A year's copy is kept for five years from the day it was taken.
    let cutoff = today.with_year(today.year() - YEARS).unwrap_or(today - chrono::Days::new(5 * 365));
    let recent: Vec<&Kept<Id>> = verified.iter().copied().filter(|f| f.taken_on >= cutoff).collect();
    keep_newest_per(&recent, usize::MAX, |d| (d.year(), 0), &mut keep);
    let newest_verified = verified.first().map(|f| (f.taken_on, f.order));
    files
        .iter()
        .filter(|f| {
            if f.verified {
                return !keep.contains(&f.id);
            }
            // An unproven copy stays while no proven one is newer: it may be all there is.
            newest_verified.is_some_and(|newest| newest > (f.taken_on, f.order))
        })
        .map(|f| f.id)
        .collect()
}

/// Keeps the newest file of each of the `periods` most recent periods (`period` of its date).
fn keep_newest_per<Id: Copy + Ord>(
    newest_first: &[&Kept<Id>],
    periods: usize,
    period: impl Fn(NaiveDate) -> (i32, i32),
    keep: &mut BTreeSet<Id>,
) {
    let mut seen = BTreeSet::new();
    for file in newest_first {
        if seen.len() == periods && !seen.contains(&period(file.taken_on)) {
            break;
        }
        if seen.insert(period(file.taken_on)) {
            keep.insert(file.id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// One verified backup a day from `from` to `to`, ids counting up.
    fn daily(from: NaiveDate, to: NaiveDate) -> Vec<Kept<u32>> {
        from.iter_days()
            .take_while(|d| *d <= to)
            .enumerate()
            .map(|(i, d)| Kept { id: i as u32, taken_on: d, order: i as i64, verified: true })
            .collect()
    }

    fn kept(files: &[Kept<u32>], today: NaiveDate) -> Vec<NaiveDate> {
        let pruned = to_prune(files, today);
        files.iter().filter(|f| !pruned.contains(&f.id)).map(|f| f.taken_on).collect()
    }

    #[test]
    fn six_years_of_daily_backups_keep_7_daily_4_weekly_12_monthly_and_the_years() {
        let today = day(2026, 12, 2);
        let files = daily(day(2020, 6, 1), today);
        let kept = kept(&files, today);
        // The last 7 days.
        for d in day(2026, 11, 26).iter_days().take(7) {
            assert!(kept.contains(&d), "{d} is one of the last 7 days");
        }
        // The newest of each of the last 4 ISO weeks: this week's (today), then the Sundays.
        for sunday in [day(2026, 11, 29), day(2026, 11, 22), day(2026, 11, 15)] {
            assert!(kept.contains(&sunday), "{sunday} closes a week");
        }
        // The newest of each of the last 12 months: month ends.
        for month_end in [day(2026, 11, 30), day(2026, 6, 30), day(2026, 1, 31)] {
            assert!(kept.contains(&month_end), "{month_end} closes a month");
        }
        assert!(!kept.contains(&day(2025, 12, 30)), "a month is kept by its newest copy only");
        assert!(kept.contains(&day(2025, 12, 31)));
        // The newest of each year for 5 years; 2020 is older than that.
        for year_end in [day(2021, 12, 31), day(2022, 12, 31), day(2023, 12, 31), day(2024, 12, 31)] {
            assert!(kept.contains(&year_end), "{year_end} closes a year");
        }
        assert!(!kept.iter().any(|d| d.year() == 2020), "older than five years: {kept:?}");
        assert!(kept.len() <= DAILY + WEEKLY + MONTHLY + YEARS as usize + 1, "{} kept", kept.len());
    }

    #[test]
    fn a_clinic_that_backs_up_rarely_keeps_its_copies() {
        let today = day(2026, 12, 2);
        let files: Vec<Kept<u32>> = [day(2019, 3, 1), day(2026, 1, 10), day(2026, 5, 5)]
            .iter()
            .enumerate()
            .map(|(i, d)| Kept { id: i as u32, taken_on: *d, order: i as i64, verified: true })
            .collect();
        // Fewer than 7 backups: each is among the "last 7 days with a backup".
        assert_eq!(kept(&files, today).len(), 3);
    }

    #[test]
    fn the_only_copy_is_never_pruned_however_old() {
        let files = [Kept { id: 1, taken_on: day(2015, 1, 1), order: 0, verified: true }];
        assert!(to_prune(&files, day(2026, 12, 2)).is_empty());
    }

    #[test]
    fn an_unproven_copy_goes_once_a_proven_one_is_newer() {
        let today = day(2026, 12, 2);
        let files = [
            Kept { id: 1, taken_on: day(2026, 11, 30), order: 1, verified: false },
            Kept { id: 2, taken_on: day(2026, 12, 1), order: 2, verified: true },
            Kept { id: 3, taken_on: day(2026, 12, 2), order: 3, verified: false },
        ];
        assert_eq!(to_prune(&files, today), [1]);
    }

    #[test]
    fn two_backups_in_a_day_keep_the_later() {
        let today = day(2026, 12, 2);
        let files = [
            Kept { id: 1, taken_on: today, order: 1, verified: true },
            Kept { id: 2, taken_on: today, order: 2, verified: true },
        ];
        assert_eq!(to_prune(&files, today), [1]);
    }
}
