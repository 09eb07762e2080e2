//! Faceted search: counts per technique, instrument, project, sample and kind,
//! and value buckets for chosen numeric parameters, over exactly the datasets
//! `datasets` finds for the same filter.

use async_graphql::{Context, ErrorExtensions, InputObject, Object, SimpleObject};
use strata_catalog as catalog;

use super::context::request;
use super::filter::DatasetFilter;
use super::vocabulary::{DatasetKind, Technique};
use crate::error::{Code, IntoGraphql, bad_input};

/// Buckets over one numeric parameter's values.
#[derive(InputObject, Clone)]
pub struct ParameterBucketsInput {
    /// A number or integer parameter (see `parameterTypes`).
    pub name: String,
    /// The lower end of the first bucket, in the parameter's unit; the
    /// smallest value among the matching datasets when omitted.
    pub from: Option<f64>,
    /// The upper end of the last bucket, which includes it; the largest value
    /// among the matching datasets when omitted.
    pub to: Option<f64>,
    /// How many buckets of equal width, from 1 to 100.
    #[graphql(default = 10)]
    pub buckets: i32,
}

/// How many of the matching datasets have one value.
#[derive(SimpleObject)]
pub struct FacetCount {
    pub value: String,
    pub count: u64,
}

#[derive(SimpleObject)]
pub struct TechniqueCount {
    pub value: Technique,
    pub count: u64,
}

#[derive(SimpleObject)]
pub struct KindCount {
    pub value: DatasetKind,
    pub count: u64,
}

/// Matching datasets with a value from `from` up to, not including, `to`
/// (including `to` for the last bucket).
#[derive(SimpleObject)]
pub struct Bucket {
    pub from: f64,
    pub to: f64,
    pub count: u64,
}

/// How one numeric parameter's values are spread over the matching datasets.
#[derive(SimpleObject)]
pub struct ParameterHistogram {
    pub name: String,
    /// The parameter's unit, which values and bounds are in.
    pub unit: Option<String>,
    /// The range the buckets cover: as asked, or the smallest and largest value
    /// among the matching datasets; null when not asked and none has a value.
    pub from: Option<f64>,
    pub to: Option<f64>,
    /// Buckets of equal width over the range (a single one when `from` equals
    /// `to`). Values outside an asked range are in no bucket.
    pub buckets: Vec<Bucket>,
    /// Matching datasets that have no value for the parameter.
    pub missing: u64,
}

/// What the datasets matching a filter are made of. Lists are sorted by count,
/// largest first, then by value.
#[derive(SimpleObject)]
pub struct DatasetFacets {
    /// How many datasets match: the `totalCount` of `datasets` for the same filter.
    pub total: u64,
    pub technique: Vec<TechniqueCount>,
    /// The 50 most frequent instruments; datasets without one are not counted here.
    pub instrument: Vec<FacetCount>,
    /// The 50 most frequent projects, by code.
    pub project: Vec<FacetCount>,
    /// The 50 most frequent samples; datasets without one are not counted here.
    pub sample: Vec<FacetCount>,
    pub kind: Vec<KindCount>,
    /// One histogram per entry of `parameterBuckets`, in the same order.
    pub parameters: Vec<ParameterHistogram>,
}

/// A stored term the vocabulary does not know; the catalog checks them, so
/// this is a defect, reported as one.
fn internal(err: impl std::fmt::Display) -> async_graphql::Error {
    tracing::error!(error = %err, "facet value outside the vocabulary");
    async_graphql::Error::new("internal error; the server log has the details")
        .extend_with(|_, e| e.set("code", Code::Internal.as_str()))
}

fn typed<T, G>(counts: Vec<catalog::FacetCount>) -> async_graphql::Result<Vec<(G, u64)>>
where
    T: std::str::FromStr<Err: std::fmt::Display> + Into<G>,
{
    counts
        .into_iter()
        .map(|c| Ok((c.value.parse::<T>().map_err(internal)?.into(), c.count)))
        .collect()
}

fn plain(counts: Vec<catalog::FacetCount>) -> Vec<FacetCount> {
    counts
        .into_iter()
        .map(|c| FacetCount {
            value: c.value,
            count: c.count,
        })
        .collect()
}

impl TryFrom<catalog::DatasetFacets> for DatasetFacets {
    type Error = async_graphql::Error;

    fn try_from(f: catalog::DatasetFacets) -> async_graphql::Result<Self> {
        Ok(Self {
            total: f.total,
            technique: typed::<strata_domain::Technique, Technique>(f.technique)?
                .into_iter()
                .map(|(value, count)| TechniqueCount { value, count })
                .collect(),
            instrument: plain(f.instrument),
            project: plain(f.project),
            sample: plain(f.sample),
            kind: typed::<strata_domain::DatasetKind, DatasetKind>(f.kind)?
                .into_iter()
                .map(|(value, count)| KindCount { value, count })
                .collect(),
            parameters: f
                .parameters
                .into_iter()
                .map(|h| ParameterHistogram {
                    name: h.name,
                    unit: h.unit,
                    from: h.from,
                    to: h.to,
                    buckets: h
                        .buckets
                        .into_iter()
                        .map(|b| Bucket {
                            from: b.from,
                            to: b.to,
                            count: b.count,
                        })
                        .collect(),
                    missing: h.missing,
                })
                .collect(),
        })
    }
}

#[derive(Default)]
pub struct FacetQuery;

#[Object]
impl FacetQuery {
    /// Counts per technique, instrument, project, sample and kind, and value
    /// buckets for chosen numeric parameters, over the datasets `datasets`
    /// finds for the same filter (and so only those the caller may see).
    async fn dataset_facets(
        &self,
        ctx: &Context<'_>,
        filter: Option<DatasetFilter>,
        #[graphql(default)] parameter_buckets: Vec<ParameterBucketsInput>,
    ) -> async_graphql::Result<DatasetFacets> {
        let r = request(ctx);
        let filter = filter.unwrap_or_default().to_catalog("filter")?;
        let requests = parameter_buckets
            .iter()
            .enumerate()
            .map(|(i, b)| {
                Ok(catalog::BucketRequest {
                    name: b.name.clone(),
                    from: b.from,
                    to: b.to,
                    buckets: u32::try_from(b.buckets).map_err(|_| {
                        bad_input(
                            format!("parameterBuckets[{i}].buckets"),
                            format!(
                                "must be from 1 to {}; got {}",
                                catalog::MAX_BUCKETS,
                                b.buckets
                            ),
                        )
                    })?,
                })
            })
            .collect::<async_graphql::Result<Vec<_>>>()?;
        r.catalog
            .dataset_facets(&r.scope, &filter, &requests)
            .await
            .gql()?
            .try_into()
    }
}
