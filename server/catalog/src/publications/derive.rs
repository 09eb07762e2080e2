//! What strata knows better than the depositor, added to the record on read:
//! the identifier, the landing page, sizes and formats, defaults for the
//! publisher, year and resource type (frozen at registration); and the
//! relations to other DOIs, from lineage and versions (always current: a
//! later version or a derived publication is added to an earlier one, as
//! DataCite records are updated).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use strata_datacite::{
    Date, DateType, Identifier, Publisher, RelatedIdentifier, RelatedIdentifierType, RelationType,
    Resource, ResourceType, ResourceTypeGeneral,
};

use super::{Publication, PublicationState, Withdrawal};
use crate::entity::{datafile, dataset, dataset_link, project, publication, publication_dataset};
use crate::{Catalog, Result};

/// A technique as a resource type says it.
fn technique_words(technique: &str) -> &str {
    match technique {
        "cryo-em" => "cryo-EM",
        "cryo-et" => "cryo-ET",
        "mx" => "crystallography",
        "saxs" => "SAXS",
        "light-microscopy" => "light microscopy",
        other => other,
    }
}

fn relation(doi: &str, relation_type: RelationType) -> RelatedIdentifier {
    RelatedIdentifier {
        value: doi.to_owned(),
        related_identifier_type: RelatedIdentifierType::Doi,
        relation_type,
        resource_type_general: Some(ResourceTypeGeneral::Dataset),
        related_metadata_scheme: None,
        scheme_uri: None,
        scheme_type: None,
        relation_type_information: None,
    }
}

/// Adds `r` unless the record already relates to that DOI in that way.
fn add_relation(record: &mut Resource, r: RelatedIdentifier) {
    let present = record
        .related_identifiers
        .iter()
        .any(|x| x.relation_type == r.relation_type && x.value.eq_ignore_ascii_case(&r.value));
    if !present {
        record.related_identifiers.push(r);
    }
}

impl Catalog {
    pub(crate) async fn covered_datasets(
        &self,
        publication_id: i32,
    ) -> Result<Vec<dataset::Model>> {
        let ids: Vec<i64> = publication_dataset::Entity::find()
            .filter(publication_dataset::Column::PublicationId.eq(publication_id))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|p| p.dataset_id)
            .collect();
        Ok(dataset::Entity::find()
            .filter(dataset::Column::Id.is_in(ids))
            .order_by_asc(dataset::Column::Identifier)
            .all(&self.db)
            .await?)
    }

    /// The record as it would be registered now: what the depositor gave and
    /// the static parts strata derives.
    pub(crate) async fn static_record(
        &self,
        row: &publication::Model,
        datasets: &[dataset::Model],
    ) -> Result<Resource> {
        let mut record: Resource =
            serde_json::from_value(row.datacite.clone()).map_err(crate::auth::corrupt)?;
        let doi = row.doi.clone().unwrap_or_default();
        record.identifier = Some(Identifier::doi(&doi.to_uppercase()));
        record.url = row.landing_page.clone();
        record.version = Some(row.version.clone());
        if record.publisher.is_none()
            && let Some(settings) = self.doi.as_deref()
        {
            record.publisher = Some(Publisher {
                name: settings.publisher.clone(),
                ..Publisher::default()
            });
        }
        if record.publication_year.is_none() {
            let when = row
                .published_at
                .or(row.registered_at)
                .unwrap_or_else(Utc::now);
            record.publication_year = Some(when.year().to_string());
        }
        if record.resource_type.is_none() {
            let techniques: BTreeSet<&str> = datasets
                .iter()
                .map(|d| technique_words(&d.technique))
                .collect();
            record.resource_type = Some(ResourceType {
                general: ResourceTypeGeneral::Dataset,
                value: format!(
                    "{} dataset{}",
                    techniques.into_iter().collect::<Vec<_>>().join(", "),
                    if datasets.len() == 1 { "" } else { "s" }
                ),
            });
        }
        let bytes: i64 = datasets.iter().map(|d| d.size_bytes).sum();
        let files: i64 = datasets.iter().map(|d| d.file_count).sum();
        record.sizes = vec![
            format!(
                "{} dataset{}",
                datasets.len(),
                if datasets.len() == 1 { "" } else { "s" }
            ),
            format!("{files} files"),
            format!("{bytes} bytes"),
        ];
        let formats: BTreeSet<String> = datafile::Entity::find()
            .filter(datafile::Column::DatasetId.is_in(datasets.iter().map(|d| d.id)))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|f| f.format)
            .filter(|f| !f.is_empty())
            .collect();
        record.formats = formats.into_iter().collect();
        if let Some(release) = row.release_at
            && !record
                .dates
                .iter()
                .any(|d| d.date_type == DateType::Available)
        {
            record.dates.push(Date {
                value: release.date_naive().to_string(),
                date_type: DateType::Available,
                date_information: Some("end of embargo: data and frames public from then".into()),
            });
        }
        Ok(record)
    }

    /// The relations to other registered DOIs: lineage between the datasets
    /// covered (IsDerivedFrom / IsSourceOf) and versions (IsNewVersionOf /
    /// IsPreviousVersionOf). Drafts are never named: their DOIs do not
    /// resolve.
    async fn add_relations(
        &self,
        row: &publication::Model,
        datasets: &[dataset::Model],
        record: &mut Resource,
    ) -> Result<(Option<String>, Option<String>)> {
        let ours: BTreeSet<i64> = datasets.iter().map(|d| d.id).collect();
        let links = dataset_link::Entity::find()
            .filter(dataset_link::Column::Kind.eq("derived-from"))
            .filter(
                sea_orm::Condition::any()
                    .add(dataset_link::Column::DatasetId.is_in(ours.iter().copied()))
                    .add(dataset_link::Column::TargetDatasetId.is_in(ours.iter().copied())),
            )
            .all(&self.db)
            .await?;
        let mut sources = BTreeSet::new();
        let mut derived = BTreeSet::new();
        for l in &links {
            match l.target_dataset_id {
                Some(t) if ours.contains(&l.dataset_id) && !ours.contains(&t) => {
                    sources.insert(t);
                }
                Some(t) if ours.contains(&t) && !ours.contains(&l.dataset_id) => {
                    derived.insert(l.dataset_id);
                }
                _ => {}
            }
        }
        let registered = |ids: BTreeSet<i64>| async move {
            let covering: Vec<i32> = publication_dataset::Entity::find()
                .filter(publication_dataset::Column::DatasetId.is_in(ids))
                .all(&self.db)
                .await?
                .into_iter()
                .map(|p| p.publication_id)
                .filter(|id| *id != row.id)
                .collect();
            Ok::<BTreeMap<i32, String>, crate::CatalogError>(
                publication::Entity::find()
                    .filter(publication::Column::Id.is_in(covering))
                    .filter(publication::Column::State.ne(PublicationState::Draft.as_str()))
                    .all(&self.db)
                    .await?
                    .into_iter()
                    .filter_map(|p| p.doi.map(|d| (p.id, d)))
                    .collect(),
            )
        };
        for doi in registered(sources).await?.into_values() {
            add_relation(
                record,
                relation(&doi.to_uppercase(), RelationType::IsDerivedFrom),
            );
        }
        for doi in registered(derived).await?.into_values() {
            add_relation(
                record,
                relation(&doi.to_uppercase(), RelationType::IsSourceOf),
            );
        }
        let previous = match row.previous_id {
            Some(id) => publication::Entity::find_by_id(id)
                .one(&self.db)
                .await?
                .and_then(|p| p.doi),
            None => None,
        };
        let next = publication::Entity::find()
            .filter(publication::Column::PreviousId.eq(row.id))
            .filter(publication::Column::State.ne(PublicationState::Draft.as_str()))
            .order_by_asc(publication::Column::Id)
            .one(&self.db)
            .await?
            .and_then(|p| p.doi);
        if let Some(doi) = &previous {
            add_relation(
                record,
                relation(&doi.to_uppercase(), RelationType::IsNewVersionOf),
            );
        }
        if let Some(doi) = &next {
            add_relation(
                record,
                relation(&doi.to_uppercase(), RelationType::IsPreviousVersionOf),
            );
        }
        Ok((previous, next))
    }

    /// The full record of a publication: frozen once registered, derived now
    /// for a draft; with its current relations.
    pub(crate) async fn full_record(
        &self,
        row: &publication::Model,
    ) -> Result<(
        Resource,
        Vec<dataset::Model>,
        Option<String>,
        Option<String>,
    )> {
        let datasets = self.covered_datasets(row.id).await?;
        let mut record = if row.state == PublicationState::Draft.as_str() {
            self.static_record(row, &datasets).await?
        } else {
            serde_json::from_value(row.datacite.clone()).map_err(crate::auth::corrupt)?
        };
        let (previous, next) = self.add_relations(row, &datasets, &mut record).await?;
        Ok((record, datasets, previous, next))
    }

    pub(crate) async fn publication_of(&self, row: publication::Model) -> Result<Publication> {
        let (record, datasets, previous_version, next_version) = self.full_record(&row).await?;
        let project = project::Entity::find_by_id(row.project_id)
            .one(&self.db)
            .await?
            .map(|p| p.code)
            .unwrap_or_default();
        Ok(Publication {
            doi: row.doi.clone().unwrap_or_default(),
            project,
            number: row.number,
            state: row.state.parse().map_err(crate::auth::corrupt)?,
            title: row.title,
            version: row.version,
            readiness: strata_datacite::readiness(&record),
            record,
            datasets: datasets.into_iter().map(|d| d.identifier).collect(),
            release_at: row.release_at,
            previous_version,
            next_version,
            landing_page: row.landing_page.unwrap_or_default(),
            registered_at: row.registered_at,
            published_at: row.published_at,
            deposit: row.deposit,
            withdrawal: row.withdrawn_at.map(|at| Withdrawal {
                at,
                reason: row.withdrawal_reason.unwrap_or_default(),
            }),
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}
