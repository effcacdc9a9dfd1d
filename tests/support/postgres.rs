//! A temporary PostgreSQL cluster for tests: Debian's `postgresql` package, nothing else.
//!
//! `initdb` makes a cluster in a fresh temporary directory (as the `postgres` user when the tests
//! run as root, since PostgreSQL refuses to run as root), and the server listens on a free port
//! of 127.0.0.1 with `trust` authentication. A watchdog shell stops it once the test process is
//! gone, so a test binary that exits without dropping its cluster leaves nothing running.
//!
//! Without PostgreSQL binaries the tests are skipped with a printed reason; under `CI=true` a
//! missing PostgreSQL is a failure, never a skip.
//!
//! Standard library only, so every test binary (the crate's and the reference server's) can
//! include it with `#[path]`.

#![allow(dead_code)]

use std::io::Write as _;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// A running temporary cluster.
#[derive(Debug)]
pub struct TempPostgres {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    as_postgres_user: bool,
}

impl TempPostgres {
    /// One cluster per test binary, started on first use; `None` when skipped (see the module).
    pub fn shared() -> Option<&'static TempPostgres> {
        static SHARED: OnceLock<Option<TempPostgres>> = OnceLock::new();
        SHARED.get_or_init(TempPostgres::start).as_ref()
    }

    /// Starts a fresh cluster; `None` when PostgreSQL is not installed and `CI` is not `true`.
    ///
    /// # Panics
    ///
    /// When PostgreSQL is missing under `CI=true`, or it fails to start.
    pub fn start() -> Option<TempPostgres> {
        let Some(bin) = find_binaries() else {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "PostgreSQL is required under CI=true: no initdb/pg_ctl/postgres found in \
                 /usr/lib/postgresql/*/bin or on PATH (apt-get install -y postgresql)"
            );
            // Straight to the process's stderr: the test harness captures `eprintln!` of a
            // passing test, and this must be seen.
            let _ = writeln!(
                std::io::stderr(),
                "skipping the PostgreSQL tests of this binary: no initdb/pg_ctl/postgres found \
                 in /usr/lib/postgresql/*/bin or on PATH (apt-get install -y postgresql to run \
                 them)"
            );
            return None;
        };
        let as_postgres_user = is_root();
        let dir = temp_dir();
        std::fs::create_dir_all(&dir).expect("create the cluster's directory");
        if as_postgres_user {
            run(Command::new("chown").arg("postgres:").arg(&dir));
        }
        let data = dir.join("data");
        let mut initdb = Command::new(bin.join("initdb"));
        initdb.args([
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--no-sync",
            "--locale=C",
            "-D",
        ]);
        initdb.arg(&data);
        run(&mut as_user(initdb, as_postgres_user));
        let cluster = TempPostgres {
            bin,
            dir,
            port: free_port(),
            as_postgres_user,
        };
        cluster.launch();
        Some(cluster)
    }

    /// The port the server listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A connection URL for `database`, as user `postgres`.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// A key-value connection string for `database` (for clients that prefer one).
    pub fn config(&self, database: &str) -> String {
        format!(
            "host=127.0.0.1 port={} user=postgres dbname={database}",
            self.port
        )
    }

    /// Creates the empty database `name` (letters, digits and `_`) and returns its URL.
    ///
    /// # Panics
    ///
    /// When `name` is not a plain identifier or `psql` fails.
    pub fn create_database(&self, name: &str) -> String {
        assert!(
            name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'),
            "database name `{name}`"
        );
        self.psql(&format!("CREATE DATABASE {name}"));
        self.url(name)
    }

    /// Runs one SQL command on the `postgres` database with `psql`.
    ///
    /// # Panics
    ///
    /// When `psql` fails.
    pub fn psql(&self, sql: &str) {
        let mut psql = Command::new(self.psql_binary());
        psql.args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-U"])
            .args(["postgres", "-d", "postgres", "-p"])
            .arg(self.port.to_string())
            .args(["-c", sql]);
        run(&mut psql);
    }

    /// Stops the server (fast shutdown), keeping its data for [`TempPostgres::start_again`].
    pub fn stop(&self) {
        let mut pg_ctl = Command::new(self.bin.join("pg_ctl"));
        pg_ctl
            .args(["stop", "-m", "fast", "-w", "-D"])
            .arg(self.data());
        run(&mut as_user(pg_ctl, self.as_postgres_user));
    }

    /// Starts the stopped server again, on the same port and data.
    pub fn start_again(&self) {
        self.launch();
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn psql_binary(&self) -> PathBuf {
        let beside = self.bin.join("psql");
        if beside.exists() {
            beside
        } else {
            PathBuf::from("psql")
        }
    }

    /// Starts the server under a watchdog that stops it (and removes the directory) when this
    /// process is gone, then waits until it accepts connections.
    fn launch(&self) {
        let script = format!(
            "'{postgres}' -D '{data}' -p {port} -c listen_addresses=127.0.0.1 \
             -c unix_socket_directories='{dir}' -c fsync=off -c synchronous_commit=off \
             -c full_page_writes=off -c max_connections=200 >>'{dir}/log' 2>&1 &
             server=$!
             while [ -d /proc/{parent} ] && kill -0 $server 2>/dev/null; do sleep 0.5; done
             if kill -0 $server 2>/dev/null; then
               kill -INT $server; wait $server; rm -rf '{dir}'
             fi",
            postgres = self.bin.join("postgres").display(),
            data = self.data().display(),
            dir = self.dir.display(),
            port = self.port,
            parent = std::process::id(),
        );
        let mut sh = Command::new("sh");
        sh.args(["-c", &script]);
        // Detached on purpose: the watchdog outlives this call and ends by itself.
        #[allow(clippy::zombie_processes)]
        as_user(sh, self.as_postgres_user)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the PostgreSQL watchdog");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let mut ready = Command::new(self.bin.join("pg_isready"));
            ready.args(["-q", "-h", "127.0.0.1", "-p"]);
            ready.arg(self.port.to_string());
            if ready.status().is_ok_and(|status| status.success()) {
                return;
            }
            let log = std::fs::read_to_string(self.dir.join("log")).unwrap_or_default();
            assert!(
                Instant::now() < deadline,
                "PostgreSQL did not start within a minute; its log:\n{log}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// The directory holding `initdb`, `pg_ctl` and `postgres`: the newest (15 or later) under
/// `/usr/lib/postgresql/*/bin` (Debian's layout), else the one on `PATH`.
fn find_binaries() -> Option<PathBuf> {
    let has_all = |dir: &Path| {
        ["initdb", "pg_ctl", "postgres", "pg_isready"]
            .iter()
            .all(|name| dir.join(name).exists())
    };
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            Some((version, entry.path().join("bin")))
        })
        // The crate's PostgreSQL rendering is proven on 15 and later.
        .filter(|(version, bin)| *version >= 15 && has_all(bin))
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Some(bin);
    }
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(PathBuf::from)
        .find(|dir| has_all(dir))
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| out.stdout.trim_ascii() == b"0")
}

/// `command` run as the `postgres` user when `switch` (we are root), else as it is.
fn as_user(command: Command, switch: bool) -> Command {
    if !switch {
        return command;
    }
    let mut runuser = Command::new("runuser");
    runuser
        .args(["-u", "postgres", "--"])
        .arg(command.get_program());
    runuser.args(command.get_args());
    runuser
}

fn run(command: &mut Command) {
    let out = command
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|err| panic!("run {command:?}: {err}"));
    assert!(
        out.status.success(),
        "{command:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn temp_dir() -> PathBuf {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    std::env::temp_dir().join(format!("helpdesk-pg-{}-{n}", std::process::id()))
}

/// A port that was free a moment ago (the server binds it right after).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free port on 127.0.0.1")
}
