//! `strata session`: a project's sessions from the machine that holds the
//! catalog, as the facility (`Scope::system()`): list, complete, compact and
//! restore.

use strata_catalog::sessions::{Session, SessionResultState};
use strata_catalog::{Catalog, Scope};

use super::cleanup::{columns, human_bytes};
use crate::Config;
use crate::cli::SessionCommand;
use crate::startup::open_catalog;

pub async fn run(config: &Config, cmd: SessionCommand) -> anyhow::Result<()> {
    let catalog = open_catalog(config).await?;
    let scope = Scope::system();
    match cmd {
        SessionCommand::List { project, json } => list(&catalog, &scope, &project, json).await?,
        SessionCommand::Complete { project, uid } => {
            catalog.complete_session(&scope, &project, &uid).await?;
            eprintln!("{project}/{uid} completed: it may now be compacted");
        }
        SessionCommand::Compact { project, uid } => {
            let done = catalog.compact_session(&scope, &project, &uid).await?;
            println!(
                "{project}/{uid} compacted: {} result(s) removed, freed {} bytes ({}); restore it to reprocess them",
                done.removed.len(),
                done.bytes_freed,
                human_bytes(done.bytes_freed)
            );
        }
        SessionCommand::Restore { project, uid } => {
            let session = catalog.restore_session(&scope, &project, &uid).await?;
            let waiting = waiting(&session);
            println!("{project}/{uid} restored: {waiting} result(s) marked for reprocessing");
        }
    }
    Ok(())
}

fn waiting(s: &Session) -> usize {
    s.results
        .iter()
        .filter(|r| r.state == SessionResultState::Reprocessing)
        .count()
}

async fn list(catalog: &Catalog, scope: &Scope, project: &str, json: bool) -> anyhow::Result<()> {
    let sessions = catalog.sessions(scope, project).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&sessions)?);
        return Ok(());
    }
    let rows: Vec<Vec<String>> = sessions
        .iter()
        .map(|s| {
            let present = s
                .results
                .iter()
                .filter(|r| r.state == SessionResultState::Present)
                .count();
            vec![
                s.uid.clone(),
                s.status.to_string(),
                format!("{present}/{}", s.results.len()),
                waiting(s).to_string(),
                s.workspace.clone().unwrap_or_else(|| "-".to_owned()),
                if s.title.is_empty() {
                    "-".to_owned()
                } else {
                    s.title.clone()
                },
                human_bytes(u64::try_from(s.size_bytes).unwrap_or(0)),
            ]
        })
        .collect();
    print!(
        "{}",
        columns(
            &[
                "session",
                "status",
                "on disk",
                "reprocessing",
                "workspace",
                "title",
                "size"
            ],
            &rows,
            6,
        )
    );
    eprintln!("{} session(s)", sessions.len());
    Ok(())
}
