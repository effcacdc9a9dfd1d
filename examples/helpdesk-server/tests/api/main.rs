//! The HTTP API over the router (no socket), and a few requests through real TCP: every test
//! twice, on SQLite (in memory, or a temporary file) and on PostgreSQL (a new database in a
//! temporary cluster per test; skipped with the reason when PostgreSQL is not installed,
//! never under `CI=true`), paging on generated databases included; and `replicas`: two
//! servers on one PostgreSQL over TCP; `browser`: the demo page in headless chromium.

// The same test files are compiled once per database on purpose.
#![allow(clippy::duplicate_mod)]

#[path = "../../../../tests/support/postgres.rs"]
mod temp_postgres;

mod browser;
mod raw_http;
mod replicas;

/// The same tests on SQLite.
#[path = "."]
mod sqlite {
    /// How the tests get a database here.
    pub mod backend {
        use helpdesk_server::db::Db;
        use helpdesk_server::{router, App};

        /// A new in-memory database with the demo data and `generated` conversations.
        pub async fn fresh(generated: u64) -> Option<App> {
            let db = tokio::task::spawn_blocking(move || Db::sqlite(None, generated))
                .await
                .expect("task")
                .expect("in-memory database");
            Some(App::new(db).await.expect("policy loads"))
        }

        /// A database file that several servers can open, one after another or together.
        pub struct Store {
            path: std::path::PathBuf,
        }

        impl Store {
            pub async fn new(name: &str) -> Option<Store> {
                let path = std::env::temp_dir().join(format!(
                    "helpdesk-server-test-{name}-{}.db",
                    std::process::id()
                ));
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
                Some(Store { path })
            }

            pub async fn open(&self) -> axum::Router {
                let path = self.path.clone();
                let db = tokio::task::spawn_blocking(move || Db::sqlite(Some(&path), 0))
                    .await
                    .expect("task")
                    .expect("database file");
                router(App::new(db).await.expect("policy loads"))
            }
        }

        impl Drop for Store {
            fn drop(&mut self) {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", self.path.display()));
                }
            }
        }
    }

    #[path = "common.rs"]
    pub mod common;
    #[path = "conversations.rs"]
    mod conversations;
    #[path = "errors.rs"]
    mod errors;
    #[path = "paging.rs"]
    mod paging;
    #[path = "roles.rs"]
    mod roles;
    #[path = "tcp.rs"]
    mod tcp;
}

/// The same tests on PostgreSQL.
#[path = "."]
mod postgres {
    /// How the tests get a database here.
    pub mod backend {
        use helpdesk_server::db::Db;
        use helpdesk_server::{router, App};

        use crate::temp_postgres::TempPostgres;

        /// A new database in the shared cluster: its URL.
        pub fn new_database(name: &str) -> Option<String> {
            use std::sync::atomic::{AtomicUsize, Ordering};
            static NEXT: AtomicUsize = AtomicUsize::new(0);
            let cluster = TempPostgres::shared()?;
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            Some(cluster.create_database(&format!("{name}_{n}")))
        }

        /// A new database with the demo data and `generated` conversations.
        pub async fn fresh(generated: u64) -> Option<App> {
            let url = tokio::task::spawn_blocking(|| new_database("fresh"))
                .await
                .expect("task")?;
            let db = Db::postgres(&url, generated).await.expect("database");
            Some(App::new(db).await.expect("policy loads"))
        }

        /// A database that several servers can open, one after another or together.
        pub struct Store {
            url: String,
        }

        impl Store {
            pub async fn new(name: &str) -> Option<Store> {
                let name = name.to_owned();
                let url = tokio::task::spawn_blocking(move || new_database(&name))
                    .await
                    .expect("task")?;
                Some(Store { url })
            }

            pub async fn open(&self) -> axum::Router {
                let db = Db::postgres(&self.url, 0).await.expect("database");
                router(App::new(db).await.expect("policy loads"))
            }
        }
    }

    #[path = "common.rs"]
    pub mod common;
    #[path = "conversations.rs"]
    mod conversations;
    #[path = "errors.rs"]
    mod errors;
    #[path = "paging.rs"]
    mod paging;
    #[path = "roles.rs"]
    mod roles;
    #[path = "tcp.rs"]
    mod tcp;
}
