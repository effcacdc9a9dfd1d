//! `cargo run -p helpdesk-server -- [--addr HOST:PORT] [--db PATH | --memory | --database-url URL] [--conversations N]`

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::PathBuf;
use std::process::ExitCode;

use helpdesk_server::db::Db;
use helpdesk_server::{router, App};

const USAGE: &str =
    "usage: helpdesk-server [--addr HOST:PORT] [--db PATH | --memory | --database-url URL]
                      [--conversations N]

  --addr HOST:PORT     where to listen (default 127.0.0.1:3000)
  --db PATH            the SQLite file, created with the demo data when new (default helpdesk.db)
  --memory             an in-memory SQLite database with the demo data (nothing is kept)
  --database-url URL   PostgreSQL (postgres://user@host:port/db), also from DATABASE_URL;
                       the schema and demo data are created when the database is empty
  --conversations N    when the database is new: N generated conversations after the demo's";

/// Where the data lives.
#[derive(Debug, PartialEq, Eq)]
enum Store {
    Sqlite(Option<PathBuf>),
    Postgres(String),
}

/// The command line.
#[derive(Debug, PartialEq, Eq)]
struct Args {
    addr: String,
    store: Store,
    conversations: u64,
}

fn parse(
    mut args: impl Iterator<Item = String>,
    database_url: Option<String>,
) -> Result<Args, String> {
    let mut addr = "127.0.0.1:3000".to_owned();
    let (mut db, mut memory, mut url) = (None, false, None);
    let mut conversations = 0;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--addr" => addr = args.next().ok_or("--addr needs HOST:PORT")?,
            "--db" => db = Some(PathBuf::from(args.next().ok_or("--db needs a PATH")?)),
            "--memory" => memory = true,
            "--database-url" => url = Some(args.next().ok_or("--database-url needs a URL")?),
            "--conversations" => {
                conversations = args
                    .next()
                    .and_then(|n| n.parse::<u64>().ok())
                    .filter(|n| *n <= 100_000_000)
                    .ok_or("--conversations needs a number from 0 to 100000000")?;
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    let chosen = usize::from(db.is_some()) + usize::from(memory) + usize::from(url.is_some());
    if chosen > 1 {
        return Err("--db, --memory and --database-url exclude each other".to_owned());
    }
    // DATABASE_URL applies only when the command line names no database.
    let url = url.or(if chosen == 0 { database_url } else { None });
    let store = match (url, memory) {
        (Some(url), _) => Store::Postgres(url),
        (None, true) => Store::Sqlite(None),
        (None, false) => Store::Sqlite(Some(db.unwrap_or_else(|| "helpdesk.db".into()))),
    };
    Ok(Args {
        addr,
        store,
        conversations,
    })
}

#[tokio::main]
async fn main() -> ExitCode {
    let database_url = std::env::var("DATABASE_URL")
        .ok()
        .filter(|url| !url.is_empty());
    let args = match parse(std::env::args().skip(1), database_url) {
        Ok(args) => args,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("helpdesk-server: {message}");
            }
            eprintln!("{USAGE}");
            return if message.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            };
        }
    };
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("helpdesk-server: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let started = std::time::Instant::now();
    let (db, where_) = match args.store {
        Store::Sqlite(path) => {
            let where_ = path
                .as_ref()
                .map_or_else(|| "memory".to_owned(), |p| p.display().to_string());
            let n = args.conversations;
            // Opening, seeding and generating are blocking work: off the runtime's threads.
            let db = tokio::task::spawn_blocking(move || Db::sqlite(path.as_deref(), n)).await??;
            (db, format!("SQLite {where_}"))
        }
        Store::Postgres(url) => {
            let db = Db::postgres(&url, args.conversations).await?;
            (db, "PostgreSQL".to_owned())
        }
    };
    let app = App::new(db).await.map_err(|error| error.reason)?;
    let listener = tokio::net::TcpListener::bind(&args.addr).await?;
    println!(
        "helpdesk-server: http://{} (database: {where_}, ready in {:.1} s)",
        listener.local_addr()?,
        started.elapsed().as_secs_f64()
    );
    axum::serve(listener, router(app)).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{parse, Args, Store};
    use std::path::PathBuf;

    fn args(list: &[&str]) -> Result<Args, String> {
        parse(list.iter().map(|s| (*s).to_owned()), None)
    }

    #[test]
    fn defaults_and_overrides() {
        assert_eq!(
            args(&[]).unwrap(),
            Args {
                addr: "127.0.0.1:3000".into(),
                store: Store::Sqlite(Some(PathBuf::from("helpdesk.db"))),
                conversations: 0,
            }
        );
        assert_eq!(
            args(&["--addr", "127.0.0.1:0", "--memory", "--conversations", "12"]).unwrap(),
            Args {
                addr: "127.0.0.1:0".into(),
                store: Store::Sqlite(None),
                conversations: 12,
            }
        );
        assert_eq!(
            args(&["--db", "x.db"]).unwrap().store,
            Store::Sqlite(Some(PathBuf::from("x.db")))
        );
        assert_eq!(
            args(&["--database-url", "postgres://p@h/d"]).unwrap().store,
            Store::Postgres("postgres://p@h/d".into())
        );
        let env = |list: &[&str]| {
            parse(
                list.iter().map(|s| (*s).to_owned()),
                Some("postgres://env/d".into()),
            )
            .unwrap()
            .store
        };
        assert_eq!(env(&[]), Store::Postgres("postgres://env/d".into()));
        assert_eq!(env(&["--memory"]), Store::Sqlite(None));
        assert!(args(&["--db", "x.db", "--memory"]).is_err());
        assert!(args(&["--memory", "--database-url", "postgres://p@h/d"]).is_err());
        assert!(args(&["--conversations", "many"]).is_err());
        assert!(args(&["--conversations", "-1"]).is_err());
        assert!(args(&["--addr"]).is_err());
        assert_eq!(
            args(&["--bogus"]).unwrap_err(),
            "unknown argument `--bogus`"
        );
    }
}
