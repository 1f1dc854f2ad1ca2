//! Live updates between desks: LISTEN on the database's change channels and republish what
//! changed. Notifications sent while this desk was disconnected are lost, so a reconnect is
//! published as "re-read everything".

use sqlx::PgPool;
use sqlx::postgres::PgListener;
use tokio::sync::broadcast;
use uuid::Uuid;

/// What another desk (or this one) changed. The shell forwards it to the webview as an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgendaChanged {
    /// The podiatrist whose agenda changed; `null` after a reconnect: refresh everything.
    pub podiatrist_id: Option<Uuid>,
}

const CHANNEL: &str = "agenda_changed";

/// Listens for the life of the app, reconnecting with a pause when the database is away.
pub async fn run(pool: PgPool, out: broadcast::Sender<AgendaChanged>) {
    loop {
        match PgListener::connect_with(&pool).await {
            Ok(mut listener) => {
                if let Err(e) = listener.listen(CHANNEL).await {
                    tracing::warn!(error = %e, "listen failed");
                } else {
                    // Whatever happened while we were away is unknown: everyone re-reads.
                    let _ = out.send(AgendaChanged { podiatrist_id: None });
                    loop {
                        match listener.try_recv().await {
                            Ok(Some(n)) => {
                                let _ = out.send(AgendaChanged { podiatrist_id: n.payload().parse().ok() });
                            }
                            // The connection dropped and sqlx reconnected: notifications may be lost.
                            Ok(None) => {
                                let _ = out.send(AgendaChanged { podiatrist_id: None });
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
