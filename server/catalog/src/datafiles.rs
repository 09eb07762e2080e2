//! Datafile records: a file of a dataset, its size, its SHA-256 and where its bytes are.

use std::path::{Component, Path};

use chrono::Utc;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait,
};
use strata_domain::Sha256Hex;
use strata_domain::records;

use crate::entity::{datafile, dataset};
use crate::events::Event;
use crate::{Catalog, CatalogError, Result, Scope, convert};

const LOCATIONS: &[&str] = &["local", "s3", "symlink"];

#[derive(Debug, Clone)]
pub struct NewDatafile {
    /// Relative to the dataset's folder.
    pub path: String,
    pub size_bytes: i64,
    pub sha256: Sha256Hex,
    pub format: String,
    /// `local`, `s3` or `symlink` (raw data registered in place).
    pub location: String,
}

/// A path inside a dataset folder: relative, no `..`, no empty or odd parts.
pub(crate) fn check_relative_path(field: &str, path: &str) -> Result<()> {
    let refuse = |why: &str| CatalogError::invalid(field, format!("{path:?} {why}"));
    if path.is_empty() || path.len() > 4096 {
        return Err(refuse("must be 1 to 4096 bytes long"));
    }
    if path.contains('\0') || path.contains('\\') {
        return Err(refuse("must not contain NUL or backslashes"));
    }
    for component in Path::new(path).components() {
        match component {
            Component::Normal(_) => {}
            Component::ParentDir => return Err(refuse("must not contain '..'")),
            Component::RootDir | Component::Prefix(_) => {
                return Err(refuse("must be relative to the dataset folder"));
            }
            Component::CurDir => return Err(refuse("must not contain '.' parts")),
        }
    }
    Ok(())
}

impl Catalog {
    /// Records files of a dataset, in one transaction, and updates its size and file count.
    pub async fn add_datafiles(
        &self,
        scope: &Scope,
        identifier: &str,
        files: Vec<NewDatafile>,
    ) -> Result<Vec<records::Datafile>> {
        let row = self
            .dataset_to_change(scope, "identifier", identifier, "adding datafiles")
            .await?;
        let mut seen = std::collections::HashSet::new();
        for (i, f) in files.iter().enumerate() {
            let field = format!("files[{i}]");
            check_relative_path(&format!("{field}.path"), &f.path)?;
            if !seen.insert(f.path.as_str()) {
                return Err(CatalogError::invalid(
                    format!("{field}.path"),
                    format!("{:?} is given twice", f.path),
                ));
            }
            if f.size_bytes < 0 {
                return Err(CatalogError::invalid(
                    format!("{field}.sizeBytes"),
                    format!("must not be negative; got {}", f.size_bytes),
                ));
            }
            if !LOCATIONS.contains(&f.location.as_str()) {
                return Err(CatalogError::invalid(
                    format!("{field}.location"),
                    format!("{:?} is not one of: {}", f.location, LOCATIONS.join(", ")),
                ));
            }
            if f.format.is_empty() || f.format.len() > 64 {
                return Err(CatalogError::invalid(
                    format!("{field}.format"),
                    "must be 1 to 64 characters",
                ));
            }
        }
        let txn = self.db.begin().await?;
        let existing = datafile::Entity::find()
            .filter(datafile::Column::DatasetId.eq(row.id))
            .filter(datafile::Column::Path.is_in(files.iter().map(|f| f.path.clone())))
            .one(&txn)
            .await?;
        if let Some(dup) = existing {
            let i = files.iter().position(|f| f.path == dup.path).unwrap_or(0);
            return Err(CatalogError::conflict(
                Some(&format!("files[{i}].path")),
                format!("{identifier} already has a file {:?}", dup.path),
            ));
        }
        let now = Utc::now();
        let added_bytes: i64 = files.iter().map(|f| f.size_bytes).sum();
        let mut inserted = Vec::with_capacity(files.len());
        for f in &files {
            let model = datafile::ActiveModel {
                dataset_id: Set(row.id),
                path: Set(f.path.clone()),
                size_bytes: Set(f.size_bytes),
                sha256: Set(f.sha256.to_string()),
                format: Set(f.format.clone()),
                location: Set(f.location.clone()),
                storage_key: Set(None),
                last_verified_at: Set(None),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
            inserted.push(convert::datafile(model));
        }
        dataset::Entity::update_many()
            .col_expr(
                dataset::Column::SizeBytes,
                Expr::col(dataset::Column::SizeBytes).add(added_bytes),
            )
            .col_expr(
                dataset::Column::FileCount,
                Expr::col(dataset::Column::FileCount).add(files.len() as i64),
            )
            .col_expr(dataset::Column::UpdatedAt, Expr::value(now))
            .filter(dataset::Column::Id.eq(row.id))
            .exec(&txn)
            .await?;
        Event::new(scope, "dataset.files", "dataset", identifier)
            .project(row.project_id)
            .details(serde_json::json!({ "files": files.len(), "bytes": added_bytes }))
            .record(&txn)
            .await?;
        txn.commit().await?;
        self.dataset_changed(row.project_id, row.id).await;
        Ok(inserted)
    }

    /// Files of a visible dataset, by path.
    pub async fn datafiles(&self, dataset_ids: &[i64]) -> Result<Vec<(i64, records::Datafile)>> {
        Ok(datafile::Entity::find()
            .filter(datafile::Column::DatasetId.is_in(dataset_ids.iter().copied()))
            .order_by_asc(datafile::Column::Path)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|m| (m.dataset_id, convert::datafile(m)))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::check_relative_path;

    #[test]
    fn paths_stay_inside_the_dataset_folder() {
        for ok in ["a.tif", "movies/0001.mrc", "x/y/z.json"] {
            assert!(check_relative_path("path", ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "/etc/passwd",
            "../secret",
            "a/../../b",
            "./a",
            "a\\b",
            "a\0b",
        ] {
            let err = check_relative_path("files[0].path", bad).unwrap_err();
            assert_eq!(err.field(), Some("files[0].path"), "{bad}");
        }
    }
}
