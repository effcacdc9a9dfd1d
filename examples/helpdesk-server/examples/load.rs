//! A load generator for the reference server: keep-alive HTTP/1.1 over loopback only, bounded
//! in requests and in time.
//!
//! ```sh
//! cargo run --release -p helpdesk-server -- --db /tmp/big.db --conversations 1000000 &
//! cargo run --release -p helpdesk-server --example load -- --addr 127.0.0.1:3000 --user 3
//! cargo run --release -p helpdesk-server --example load -- --addr 127.0.0.1:3000 --mixed
//! ```
//!
//! Each of `--connections` (32) connections sends `GET /api/conversations?limit=50` as
//! `--user` (3, Cleo) one after another until `--requests` (20,000 in all, at most 1,000,000)
//! are sent or `--seconds` (20, at most 300) have passed. `--mixed` spreads the readers over
//! Cleo, Dev and Eve and turns two of the connections into role editors as Ada (`PATCH
//! /api/roles/100` with the `If-Match` they last saw; a 409 is expected when the other editor
//! stored first). Prints requests per second and the p50 and p99 latency of the reads, and
//! every status that was not expected. The first `--warmup` second (1) is sent but not
//! counted: the server's pool opens its connections and prepares its statements then.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

const USAGE: &str = "usage: load --addr 127.0.0.1:PORT [--user ID | --mixed] [--connections N]
            [--requests N] [--seconds S] [--limit N] [--warmup S]";

struct Args {
    addr: SocketAddr,
    user: i64,
    mixed: bool,
    connections: usize,
    requests: u64,
    seconds: u64,
    limit: u32,
    warmup: u64,
}

fn parse() -> Result<Args, String> {
    let mut args = std::env::args().skip(1);
    let mut parsed = Args {
        addr: "127.0.0.1:3000".parse().map_err(|_| "address")?,
        user: 3,
        mixed: false,
        connections: 32,
        requests: 20_000,
        seconds: 20,
        limit: 50,
        warmup: 1,
    };
    let number = |value: Option<String>, name: &str, max: u64| {
        value
            .and_then(|v| v.parse::<u64>().ok())
            .filter(|v| (1..=max).contains(v))
            .ok_or_else(|| format!("{name} needs a number from 1 to {max}"))
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--addr" => {
                parsed.addr = args
                    .next()
                    .and_then(|a| a.parse().ok())
                    .ok_or("--addr needs IP:PORT")?;
            }
            "--user" => parsed.user = number(args.next(), "--user", 1 << 40)? as i64,
            "--mixed" => parsed.mixed = true,
            "--connections" => {
                parsed.connections = number(args.next(), "--connections", 256)? as usize
            }
            "--requests" => parsed.requests = number(args.next(), "--requests", 1_000_000)?,
            "--seconds" => parsed.seconds = number(args.next(), "--seconds", 300)?,
            "--limit" => parsed.limit = number(args.next(), "--limit", 200)? as u32,
            "--warmup" => parsed.warmup = number(args.next(), "--warmup", 60)?,
            _ => return Err(format!("unknown argument `{arg}`")),
        }
    }
    // Loopback only: this is a tool for measuring one's own machine, not anyone else's.
    if !parsed.addr.ip().is_loopback() {
        return Err(format!("{} is not a loopback address", parsed.addr.ip()));
    }
    if parsed.mixed && parsed.connections < 3 {
        return Err("--mixed needs at least 3 connections".to_owned());
    }
    Ok(parsed)
}

/// One keep-alive connection: sends a request, reads the status, the ETag and the body.
struct Conn {
    stream: BufReader<TcpStream>,
    host: String,
}

impl Conn {
    async fn open(addr: SocketAddr) -> std::io::Result<Conn> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Conn {
            stream: BufReader::new(stream),
            host: addr.to_string(),
        })
    }

    async fn send(
        &mut self,
        method: &str,
        path: &str,
        headers: &str,
        body: &str,
    ) -> std::io::Result<(u16, Option<String>)> {
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\n{headers}Content-Length: {}\r\n\r\n{body}",
            self.host,
            body.len()
        );
        self.stream.get_mut().write_all(request.as_bytes()).await?;
        let mut line = String::new();
        self.stream.read_line(&mut line).await?;
        let status = line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| std::io::Error::other(format!("bad status line {line:?}")))?;
        let (mut length, mut etag) = (0usize, None);
        loop {
            line.clear();
            self.stream.read_line(&mut line).await?;
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                match name.to_ascii_lowercase().as_str() {
                    "content-length" => length = value.trim().parse().unwrap_or(0),
                    "etag" => etag = Some(value.trim().to_owned()),
                    _ => {}
                }
            }
        }
        let mut body = vec![0; length];
        self.stream.read_exact(&mut body).await?;
        Ok((status, etag))
    }
}

#[derive(Default)]
struct Tally {
    reads: Vec<u32>,
    edits: u64,
    unexpected: BTreeMap<String, u64>,
    conflicts: u64,
}

async fn reader(
    args: std::sync::Arc<Args>,
    index: usize,
    budget: std::sync::Arc<std::sync::atomic::AtomicU64>,
    counted: Instant,
    end: Instant,
) -> Tally {
    let mut tally = Tally::default();
    let user = if args.mixed {
        [3, 4, 5][index % 3]
    } else {
        args.user
    };
    let path = format!("/api/conversations?limit={}", args.limit);
    let headers = format!("X-User-Id: {user}\r\n");
    let Ok(mut conn) = Conn::open(args.addr).await else {
        *tally
            .unexpected
            .entry("connect failed".to_owned())
            .or_default() += 1;
        return tally;
    };
    while Instant::now() < end && (Instant::now() < counted || take(&budget)) {
        let start = Instant::now();
        match conn.send("GET", &path, &headers, "").await {
            Ok((200, _)) if start < counted => {}
            Ok((200, _)) => tally
                .reads
                .push(u32::try_from(start.elapsed().as_micros()).unwrap_or(u32::MAX)),
            Ok((status, _)) => {
                *tally
                    .unexpected
                    .entry(format!("read {status}"))
                    .or_default() += 1
            }
            Err(error) => {
                *tally
                    .unexpected
                    .entry(format!("read: {error}"))
                    .or_default() += 1;
                return tally;
            }
        }
    }
    tally
}

async fn editor(
    args: std::sync::Arc<Args>,
    index: usize,
    budget: std::sync::Arc<std::sync::atomic::AtomicU64>,
    end: Instant,
) -> Tally {
    let mut tally = Tally::default();
    let Ok(mut conn) = Conn::open(args.addr).await else {
        *tally
            .unexpected
            .entry("connect failed".to_owned())
            .or_default() += 1;
        return tally;
    };
    let mut tag = String::from("\"0\"");
    let mut round = 0u64;
    while Instant::now() < end && take(&budget) {
        round += 1;
        // A rename always changes the policy, so every 200 stores a revision.
        let body = format!("{{\"name\":\"Tier 2 ({index}, {round})\"}}");
        let headers =
            format!("X-User-Id: 1\r\nIf-Match: {tag}\r\nContent-Type: application/json\r\n");
        match conn.send("PATCH", "/api/roles/100", &headers, &body).await {
            Ok((200, etag)) => {
                tally.edits += 1;
                tag = etag.unwrap_or(tag);
            }
            Ok((409, etag)) => {
                tally.conflicts += 1;
                tag = etag.unwrap_or(tag);
            }
            Ok((status, _)) => {
                *tally
                    .unexpected
                    .entry(format!("edit {status}"))
                    .or_default() += 1
            }
            Err(error) => {
                *tally
                    .unexpected
                    .entry(format!("edit: {error}"))
                    .or_default() += 1;
                return tally;
            }
        }
        // An editor saves now and then, not in a tight loop.
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tally
}

fn take(budget: &std::sync::atomic::AtomicU64) -> bool {
    use std::sync::atomic::Ordering;
    budget
        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
            left.checked_sub(1)
        })
        .is_ok()
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = match parse() {
        Ok(args) => std::sync::Arc::new(args),
        Err(message) => {
            eprintln!("load: {message}\n{USAGE}");
            return std::process::ExitCode::from(2);
        }
    };
    let budget = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(args.requests));
    let counted = Instant::now() + Duration::from_secs(args.warmup);
    let end = counted + Duration::from_secs(args.seconds);
    let mut tasks = Vec::new();
    for index in 0..args.connections {
        let (args, budget) = (args.clone(), budget.clone());
        tasks.push(tokio::spawn(async move {
            if args.mixed && index < 2 {
                editor(args, index, budget, end).await
            } else {
                reader(args, index, budget, counted, end).await
            }
        }));
    }
    let mut all = Tally::default();
    for task in tasks {
        let Ok(tally) = task.await else { continue };
        all.reads.extend(tally.reads);
        all.edits += tally.edits;
        all.conflicts += tally.conflicts;
        for (what, n) in tally.unexpected {
            *all.unexpected.entry(what).or_default() += n;
        }
    }
    let elapsed = counted.elapsed().as_secs_f64();
    all.reads.sort_unstable();
    let percentile = |p: f64| {
        let index = ((all.reads.len() as f64 - 1.0) * p).round() as usize;
        all.reads
            .get(index)
            .map_or(0.0, |us| f64::from(*us) / 1000.0)
    };
    let who = if args.mixed {
        "Cleo, Dev and Eve, with 2 role editors".to_owned()
    } else {
        format!("user {}", args.user)
    };
    println!(
        "{who}: {} reads in {elapsed:.1} s over {} connections: {:.0} reads/s, p50 {:.2} ms, \
         p99 {:.2} ms, max {:.2} ms; edits stored {}, 409 {}; unexpected: {}",
        all.reads.len(),
        args.connections,
        all.reads.len() as f64 / elapsed,
        percentile(0.50),
        percentile(0.99),
        percentile(1.0),
        all.edits,
        all.conflicts,
        if all.unexpected.is_empty() {
            "none".to_owned()
        } else {
            format!("{:?}", all.unexpected)
        }
    );
    if all.unexpected.is_empty() {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    }
}
