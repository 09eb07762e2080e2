//! `strata project`: project directories' lifecycle (CryoSPARC's data
//! management) from the machine that holds the catalog. The operator at the
//! machine acts as the facility (`Scope::system()`).

use std::path::Path;

use anyhow::{Context as _, bail};
use chrono::{DateTime, Utc};
use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};
use indicatif::BinaryBytes;
use serde::Serialize;
use strata_catalog::{Attached, Catalog, NewProject, ProjectStorage, Scope};
use strata_domain::ProjectCode;

use crate::Config;
use crate::cli::ProjectCommand;
use crate::startup::open_catalog;

/// One project as `strata project list --json` shows it.
#[derive(Debug, Serialize)]
struct Row {
    code: String,
    uid: i32,
    state: String,
    directory: String,
    /// Bytes on disk as last measured; absent when never measured.
    size_bytes: Option<u64>,
    size_stale: bool,
}

/// `strata project stats --json`: the code and the figures, in bytes.
#[derive(Debug, Serialize)]
struct Stats<'a> {
    code: &'a str,
    #[serde(flatten)]
    storage: &'a ProjectStorage,
}

pub async fn run(config: &Config, cmd: ProjectCommand) -> anyhow::Result<()> {
    let catalog = open_catalog(config).await?;
    let scope = Scope::system();
    match cmd {
        ProjectCommand::List { json } => list(&catalog, &scope, json).await?,
        ProjectCommand::Create {
            code,
            title,
            embargo_end,
            container,
        } => {
            let code: ProjectCode = code.parse().context("--code")?;
            let embargo_end = embargo_end
                .as_deref()
                .map(|at| {
                    DateTime::parse_from_rfc3339(at)
                        .map(|at| at.with_timezone(&Utc))
                        .with_context(|| format!("--embargo-end {at:?} is not an RFC 3339 time"))
                })
                .transpose()?;
            let project = catalog
                .create_project_in(
                    &scope,
                    NewProject {
                        code,
                        title,
                        embargo_end,
                    },
                    container.as_deref(),
                )
                .await?;
            eprintln!(
                "project {} created (uid {}) in {}",
                project.code, project.uid, project.directory
            );
        }
        ProjectCommand::Detach { code } => {
            let report = catalog.detach_project(&scope, &code).await?;
            eprintln!(
                "project {} detached: {} dataset(s) exported, lock removed; {} can now be attached elsewhere",
                report.code,
                report.datasets,
                report.directory.display()
            );
        }
        ProjectCommand::Attach { dir, all, rescue } => {
            if all {
                attach_all(&catalog, &scope, &dir, rescue).await?;
            } else {
                let attached = catalog.attach_project(&scope, &dir, rescue).await?;
                eprintln!("{}", attached_line(&attached));
            }
        }
        ProjectCommand::Archive { code } => {
            catalog.archive_project(&scope, &code).await?;
            eprintln!(
                "project {code} archived: read-only, export written; unarchive it with `strata project unarchive {code} --path DIR`"
            );
        }
        ProjectCommand::Unarchive { code, path } => {
            catalog.unarchive_project(&scope, &code, &path).await?;
            let project = catalog.project(&scope, &code).await?;
            eprintln!("project {code} unarchived from {}", project.directory);
        }
        ProjectCommand::Relink {
            code,
            from,
            to,
            dry_run,
        } => {
            let report = catalog
                .relink_project(&scope, &code, &from, &to, dry_run)
                .await?;
            let verb = if dry_run {
                "would repoint"
            } else {
                "repointed"
            };
            for (link, old, new) in &report.repointed {
                println!(
                    "{verb} {} : {} -> {}",
                    link.display(),
                    old.display(),
                    new.display()
                );
            }
            for (link, target) in &report.dangling {
                println!("DANGLING  {} -> {}", link.display(), target.display());
            }
            eprintln!(
                "{} link(s) {verb}, {} dangling",
                report.repointed.len(),
                report.dangling.len()
            );
            if !report.dangling.is_empty() {
                anyhow::bail!("{} link(s) point at nothing", report.dangling.len());
            }
        }
        ProjectCommand::Export { code } => {
            let datasets = catalog.export_project(&scope, &code).await?;
            eprintln!("project {code} exported: {datasets} dataset(s) written");
        }
        ProjectCommand::Stats {
            code,
            refresh,
            json,
        } => {
            let storage = if refresh {
                catalog.refresh_project_storage(&scope, &code).await?
            } else {
                catalog.project_storage(&scope, &code).await?
            };
            if json {
                let stats = Stats {
                    code: &code,
                    storage: &storage,
                };
                println!("{}", serde_json::to_string_pretty(&stats)?);
            } else {
                print!("{}", stats_text(&code, &storage));
            }
        }
    }
    Ok(())
}

async fn list(catalog: &Catalog, scope: &Scope, json: bool) -> anyhow::Result<()> {
    let mut rows = Vec::new();
    for p in catalog.projects(scope).await? {
        let code = p.code.to_string();
        let storage = catalog.project_storage(scope, &code).await?;
        rows.push(Row {
            size_bytes: storage.computed_at.map(|_| storage.total_bytes),
            size_stale: storage.stale,
            code,
            uid: p.uid,
            state: p.state.as_str().to_owned(),
            directory: p.directory,
        });
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).set_header([
        "code",
        "uid",
        "state",
        "directory",
        "size",
    ]);
    for r in &rows {
        let size = match r.size_bytes {
            None => "-".to_owned(),
            Some(bytes) if r.size_stale => format!("{} (stale)", BinaryBytes(bytes)),
            Some(bytes) => BinaryBytes(bytes).to_string(),
        };
        table.add_row([
            r.code.clone(),
            r.uid.to_string(),
            r.state.clone(),
            r.directory.clone(),
            size,
        ]);
    }
    println!("{table}");
    eprintln!("{} project(s)", rows.len());
    Ok(())
}

/// Attaches every project directory in `container`, reporting each; fails
/// when any failed (the others stay attached).
async fn attach_all(
    catalog: &Catalog,
    scope: &Scope,
    container: &Path,
    rescue: bool,
) -> anyhow::Result<()> {
    let outcomes = catalog.attach_all(scope, container, rescue).await?;
    if outcomes.is_empty() {
        bail!(
            "no project directory (one holding .strata/project.json) directly under {}",
            container.display()
        );
    }
    let mut failed = 0;
    for (dir, outcome) in &outcomes {
        match outcome {
            Ok(attached) => eprintln!("{}", attached_line(attached)),
            Err(err) => {
                failed += 1;
                eprintln!("FAILED {}: {err}", dir.display());
            }
        }
    }
    eprintln!(
        "{} of {} project directory(ies) attached",
        outcomes.len() - failed,
        outcomes.len()
    );
    if failed > 0 {
        bail!("{failed} project directory(ies) not attached; see above");
    }
    Ok(())
}

fn attached_line(a: &Attached) -> String {
    let mut line = format!(
        "attached {} (uid {}, {} dataset(s)) from {}",
        a.code,
        a.uid,
        a.datasets,
        a.directory.display()
    );
    if let Some(aside) = &a.rescued_lock {
        line.push_str(&format!(
            "; the previous lock was set aside as {}",
            aside.display()
        ));
    }
    line
}

/// The figures for a person: total first, then the breakdown.
fn stats_text(code: &str, s: &ProjectStorage) -> String {
    let Some(at) = s.computed_at else {
        return format!(
            "{code}: size not measured yet; run `strata project stats {code} --refresh`\n"
        );
    };
    let mut out = format!("{code}: {}", BinaryBytes(s.total_bytes));
    if s.stale {
        out.push_str(" (stale: data changed since; --refresh measures again)");
    }
    out.push('\n');
    for (what, bytes) in [
        ("datasets", s.datasets_bytes),
        ("jobs", s.jobs_bytes),
        ("sessions", s.sessions_bytes),
        ("other", s.other_bytes),
    ] {
        out.push_str(&format!(
            "  {what:<9} {:>12}\n",
            BinaryBytes(bytes).to_string()
        ));
    }
    out.push_str(&format!("  measured  {}\n", at.to_rfc3339()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_are_human_readable_and_marked_stale() {
        let mut s = ProjectStorage {
            total_bytes: 3 * 1024 * 1024 + 512,
            datasets_bytes: 3 * 1024 * 1024,
            other_bytes: 512,
            computed_at: Some("2026-01-02T03:04:05Z".parse().unwrap()),
            ..ProjectStorage::default()
        };
        let text = stats_text("ML", &s);
        let line = |what: &str| {
            text.lines()
                .find(|l| l.trim_start().starts_with(what))
                .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        };
        assert!(text.starts_with("ML: 3.00 MiB\n"), "{text}");
        assert_eq!(line("datasets").as_deref(), Some("datasets 3.00 MiB"));
        assert_eq!(line("jobs").as_deref(), Some("jobs 0 B"));
        assert_eq!(line("other").as_deref(), Some("other 512 B"));
        assert_eq!(
            line("measured").as_deref(),
            Some("measured 2026-01-02T03:04:05+00:00")
        );
        assert!(!text.contains("stale"), "{text}");
        s.stale = true;
        assert!(stats_text("ML", &s).contains("(stale"));
        s.computed_at = None;
        assert!(stats_text("ML", &s).contains("not measured yet"));
    }
}
