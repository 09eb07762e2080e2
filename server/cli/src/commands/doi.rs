//! `strata doi`: a facility's DOIs from the machine that holds the catalog,
//! as the facility (`Scope::system()`).

use anyhow::bail;
use strata_catalog::publications::{Deposited, Publication};
use strata_catalog::{Catalog, Scope};
use strata_datacite::Obligation;

use super::cleanup::columns;
use crate::Config;
use crate::cli::{DoiCommand, DoiFormat};
use crate::startup::open_catalog;

pub async fn run(config: &Config, cmd: DoiCommand) -> anyhow::Result<()> {
    let catalog = open_catalog(config).await?;
    let scope = Scope::system();
    match cmd {
        DoiCommand::List { project } => list(&catalog, &scope, &project).await?,
        DoiCommand::Check { doi } => {
            let p = catalog.publication(&scope, &doi).await?;
            print!("{}", check_text(&p));
            if !p.readiness.is_publishable() {
                bail!("{doi} cannot be registered yet: add the mandatory properties above");
            }
        }
        DoiCommand::Register { doi } => {
            deposited(&catalog.register_publication(&scope, &doi).await?);
        }
        DoiCommand::Publish { doi } => {
            deposited(&catalog.publish_publication(&scope, &doi).await?);
        }
        DoiCommand::Hide { doi } => deposited(&catalog.hide_publication(&scope, &doi).await?),
        DoiCommand::Withdraw { doi, reason } => {
            let p = catalog.withdraw_publication(&scope, &doi, &reason).await?;
            println!("{} withdrawn: it resolves to its tombstone", p.doi);
        }
        DoiCommand::Export { doi, format } => {
            let p = catalog.publication(&scope, &doi).await?;
            let r = &p.record;
            let text = match format {
                DoiFormat::DataciteXml => strata_datacite::to_xml(r),
                DoiFormat::DataciteJson => {
                    serde_json::to_string_pretty(&strata_datacite::to_datacite_json(r))?
                }
                DoiFormat::SchemaOrg => {
                    serde_json::to_string_pretty(&strata_datacite::to_schema_org(r))?
                }
                DoiFormat::Bibtex => strata_datacite::to_bibtex(r),
                DoiFormat::Ris => strata_datacite::to_ris(r),
                DoiFormat::CslJson => {
                    serde_json::to_string_pretty(&strata_datacite::to_csl_json(r))?
                }
            };
            println!("{}", text.trim_end());
        }
    }
    Ok(())
}

/// What is missing, mandatory first, one line each.
fn check_text(p: &Publication) -> String {
    let r = &p.readiness;
    let mut out = format!(
        "{} ({}, version {}): {}\n",
        p.doi, p.state, p.version, p.title
    );
    let mut findings: Vec<_> = r.missing.iter().chain(&r.invalid).collect();
    findings.sort_by_key(|f| f.obligation != Obligation::Mandatory);
    for f in &findings {
        let what = match f.obligation {
            Obligation::Mandatory => "mandatory",
            Obligation::Recommended => "recommended",
        };
        out.push_str(&format!("  {what:<11} {:<18} {}\n", f.property, f.message));
    }
    if findings.is_empty() {
        out.push_str("  complete: every mandatory and recommended property is there\n");
    } else if r.is_publishable() {
        out.push_str("  ready to register: only recommended properties are missing\n");
    }
    out
}

fn deposited(d: &Deposited) {
    let how = match d.deposit.as_str() {
        "datacite" => "deposited with DataCite".to_owned(),
        "manual" => format!(
            "written for deposit by hand: {}",
            d.files
                .iter()
                .map(|f| f.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        _ => "it was so already".to_owned(),
    };
    println!("{} is {}: {how}", d.publication.doi, d.publication.state);
}

async fn list(catalog: &Catalog, scope: &Scope, project: &str) -> anyhow::Result<()> {
    let publications = catalog.publications(scope, project).await?;
    let rows: Vec<Vec<String>> = publications
        .iter()
        .map(|p| {
            let mut state = p.state.to_string();
            if p.withdrawal.is_some() {
                state.push_str(" (withdrawn)");
            }
            vec![
                p.doi.clone(),
                state,
                p.version.clone(),
                p.datasets.len().to_string(),
                p.title.clone(),
            ]
        })
        .collect();
    print!(
        "{}",
        columns(&["doi", "state", "version", "datasets", "title"], &rows, 5)
    );
    eprintln!("{} publication(s)", publications.len());
    Ok(())
}
