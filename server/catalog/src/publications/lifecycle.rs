//! DataCite's lifecycle: register, publish, hide, withdraw, new version.
//!
//! Leaving the draft state freezes the record and releases the datasets'
//! data at the release date. With DataCite's REST API configured the DOI is
//! deposited there first — the catalog changes only once DataCite accepted —
//! otherwise the DataCite XML and JSON are written into the project directory
//! (`publications/<number>/`) for deposit by hand.

use std::path::{Path, PathBuf};

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, Set, TransactionTrait,
};
use strata_domain::Role;

use super::{Publication, PublicationState};
use crate::entity::{dataset, project, publication, publication_dataset};
use crate::events::Event;
use crate::jobs::issue_uid;
use crate::project_dir::{blocking, write_atomic};
use crate::{Catalog, CatalogError, Result, Scope};

/// What a lifecycle step did.
#[derive(Debug, Clone, PartialEq)]
pub struct Deposited {
    pub publication: Publication,
    /// `datacite` (through its REST API) or `manual`.
    pub deposit: String,
    /// The DataCite XML and JSON written for the record.
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Register,
    Publish,
    Hide,
}

impl Step {
    fn verb(self) -> &'static str {
        match self {
            Step::Register => "registering",
            Step::Publish => "publishing",
            Step::Hide => "hiding",
        }
    }

    fn target(self) -> PublicationState {
        match self {
            Step::Register | Step::Hide => PublicationState::Registered,
            Step::Publish => PublicationState::Findable,
        }
    }
}

/// `<project>/publications/<number>/`: where a record is written for deposit.
fn deposit_folder(project: &project::Model, number: i32) -> PathBuf {
    Path::new(&project.directory)
        .join("publications")
        .join(number.to_string())
}

impl Catalog {
    /// Registers a draft's DOI (project managers): it resolves, its metadata
    /// is public, it is not in DataCite's search.
    pub async fn register_publication(&self, scope: &Scope, doi: &str) -> Result<Deposited> {
        self.step(scope, doi, Step::Register).await
    }

    /// Makes a DOI findable (project managers), from a draft or a registered DOI.
    pub async fn publish_publication(&self, scope: &Scope, doi: &str) -> Result<Deposited> {
        self.step(scope, doi, Step::Publish).await
    }

    /// Hides a findable DOI (project managers): registered again, still resolving.
    pub async fn hide_publication(&self, scope: &Scope, doi: &str) -> Result<Deposited> {
        self.step(scope, doi, Step::Hide).await
    }

    async fn step(&self, scope: &Scope, doi: &str, step: Step) -> Result<Deposited> {
        let settings = self.doi_settings()?.clone();
        let doing = format!("{} a DOI", step.verb());
        let (row, project) = self
            .publication_to_change(scope, doi, Role::Manager, &doing)
            .await?;
        let doi = row.doi.clone().unwrap_or_default();
        let state: PublicationState = row.state.parse().map_err(crate::auth::corrupt)?;
        let refuse = |why: String| Err(CatalogError::conflict(Some("doi"), why));
        if row.withdrawn_at.is_some() && step != Step::Hide {
            return refuse(format!("{doi} was withdrawn: it stays a tombstone"));
        }
        match (step, state) {
            (Step::Register, PublicationState::Draft)
            | (Step::Publish, PublicationState::Draft | PublicationState::Registered)
            | (Step::Hide, PublicationState::Findable) => {}
            (Step::Publish, PublicationState::Findable)
            | (Step::Hide, PublicationState::Registered) => {
                // Already there: nothing to do, as DataCite answers.
                return Ok(Deposited {
                    publication: self.publication_of(row).await?,
                    deposit: "none".into(),
                    files: Vec::new(),
                });
            }
            (Step::Register, _) => return refuse(format!("{doi} is {state} already")),
            (Step::Hide, PublicationState::Draft) => {
                return refuse(format!("{doi} is a draft: only a findable DOI is hidden"));
            }
        }
        let leaving_draft = state == PublicationState::Draft;
        let frozen = if leaving_draft {
            let datasets = self.covered_datasets(row.id).await?;
            let record = self.static_record(&row, &datasets).await?;
            let readiness = strata_datacite::readiness(&record);
            if !readiness.is_publishable() {
                let missing: Vec<String> = readiness
                    .missing_mandatory()
                    .chain(
                        readiness
                            .invalid
                            .iter()
                            .filter(|f| f.obligation == strata_datacite::Obligation::Mandatory),
                    )
                    .map(|f| format!("{}: {}", f.property, f.message))
                    .collect();
                return refuse(format!(
                    "{doi} is not ready for DataCite: {}",
                    missing.join("; ")
                ));
            }
            Some((record, datasets))
        } else {
            None
        };
        // The record as DataCite gets it: frozen parts and current relations.
        let mut full = match &frozen {
            Some((record, _)) => {
                let mut with_draft_state = row.clone();
                with_draft_state.datacite =
                    serde_json::to_value(record).expect("a record serialises");
                with_draft_state.state = PublicationState::Registered.as_str().to_owned();
                self.full_record(&with_draft_state).await?.0
            }
            None => self.full_record(&row).await?.0,
        };
        full.url = row.landing_page.clone();
        let xml = strata_datacite::to_xml(&full);
        let json = strata_datacite::to_datacite_json(&full);

        let deposit = match &settings.registrar {
            Some(client) => {
                let attributes = json.clone();
                let remote = match step {
                    Step::Register => client.register(&doi, attributes).await.map(|_| ()),
                    Step::Publish => client.publish(&doi, attributes).await.map(|_| ()),
                    Step::Hide => client.hide(&doi).await.map(|_| ()),
                };
                remote.map_err(|e| {
                    CatalogError::Upstream(format!("DataCite refused {} {doi}: {e}", step.verb()))
                })?;
                "datacite"
            }
            None => "manual",
        };
        let folder = deposit_folder(&project, row.number);
        let files = vec![folder.join("datacite.xml"), folder.join("datacite.json")];
        {
            let files = files.clone();
            let json = serde_json::to_vec_pretty(&json).expect("JSON serialises");
            blocking(move || {
                write_atomic(&files[0], xml.as_bytes())?;
                write_atomic(&files[1], &json)
            })
            .await
            .map_err(|e| {
                CatalogError::Filesystem(format!("writing the DataCite record of {doi}: {e}"))
            })?;
        }

        let now = crate::now();
        let txn = self.db.begin().await?;
        let mut active: publication::ActiveModel = row.clone().into();
        active.state = Set(step.target().as_str().to_owned());
        active.updated_at = Set(now);
        if let Some((record, datasets)) = &frozen {
            active.datacite = Set(serde_json::to_value(record).expect("a record serialises"));
            active.registered_at = Set(Some(now));
            active.deposit = Set(Some(deposit.to_owned()));
            // Data and frames become public at the release date (now when
            // there is none), unless they already are earlier.
            let release = row.release_at.unwrap_or(now);
            dataset::Entity::update_many()
                .col_expr(dataset::Column::PublicFrom, Expr::value(release))
                .filter(dataset::Column::Id.is_in(datasets.iter().map(|d| d.id)))
                .filter(
                    Condition::any()
                        .add(dataset::Column::PublicFrom.is_null())
                        .add(dataset::Column::PublicFrom.gt(release)),
                )
                .exec(&txn)
                .await?;
        }
        if step == Step::Publish && row.published_at.is_none() {
            active.published_at = Set(Some(now));
        }
        if leaving_draft && let Some(previous) = row.previous_id {
            // The previous version's record gains IsPreviousVersionOf: a
            // harvester asking for changes since then must see it again.
            publication::Entity::update_many()
                .col_expr(publication::Column::UpdatedAt, Expr::value(now))
                .filter(publication::Column::Id.eq(previous))
                .exec(&txn)
                .await?;
        }
        active.update(&txn).await?;
        let action = match step {
            Step::Register => "doi.register",
            Step::Publish => "doi.publish",
            Step::Hide => "doi.hide",
        };
        Event::new(scope, action, "publication", &doi)
            .project(project.id)
            .details(serde_json::json!({ "deposit": deposit, "from": state.as_str() }))
            .record(&txn)
            .await?;
        txn.commit().await?;
        self.export_publication_after_change(&project, row.id).await;
        Ok(Deposited {
            publication: self.publication(scope, &doi).await?,
            deposit: deposit.to_owned(),
            files,
        })
    }

    /// Withdraws a registered or findable DOI (project managers): it keeps
    /// resolving to a tombstone with its metadata and the reason; a findable
    /// one is hidden; the data of datasets no other live publication covers
    /// is no longer public.
    pub async fn withdraw_publication(
        &self,
        scope: &Scope,
        doi: &str,
        reason: &str,
    ) -> Result<Publication> {
        let (row, project) = self
            .publication_to_change(scope, doi, Role::Manager, "withdrawing a DOI")
            .await?;
        let doi = row.doi.clone().unwrap_or_default();
        if reason.trim().is_empty() {
            return Err(CatalogError::invalid(
                "reason",
                "say why: the tombstone shows it",
            ));
        }
        if row.state == PublicationState::Draft.as_str() {
            return Err(CatalogError::conflict(
                Some("doi"),
                format!("{doi} is a draft: delete it instead"),
            ));
        }
        if row.withdrawn_at.is_some() {
            return Err(CatalogError::conflict(
                Some("doi"),
                format!("{doi} is withdrawn already"),
            ));
        }
        if row.state == PublicationState::Findable.as_str()
            && let Some(client) = &self.doi_settings()?.registrar
        {
            client.hide(&doi).await.map_err(|e| {
                CatalogError::Upstream(format!("DataCite refused hiding {doi}: {e}"))
            })?;
        }
        let now = crate::now();
        let txn = self.db.begin().await?;
        let covered: Vec<i64> = publication_dataset::Entity::find()
            .filter(publication_dataset::Column::PublicationId.eq(row.id))
            .all(&txn)
            .await?
            .into_iter()
            .map(|p| p.dataset_id)
            .collect();
        let live: Vec<i32> = publication::Entity::find()
            .filter(publication::Column::Id.ne(row.id))
            .filter(publication::Column::State.ne(PublicationState::Draft.as_str()))
            .filter(publication::Column::WithdrawnAt.is_null())
            .all(&txn)
            .await?
            .into_iter()
            .map(|p| p.id)
            .collect();
        let still_published: Vec<i64> = publication_dataset::Entity::find()
            .filter(publication_dataset::Column::PublicationId.is_in(live))
            .filter(publication_dataset::Column::DatasetId.is_in(covered.iter().copied()))
            .all(&txn)
            .await?
            .into_iter()
            .map(|p| p.dataset_id)
            .collect();
        dataset::Entity::update_many()
            .col_expr(
                dataset::Column::PublicFrom,
                Expr::value(Option::<chrono::DateTime<Utc>>::None),
            )
            .filter(dataset::Column::Id.is_in(covered))
            .filter(dataset::Column::Id.is_not_in(still_published))
            .exec(&txn)
            .await?;
        let mut active: publication::ActiveModel = row.clone().into();
        active.state = Set(PublicationState::Registered.as_str().to_owned());
        active.withdrawn_at = Set(Some(now));
        active.withdrawal_reason = Set(Some(reason.trim().to_owned()));
        active.updated_at = Set(now);
        active.update(&txn).await?;
        Event::new(scope, "doi.withdraw", "publication", &doi)
            .project(project.id)
            .details(serde_json::json!({ "reason": reason.trim() }))
            .record(&txn)
            .await?;
        txn.commit().await?;
        self.export_publication_after_change(&project, row.id).await;
        self.publication(scope, &doi).await
    }

    /// Starts the next version of a registered publication (project
    /// depositors): a draft with a new DOI, the same record and datasets to
    /// change, `IsNewVersionOf` the old one, which stays exactly as published.
    pub async fn new_publication_version(
        &self,
        scope: &Scope,
        doi: &str,
        version: Option<String>,
    ) -> Result<Publication> {
        let settings = self.doi_settings()?.clone();
        let (row, project) = self
            .publication_to_change(scope, doi, Role::Depositor, "starting a new version")
            .await?;
        let old_doi = row.doi.clone().unwrap_or_default();
        if row.state == PublicationState::Draft.as_str() {
            return Err(CatalogError::conflict(
                Some("doi"),
                format!("{old_doi} is a draft: edit it instead"),
            ));
        }
        if let Some(next) = publication::Entity::find()
            .filter(publication::Column::PreviousId.eq(row.id))
            .one(&self.db)
            .await?
        {
            return Err(CatalogError::conflict(
                Some("doi"),
                format!(
                    "{old_doi} has a newer version already: {}",
                    next.doi.unwrap_or_default()
                ),
            ));
        }
        let version = match version.filter(|v| !v.trim().is_empty()) {
            Some(v) if v == row.version => {
                return Err(CatalogError::invalid(
                    "version",
                    format!("{v} is the version of {old_doi}"),
                ));
            }
            Some(v) => v,
            None => match row.version.parse::<u64>() {
                Ok(n) => (n + 1).to_string(),
                Err(_) => format!("{}.1", row.version),
            },
        };
        // The depositor's record without what strata derives: the new draft
        // derives its own.
        let mut record: strata_datacite::Resource =
            serde_json::from_value(row.datacite.clone()).map_err(crate::auth::corrupt)?;
        record.identifier = None;
        record.url = None;
        record.sizes.clear();
        record.formats.clear();
        record.publication_year = None;
        record.version = Some(version.clone());
        let txn = self.db.begin().await?;
        let number = issue_uid(&txn, project.id, project::Column::PublicationsReported).await?;
        let new_doi = format!(
            "{}/{}.{number}",
            settings.prefix,
            project.code.to_lowercase()
        )
        .to_lowercase();
        let now = crate::now();
        let new_row = publication::ActiveModel {
            project_id: Set(project.id),
            doi: Set(Some(new_doi.clone())),
            state: Set(PublicationState::Draft.as_str().to_owned()),
            title: Set(row.title.clone()),
            datacite: Set(serde_json::to_value(&record).expect("a record serialises")),
            landing_page: Set(Some(format!("{}{new_doi}", settings.landing_base))),
            version: Set(version),
            release_at: Set(row.release_at),
            created_at: Set(now),
            updated_at: Set(now),
            number: Set(number as i32),
            previous_id: Set(Some(row.id)),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        for link in publication_dataset::Entity::find()
            .filter(publication_dataset::Column::PublicationId.eq(row.id))
            .all(&txn)
            .await?
        {
            publication_dataset::ActiveModel {
                publication_id: Set(new_row.id),
                dataset_id: Set(link.dataset_id),
            }
            .insert(&txn)
            .await?;
        }
        Event::new(scope, "doi.version", "publication", &new_doi)
            .project(project.id)
            .details(serde_json::json!({ "previous": old_doi }))
            .record(&txn)
            .await?;
        txn.commit().await?;
        self.export_publication_after_change(&project, new_row.id)
            .await;
        self.publication(scope, &new_doi).await
    }

    /// A dataset a registered, unwithdrawn publication covers is frozen: its
    /// DOI promises it stays as published. Changes go into a new version.
    pub(crate) async fn require_unpublished(&self, dataset: &dataset::Model) -> Result<()> {
        let covering: Vec<i32> = publication_dataset::Entity::find()
            .filter(publication_dataset::Column::DatasetId.eq(dataset.id))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|p| p.publication_id)
            .collect();
        if let Some(p) = publication::Entity::find()
            .filter(publication::Column::Id.is_in(covering))
            .filter(publication::Column::State.ne(PublicationState::Draft.as_str()))
            .filter(publication::Column::WithdrawnAt.is_null())
            .one(&self.db)
            .await?
        {
            return Err(CatalogError::conflict(
                Some("identifier"),
                format!(
                    "{} is published as {}: it stays as published; register the changed data as a new dataset and start a new version of the DOI",
                    dataset.identifier,
                    p.doi.unwrap_or_default()
                ),
            ));
        }
        Ok(())
    }
}
