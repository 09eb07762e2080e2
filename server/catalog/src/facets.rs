//! Faceted search: how the datasets matching a filter divide by technique,
//! instrument, project, sample and kind, and how chosen numeric parameters are
//! spread over them. The condition is the one `datasets` uses
//! ([`Catalog::filter_condition`]), the caller's scope included, so facet
//! counts always add up to the search's `totalCount`.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, Order, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait,
};
use strata_domain::{DatasetKind, Technique, ValueType};

use crate::auth::corrupt;
use crate::entity::{dataset, project};
use crate::parameters::definition;
use crate::search::DatasetFilter;
use crate::{Catalog, CatalogError, Result, Scope};

/// Instrument, project and sample facets list at most this many values.
pub const TOP_VALUES: u64 = 50;
pub const DEFAULT_BUCKETS: u32 = 10;
pub const MAX_BUCKETS: u32 = 100;
/// How many parameters one request may ask buckets for (each is a pass over the matches).
pub const MAX_HISTOGRAMS: usize = 10;

/// A value and how many of the matching datasets have it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FacetCount {
    pub value: String,
    pub count: u64,
}

/// A value bucket: `from <= value < to`, and `value <= to` for the last bucket.
#[derive(Debug, Clone, PartialEq)]
pub struct Bucket {
    pub from: f64,
    pub to: f64,
    pub count: u64,
}

/// How one numeric parameter's values are spread over the matching datasets.
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterHistogram {
    pub name: String,
    /// The definition's (canonical) unit, which stored values are in.
    pub unit: Option<String>,
    /// The buckets' range: as asked, or the smallest and largest value among
    /// the matches; `None` when not asked and no match has a value.
    pub from: Option<f64>,
    pub to: Option<f64>,
    /// Equal widths over `from..=to`; one bucket when `from == to`; none
    /// when there is no range. Values outside the range are in no bucket.
    pub buckets: Vec<Bucket>,
    /// Matching datasets without a value for the parameter.
    pub missing: u64,
}

/// Buckets asked for over one numeric parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct BucketRequest {
    pub name: String,
    pub from: Option<f64>,
    pub to: Option<f64>,
    /// 1 to [`MAX_BUCKETS`].
    pub buckets: u32,
}

impl BucketRequest {
    /// [`DEFAULT_BUCKETS`] buckets over the values' own range.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            from: None,
            to: None,
            buckets: DEFAULT_BUCKETS,
        }
    }
}

/// Counts over the datasets a filter matches, among those the caller may see.
/// Each list is sorted by count (largest first), then by value.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DatasetFacets {
    /// How many datasets match (the search's `totalCount`).
    pub total: u64,
    pub technique: Vec<FacetCount>,
    /// The [`TOP_VALUES`] most frequent; datasets without one are not listed.
    pub instrument: Vec<FacetCount>,
    /// By project code; the [`TOP_VALUES`] most frequent.
    pub project: Vec<FacetCount>,
    /// The [`TOP_VALUES`] most frequent; datasets without one are not listed.
    pub sample: Vec<FacetCount>,
    pub kind: Vec<FacetCount>,
    /// One per request, in the order asked.
    pub parameters: Vec<ParameterHistogram>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Facet {
    Technique,
    Instrument,
    Project,
    Sample,
    Kind,
}

impl Facet {
    const ALL: [Facet; 5] = [
        Facet::Technique,
        Facet::Instrument,
        Facet::Project,
        Facet::Sample,
        Facet::Kind,
    ];

    fn column(self) -> dataset::Column {
        match self {
            Facet::Technique => dataset::Column::Technique,
            Facet::Instrument => dataset::Column::InstrumentName,
            Facet::Project => dataset::Column::ProjectId,
            Facet::Sample => dataset::Column::SampleName,
            Facet::Kind => dataset::Column::Kind,
        }
    }
}

/// A checked bucket request.
struct Histogram {
    name: String,
    unit: Option<String>,
    from: Option<f64>,
    to: Option<f64>,
    buckets: u32,
}

/// One part of the answer, as the concurrent queries deliver them.
enum Part {
    Facet(Facet, Vec<FacetCount>),
    Histograms(Vec<ParameterHistogram>),
}

type Pending<'a, T> = Pin<Box<dyn Future<Output = Result<T>> + Send + 'a>>;

/// Runs the futures concurrently (each query on its own pooled connection);
/// the first error ends the wait. The catalog does not depend on `futures`
/// for this one helper.
async fn try_join_all<T>(futures: Vec<Pending<'_, T>>) -> Result<Vec<T>> {
    let mut futures = futures;
    let mut done: Vec<Option<T>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(move |cx| {
        let mut waiting = false;
        for (future, slot) in futures.iter_mut().zip(done.iter_mut()) {
            if slot.is_some() {
                continue;
            }
            match future.as_mut().poll(cx) {
                Poll::Ready(Ok(value)) => *slot = Some(value),
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => waiting = true,
            }
        }
        if waiting {
            Poll::Pending
        } else {
            Poll::Ready(Ok(done.iter_mut().filter_map(Option::take).collect()))
        }
    })
    .await
}

/// Sorted by count, largest first, then by value.
fn sort_counts(counts: &mut [FacetCount]) {
    counts.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
}

fn count_of(n: i64) -> u64 {
    u64::try_from(n).unwrap_or_default()
}

/// The bucket edges: `from + i·width`, the last one exactly `to`.
fn edges(from: f64, to: f64, buckets: u32) -> Vec<(f64, f64)> {
    if from == to {
        return vec![(from, to)];
    }
    let width = (to - from) / f64::from(buckets);
    (0..buckets)
        .map(|i| {
            let lo = from + f64::from(i) * width;
            let hi = if i + 1 == buckets {
                to
            } else {
                from + f64::from(i + 1) * width
            };
            (lo, hi)
        })
        .collect()
}

impl Catalog {
    /// Facet counts and parameter buckets over the datasets `filter` matches
    /// among those the caller may see: exactly the datasets `search_datasets`
    /// pages through and `count_datasets` counts. Errors name the offending
    /// input as `filter.…` or `parameterBuckets[i].…`.
    pub async fn dataset_facets(
        &self,
        scope: &Scope,
        filter: &DatasetFilter,
        parameter_buckets: &[BucketRequest],
    ) -> Result<DatasetFacets> {
        let histograms = check_requests(parameter_buckets)?;
        let condition = self
            .filter_condition(scope, filter)
            .await
            .map_err(|e| e.within("filter"))?;
        let mut parts: Vec<Pending<'_, Part>> = Facet::ALL
            .iter()
            .map(|&facet| {
                let condition = condition.clone();
                Box::pin(async move {
                    Ok(Part::Facet(
                        facet,
                        self.facet_counts(condition, facet).await?,
                    ))
                }) as Pending<'_, Part>
            })
            .collect();
        if !histograms.is_empty() {
            let condition = condition.clone();
            parts.push(Box::pin(async move {
                Ok(Part::Histograms(
                    self.histograms(condition, histograms).await?,
                ))
            }));
        }
        let mut facets = DatasetFacets::default();
        for part in try_join_all(parts).await? {
            match part {
                Part::Facet(Facet::Technique, counts) => facets.technique = counts,
                Part::Facet(Facet::Instrument, counts) => facets.instrument = counts,
                Part::Facet(Facet::Project, counts) => facets.project = counts,
                Part::Facet(Facet::Sample, counts) => facets.sample = counts,
                Part::Facet(Facet::Kind, counts) => facets.kind = counts,
                Part::Histograms(h) => facets.parameters = h,
            }
        }
        // Every dataset has exactly one kind.
        facets.total = facets.kind.iter().map(|c| c.count).sum();
        Ok(facets)
    }

    /// `SELECT column, COUNT(*) … GROUP BY column` over the matches.
    async fn facet_counts(&self, condition: Condition, facet: Facet) -> Result<Vec<FacetCount>> {
        let column = facet.column();
        let grouped = dataset::Entity::find()
            .filter(condition)
            .select_only()
            .column(column)
            .column_as(Expr::col((dataset::Entity, column)).count(), "n")
            .group_by(column);
        let mut counts = match facet {
            Facet::Technique | Facet::Kind => {
                let rows = grouped.into_tuple::<(String, i64)>().all(&self.db).await?;
                for (value, _) in &rows {
                    // Values the program could not have written are corruption.
                    if facet == Facet::Technique {
                        value.parse::<Technique>().map_err(corrupt)?;
                    } else {
                        value.parse::<DatasetKind>().map_err(corrupt)?;
                    }
                }
                rows.into_iter()
                    .map(|(value, n)| FacetCount {
                        value,
                        count: count_of(n),
                    })
                    .collect()
            }
            Facet::Instrument | Facet::Sample => grouped
                .filter(column.is_not_null())
                .order_by(Expr::col(Alias::new("n")), Order::Desc)
                .order_by(column, Order::Asc)
                .limit(TOP_VALUES)
                .into_tuple::<(String, i64)>()
                .all(&self.db)
                .await?
                .into_iter()
                .map(|(value, n)| FacetCount {
                    value,
                    count: count_of(n),
                })
                .collect(),
            Facet::Project => {
                // Grouped by id (the order of codes is known only once they
                // are read); a facility has hundreds of projects, not millions.
                let rows = grouped.into_tuple::<(i32, i64)>().all(&self.db).await?;
                let codes: HashMap<i32, String> = project::Entity::find()
                    .filter(project::Column::Id.is_in(rows.iter().map(|(id, _)| *id)))
                    .select_only()
                    .column(project::Column::Id)
                    .column(project::Column::Code)
                    .into_tuple::<(i32, String)>()
                    .all(&self.db)
                    .await?
                    .into_iter()
                    .collect();
                rows.into_iter()
                    .map(|(id, n)| {
                        Ok(FacetCount {
                            value: codes
                                .get(&id)
                                .cloned()
                                .ok_or_else(|| corrupt(format!("dataset of no project {id}")))?,
                            count: count_of(n),
                        })
                    })
                    .collect::<Result<Vec<_>>>()?
            }
        };
        sort_counts(&mut counts);
        counts.truncate(TOP_VALUES as usize);
        Ok(counts)
    }

    /// The buckets of each request: one query for the ranges not given
    /// (smallest and largest values among the matches), then one grouped query
    /// per parameter, run concurrently.
    async fn histograms(
        &self,
        condition: Condition,
        mut histograms: Vec<Histogram>,
    ) -> Result<Vec<ParameterHistogram>> {
        let backend = self.db.get_database_backend();
        let open: Vec<usize> = (0..histograms.len())
            .filter(|&i| histograms[i].from.is_none() || histograms[i].to.is_none())
            .collect();
        if !open.is_empty() {
            let mut query = dataset::Entity::find()
                .filter(condition.clone())
                .select_only();
            for &i in &open {
                let value = self.row_parameter(&histograms[i].name).0;
                query = query.expr(Func::min(value.clone())).expr(Func::max(value));
            }
            let row = self
                .db
                .query_one_raw(query.build(backend))
                .await?
                .ok_or_else(|| corrupt("an aggregate without a row"))?;
            for (k, &i) in open.iter().enumerate() {
                let min = row.try_get_by_index::<Option<f64>>(2 * k)?;
                let max = row.try_get_by_index::<Option<f64>>(2 * k + 1)?;
                let h = &mut histograms[i];
                match (h.from, h.to, min, max) {
                    (None, None, Some(min), Some(max)) => (h.from, h.to) = (Some(min), Some(max)),
                    // Only one end given: the other is the values' extreme,
                    // but never past the given end.
                    (Some(from), None, _, Some(max)) => h.to = Some(max.max(from)),
                    (None, Some(to), Some(min), _) => h.from = Some(min.min(to)),
                    _ => {}
                }
            }
        }
        let pending: Vec<Pending<'_, ParameterHistogram>> = histograms
            .into_iter()
            .map(|h| {
                let condition = condition.clone();
                Box::pin(async move { self.histogram(backend, condition, h).await })
                    as Pending<'_, ParameterHistogram>
            })
            .collect();
        try_join_all(pending).await
    }

    /// `SELECT bucket, COUNT(*) FROM (SELECT value FROM dataset WHERE …) GROUP BY bucket`,
    /// where the bucket is -1 without a value, -2 outside the range, and its
    /// index otherwise.
    async fn histogram(
        &self,
        backend: DbBackend,
        condition: Condition,
        h: Histogram,
    ) -> Result<ParameterHistogram> {
        let (value, _) = self.row_parameter(&h.name);
        let matches: SelectStatement = dataset::Entity::find()
            .filter(condition)
            .select_only()
            .expr_as(value, "v")
            .into_query();
        let v = || Expr::col((Alias::new("m"), Alias::new("v")));
        let mut bucket = Expr::case(v().is_null(), Expr::val(-1i64));
        let ranged = match (h.from, h.to) {
            (Some(from), Some(to)) => Some((from, to)),
            _ => None,
        };
        if let Some((from, to)) = ranged {
            let last = i64::from(Ord::max(h.buckets, 1) - 1);
            bucket = bucket
                .case(
                    Condition::any().add(v().lt(from)).add(v().gt(to)),
                    Expr::val(-2i64),
                )
                .case(v().gte(to), Expr::val(if from == to { 0 } else { last }));
            let width = (to - from) / f64::from(h.buckets);
            let index = if from == to {
                Expr::val(0i64)
            } else {
                match backend {
                    DbBackend::Postgres => Expr::cust_with_exprs(
                        "CAST(FLOOR(($1 - $2) / $3) AS bigint)",
                        [v(), Expr::val(from), Expr::val(width)],
                    ),
                    // The value is at least `from`: truncation is the floor.
                    _ => Expr::cust_with_exprs(
                        "CAST((? - ?) / ? AS INTEGER)",
                        [v(), Expr::val(from), Expr::val(width)],
                    ),
                }
            };
            bucket = bucket.finally(index);
        } else {
            // No range (no value among the matches): everything is missing.
            bucket = bucket.finally(Expr::val(-2i64));
        }
        let query = Query::select()
            .expr_as(bucket, Alias::new("b"))
            .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
            .from_subquery(matches, Alias::new("m"))
            .group_by_col(Alias::new("b"))
            .to_owned();
        let rows = self.db.query_all_raw(backend.build(&query)).await?;
        let mut missing = 0;
        let mut counts: BTreeMap<i64, u64> = BTreeMap::new();
        for row in rows {
            let b = row.try_get_by_index::<i64>(0)?;
            let n = count_of(row.try_get_by_index::<i64>(1)?);
            match b {
                -1 => missing += n,
                -2 => {}
                b => *counts.entry(b).or_default() += n,
            }
        }
        let buckets = match ranged {
            Some((from, to)) => {
                let edges = edges(from, to, h.buckets);
                let last = edges.len() as i64 - 1;
                let mut buckets: Vec<Bucket> = edges
                    .into_iter()
                    .map(|(from, to)| Bucket { from, to, count: 0 })
                    .collect();
                for (b, n) in counts {
                    // Rounding can put a value a hair past an edge.
                    buckets[b.clamp(0, last) as usize].count += n;
                }
                buckets
            }
            None => Vec::new(),
        };
        Ok(ParameterHistogram {
            name: h.name,
            unit: h.unit,
            from: h.from,
            to: h.to,
            buckets,
            missing,
        })
    }
}

/// Checks the bucket requests; errors name `parameterBuckets[i].…`.
fn check_requests(requests: &[BucketRequest]) -> Result<Vec<Histogram>> {
    if requests.len() > MAX_HISTOGRAMS {
        return Err(CatalogError::invalid(
            "parameterBuckets",
            format!(
                "at most {MAX_HISTOGRAMS} parameters at a time; got {}",
                requests.len()
            ),
        ));
    }
    requests
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let field = |f: &str| format!("parameterBuckets[{i}].{f}");
            let def = definition(&field("name"), &r.name)?;
            if !matches!(def.value_type, ValueType::Number | ValueType::Integer) {
                return Err(CatalogError::invalid(
                    field("name"),
                    format!(
                        "{} is a {} parameter; buckets are for number and integer parameters",
                        def.name, def.value_type
                    ),
                ));
            }
            if !(1..=MAX_BUCKETS).contains(&r.buckets) {
                return Err(CatalogError::invalid(
                    field("buckets"),
                    format!("must be from 1 to {MAX_BUCKETS}; got {}", r.buckets),
                ));
            }
            for (f, v) in [("from", r.from), ("to", r.to)] {
                if v.is_some_and(|v| !v.is_finite()) {
                    return Err(CatalogError::invalid(field(f), "must be a finite number"));
                }
            }
            if let (Some(from), Some(to)) = (r.from, r.to)
                && from > to
            {
                return Err(CatalogError::invalid(
                    field("to"),
                    format!("must not be below from ({to} < {from})"),
                ));
            }
            Ok(Histogram {
                name: def.name.clone(),
                unit: def.unit.clone(),
                from: r.from,
                to: r.to,
                buckets: r.buckets,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edges_cover_the_range_and_end_exactly_at_to() {
        assert_eq!(
            edges(0.0, 10.0, 4),
            vec![(0.0, 2.5), (2.5, 5.0), (5.0, 7.5), (7.5, 10.0)]
        );
        assert_eq!(edges(3.0, 3.0, 10), vec![(3.0, 3.0)]);
        let e = edges(0.1, 0.7, 3);
        assert_eq!(e.len(), 3);
        assert_eq!(e[2].1, 0.7);
        assert_eq!(e[0].0, 0.1);
    }

    #[test]
    fn requests_are_checked_and_name_the_field() {
        let err = |r: BucketRequest| {
            let e = check_requests(&[BucketRequest::new("EM_voltage"), r])
                .err()
                .expect("refused");
            (e.field().map(str::to_owned), e.to_string())
        };
        let (field, message) = err(BucketRequest::new("EM_grid_name"));
        assert_eq!(field.as_deref(), Some("parameterBuckets[1].name"));
        assert!(message.contains("string"), "{message}");
        let (field, _) = err(BucketRequest::new("nope"));
        assert_eq!(field.as_deref(), Some("parameterBuckets[1].name"));
        let (field, _) = err(BucketRequest {
            buckets: 0,
            ..BucketRequest::new("EM_voltage")
        });
        assert_eq!(field.as_deref(), Some("parameterBuckets[1].buckets"));
        let (field, _) = err(BucketRequest {
            buckets: 101,
            ..BucketRequest::new("EM_voltage")
        });
        assert_eq!(field.as_deref(), Some("parameterBuckets[1].buckets"));
        let (field, _) = err(BucketRequest {
            from: Some(2.0),
            to: Some(1.0),
            ..BucketRequest::new("EM_voltage")
        });
        assert_eq!(field.as_deref(), Some("parameterBuckets[1].to"));
        assert!(check_requests(&[BucketRequest::new("EM_voltage")]).is_ok());
    }
}
