//! `strata cleanup preview|run`: the cleanup tool (CryoSPARC's Cleanup Data,
//! seed 001) from the machine that holds the catalog, as the facility
//! (`Scope::system()`). The preview and the run are the catalog's one
//! planner; this module only turns flags into options and plans into text.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;
use strata_catalog::Scope;
use strata_catalog::jobs::plan::{Category, Change, CleanupOptions, Plan, Row};

use crate::Config;
use crate::cli::{CleanupArgs, CleanupCommand};
use crate::startup::open_catalog;

/// `strata cleanup run --json`.
#[derive(Debug, Serialize)]
struct RunJson<'a> {
    plan: &'a Plan,
    bytes_freed: u64,
}

pub async fn run(config: &Config, cmd: CleanupCommand) -> anyhow::Result<()> {
    let catalog = open_catalog(config).await?;
    let scope = Scope::system();
    match cmd {
        CleanupCommand::Preview(args) => {
            let plan = catalog
                .cleanup_preview(
                    &scope,
                    &args.project,
                    args.workspace.as_deref(),
                    options(&args),
                )
                .await?;
            if args.json {
                println!("{}", serde_json::to_string_pretty(&plan)?);
            } else {
                print!("{}", preview_text(&args, &plan));
            }
        }
        CleanupCommand::Run(args) => {
            let report = catalog
                .cleanup_run(
                    &scope,
                    &args.project,
                    args.workspace.as_deref(),
                    options(&args),
                )
                .await?;
            if args.json {
                let json = RunJson {
                    plan: &report.plan,
                    bytes_freed: report.bytes_freed,
                };
                println!("{}", serde_json::to_string_pretty(&json)?);
            } else {
                print!("{}", run_text(&args, &report.plan, report.bytes_freed));
            }
        }
    }
    Ok(())
}

/// The flags as the catalog's options; a later `--preprocessing` wins for
/// the same category.
fn options(args: &CleanupArgs) -> CleanupOptions {
    let mut preprocessing = BTreeMap::new();
    for flag in &args.preprocessing {
        for &category in &flag.categories {
            preprocessing.insert(category, flag.action.into());
        }
    }
    CleanupOptions {
        workspace: None,
        preprocessing,
        intermediate_results: args.intermediate,
        non_final: args.non_final.map(Into::into),
        killed: args.killed.map(Into::into),
        failed: args.failed.map(Into::into),
    }
}

/// Bytes for a person, in binary units: `512 B`, `3.91 KiB`, `1.50 GiB`.
pub(crate) fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.2} {}", UNITS[unit])
}

fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

/// Plain-text columns two spaces apart, the first `left` left-aligned and
/// the others right-aligned, each line indented by two spaces.
pub(crate) fn columns(header: &[&str], rows: &[Vec<String>], left: usize) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut out = String::new();
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            if i < left {
                let _ = write!(out, "  {cell:<w$}");
            } else {
                let _ = write!(out, "  {cell:>w$}");
            }
        }
        out.trim_end().to_owned() + "\n"
    };
    let mut out = line(header.to_vec());
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

fn row_cells(what: &str, row: &Row) -> Vec<String> {
    vec![
        what.to_owned(),
        row.count.to_string(),
        human_bytes(row.bytes),
        percent(row.share),
    ]
}

fn change_name(change: &Change) -> &'static str {
    match change {
        Change::Clear => "clear",
        Change::ClearIntermediates { .. } => "clear intermediates",
        Change::Delete => "delete",
    }
}

fn category_name(category: Category) -> String {
    category.as_str().replace('-', " ")
}

fn scope_name(args: &CleanupArgs) -> String {
    match &args.workspace {
        Some(w) => format!("{}, workspace {w}", args.project),
        None => args.project.clone(),
    }
}

/// The line tests and people look for: the bytes exactly, then for a person.
fn freed_line(args: &CleanupArgs, plan: &Plan, bytes: u64, verb: &str) -> String {
    let estimate = &plan.preview.estimate;
    let mut line = format!("{verb} {bytes} bytes ({})", human_bytes(bytes));
    if estimate.project_bytes_stale {
        let _ = write!(
            line,
            "; the project's size is out of date (`strata project stats {} --refresh` measures it)",
            args.project
        );
    } else {
        let _ = write!(
            line,
            ", {} of the project",
            percent(estimate.share_of_project)
        );
    }
    line
}

/// The planned changes, one line per job.
fn changes_text(plan: &Plan) -> String {
    let rows: Vec<Vec<String>> = plan
        .jobs
        .iter()
        .map(|j| {
            let change = match &j.change {
                Change::ClearIntermediates { names } => {
                    format!("{} ({})", change_name(&j.change), names.join(", "))
                }
                other => change_name(other).to_owned(),
            };
            vec![
                j.uid.clone(),
                change,
                j.reason.as_str().to_owned(),
                human_bytes(j.bytes_freed),
            ]
        })
        .collect();
    columns(&["job", "change", "reason", "frees"], &rows, 3)
}

/// Seed 001's preview tabs, estimate first.
fn preview_text(args: &CleanupArgs, plan: &Plan) -> String {
    let p = &plan.preview;
    let e = &p.estimate;
    let mut out = format!(
        "Cleanup preview of {}: {} job(s), {} on disk; {} session(s), {} on disk (compacted, not cleaned up)\n\n",
        scope_name(args),
        p.scope_jobs,
        human_bytes(p.scope_bytes),
        p.scope_sessions,
        human_bytes(p.scope_session_bytes)
    );
    out.push_str("Estimate\n");
    for (what, n) in [
        ("jobs cleared", e.jobs_cleared),
        (
            "jobs with intermediate results cleared",
            e.jobs_intermediates_cleared,
        ),
        ("jobs deleted", e.jobs_deleted),
        ("total modified", e.total_modified),
    ] {
        let _ = writeln!(out, "  {what:<40} {n:>6}");
    }
    if e.jobs_skipped_running > 0 {
        let _ = writeln!(
            out,
            "  {:<40} {:>6}",
            "left alone (running)", e.jobs_skipped_running
        );
    }
    let _ = writeln!(
        out,
        "  {}\n",
        freed_line(args, plan, e.bytes_freed, "frees")
    );
    if !plan.jobs.is_empty() {
        out.push_str("Changes\n");
        out.push_str(&changes_text(plan));
        out.push('\n');
    }

    out.push_str("Preprocessing\n");
    let mut rows: Vec<Vec<String>> = p
        .preprocessing
        .categories
        .iter()
        .map(|(category, row)| row_cells(&category_name(*category), row))
        .collect();
    rows.push(row_cells(
        "non-preprocessing",
        &p.preprocessing.non_preprocessing,
    ));
    rows.push(row_cells("total", &p.preprocessing.total));
    out.push_str(&columns(&["", "jobs", "size", "share"], &rows, 1));
    out.push('\n');

    out.push_str("Intermediate results\n");
    if p.intermediate_results.is_empty() {
        out.push_str("  no job has unused intermediate results\n");
    } else {
        let rows: Vec<Vec<String>> = p
            .intermediate_results
            .iter()
            .map(|r| vec![r.uid.clone(), human_bytes(r.bytes)])
            .collect();
        out.push_str(&columns(&["job", "unused"], &rows, 1));
    }
    out.push('\n');

    out.push_str("Final results\n");
    let rows = vec![
        row_cells("final", &p.finality.final_results),
        row_cells("ancestor of final", &p.finality.ancestors_of_final),
        row_cells("non-final", &p.finality.non_final),
    ];
    out.push_str(&columns(&["", "jobs", "size", "share"], &rows, 1));
    out.push('\n');

    out.push_str("Killed and failed\n");
    let rows = vec![
        row_cells("killed", &p.by_status.killed),
        row_cells("failed", &p.by_status.failed),
        row_cells("other", &p.by_status.other),
    ];
    out.push_str(&columns(&["", "jobs", "size", "share"], &rows, 1));
    out
}

/// What a run did.
fn run_text(args: &CleanupArgs, plan: &Plan, bytes_freed: u64) -> String {
    let e = &plan.preview.estimate;
    if plan.jobs.is_empty() {
        return format!(
            "Cleanup of {}: nothing to do with these options\n",
            scope_name(args)
        );
    }
    let mut out = format!(
        "Cleanup of {}: {} job(s) cleared, {} with intermediate results cleared, {} deleted\n",
        scope_name(args),
        e.jobs_cleared,
        e.jobs_intermediates_cleared,
        e.jobs_deleted
    );
    out.push_str(&changes_text(plan));
    if e.jobs_skipped_running > 0 {
        let _ = writeln!(out, "{} running job(s) left alone", e.jobs_skipped_running);
    }
    let _ = writeln!(out, "{}", freed_line(args, plan, bytes_freed, "freed"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_are_human_readable() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(1023), "1023 B");
        assert_eq!(human_bytes(4000), "3.91 KiB");
        assert_eq!(human_bytes(3 * 1024 * 1024), "3.00 MiB");
        assert_eq!(human_bytes(u64::MAX), "16.00 EiB");
    }

    #[test]
    fn columns_align() {
        let text = columns(
            &["", "jobs"],
            &[
                vec!["a".into(), "1".into()],
                vec!["longer".into(), "100".into()],
            ],
            1,
        );
        assert_eq!(text, "          jobs\n  a          1\n  longer   100\n");
    }
}
