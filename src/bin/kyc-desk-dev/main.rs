//! `kyc-desk-dev`: the developer tools, built beside the deployed `kyc-desk`
//! but never part of it. `seed` fills a database with a realistic dataset
//! and `bench` measures every figure of BENCHMARKS.md against it. Settings
//! as for `kyc-desk` (the `KYC_DESK_*` variables, `--config` or
//! ./kyc-desk.toml).

mod bench;
mod seed;

use clap::{Parser, Subcommand};
use kyc_desk::server::cli::{self, open_db};
use kyc_desk::server::clock::Clock;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "kyc-desk-dev",
    version,
    about = "KYC Desk developer tools: a benchmark dataset and the benchmarks (never for production)"
)]
struct Cli {
    /// A TOML configuration file (default: ./kyc-desk.toml when present).
    #[arg(long, env = "KYC_DESK_CONFIG", global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Fill the database with a realistic dataset for the benchmarks:
    /// customers, verifications with checks, decisions and notes, seeded staff
    /// (who cannot sign in until `kyc-desk user reset-password`), and audit
    /// events that continue the hash chain. Adds to what is there; never for
    /// production.
    Seed {
        #[arg(long, default_value_t = 10_000)]
        customers: u64,
        #[arg(long, default_value_t = 20_000)]
        verifications: u64,
        #[arg(long, default_value_t = 100_000)]
        audit_events: u64,
        /// The random generator's seed: the same seed gives the same data.
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Measure every speed and memory figure of BENCHMARKS.md against the
    /// configured database (fill it with `seed` first) and print a report.
    /// The server measured is `kyc-desk serve`, from the folder this binary
    /// is in.
    Bench {
        /// Seconds of each fixed-rate run (100 req/s on the queue).
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Simulated reviewers (a page every 5 s, a decision a minute).
        #[arg(long, default_value_t = 200)]
        reviewers: usize,
        /// Seconds of the many-reviewers run.
        #[arg(long, default_value_t = 120)]
        load_seconds: u64,
        /// Decisions timed per provider condition (healthy, slow, down).
        #[arg(long, default_value_t = 300)]
        decisions: usize,
        /// Run only these parts (comma-separated; all by default).
        #[arg(long, value_enum, value_delimiter = ',')]
        only: Vec<bench::Part>,
        /// Also write the report to this Markdown file (the server's log
        /// goes beside it, as FILE.server.log).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    cli::launch(
        "kyc-desk-dev",
        cli.config.as_deref(),
        |settings| async move {
            match cli.command {
                Command::Seed {
                    customers,
                    verifications,
                    audit_events,
                    seed,
                } => {
                    let plan = seed::Plan {
                        customers,
                        verifications,
                        audit_events,
                        seed,
                        now_ms: Clock::default().now_ms(),
                    };
                    let db = open_db(&settings).await?;
                    let seeded = seed::command(&db, &plan).await;
                    db.close().await;
                    seeded
                }
                Command::Bench {
                    seconds,
                    reviewers,
                    load_seconds,
                    decisions,
                    only,
                    out,
                } => {
                    let server_log = match &out {
                        Some(path) => path.with_extension("server.log"),
                        None => std::env::temp_dir().join(format!(
                            "kyc-desk-bench-server-{}.log",
                            std::time::SystemTime::now()
                                .duration_since(std::time::UNIX_EPOCH)
                                .map_or(0, |d| d.as_secs())
                        )),
                    };
                    let opts = bench::Options {
                        seconds,
                        reviewers: reviewers.max(1),
                        load_seconds,
                        decisions,
                        only,
                        server_log,
                    };
                    let report = bench::run(settings, opts).await?;
                    println!("\n{report}");
                    match out {
                        Some(path) => std::fs::write(&path, report)
                            .map_err(|e| format!("cannot write {}: {e}", path.display())),
                        None => Ok(()),
                    }
                }
            }
        },
    )
}
