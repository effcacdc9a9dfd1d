//! `cargo run -p helpdesk-server -- [--addr HOST:PORT] [--db PATH | --memory]`

use std::path::PathBuf;
use std::process::ExitCode;

use helpdesk_server::{db, router, App};

const USAGE: &str = "usage: helpdesk-server [--addr HOST:PORT] [--db PATH | --memory]

  --addr HOST:PORT  where to listen (default 127.0.0.1:3000)
  --db PATH         the SQLite file, created with the demo data when new (default helpdesk.db)
  --memory          an in-memory database with the demo data (nothing is kept)";

/// The command line.
#[derive(Debug, PartialEq, Eq)]
struct Args {
    addr: String,
    db: Option<PathBuf>,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut parsed = Args {
        addr: "127.0.0.1:3000".to_owned(),
        db: Some(PathBuf::from("helpdesk.db")),
    };
    let (mut db, mut memory) = (false, false);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--addr" => parsed.addr = args.next().ok_or("--addr needs HOST:PORT")?,
            "--db" => {
                parsed.db = Some(args.next().ok_or("--db needs a PATH")?.into());
                db = true;
            }
            "--memory" => memory = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    if db && memory {
        return Err("--db and --memory exclude each other".to_owned());
    }
    if memory {
        parsed.db = None;
    }
    Ok(parsed)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
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
    let path = args.db.clone();
    // Opening and seeding is blocking work too: off the runtime's threads.
    let conn = tokio::task::spawn_blocking(move || {
        db::open(path.as_deref()).map_err(|error| error.to_string())
    })
    .await??;
    let app = App::new(conn)?;
    let listener = tokio::net::TcpListener::bind(&args.addr).await?;
    let where_ = args
        .db
        .map_or_else(|| "memory".to_owned(), |p| p.display().to_string());
    println!(
        "helpdesk-server: http://{} (database: {where_})",
        listener.local_addr()?
    );
    axum::serve(listener, router(app)).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{parse, Args};
    use std::path::PathBuf;

    fn args(list: &[&str]) -> Result<Args, String> {
        parse(list.iter().map(|s| (*s).to_owned()))
    }

    #[test]
    fn defaults_and_overrides() {
        assert_eq!(
            args(&[]).unwrap(),
            Args {
                addr: "127.0.0.1:3000".into(),
                db: Some(PathBuf::from("helpdesk.db"))
            }
        );
        assert_eq!(
            args(&["--addr", "127.0.0.1:0", "--memory"]).unwrap(),
            Args {
                addr: "127.0.0.1:0".into(),
                db: None
            }
        );
        assert_eq!(
            args(&["--db", "x.db"]).unwrap().db,
            Some(PathBuf::from("x.db"))
        );
        assert!(args(&["--db", "x.db", "--memory"]).is_err());
        assert!(args(&["--addr"]).is_err());
        assert_eq!(
            args(&["--bogus"]).unwrap_err(),
            "unknown argument `--bogus`"
        );
    }
}
