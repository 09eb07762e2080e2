//! Publications and their DOIs: drafts prepared by depositors, checked for
//! DataCite's mandatory and recommended properties, registered, published,
//! hidden, withdrawn and versioned; every export format of the record.

use async_graphql::{Context, Enum, InputObject, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use strata_catalog::CatalogError;
use strata_catalog::publications::{self as catalog_publications, Coverage, NewPublication};
use strata_datacite::Resource;

use super::context::request;
use super::job::in_input;
use crate::error::{IntoGraphql, bad_input};

/// DataCite's DOI states.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "strata_catalog::publications::PublicationState")]
pub enum PublicationState {
    /// Only in strata: editable, deletable, visible to the project's members.
    Draft,
    /// The DOI resolves; its metadata is public; not in DataCite's search.
    Registered,
    /// The DOI resolves and the record is discoverable.
    Findable,
}

/// Whether DataCite requires a property or recommends it.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum Obligation {
    Mandatory,
    Recommended,
}

/// One thing to add or fix before DataCite accepts the record (or to make
/// it better found).
#[derive(SimpleObject, Clone)]
pub struct ReadinessFinding {
    /// The DataCite property (`Creator`, `Title`, …).
    pub property: String,
    pub obligation: Obligation,
    /// What to do, as a sentence.
    pub message: String,
}

/// What is missing or malformed, by DataCite's mandatory and recommended
/// properties.
#[derive(SimpleObject, Clone)]
pub struct Readiness {
    /// Every mandatory property is present and well-formed.
    pub publishable: bool,
    pub missing: Vec<ReadinessFinding>,
    pub invalid: Vec<ReadinessFinding>,
}

/// A withdrawn DOI's tombstone.
#[derive(SimpleObject, Clone)]
pub struct Withdrawal {
    pub at: DateTime<Utc>,
    pub reason: String,
}

/// Datasets grouped for a DOI, with their DataCite record.
pub struct Publication(catalog_publications::Publication);

#[Object]
impl Publication {
    /// The DOI (made when the draft is; it resolves once registered).
    async fn doi(&self) -> &str {
        &self.0.doi
    }

    /// `https://doi.org/<doi>`.
    async fn doi_url(&self) -> String {
        format!("https://doi.org/{}", self.0.doi)
    }

    /// The code of the project it belongs to.
    async fn project(&self) -> &str {
        &self.0.project
    }

    async fn state(&self) -> PublicationState {
        self.0.state.into()
    }

    async fn title(&self) -> &str {
        &self.0.title
    }

    async fn version(&self) -> &str {
        &self.0.version
    }

    /// The identifiers of the datasets it covers.
    async fn datasets(&self) -> &[String] {
        &self.0.datasets
    }

    /// Data and frames are public from then; the metadata is public once registered.
    async fn release_at(&self) -> Option<DateTime<Utc>> {
        self.0.release_at
    }

    /// The DOI of the version this one is a new version of.
    async fn previous_version(&self) -> Option<&str> {
        self.0.previous_version.as_deref()
    }

    /// The DOI of the registered version that followed.
    async fn next_version(&self) -> Option<&str> {
        self.0.next_version.as_deref()
    }

    async fn landing_page(&self) -> &str {
        &self.0.landing_page
    }

    async fn registered_at(&self) -> Option<DateTime<Utc>> {
        self.0.registered_at
    }

    async fn published_at(&self) -> Option<DateTime<Utc>> {
        self.0.published_at
    }

    /// `datacite` (deposited through its REST API) or `manual` (written for
    /// deposit by hand), once registered.
    async fn deposit(&self) -> Option<&str> {
        self.0.deposit.as_deref()
    }

    /// Set once withdrawn: the DOI resolves to this tombstone.
    async fn withdrawal(&self) -> Option<Withdrawal> {
        self.0.withdrawal.as_ref().map(|w| Withdrawal {
            at: w.at,
            reason: w.reason.clone(),
        })
    }

    /// What DataCite requires or recommends that the record lacks.
    async fn readiness(&self) -> Readiness {
        let r = &self.0.readiness;
        let finding = |f: &strata_datacite::Finding| ReadinessFinding {
            property: f.property.to_owned(),
            obligation: match f.obligation {
                strata_datacite::Obligation::Mandatory => Obligation::Mandatory,
                strata_datacite::Obligation::Recommended => Obligation::Recommended,
            },
            message: f.message.clone(),
        };
        Readiness {
            publishable: r.is_publishable(),
            missing: r.missing.iter().map(finding).collect(),
            invalid: r.invalid.iter().map(finding).collect(),
        }
    }

    /// The record as DataCite JSON (the REST API's `attributes`).
    async fn datacite(&self) -> Json<serde_json::Value> {
        Json(strata_datacite::to_datacite_json(&self.0.record))
    }

    /// The record as DataCite XML (kernel 4.7).
    async fn datacite_xml(&self) -> String {
        strata_datacite::to_xml(&self.0.record)
    }

    /// schema.org `Dataset` JSON-LD, as dataset search engines read it.
    async fn schema_org(&self) -> Json<serde_json::Value> {
        Json(strata_datacite::to_schema_org(&self.0.record))
    }

    /// A BibTeX entry.
    async fn bibtex(&self) -> String {
        strata_datacite::to_bibtex(&self.0.record)
    }

    /// An RIS record.
    async fn ris(&self) -> String {
        strata_datacite::to_ris(&self.0.record)
    }

    /// CSL-JSON, as citation processors read it.
    async fn csl_json(&self) -> Json<serde_json::Value> {
        Json(strata_datacite::to_csl_json(&self.0.record))
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// What a register, publish or hide did.
#[derive(SimpleObject)]
pub struct DoiDeposit {
    pub publication: Publication,
    /// `datacite`, `manual` (written for deposit by hand) or `none` (it was
    /// in that state already).
    pub deposit: String,
    /// The DataCite XML and JSON written into the project directory.
    pub files: Vec<String>,
}

/// A draft's datasets and metadata.
#[derive(InputObject)]
pub struct PublicationInput {
    /// The datasets covered (identifiers); the project's every complete
    /// dataset when not given.
    pub datasets: Option<Vec<String>>,
    /// The DataCite metadata as DataCite JSON (the REST API's `attributes`);
    /// a draft may be incomplete.
    pub metadata: Option<Json<serde_json::Value>>,
    /// Or as DataCite XML (kernel 4).
    pub metadata_xml: Option<String>,
    /// Data and frames stay private until then.
    pub release_at: Option<DateTime<Utc>>,
}

impl PublicationInput {
    fn record(&self) -> async_graphql::Result<Resource> {
        match (&self.metadata, &self.metadata_xml) {
            (Some(_), Some(_)) => Err(bad_input(
                "input.metadataXml",
                "give the metadata as JSON or as XML, not both",
            )),
            (Some(json), None) => strata_datacite::from_datacite_json(&json.0)
                .map_err(|e| bad_input("input.metadata", e)),
            (None, Some(xml)) => {
                strata_datacite::from_xml(xml).map_err(|e| bad_input("input.metadataXml", e))
            }
            (None, None) => Ok(Resource::default()),
        }
    }

    fn coverage(&self) -> Coverage {
        match &self.datasets {
            Some(d) => Coverage::Datasets(d.clone()),
            None => Coverage::Project,
        }
    }
}

#[derive(Default)]
pub struct PublicationQuery;

#[Object]
impl PublicationQuery {
    /// A publication by DOI (case-insensitive); null when there is none the
    /// caller may see (drafts are their project's members').
    async fn publication(
        &self,
        ctx: &Context<'_>,
        doi: String,
    ) -> async_graphql::Result<Option<Publication>> {
        let r = request(ctx);
        match r.catalog.publication(&r.scope, &doi).await {
            Ok(p) => Ok(Some(Publication(p))),
            Err(CatalogError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e).gql(),
        }
    }
}

/// The `publications` field of a project.
pub(crate) async fn publications_of(
    ctx: &Context<'_>,
    code: &str,
) -> async_graphql::Result<Vec<Publication>> {
    let r = request(ctx);
    Ok(r.catalog
        .publications(&r.scope, code)
        .await
        .gql()?
        .into_iter()
        .map(Publication)
        .collect())
}

#[derive(Default)]
pub struct PublicationMutation;

#[Object]
impl PublicationMutation {
    /// Starts a DOI draft (project depositors); its DOI is made now.
    async fn create_publication(
        &self,
        ctx: &Context<'_>,
        project: String,
        input: PublicationInput,
    ) -> async_graphql::Result<Publication> {
        let r = request(ctx);
        let new = NewPublication {
            record: input.record()?,
            coverage: input.coverage(),
            release_at: input.release_at,
        };
        Ok(Publication(in_input(
            r.catalog.create_publication(&r.scope, &project, new).await,
        )?))
    }

    /// Replaces a draft's metadata, datasets (when given) and release date
    /// (project depositors). Refused (CONFLICT) once registered: start a new
    /// version instead.
    async fn update_publication(
        &self,
        ctx: &Context<'_>,
        doi: String,
        input: PublicationInput,
    ) -> async_graphql::Result<Publication> {
        let r = request(ctx);
        let coverage = input.datasets.clone().map(Coverage::Datasets);
        let result = r
            .catalog
            .update_publication(&r.scope, &doi, input.record()?, coverage, input.release_at)
            .await;
        match result {
            Err(err) if err.field() == Some("doi") => Err(err).gql(),
            other => Ok(Publication(other.gql_in("input")?)),
        }
    }

    /// Deletes a draft (project depositors); a registered DOI is withdrawn instead.
    async fn delete_publication(
        &self,
        ctx: &Context<'_>,
        doi: String,
    ) -> async_graphql::Result<bool> {
        let r = request(ctx);
        r.catalog.delete_publication(&r.scope, &doi).await.gql()?;
        Ok(true)
    }

    /// Registers a draft's DOI (project managers): refused (CONFLICT) while a
    /// mandatory DataCite property is missing, naming each.
    async fn register_publication(
        &self,
        ctx: &Context<'_>,
        doi: String,
    ) -> async_graphql::Result<DoiDeposit> {
        let r = request(ctx);
        deposit(r.catalog.register_publication(&r.scope, &doi).await)
    }

    /// Makes a DOI findable (project managers), from a draft or a registered DOI.
    async fn publish_publication(
        &self,
        ctx: &Context<'_>,
        doi: String,
    ) -> async_graphql::Result<DoiDeposit> {
        let r = request(ctx);
        deposit(r.catalog.publish_publication(&r.scope, &doi).await)
    }

    /// Hides a findable DOI (project managers): registered again, still resolving.
    async fn hide_publication(
        &self,
        ctx: &Context<'_>,
        doi: String,
    ) -> async_graphql::Result<DoiDeposit> {
        let r = request(ctx);
        deposit(r.catalog.hide_publication(&r.scope, &doi).await)
    }

    /// Withdraws a registered or findable DOI (project managers): it resolves
    /// to a tombstone with its metadata and the reason.
    async fn withdraw_publication(
        &self,
        ctx: &Context<'_>,
        doi: String,
        reason: String,
    ) -> async_graphql::Result<Publication> {
        let r = request(ctx);
        Ok(Publication(
            r.catalog
                .withdraw_publication(&r.scope, &doi, &reason)
                .await
                .gql()?,
        ))
    }

    /// Starts the next version of a registered publication (project
    /// depositors): a draft with a new DOI; the old one stays as published.
    async fn new_publication_version(
        &self,
        ctx: &Context<'_>,
        doi: String,
        version: Option<String>,
    ) -> async_graphql::Result<Publication> {
        let r = request(ctx);
        Ok(Publication(
            r.catalog
                .new_publication_version(&r.scope, &doi, version)
                .await
                .gql()?,
        ))
    }
}

fn deposit(
    result: strata_catalog::Result<catalog_publications::Deposited>,
) -> async_graphql::Result<DoiDeposit> {
    let d = result.gql()?;
    Ok(DoiDeposit {
        publication: Publication(d.publication),
        deposit: d.deposit,
        files: d.files.iter().map(|p| p.display().to_string()).collect(),
    })
}
