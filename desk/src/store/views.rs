//! What the desk shows from its store while the server is away: the week's agenda, and whole
//! answers kept under a key (podiatrists, schedules, the catalog, the clinic's profile, this
//! desk's cash drawer), each as the command answers it online.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::{DeskStore, fault};
use podoclinic_clinic::appointments::model::{AgendaPage, AgendaRow, Appointment};
use podoclinic_clinic::error::{AppError, AppResult};
use podoclinic_clinic::profile::model::ClinicProfile;
use podoclinic_clinic::profile::time;

/// An answer the desk keeps whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Podiatrists,
    Treatments,
    Products,
    Clinic,
    Schedule(Uuid),
    DeskCash,
    ExpenseCategories,
    /// The current consent templates (to read and sign a letter without the server).
    ConsentTemplates,
    /// A charge made here while the server was away, as the desk priced it (until it is sent).
    Charge(Uuid),
}

impl View {
    fn key(self) -> String {
        match self {
            View::Podiatrists => "podiatrists".into(),
            View::Treatments => "treatments".into(),
            View::Products => "products".into(),
            View::Clinic => "clinic".into(),
            View::Schedule(podiatrist) => format!("schedule:{podiatrist}"),
            View::DeskCash => "desk_cash".into(),
            View::ExpenseCategories => "expense_categories".into(),
            View::ConsentTemplates => "consent_templates".into(),
            View::Charge(id) => format!("charge:{id}"),
        }
    }
}

/// How far ahead the desk keeps the agenda: today and the next seven days.
pub const AGENDA_DAYS: i64 = 8;

impl DeskStore {
    /// Keeps `value` as the answer of `view`, fetched at `at`.
    pub async fn keep<T: Serialize>(&self, view: View, value: &T, at: DateTime<Utc>) -> AppResult<()> {
        let body = serde_json::to_string(value).map_err(AppError::internal)?;
        podoclinic_store::views::put(&self.store, &view.key(), &body, at).await.map_err(fault)
    }

    /// The kept answer of `view`; `Offline` when the desk never had it (nothing to show).
    pub async fn view<T: DeserializeOwned>(&self, view: View) -> AppResult<T> {
        let kept = podoclinic_store::views::get(&self.store, &view.key()).await.map_err(fault)?;
        let kept = kept.ok_or(AppError::Offline)?;
        serde_json::from_str(&kept.body).map_err(AppError::internal)
    }

    /// Forgets what was kept of `view`.
    pub async fn drop_view(&self, view: View) -> AppResult<()> {
        podoclinic_store::views::remove(&self.store, &view.key()).await.map_err(fault)
    }

    /// When the desk store was last refreshed whole from the server.
    pub async fn synced_at(&self) -> AppResult<Option<DateTime<Utc>>> {
        let kept = podoclinic_store::views::get(&self.store, super::sync::SYNCED).await.map_err(fault)?;
        Ok(kept.map(|v| v.fetched_at))
    }

    /// The appointments the desk keeps between two instants, of some podiatrists or all.
    pub async fn appointments(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        podiatrists: Option<&[Uuid]>,
    ) -> AppResult<Vec<(Appointment, bool)>> {
        let minutes = podoclinic_store::epoch_minutes;
        let entries =
            podoclinic_store::agenda::range(&self.store, minutes(from), minutes(to) + 1).await.map_err(fault)?;
        let mut out = Vec::with_capacity(entries.len());
        for e in entries {
            if podiatrists.is_some_and(|p| !p.contains(&e.podiatrist_id)) {
                continue;
            }
            let a: Appointment = serde_json::from_str(&e.body).map_err(AppError::internal)?;
            if a.status.is_live() && a.starts_at < to && a.ends_at > from {
                out.push((a, e.pending));
            }
        }
        Ok(out)
    }

    /// The calendar's page from the desk store (pending changes flagged).
    pub async fn agenda(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        podiatrists: Option<&[Uuid]>,
    ) -> AppResult<AgendaPage> {
        let rows = self.appointments(from, to, podiatrists).await?;
        let entries = rows
            .iter()
            .map(|(a, pending)| serde_json::to_string(&AgendaRow::of(a, *pending)))
            .collect::<Result<Vec<String>, _>>()
            .map_err(AppError::internal)?;
        AgendaPage::from_entries(&entries)
    }

    /// Today's appointments in the clinic's zone, from the desk store.
    pub async fn today(&self) -> AppResult<Vec<Appointment>> {
        let tz = self.zone().await?;
        let (from, to) = time::day_bounds(tz, time::local_date(tz, Utc::now()));
        Ok(self.appointments(from, to, None).await?.into_iter().map(|(a, _)| a).collect())
    }

    /// One appointment from the desk store.
    pub async fn appointment(&self, id: Uuid) -> AppResult<Appointment> {
        let entry = podoclinic_store::agenda::find(&self.store, id).await.map_err(fault)?;
        let entry = entry.ok_or_else(|| AppError::not_found("appointment"))?;
        serde_json::from_str(&entry.body).map_err(AppError::internal)
    }

    /// The clinic's zone as last known.
    pub async fn zone(&self) -> AppResult<chrono_tz::Tz> {
        let clinic: ClinicProfile = self.view(View::Clinic).await?;
        clinic.timezone.parse().map_err(AppError::internal)
    }

    /// The window of the agenda the desk keeps, from the start of today in the clinic's zone.
    pub fn agenda_window(tz: chrono_tz::Tz, now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
        let (start, _) = time::day_bounds(tz, time::local_date(tz, now));
        (start, start + Duration::days(AGENDA_DAYS))
    }
}
