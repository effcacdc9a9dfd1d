//! Keeping replicas coherent: every process on one database follows the stored policy.
//!
//! A policy change is one row (`policy`, with its revision) written by compare-and-swap, so
//! two replicas can never both store from the same revision (one gets 409). What remains is
//! how soon the others use it:
//!
//! - PostgreSQL: the storing transaction runs `pg_notify('helpdesk_policy', revision)`; each
//!   replica holds one extra connection that `LISTEN`s and reloads at once (a few ms).
//! - The fallback, on both databases: every [`POLL`] each replica reads the stored revision
//!   (one small row) and reloads when it moved, so a lost notification or a listener that is
//!   reconnecting costs at most that long.
//! - The bound: a request that finds the cache unconfirmed for longer than
//!   [`STALE_BOUND`](crate::app::STALE_BOUND) (say, this task is stuck) confirms it itself
//!   before deciding, and answers 503 if it cannot. No request is decided by a policy that
//!   was last seen current more than `STALE_BOUND` before.

use std::sync::{Arc, Weak};
use std::time::Duration;

use tokio::sync::Notify;
use tokio_postgres::{AsyncMessage, NoTls};

use crate::app::{App, Cache};
use crate::db::Db;

/// The notification channel the policy store signals on.
pub const CHANNEL: &str = "helpdesk_policy";
/// How often each replica reads the stored revision whatever it was told.
pub const POLL: Duration = Duration::from_secs(1);
/// How long the listener waits before connecting again after losing its connection.
const RECONNECT: Duration = Duration::from_secs(1);

/// Starts the follower (and on PostgreSQL the listener) for `app`; both stop when every clone
/// of `app` is dropped.
pub fn spawn(app: &App) {
    let cache = Arc::downgrade(&app.cache);
    let db = app.db.clone();
    let told = Arc::new(Notify::new());
    if let Some(config) = db.postgres_config() {
        tokio::spawn(listen(
            config,
            Arc::downgrade(&app.cache),
            Arc::clone(&told),
        ));
    }
    tokio::spawn(follow(cache, db, told));
}

fn revive(cache: &Weak<Cache>, db: &Db) -> Option<App> {
    Some(App {
        db: db.clone(),
        cache: cache.upgrade()?,
    })
}

async fn follow(cache: Weak<Cache>, db: Db, told: Arc<Notify>) {
    loop {
        tokio::select! {
            () = told.notified() => {}
            () = tokio::time::sleep(POLL) => {}
        }
        let Some(app) = revive(&cache, &db) else {
            return;
        };
        // A failure is the database being away: requests answer 503 meanwhile; try again.
        let _ = app.refresh().await;
    }
}

async fn listen(config: tokio_postgres::Config, cache: Weak<Cache>, told: Arc<Notify>) {
    while cache.strong_count() > 0 {
        if let Ok((client, mut connection)) = config.connect(NoTls).await {
            let (closed_tx, mut closed) = tokio::sync::oneshot::channel::<()>();
            let wake = Arc::clone(&told);
            // The connection's messages: notifications wake the follower.
            tokio::spawn(async move {
                while let Some(message) =
                    std::future::poll_fn(|cx| connection.poll_message(cx)).await
                {
                    match message {
                        Ok(AsyncMessage::Notification(_)) => wake.notify_one(),
                        Ok(_) => {}
                        Err(_) => break,
                    }
                }
                let _ = closed_tx.send(());
            });
            if client
                .batch_execute(&format!("LISTEN {CHANNEL}"))
                .await
                .is_ok()
            {
                // Changes stored while we were not listening.
                told.notify_one();
                loop {
                    tokio::select! {
                        _ = &mut closed => break,
                        () = tokio::time::sleep(POLL) => {
                            if cache.strong_count() == 0 {
                                return;
                            }
                        }
                    }
                }
            }
        }
        tokio::time::sleep(RECONNECT).await;
    }
}
