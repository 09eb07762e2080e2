//! `strata`: parses the command line and dispatches; everything else is in the library.

use std::process::ExitCode;

use clap::Parser;
use strata::cli::{Cli, Command};
use strata::{Config, commands, telemetry};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load(cli.config.as_deref(), &cli.overrides()) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("strata: configuration: {err}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&config);
    let result = match cli.command {
        Command::Demo(args) => commands::demo::run(&config, args).await,
        Command::Serve { .. } => commands::serve::run(&config).await,
        Command::ExportSchema { out } => commands::export_schema::run(out.as_deref()),
        Command::Token(cmd) => commands::token::run(&config, cmd).await,
        Command::Instrument(cmd) => commands::instrument::run(&config, cmd).await,
        Command::Query(args) => commands::query::run(&config, args).await,
        Command::Ingest(args) => commands::ingest::run(&config, args).await,
        Command::Restack(args) => commands::restack::run(&config, args).await,
        Command::Verify(args) => commands::verify::run(&config, args).await,
        Command::Download(args) => commands::download::run(&config, args).await,
        Command::Sync(args) => commands::sync::run(&config, args).await,
        Command::Project(cmd) => commands::project::run(&config, cmd).await,
        Command::Job(cmd) => commands::job::run(&config, cmd).await,
        Command::Session(cmd) => commands::session::run(&config, cmd).await,
        Command::Doi(cmd) => commands::doi::run(&config, cmd).await,
        Command::Cleanup(cmd) => commands::cleanup::run(&config, cmd).await,
        Command::Portal(cmd) => commands::portal::run(&config, cmd).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("strata: {err:#}");
            ExitCode::FAILURE
        }
    }
}
