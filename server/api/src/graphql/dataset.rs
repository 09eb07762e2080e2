//! Datasets: the object, its search connection, and the depositors' mutations.

use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{ComplexObject, Context, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use strata_catalog as catalog;
use strata_catalog::{DatasetFilter as CatalogFilter, Scope};
use strata_domain::Sha256Hex;
use strata_domain::records;

use super::context::request;
use super::filter::{DatasetFilter, DatasetOrder};
use super::frames::FrameSet;
use super::loaders::LinkKey;
use super::parameter::Parameter;
use super::project::Project;
use super::scalars::ParameterValue;
use super::vocabulary::{DatasetKind, DatasetStatus, LinkKind, Technique};
use crate::error::{IntoGraphql, bad_input};

/// A dataset: one folder of raw or processed data, its parameters and lineage.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct Dataset {
    #[graphql(skip)]
    pub id: i64,
    #[graphql(skip)]
    pub project_uid: i32,
    /// `<ID>-YYYY-MM-DD-HH-MM-SS-<NNNN>`.
    pub identifier: String,
    pub kind: DatasetKind,
    pub technique: Technique,
    pub instrument: Option<String>,
    pub sample: Option<String>,
    pub acquired_at: DateTime<Utc>,
    pub description: String,
    pub status: DatasetStatus,
    pub size_bytes: i64,
    pub file_count: i64,
    /// When the dataset became (or becomes) visible to everyone; null while private.
    pub public_from: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl From<records::Dataset> for Dataset {
    fn from(d: records::Dataset) -> Self {
        Self {
            id: d.id,
            project_uid: d.project_uid,
            identifier: d.identifier.to_string(),
            kind: d.kind.into(),
            technique: d.technique.into(),
            instrument: d.instrument,
            sample: d.sample,
            acquired_at: d.acquired_at,
            description: d.description,
            status: d.status.into(),
            size_bytes: d.size_bytes,
            file_count: d.file_count,
            public_from: d.public_from,
            created_at: d.created_at,
        }
    }
}

#[ComplexObject]
impl Dataset {
    async fn project(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Project>> {
        Ok(request(ctx)
            .projects
            .load_one(self.project_uid)
            .await?
            .map(Into::into))
    }

    /// The dataset's frames, one set per position (frames ingests only).
    async fn frame_sets(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<FrameSet>> {
        let r = request(ctx);
        Ok(r.catalog
            .dataset_frame_sets(&r.scope, &self.identifier)
            .await
            .gql()?
            .into_iter()
            .map(|s| FrameSet::new(&self.identifier, s))
            .collect())
    }

    async fn parameters(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Parameter>> {
        let found = request(ctx).parameters.load_one(self.id).await?;
        Ok(found
            .unwrap_or_default()
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// The datasets this one names: its inputs (derived-from) and its parent.
    /// A link may name a dataset that has not arrived yet.
    async fn links(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<DatasetLink>> {
        let found = request(ctx)
            .links
            .load_one(LinkKey::Outgoing(self.id))
            .await?;
        Ok(found
            .unwrap_or_default()
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// The datasets that name this one: its products and children.
    async fn linked_from(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<DatasetLink>> {
        let found = request(ctx)
            .links
            .load_one(LinkKey::Incoming(self.id))
            .await?;
        Ok(found
            .unwrap_or_default()
            .into_iter()
            .map(Into::into)
            .collect())
    }

    async fn datafiles(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Datafile>> {
        let found = request(ctx).datafiles.load_one(self.id).await?;
        Ok(found
            .unwrap_or_default()
            .into_iter()
            .map(Into::into)
            .collect())
    }
}

/// A link between two datasets.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct DatasetLink {
    pub kind: LinkKind,
    /// The dataset that names the other: the processed one, or the child.
    pub from: String,
    /// The dataset named: the input, or the parent.
    pub to: String,
    /// Whether the named dataset is in the catalog yet.
    pub resolved: bool,
}

impl From<records::DatasetLink> for DatasetLink {
    fn from(l: records::DatasetLink) -> Self {
        Self {
            kind: l.kind.into(),
            from: l.from.to_string(),
            to: l.to.to_string(),
            resolved: l.resolved,
        }
    }
}

#[ComplexObject]
impl DatasetLink {
    #[graphql(name = "fromDataset")]
    async fn naming_dataset(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Dataset>> {
        Ok(request(ctx)
            .datasets
            .load_one(self.from.clone())
            .await?
            .map(Into::into))
    }

    /// The named dataset, when it is in the catalog and visible to the caller.
    #[graphql(name = "toDataset")]
    async fn named_dataset(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Dataset>> {
        Ok(request(ctx)
            .datasets
            .load_one(self.to.clone())
            .await?
            .map(Into::into))
    }
}

/// A file of a dataset.
#[derive(SimpleObject)]
pub struct Datafile {
    /// Relative to the dataset's folder.
    pub path: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub format: String,
    /// `local`, `s3` or `symlink`.
    pub location: String,
    pub last_verified_at: Option<DateTime<Utc>>,
}

impl From<records::Datafile> for Datafile {
    fn from(f: records::Datafile) -> Self {
        Self {
            path: f.path,
            size_bytes: f.size_bytes,
            sha256: f.sha256,
            format: f.format,
            location: f.location,
            last_verified_at: f.last_verified_at,
        }
    }
}

/// Fields of the datasets connection beside its edges.
pub struct DatasetConnectionFields {
    scope: Scope,
    filter: CatalogFilter,
}

#[Object]
impl DatasetConnectionFields {
    /// How many datasets match, among those the caller may see. Counted only when asked for.
    async fn total_count(&self, ctx: &Context<'_>) -> async_graphql::Result<u64> {
        request(ctx)
            .catalog
            .count_datasets(&self.scope, &self.filter)
            .await
            .gql()
    }
}

pub type DatasetConnection = Connection<String, Dataset, DatasetConnectionFields, EmptyFields>;

#[derive(Default)]
pub struct DatasetQuery;

#[Object]
impl DatasetQuery {
    /// A dataset by identifier; null when it does not exist or is not visible to the caller.
    async fn dataset(
        &self,
        ctx: &Context<'_>,
        identifier: String,
    ) -> async_graphql::Result<Option<Dataset>> {
        let r = request(ctx);
        match r.catalog.dataset(&r.scope, &identifier).await {
            Ok(d) => Ok(Some(d.into())),
            Err(catalog::CatalogError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e).gql(),
        }
    }

    /// Datasets matching a filter, as a Relay connection (at most 500 a page).
    #[graphql(
        complexity = "first.or(last).unwrap_or(50).min(500) as usize * child_complexity + 10"
    )]
    // A resolver's parameters are the field's GraphQL arguments (Relay's four and two more).
    #[allow(clippy::too_many_arguments)]
    async fn datasets(
        &self,
        ctx: &Context<'_>,
        filter: Option<DatasetFilter>,
        order_by: Option<DatasetOrder>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<DatasetConnection> {
        search(
            ctx,
            filter.unwrap_or_default(),
            order_by.unwrap_or_default(),
            first,
            after,
            last,
            before,
        )
        .await
    }
}

/// One page of a dataset search as a Relay connection; shared by `datasets`
/// and `Project.datasets`.
pub(crate) async fn search(
    ctx: &Context<'_>,
    filter: DatasetFilter,
    order_by: DatasetOrder,
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> async_graphql::Result<DatasetConnection> {
    let r = request(ctx);
    let catalog_filter = filter.to_catalog("filter")?;
    let count = |arg: &str, n: Option<i32>| -> async_graphql::Result<Option<u64>> {
        n.map(|n| {
            u64::try_from(n).map_err(|_| bad_input(arg, format!("must not be negative; got {n}")))
        })
        .transpose()
    };
    let page = catalog::PageRequest {
        first: count("first", first)?,
        after,
        last: count("last", last)?,
        before,
    };
    let found = r
        .catalog
        .search_datasets(&r.scope, &catalog_filter, order_by.into(), &page)
        .await
        .gql()?;
    let mut connection = Connection::with_additional_fields(
        found.has_previous,
        found.has_next,
        DatasetConnectionFields {
            scope: r.scope.clone(),
            filter: catalog_filter,
        },
    );
    connection.edges.extend(
        found
            .items
            .into_iter()
            .map(|(cursor, d)| Edge::new(cursor.encode(), d.into())),
    );
    Ok(connection)
}

/// A parameter value to record.
#[derive(InputObject)]
pub struct ParameterInput {
    pub name: String,
    pub value: ParameterValue,
    /// The unit the value is given in; the definition's unit when omitted.
    pub unit: Option<String>,
}

/// A link from a dataset to one it was made from or belongs to.
#[derive(InputObject)]
pub struct LinkInput {
    #[graphql(default_with = "LinkKind::DerivedFrom")]
    pub kind: LinkKind,
    /// The identifier of the named dataset; it may not have arrived yet.
    pub target: String,
}

#[derive(InputObject)]
pub struct RegisterDatasetInput {
    pub identifier: String,
    pub kind: DatasetKind,
    pub technique: Technique,
    pub instrument: Option<String>,
    pub sample: Option<String>,
    #[graphql(default)]
    pub description: String,
    #[graphql(default)]
    pub parameters: Vec<ParameterInput>,
    #[graphql(default)]
    pub links: Vec<LinkInput>,
}

#[derive(InputObject)]
pub struct DatafileInput {
    pub path: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub format: String,
    #[graphql(default_with = "\"local\".to_owned()")]
    pub location: String,
}

#[derive(InputObject)]
pub struct AddDatafilesInput {
    pub dataset: String,
    pub files: Vec<DatafileInput>,
}

#[derive(InputObject)]
pub struct LinkDatasetsInput {
    /// The dataset that names the other (processed, or child).
    pub dataset: String,
    pub target: String,
    #[graphql(default_with = "LinkKind::DerivedFrom")]
    pub kind: LinkKind,
}

fn parse<T: std::str::FromStr>(field: &str, text: &str) -> async_graphql::Result<T>
where
    T::Err: std::fmt::Display,
{
    text.parse().map_err(|e| bad_input(field, e))
}

#[derive(Default)]
pub struct DatasetMutation;

#[Object]
impl DatasetMutation {
    /// Registers a dataset with its parameters and links, all or nothing.
    async fn register_dataset(
        &self,
        ctx: &Context<'_>,
        input: RegisterDatasetInput,
    ) -> async_graphql::Result<Dataset> {
        let r = request(ctx);
        let links = input
            .links
            .iter()
            .enumerate()
            .map(|(i, l)| {
                Ok(catalog::NewLink {
                    kind: l.kind.into(),
                    target: parse(&format!("input.links[{i}].target"), &l.target)?,
                })
            })
            .collect::<async_graphql::Result<_>>()?;
        let new = catalog::NewDataset {
            identifier: parse("input.identifier", &input.identifier)?,
            kind: input.kind.into(),
            technique: input.technique.into(),
            instrument: input.instrument,
            sample: input.sample,
            description: input.description,
            parameters: input
                .parameters
                .into_iter()
                .map(|p| catalog::NewParameter {
                    name: p.name,
                    value: p.value.0,
                    unit: p.unit,
                })
                .collect(),
            links,
        };
        Ok(r.catalog
            .register_dataset(&r.scope, new)
            .await
            .gql_in("input")?
            .into())
    }

    /// Records files of a dataset (path, size, SHA-256, format), all or nothing.
    async fn add_datafiles(
        &self,
        ctx: &Context<'_>,
        input: AddDatafilesInput,
    ) -> async_graphql::Result<Vec<Datafile>> {
        let r = request(ctx);
        let files = input
            .files
            .into_iter()
            .enumerate()
            .map(|(i, f)| {
                Ok(catalog::NewDatafile {
                    sha256: parse::<Sha256Hex>(&format!("input.files[{i}].sha256"), &f.sha256)?,
                    path: f.path,
                    size_bytes: f.size_bytes,
                    format: f.format,
                    location: f.location,
                })
            })
            .collect::<async_graphql::Result<_>>()?;
        let added = r
            .catalog
            .add_datafiles(&r.scope, &input.dataset, files)
            .await
            .map_err(|e| match e {
                catalog::CatalogError::NotFound { message, .. } => {
                    catalog::CatalogError::not_found(Some("dataset"), message)
                }
                other => other,
            });
        Ok(added.gql_in("input")?.into_iter().map(Into::into).collect())
    }

    async fn update_dataset_description(
        &self,
        ctx: &Context<'_>,
        identifier: String,
        description: String,
    ) -> async_graphql::Result<Dataset> {
        let r = request(ctx);
        Ok(r.catalog
            .update_description(&r.scope, &identifier, &description)
            .await
            .gql()?
            .into())
    }

    /// Links a dataset to one it was made from (or its parent).
    async fn link_datasets(
        &self,
        ctx: &Context<'_>,
        input: LinkDatasetsInput,
    ) -> async_graphql::Result<DatasetLink> {
        let r = request(ctx);
        let from = parse("input.dataset", &input.dataset)?;
        let link = catalog::NewLink {
            kind: input.kind.into(),
            target: parse("input.target", &input.target)?,
        };
        Ok(r.catalog
            .link_datasets(&r.scope, &from, link)
            .await
            .gql_in("input")?
            .into())
    }
}
