//! `strata job`: a project's jobs from the machine that holds the catalog,
//! as the facility (`Scope::system()`): list them, mark final results, clear
//! and delete, with the catalog's protections.

use strata_catalog::jobs::Job;
use strata_catalog::jobs::plan::Change;
use strata_catalog::{Catalog, Scope};

use super::cleanup::{columns, human_bytes};
use crate::Config;
use crate::cli::JobCommand;
use crate::startup::open_catalog;

pub async fn run(config: &Config, cmd: JobCommand) -> anyhow::Result<()> {
    let catalog = open_catalog(config).await?;
    let scope = Scope::system();
    match cmd {
        JobCommand::List { project, json } => list(&catalog, &scope, &project, json).await?,
        JobCommand::Final {
            project,
            uid,
            unmark,
        } => {
            let job = catalog
                .set_job_final(&scope, &project, &uid, !unmark)
                .await?;
            if job.is_final {
                eprintln!(
                    "{project}/{uid} marked as a final result: it and its ancestors are kept"
                );
            } else {
                eprintln!("{project}/{uid} is no longer a final result");
            }
        }
        JobCommand::Clear { project, uid } => {
            let cleared = catalog.clear_job(&scope, &project, &uid).await?;
            println!("{}", cleared_line(&project, &cleared));
        }
        JobCommand::Delete { project, uid } => {
            let deleted = catalog.delete_job(&scope, &project, &uid).await?;
            println!("{}", cleared_line(&project, &deleted));
        }
    }
    Ok(())
}

fn cleared_line(project: &str, c: &strata_catalog::jobs::JobCleared) -> String {
    let verb = match c.change {
        Change::Delete => "deleted",
        Change::Clear | Change::ClearIntermediates { .. } => "cleared",
    };
    format!(
        "{project}/{} {verb}: freed {} bytes ({})",
        c.uid,
        c.bytes_freed,
        human_bytes(c.bytes_freed)
    )
}

async fn list(catalog: &Catalog, scope: &Scope, project: &str, json: bool) -> anyhow::Result<()> {
    let jobs = catalog.jobs(scope, project).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&jobs)?);
        return Ok(());
    }
    let rows: Vec<Vec<String>> = jobs.iter().map(row).collect();
    print!(
        "{}",
        columns(
            &[
                "job",
                "type",
                "category",
                "status",
                "final",
                "inputs",
                "workspaces",
                "title",
                "size"
            ],
            &rows,
            8,
        )
    );
    eprintln!("{} job(s)", jobs.len());
    Ok(())
}

fn row(j: &Job) -> Vec<String> {
    let finality = if j.is_final {
        "final"
    } else if j.is_ancestor_of_final {
        "ancestor"
    } else {
        "-"
    };
    let mut status = j.status.to_string();
    if j.inputs_unavailable {
        status.push_str(" (inputs unavailable)");
    }
    let list = |items: &[String]| {
        if items.is_empty() {
            "-".to_owned()
        } else {
            items.join(",")
        }
    };
    vec![
        j.uid.clone(),
        j.job_type.clone(),
        j.category.to_string(),
        status,
        finality.to_owned(),
        list(&j.inputs),
        list(&j.workspaces),
        if j.title.is_empty() {
            "-".to_owned()
        } else {
            j.title.clone()
        },
        human_bytes(u64::try_from(j.size_bytes).unwrap_or(0)),
    ]
}
