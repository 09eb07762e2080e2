//! Publications in a project's export: written after every change, read and
//! checked before an attach writes anything, imported with their DOIs (a DOI
//! is the same in every instance).

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, Set,
};

use super::format::{FORMAT_VERSION, PublicationFile};
use super::{blocking, publications_dir, write_atomic};
use crate::entity::{dataset, project, publication, publication_dataset};
use crate::publications::PublicationState;
use crate::{Catalog, CatalogError, Result};

impl Catalog {
    async fn publication_export(&self, row: &publication::Model) -> Result<PublicationFile> {
        let datasets = self
            .covered_datasets(row.id)
            .await?
            .into_iter()
            .map(|d| d.identifier)
            .collect();
        let previous = match row.previous_id {
            Some(id) => publication::Entity::find_by_id(id)
                .one(&self.db)
                .await?
                .map(|p| p.number),
            None => None,
        };
        Ok(PublicationFile {
            format_version: FORMAT_VERSION,
            number: row.number,
            doi: row.doi.clone().unwrap_or_default(),
            state: row.state.clone(),
            title: row.title.clone(),
            version: row.version.clone(),
            record: row.datacite.clone(),
            datasets,
            previous,
            landing_page: row.landing_page.clone(),
            release_at: row.release_at,
            registered_at: row.registered_at,
            published_at: row.published_at,
            deposit: row.deposit.clone(),
            withdrawn_at: row.withdrawn_at,
            withdrawal_reason: row.withdrawal_reason.clone(),
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }

    /// Writes the project's file and the publication's.
    async fn write_publication_export(
        &self,
        project: &project::Model,
        row: &publication::Model,
    ) -> Result<()> {
        self.write_export(project, None).await?;
        let path =
            publications_dir(Path::new(&project.directory)).join(format!("{}.json", row.number));
        let bytes = serde_json::to_vec_pretty(&self.publication_export(row).await?)
            .expect("an export serialises");
        blocking(move || write_atomic(&path, &bytes))
            .await
            .map_err(|e| {
                CatalogError::Filesystem(format!("writing the export of {}: {e}", project.code))
            })
    }

    /// Continuous export after a publication changed (a deleted draft's file
    /// is pruned with the rest); a failure is logged, not undone.
    pub(crate) async fn export_publication_after_change(
        &self,
        project: &project::Model,
        publication_id: i32,
    ) {
        let result = async {
            let Some(project) = project::Entity::find_by_id(project.id)
                .one(&self.db)
                .await?
                .filter(|p| p.state == strata_domain::ProjectState::Attached.as_str())
            else {
                return Ok(());
            };
            match publication::Entity::find_by_id(publication_id)
                .one(&self.db)
                .await?
            {
                Some(row) => self.write_publication_export(&project, &row).await,
                None => self
                    .write_full_publications_export(&project)
                    .await
                    .map(|_| ()),
            }
        }
        .await;
        if let Err(err) = result {
            tracing::error!(error = %err, code = project.code, "continuous export of a publication failed; run `strata project export`");
        }
    }

    /// Every publication's file, and none for what is gone.
    pub(crate) async fn write_full_publications_export(
        &self,
        project: &project::Model,
    ) -> Result<usize> {
        let rows = publication::Entity::find()
            .filter(publication::Column::ProjectId.eq(project.id))
            .order_by_asc(publication::Column::Number)
            .all(&self.db)
            .await?;
        let dir = publications_dir(Path::new(&project.directory));
        let mut writes = Vec::new();
        for row in &rows {
            writes.push((
                dir.join(format!("{}.json", row.number)),
                serde_json::to_vec_pretty(&self.publication_export(row).await?)
                    .expect("an export serialises"),
            ));
        }
        let keep: BTreeSet<String> = rows.iter().map(|r| format!("{}.json", r.number)).collect();
        blocking(move || -> std::io::Result<()> {
            for (path, bytes) in &writes {
                write_atomic(path, bytes)?;
            }
            if let Ok(entries) = std::fs::read_dir(&dir) {
                for entry in entries.flatten() {
                    let name = entry.file_name().to_string_lossy().into_owned();
                    if name.ends_with(".json") && !keep.contains(&name) {
                        std::fs::remove_file(entry.path())?;
                    }
                }
            }
            Ok(())
        })
        .await
        .map_err(|e| {
            CatalogError::Filesystem(format!("writing the export of {}: {e}", project.code))
        })?;
        Ok(rows.len())
    }
}

/// Checks publications against the export: file names, states, records that
/// read as DataCite records, datasets of this export, versions that exist.
pub(crate) fn check_publications(
    publications: &[(PathBuf, PublicationFile)],
    datasets: &BTreeSet<&str>,
) -> std::result::Result<(), (PathBuf, String)> {
    let numbers: BTreeSet<i32> = publications.iter().map(|(_, p)| p.number).collect();
    for (path, p) in publications {
        let bad = |what: String| Err((path.clone(), what));
        if path
            .file_stem()
            .is_none_or(|s| s != p.number.to_string().as_str())
        {
            return bad(format!(
                "holds publication {}, not the one its name says",
                p.number
            ));
        }
        if !p.doi.starts_with("10.") || !p.doi.contains('/') {
            return bad(format!("doi {:?} is not a DOI", p.doi));
        }
        if let Err(e) = p.state.parse::<PublicationState>() {
            return bad(format!("state: {e}"));
        }
        if let Err(e) = serde_json::from_value::<strata_datacite::Resource>(p.record.clone()) {
            return bad(format!("record: {e}"));
        }
        for (i, d) in p.datasets.iter().enumerate() {
            if !datasets.contains(d.as_str()) {
                return bad(format!(
                    "datasets[{i}]: {d} is not a dataset of this export"
                ));
            }
        }
        if let Some(prev) = p.previous
            && !numbers.contains(&prev)
        {
            return bad(format!(
                "previous: publication {prev} is not in this export"
            ));
        }
    }
    Ok(())
}

/// Imports publications into the attach's transaction.
pub(crate) async fn import_publications(
    txn: &DatabaseTransaction,
    project_id: i32,
    publications: &[PublicationFile],
    dataset_ids: &HashMap<String, i64>,
) -> Result<()> {
    let mut ids: HashMap<i32, i32> = HashMap::new();
    for p in publications {
        if publication::Entity::find()
            .filter(publication::Column::Doi.eq(p.doi.to_lowercase()))
            .one(txn)
            .await?
            .is_some()
        {
            return Err(CatalogError::conflict(
                Some("path"),
                format!(
                    "DOI {} is already in this catalog, in another project",
                    p.doi
                ),
            ));
        }
        let row = publication::ActiveModel {
            project_id: Set(project_id),
            doi: Set(Some(p.doi.to_lowercase())),
            state: Set(p.state.clone()),
            title: Set(p.title.clone()),
            datacite: Set(p.record.clone()),
            landing_page: Set(p.landing_page.clone()),
            version: Set(p.version.clone()),
            release_at: Set(p.release_at),
            created_at: Set(p.created_at),
            updated_at: Set(p.updated_at),
            number: Set(p.number),
            registered_at: Set(p.registered_at),
            published_at: Set(p.published_at),
            deposit: Set(p.deposit.clone()),
            withdrawn_at: Set(p.withdrawn_at),
            withdrawal_reason: Set(p.withdrawal_reason.clone()),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        ids.insert(p.number, row.id);
        for d in &p.datasets {
            publication_dataset::ActiveModel {
                publication_id: Set(row.id),
                dataset_id: Set(dataset_ids[d]),
            }
            .insert(txn)
            .await?;
        }
    }
    for p in publications {
        if let Some(prev) = p.previous {
            publication::Entity::update_many()
                .col_expr(
                    publication::Column::PreviousId,
                    sea_orm::sea_query::Expr::value(ids[&prev]),
                )
                .filter(publication::Column::Id.eq(ids[&p.number]))
                .exec(txn)
                .await?;
        }
    }
    // Datasets are public as their project's embargo says; a registered
    // publication makes them public from its release date.
    for p in publications {
        if p.state == PublicationState::Draft.as_str() || p.withdrawn_at.is_some() {
            continue;
        }
        let release = p.release_at.or(p.registered_at);
        if let Some(release) = release {
            let covered: Vec<i64> = p.datasets.iter().map(|d| dataset_ids[d]).collect();
            dataset::Entity::update_many()
                .col_expr(
                    dataset::Column::PublicFrom,
                    sea_orm::sea_query::Expr::value(release),
                )
                .filter(dataset::Column::Id.is_in(covered))
                .filter(
                    sea_orm::Condition::any()
                        .add(dataset::Column::PublicFrom.is_null())
                        .add(dataset::Column::PublicFrom.gt(release)),
                )
                .exec(txn)
                .await?;
        }
    }
    Ok(())
}
