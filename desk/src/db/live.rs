//! Live updates between desks: LISTEN on the database's change channels and republish what
//! changed. Notifications sent while this desk was disconnected are lost, so a reconnect is
//! published as "re-read everything".

use serde::Serialize;
use sqlx::PgPool;
use sqlx::postgres::PgListener;
use tokio::sync::broadcast;
use uuid::Uuid;

/// What another desk (or this one) changed, as the database announced it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(tag = "topic", content = "id", rename_all = "camelCase")]
pub enum Change {
    /// The desk (re)connected or fell behind: what it missed is unknown, every view re-reads.
    Everything,
    /// A podiatrist's agenda (`agenda_changed`).
    Agenda(Uuid),
    /// A patient's record (`desk_changed`, "patient:<id>").
    Patient(Uuid),
    /// A patient's charges and payments ("money:<patient id>").
    Money(Uuid),
    /// A cash session: opened, closed, a payment, a movement, an expense ("cash:<session id>").
    Cash(Uuid),
    /// A product's stock ("stock:<product id>").
    Stock(Uuid),
    /// The clinic's set-up: podiatrists, schedules, the catalog, the profile ("setup:…").
    Setup,
    /// A user's credentials (password, role, active) or a role's permissions changed
    /// ("account:<user or role id>"): the offline sign-ins the server no longer stands behind go.
    Account(Uuid),
}

impl Change {
    /// The change a notification announces; `None` for a payload this app does not know (a
    /// newer desk's), which is ignored.
    fn parse(channel: &str, payload: &str) -> Option<Change> {
        if channel == AGENDA {
            return payload.parse().ok().map(Change::Agenda);
        }
        let (topic, id) = payload.split_once(':')?;
        if topic == "setup" {
            return Some(Change::Setup);
        }
        let id: Uuid = id.parse().ok()?;
        Some(match topic {
            "patient" => Change::Patient(id),
            "money" => Change::Money(id),
            "cash" => Change::Cash(id),
            "stock" => Change::Stock(id),
            "account" => Change::Account(id),
            _ => return None,
        })
    }
}

const AGENDA: &str = "agenda_changed";
const DESK: &str = "desk_changed";

/// Listens for the life of the app, reconnecting with a pause when the database is away.
pub async fn run(pool: PgPool, out: broadcast::Sender<Change>) {
    loop {
        match PgListener::connect_with(&pool).await {
            Ok(mut listener) => {
                if let Err(e) = listener.listen_all([AGENDA, DESK]).await {
                    tracing::warn!(error = %e, "listen failed");
                } else {
                    // Whatever happened while we were away is unknown: everyone re-reads.
                    let _ = out.send(Change::Everything);
                    loop {
                        match listener.try_recv().await {
                            Ok(Some(n)) => {
                                if let Some(change) = Change::parse(n.channel(), n.payload()) {
                                    let _ = out.send(change);
                                }
                            }
                            // The connection dropped and sqlx reconnected: notifications may be lost.
                            Ok(None) => {
                                let _ = out.send(Change::Everything);
                            }
                            Err(e) => {
                                tracing::warn!(error = %e, "live updates interrupted");
                                break;
                            }
                        }
                    }
                }
            }
            Err(e) => tracing::debug!(error = %e, "live updates: database not reachable"),
        }
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_name_their_topic_and_record() {
        let id = Uuid::now_v7();
        assert_eq!(Change::parse(AGENDA, &id.to_string()), Some(Change::Agenda(id)));
        assert_eq!(Change::parse(DESK, &format!("patient:{id}")), Some(Change::Patient(id)));
        assert_eq!(Change::parse(DESK, &format!("cash:{id}")), Some(Change::Cash(id)));
        assert_eq!(Change::parse(DESK, &format!("account:{id}")), Some(Change::Account(id)));
        assert_eq!(Change::parse(DESK, &format!("future:{id}")), None);
        assert_eq!(Change::parse(DESK, "stock:nope"), None);
        assert_eq!(Change::parse(DESK, "setup:true"), Some(Change::Setup));
    }
}
