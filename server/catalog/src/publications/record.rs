//! Drafts: made, edited, their datasets chosen, deleted; and publications
//! read, under the caller's scope.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use strata_datacite::Resource;
use strata_domain::{DatasetStatus, Role};

use super::{Coverage, DoiSettings, NewPublication, Publication, PublicationState};
use crate::entity::{dataset, project, publication, publication_dataset};
use crate::events::Event;
use crate::jobs::issue_uid;
use crate::{Catalog, CatalogError, Result, Scope};

/// The title a listing shows: the record's main title, or what the draft is.
fn title_of(record: &Resource, doi: &str) -> String {
    record
        .main_title()
        .filter(|t| !t.is_empty())
        .map_or_else(|| format!("untitled draft {doi}"), str::to_owned)
}

impl Catalog {
    pub(crate) fn doi_settings(&self) -> Result<&DoiSettings> {
        self.doi.as_deref().ok_or_else(|| {
            CatalogError::conflict(
                None,
                "DOIs are not configured here: set [doi] prefix, publisher and landing_base in strata.toml (or STRATA_DOI__PREFIX, …)",
            )
        })
    }

    /// A publication by DOI (case-insensitive, as DOIs are), if the caller
    /// may see it; NOT_FOUND otherwise, as for one that does not exist.
    pub(crate) async fn publication_model(
        &self,
        db: &impl ConnectionTrait,
        scope: &Scope,
        doi: &str,
    ) -> Result<publication::Model> {
        let mut query =
            publication::Entity::find().filter(publication::Column::Doi.eq(doi.to_lowercase()));
        if let Some(visible) = scope.publications() {
            query = query.filter(visible);
        }
        query
            .one(db)
            .await?
            .ok_or_else(|| CatalogError::not_found(Some("doi"), format!("no publication {doi}")))
    }

    /// A publication the caller may change with `role`, in an attached project.
    pub(crate) async fn publication_to_change(
        &self,
        scope: &Scope,
        doi: &str,
        role: Role,
        doing: &str,
    ) -> Result<(publication::Model, project::Model)> {
        let row = self.publication_model(&self.db, scope, doi).await?;
        scope.require_role(row.project_id, role, doing)?;
        let project = project::Entity::find_by_id(row.project_id)
            .one(&self.db)
            .await?
            .ok_or_else(|| CatalogError::not_found(Some("doi"), "its project is gone"))?;
        self.require_attached_project(&project)?;
        Ok((row, project))
    }

    fn require_draft(row: &publication::Model, doing: &str) -> Result<()> {
        if row.state != PublicationState::Draft.as_str() {
            return Err(CatalogError::conflict(
                Some("doi"),
                format!(
                    "{} is {}: {doing} is for drafts; a registered DOI changes by a new version",
                    row.doi.as_deref().unwrap_or_default(),
                    row.state
                ),
            ));
        }
        Ok(())
    }

    /// The datasets a coverage names: complete, of the project, each once.
    async fn covered(
        &self,
        db: &impl ConnectionTrait,
        project: &project::Model,
        coverage: &Coverage,
    ) -> Result<Vec<dataset::Model>> {
        let complete = dataset::Column::Status.ne(DatasetStatus::Ingesting.as_str());
        let rows = match coverage {
            Coverage::Project => {
                dataset::Entity::find()
                    .filter(dataset::Column::ProjectId.eq(project.id))
                    .filter(complete)
                    .order_by_asc(dataset::Column::Identifier)
                    .all(db)
                    .await?
            }
            Coverage::Datasets(identifiers) => {
                let mut rows = Vec::new();
                for (i, identifier) in identifiers.iter().enumerate() {
                    let field = format!("datasets[{i}]");
                    if identifiers[..i].contains(identifier) {
                        return Err(CatalogError::invalid(
                            field,
                            format!("{identifier} is named twice"),
                        ));
                    }
                    let row = dataset::Entity::find()
                        .filter(dataset::Column::Identifier.eq(identifier.as_str()))
                        .filter(dataset::Column::ProjectId.eq(project.id))
                        .filter(complete.clone())
                        .one(db)
                        .await?
                        .ok_or_else(|| {
                            CatalogError::invalid(
                                field,
                                format!("no complete dataset {identifier} in {}", project.code),
                            )
                        })?;
                    rows.push(row);
                }
                rows
            }
        };
        if rows.is_empty() {
            return Err(CatalogError::invalid(
                "datasets",
                format!(
                    "a publication covers at least one dataset; {} has none",
                    project.code
                ),
            ));
        }
        Ok(rows)
    }

    async fn set_coverage(
        db: &impl ConnectionTrait,
        publication_id: i32,
        datasets: &[dataset::Model],
    ) -> Result<()> {
        publication_dataset::Entity::delete_many()
            .filter(publication_dataset::Column::PublicationId.eq(publication_id))
            .exec(db)
            .await?;
        for d in datasets {
            publication_dataset::ActiveModel {
                publication_id: Set(publication_id),
                dataset_id: Set(d.id),
            }
            .insert(db)
            .await?;
        }
        Ok(())
    }

    /// Starts a draft (project depositors): its DOI is made now, from the
    /// facility's prefix, the project's code and the next number.
    pub async fn create_publication(
        &self,
        scope: &Scope,
        code: &str,
        new: NewPublication,
    ) -> Result<Publication> {
        let settings = self.doi_settings()?;
        let project = self.project_model(scope, "project", code).await?;
        scope.require_role(project.id, Role::Depositor, "preparing a DOI")?;
        self.require_attached_project(&project)?;
        let txn = self.db.begin().await?;
        let datasets = self.covered(&txn, &project, &new.coverage).await?;
        let number = issue_uid(&txn, project.id, project::Column::PublicationsReported).await?;
        let doi = format!(
            "{}/{}.{number}",
            settings.prefix,
            project.code.to_lowercase()
        )
        .to_lowercase();
        let now = crate::now();
        let version = new
            .record
            .version
            .clone()
            .filter(|v| !v.trim().is_empty())
            .unwrap_or_else(|| "1".to_owned());
        let row = publication::ActiveModel {
            project_id: Set(project.id),
            doi: Set(Some(doi.clone())),
            state: Set(PublicationState::Draft.as_str().to_owned()),
            title: Set(title_of(&new.record, &doi)),
            datacite: Set(serde_json::to_value(&new.record).expect("a record serialises")),
            landing_page: Set(Some(format!("{}{doi}", settings.landing_base))),
            version: Set(version),
            release_at: Set(new.release_at),
            created_at: Set(now),
            updated_at: Set(now),
            number: Set(number as i32),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        Self::set_coverage(&txn, row.id, &datasets).await?;
        Event::new(scope, "doi.draft", "publication", &doi)
            .project(project.id)
            .details(serde_json::json!({ "datasets": datasets.len() }))
            .record(&txn)
            .await?;
        txn.commit().await?;
        self.export_publication_after_change(&project, row.id).await;
        self.publication(scope, &doi).await
    }

    /// Replaces a draft's record, its datasets and its release date
    /// (project depositors).
    pub async fn update_publication(
        &self,
        scope: &Scope,
        doi: &str,
        record: Resource,
        coverage: Option<Coverage>,
        release_at: Option<chrono::DateTime<Utc>>,
    ) -> Result<Publication> {
        let (row, project) = self
            .publication_to_change(scope, doi, Role::Depositor, "editing a DOI draft")
            .await?;
        Self::require_draft(&row, "editing")?;
        let txn = self.db.begin().await?;
        if let Some(coverage) = &coverage {
            let datasets = self.covered(&txn, &project, coverage).await?;
            Self::set_coverage(&txn, row.id, &datasets).await?;
        }
        let doi = row.doi.clone().unwrap_or_default();
        let mut active: publication::ActiveModel = row.clone().into();
        active.title = Set(title_of(&record, &doi));
        if let Some(version) = record.version.clone().filter(|v| !v.trim().is_empty()) {
            active.version = Set(version);
        }
        active.datacite = Set(serde_json::to_value(&record).expect("a record serialises"));
        active.release_at = Set(release_at);
        active.updated_at = Set(crate::now());
        active.update(&txn).await?;
        Event::new(scope, "doi.edit", "publication", &doi)
            .project(project.id)
            .record(&txn)
            .await?;
        txn.commit().await?;
        self.export_publication_after_change(&project, row.id).await;
        self.publication(scope, &doi).await
    }

    /// Deletes a draft (project depositors). A registered or findable DOI is
    /// never deleted: it is withdrawn.
    pub async fn delete_publication(&self, scope: &Scope, doi: &str) -> Result<()> {
        let (row, project) = self
            .publication_to_change(scope, doi, Role::Depositor, "deleting a DOI draft")
            .await?;
        if row.state != PublicationState::Draft.as_str() {
            return Err(CatalogError::conflict(
                Some("doi"),
                format!(
                    "{doi} is {}: a registered or findable DOI is never deleted; withdraw it instead",
                    row.state
                ),
            ));
        }
        let txn = self.db.begin().await?;
        publication::Entity::delete_by_id(row.id).exec(&txn).await?;
        Event::new(scope, "doi.delete", "publication", doi)
            .project(project.id)
            .record(&txn)
            .await?;
        txn.commit().await?;
        self.export_publication_after_change(&project, row.id).await;
        Ok(())
    }

    /// One publication with its full record.
    pub async fn publication(&self, scope: &Scope, doi: &str) -> Result<Publication> {
        let row = self.publication_model(&self.db, scope, doi).await?;
        self.publication_of(row).await
    }

    /// A project's publications the caller may see, by number.
    pub async fn publications(&self, scope: &Scope, code: &str) -> Result<Vec<Publication>> {
        let project = self.project_model(scope, "project", code).await?;
        let mut query = publication::Entity::find()
            .filter(publication::Column::ProjectId.eq(project.id))
            .order_by_asc(publication::Column::Number);
        if let Some(visible) = scope.publications() {
            query = query.filter(visible);
        }
        let mut out = Vec::new();
        for row in query.all(&self.db).await? {
            out.push(self.publication_of(row).await?);
        }
        Ok(out)
    }

    /// Registered and findable publications (withdrawn ones too) changed in
    /// `[from, until]`, oldest change first, after the `after`-th: what an
    /// OAI-PMH harvester asks for.
    pub async fn published_since(
        &self,
        from: Option<chrono::DateTime<Utc>>,
        until: Option<chrono::DateTime<Utc>>,
        project: Option<&str>,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<Publication>, u64)> {
        use sea_orm::{PaginatorTrait, QuerySelect};
        let mut query = publication::Entity::find()
            .filter(publication::Column::State.ne(PublicationState::Draft.as_str()));
        if let Some(from) = from {
            query = query.filter(publication::Column::UpdatedAt.gte(from));
        }
        if let Some(until) = until {
            query = query.filter(publication::Column::UpdatedAt.lte(until));
        }
        if let Some(code) = project {
            let Some(p) = project::Entity::find()
                .filter(project::Column::Code.eq(code))
                .one(&self.db)
                .await?
            else {
                return Ok((Vec::new(), 0));
            };
            query = query.filter(publication::Column::ProjectId.eq(p.id));
        }
        let total = query.clone().count(&self.db).await?;
        let rows = query
            .order_by_asc(publication::Column::UpdatedAt)
            .order_by_asc(publication::Column::Id)
            .offset(offset)
            .limit(limit)
            .all(&self.db)
            .await?;
        let mut out = Vec::new();
        for row in rows {
            out.push(self.publication_of(row).await?);
        }
        Ok((out, total))
    }
}
