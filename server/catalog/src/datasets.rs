//! Registering datasets with their parameters and links, and changing them.

use std::collections::HashSet;

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    Set, TransactionTrait,
};
use strata_domain::records;
use strata_domain::{
    DatasetIdentifier, DatasetKind, DatasetStatus, LinkKind, ProjectState, Role, Technique,
};

use crate::entity::{dataset, dataset_link, instrument, parameter, project, sample};
use crate::events::Event;
use crate::parameters::{CheckedParameter, NewParameter, check_all};
use crate::{Catalog, CatalogError, Result, Scope, convert, lineage};

const MAX_DESCRIPTION: usize = 10_000;
const MAX_SAMPLE_NAME: usize = 200;

#[derive(Debug, Clone)]
pub struct NewDataset {
    pub identifier: DatasetIdentifier,
    pub kind: DatasetKind,
    pub technique: Technique,
    pub instrument: Option<String>,
    /// A sample of the project, by name; created on first use.
    pub sample: Option<String>,
    pub description: String,
    pub parameters: Vec<NewParameter>,
    pub links: Vec<NewLink>,
}

/// A link from the new dataset to another one, which may not have arrived yet.
#[derive(Debug, Clone)]
pub struct NewLink {
    pub kind: LinkKind,
    pub target: DatasetIdentifier,
}

fn check_description(description: &str) -> Result<()> {
    let n = description.chars().count();
    if n > MAX_DESCRIPTION {
        return Err(CatalogError::invalid(
            "description",
            format!("must be at most {MAX_DESCRIPTION} characters; got {n}"),
        ));
    }
    Ok(())
}

impl Catalog {
    /// Registers a dataset with its parameters and links, in one transaction.
    /// Links to datasets not yet in the catalog wait for them (ICAT: processed
    /// data may be ingested before its raw data), and links other datasets made
    /// to this one resolve now.
    pub async fn register_dataset(
        &self,
        scope: &Scope,
        new: NewDataset,
    ) -> Result<records::Dataset> {
        let (row, _) = self
            .insert_dataset(scope, new, DatasetStatus::Complete)
            .await?;
        convert::dataset(row)
    }

    /// Checks and inserts a dataset with its parameters and links, in `status`.
    /// A dataset still `ingesting` under the same identifier (an ingest that
    /// was killed) is replaced when `status` is `Ingesting`: that is how an
    /// ingest is simply rerun. Returns the row and whether it replaced one.
    pub(crate) async fn insert_dataset(
        &self,
        scope: &Scope,
        new: NewDataset,
        status: DatasetStatus,
    ) -> Result<(dataset::Model, bool)> {
        check_description(&new.description)?;
        if let Some(s) = &new.sample
            && (s.trim().is_empty() || s.chars().count() > MAX_SAMPLE_NAME)
        {
            return Err(CatalogError::invalid(
                "sample",
                format!("must be 1 to {MAX_SAMPLE_NAME} characters"),
            ));
        }
        let checked = check_all("parameters", new.parameters.clone())?;
        let mut targets = HashSet::new();
        for (i, link) in new.links.iter().enumerate() {
            if link.target == new.identifier {
                return Err(CatalogError::invalid(
                    format!("links[{i}].target"),
                    "a dataset cannot link to itself",
                ));
            }
            if !targets.insert((link.kind, link.target.as_str())) {
                return Err(CatalogError::invalid(
                    format!("links[{i}].target"),
                    format!("{} is linked twice", link.target),
                ));
            }
        }
        let code = new.identifier.project().as_str();
        let project = self.project_model(scope, "identifier", code).await?;
        scope.require_role(project.id, Role::Depositor, "registering a dataset")?;
        require_attached(&project)?;

        let txn = self.db.begin().await?;
        let existing = dataset::Entity::find()
            .filter(dataset::Column::Identifier.eq(new.identifier.as_str()))
            .one(&txn)
            .await?;
        let replaced = match existing {
            None => false,
            Some(unfinished)
                if status == DatasetStatus::Ingesting
                    && unfinished.status == DatasetStatus::Ingesting.as_str()
                    && unfinished.project_id == project.id =>
            {
                dataset::Entity::delete_by_id(unfinished.id)
                    .exec(&txn)
                    .await?;
                true
            }
            Some(_) => {
                return Err(CatalogError::conflict(
                    Some("identifier"),
                    format!("dataset {} already exists", new.identifier),
                ));
            }
        };
        let instrument = match &new.instrument {
            None => None,
            Some(name) => Some(
                instrument::Entity::find()
                    .filter(instrument::Column::Name.eq(name.as_str()))
                    .one(&txn)
                    .await?
                    .ok_or_else(|| {
                        CatalogError::not_found(
                            Some("instrument"),
                            format!("no instrument named {name:?}"),
                        )
                    })?,
            ),
        };
        let sample = match &new.sample {
            None => None,
            Some(name) => Some(find_or_create_sample(&txn, project.id, name.trim()).await?),
        };
        let now = Utc::now();
        let row = dataset::ActiveModel {
            identifier: Set(new.identifier.to_string()),
            project_id: Set(project.id),
            acquired_at: Set(new.identifier.acquired_at()),
            serial: Set(i32::from(new.identifier.serial())),
            kind: Set(new.kind.as_str().to_owned()),
            technique: Set(new.technique.as_str().to_owned()),
            instrument_id: Set(instrument.as_ref().map(|i| i.id)),
            instrument_name: Set(instrument.map(|i| i.name)),
            sample_id: Set(sample.as_ref().map(|s| s.id)),
            sample_name: Set(sample.map(|s| s.name)),
            description: Set(new.description.clone()),
            folder: Set(std::path::Path::new(&project.directory)
                .join(new.identifier.as_str())
                .to_string_lossy()
                .into_owned()),
            status: Set(status.as_str().to_owned()),
            size_bytes: Set(0),
            file_count: Set(0),
            public_from: Set(project.embargo_end),
            parameters: Set(crate::parameters::denormalised(&checked)),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        self.insert_parameters(&txn, row.id, checked).await?;
        for link in &new.links {
            insert_link(&txn, row.id, link).await?;
        }
        // Links other datasets made to this identifier before it arrived.
        dataset_link::Entity::update_many()
            .col_expr(dataset_link::Column::TargetDatasetId, Expr::value(row.id))
            .filter(dataset_link::Column::TargetIdentifier.eq(new.identifier.as_str()))
            .filter(dataset_link::Column::TargetDatasetId.is_null())
            .exec(&txn)
            .await?;
        lineage::refuse_cycle(&txn, row.id, &new.identifier, "links").await?;
        let action = match status {
            DatasetStatus::Ingesting => "dataset.ingest.begin",
            _ => "dataset.register",
        };
        Event::new(scope, action, "dataset", new.identifier.as_str())
            .project(project.id)
            .details(serde_json::json!({
                "kind": new.kind, "technique": new.technique,
                "parameters": new.parameters.len(), "links": new.links.len(),
                "replaced_unfinished": replaced,
            }))
            .record(&txn)
            .await?;
        txn.commit().await?;
        if status != DatasetStatus::Ingesting {
            self.dataset_changed(project.id, row.id).await;
        }
        Ok((row, replaced))
    }

    pub(crate) async fn insert_parameters(
        &self,
        txn: &DatabaseTransaction,
        dataset_id: i64,
        checked: Vec<CheckedParameter>,
    ) -> Result<()> {
        if checked.is_empty() {
            return Ok(());
        }
        let ids = &self.parameter_ids;
        let rows = checked.into_iter().map(|p| parameter::ActiveModel {
            dataset_id: Set(dataset_id),
            parameter_type_id: Set(ids[&p.definition.name]),
            value_number: Set(p.number),
            value_text: Set(p.text),
            value_as_given: Set(serde_json::to_value(&p.given.value).expect("values serialise")),
            unit_as_given: Set(p.given.unit),
            ..Default::default()
        });
        parameter::Entity::insert_many(rows).exec(txn).await?;
        Ok(())
    }

    /// A dataset by identifier, if the caller may see it; a private dataset of
    /// someone else is "not found", exactly like one that does not exist.
    pub async fn dataset(&self, scope: &Scope, identifier: &str) -> Result<records::Dataset> {
        self.dataset_model(scope, "identifier", identifier)
            .await
            .and_then(convert::dataset)
    }

    pub(crate) async fn dataset_model(
        &self,
        scope: &Scope,
        field: &str,
        identifier: &str,
    ) -> Result<dataset::Model> {
        let mut query = dataset::Entity::find().filter(dataset::Column::Identifier.eq(identifier));
        query = query.filter(scope.datasets());
        query.one(&self.db).await?.ok_or_else(|| {
            CatalogError::not_found(Some(field), format!("no dataset {identifier:?}"))
        })
    }

    /// A visible dataset the caller may change, with its project.
    pub(crate) async fn dataset_to_change(
        &self,
        scope: &Scope,
        field: &str,
        identifier: &str,
        doing: &str,
    ) -> Result<dataset::Model> {
        let row = self.dataset_model(scope, field, identifier).await?;
        scope.require_role(row.project_id, Role::Depositor, doing)?;
        let project = project::Entity::find_by_id(row.project_id)
            .one(&self.db)
            .await?
            .ok_or_else(|| CatalogError::not_found(Some(field), "the dataset's project is gone"))?;
        require_attached(&project)?;
        self.require_unpublished(&row).await?;
        Ok(row)
    }

    pub async fn update_description(
        &self,
        scope: &Scope,
        identifier: &str,
        description: &str,
    ) -> Result<records::Dataset> {
        check_description(description)?;
        let row = self
            .dataset_to_change(scope, "identifier", identifier, "changing a dataset")
            .await?;
        let txn = self.db.begin().await?;
        let project_id = row.project_id;
        let mut active: dataset::ActiveModel = row.into();
        active.description = Set(description.to_owned());
        active.updated_at = Set(Utc::now());
        let row = active.update(&txn).await?;
        Event::new(scope, "dataset.describe", "dataset", identifier)
            .project(project_id)
            .details(serde_json::json!({ "description": description }))
            .record(&txn)
            .await?;
        txn.commit().await?;
        self.export_after_change(project_id, Some(row.id)).await;
        convert::dataset(row)
    }

    /// Links a dataset to another (its input, or its parent).
    pub async fn link_datasets(
        &self,
        scope: &Scope,
        from: &DatasetIdentifier,
        link: NewLink,
    ) -> Result<records::DatasetLink> {
        if link.target == *from {
            return Err(CatalogError::invalid(
                "target",
                "a dataset cannot link to itself",
            ));
        }
        let row = self
            .dataset_to_change(scope, "dataset", from.as_str(), "linking datasets")
            .await?;
        let txn = self.db.begin().await?;
        let exists = dataset_link::Entity::find()
            .filter(dataset_link::Column::DatasetId.eq(row.id))
            .filter(dataset_link::Column::Kind.eq(link.kind.as_str()))
            .filter(dataset_link::Column::TargetIdentifier.eq(link.target.as_str()))
            .one(&txn)
            .await?
            .is_some();
        if exists {
            return Err(CatalogError::conflict(
                Some("target"),
                format!(
                    "{from} is already linked to {} ({})",
                    link.target, link.kind
                ),
            ));
        }
        let resolved = insert_link(&txn, row.id, &link).await?;
        lineage::refuse_cycle(&txn, row.id, from, "target").await?;
        Event::new(scope, "dataset.link", "dataset", from.as_str())
            .project(row.project_id)
            .details(serde_json::json!({ "kind": link.kind, "target": link.target }))
            .record(&txn)
            .await?;
        txn.commit().await?;
        self.export_after_change(row.project_id, Some(row.id)).await;
        Ok(records::DatasetLink {
            kind: link.kind,
            from: from.clone(),
            to: link.target,
            resolved,
        })
    }
}

impl Catalog {
    /// Refuses changes to a project that is archived or detached.
    pub(crate) fn require_attached_project(&self, project: &project::Model) -> Result<()> {
        require_attached(project)
    }
}

fn require_attached(project: &project::Model) -> Result<()> {
    if project.state == ProjectState::Attached.as_str() {
        Ok(())
    } else {
        Err(CatalogError::conflict(
            None,
            format!(
                "project {} is {} and cannot be changed",
                project.code, project.state
            ),
        ))
    }
}

async fn find_or_create_sample(
    db: &impl ConnectionTrait,
    project_id: i32,
    name: &str,
) -> Result<sample::Model> {
    let existing = sample::Entity::find()
        .filter(sample::Column::ProjectId.eq(project_id))
        .filter(sample::Column::Name.eq(name))
        .one(db)
        .await?;
    if let Some(s) = existing {
        return Ok(s);
    }
    Ok(sample::ActiveModel {
        project_id: Set(project_id),
        name: Set(name.to_owned()),
        protein_acronym: Set(None),
        grid: Set(None),
        metadata: Set(serde_json::json!({})),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// Inserts a link, resolved at once when its target is in the catalog.
/// Returns whether it resolved.
async fn insert_link(db: &impl ConnectionTrait, dataset_id: i64, link: &NewLink) -> Result<bool> {
    let target = dataset::Entity::find()
        .filter(dataset::Column::Identifier.eq(link.target.as_str()))
        .one(db)
        .await?;
    dataset_link::ActiveModel {
        dataset_id: Set(dataset_id),
        kind: Set(link.kind.as_str().to_owned()),
        target_identifier: Set(link.target.to_string()),
        target_dataset_id: Set(target.as_ref().map(|t| t.id)),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(target.is_some())
}
