//! Faceted search: how the datasets matching a filter divide by technique,
//! instrument, project, sample and kind, and how chosen numeric parameters are
//! spread over them. The condition is the one `datasets` uses
//! ([`Catalog::filter_condition`]), the caller's scope included, so facet
//! counts always add up to the search's `totalCount`.

use std::collections::BTreeMap;

use sea_orm::sea_query::{
    Alias, CommonTableExpression, Expr, ExprTrait, Func, PostgresQueryBuilder, Query,
    SelectStatement, SqliteQueryBuilder, UnionType, WithClause, WithQuery,
};
use sea_orm::{
    Condition, ConnectionTrait, DbBackend, EntityTrait, Order, QueryFilter, QueryResult,
    QuerySelect, QueryTrait, Statement, TransactionTrait,
};
use strata_domain::{DatasetKind, Technique, ValueType};

use crate::auth::corrupt;
use crate::entity::{dataset, project};
use crate::parameters::definition;
use crate::search::DatasetFilter;
use crate::{Catalog, CatalogError, Result, Scope};

mod query;

/// Instrument, project and sample facets list at most this many values.
pub const TOP_VALUES: u64 = 50;
pub const DEFAULT_BUCKETS: u32 = 10;
pub const MAX_BUCKETS: u32 = 100;
/// How many parameters one request may ask buckets for.
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

/// A facet's column in the `m` (matches) CTE and its number in the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Facet {
    Technique = 0,
    Kind = 1,
    Project = 2,
    Instrument = 3,
    Sample = 4,
}

impl Facet {
    const ALL: [Facet; 5] = [
        Facet::Technique,
        Facet::Kind,
        Facet::Project,
        Facet::Instrument,
        Facet::Sample,
    ];

    fn column(self) -> dataset::Column {
        match self {
            Facet::Technique => dataset::Column::Technique,
            Facet::Kind => dataset::Column::Kind,
            Facet::Project => dataset::Column::ProjectId,
            Facet::Instrument => dataset::Column::InstrumentName,
            Facet::Sample => dataset::Column::SampleName,
        }
    }

    /// The column's name in the CTE of the matches.
    fn name(self) -> &'static str {
        match self {
            Facet::Technique => "c_technique",
            Facet::Kind => "c_kind",
            Facet::Project => "c_project",
            Facet::Instrument => "c_instrument",
            Facet::Sample => "c_sample",
        }
    }

    fn alias(self) -> Alias {
        Alias::new(self.name())
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

impl Histogram {
    /// Whether its range is (partly) the values' own, found by the query.
    fn open(&self) -> bool {
        self.from.is_none() || self.to.is_none()
    }
}

/// Answer rows: `f` says what a row counts; buckets and ranges of the
/// `j`-th histogram are numbered from these.
const BUCKET_ROWS: i64 = 100;
const RANGE_ROWS: i64 = 200;

fn count_of(n: i64) -> u64 {
    u64::try_from(n).unwrap_or_default()
}

/// Sorted by count, largest first, then by value.
fn sort_counts(counts: &mut [FacetCount]) {
    counts.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
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
    ///
    /// On SQLite one statement: the matches are read once into a
    /// materialised CTE, and each count is a GROUP BY over it. On PostgreSQL
    /// two, run at once: the five lists in one GROUPING SETS pass over the
    /// matches, and the buckets over a materialised CTE of their values.
    /// (Measured on 1 M datasets: eight concurrent GROUP BYs over the dataset
    /// table took 2.1 s for a year of data on two cores; see BENCHMARKS.md.)
    pub async fn dataset_facets(
        &self,
        scope: &Scope,
        filter: &DatasetFilter,
        parameter_buckets: &[BucketRequest],
    ) -> Result<DatasetFacets> {
        let mut histograms = check_requests(parameter_buckets)?;
        let condition = self
            .filter_condition(scope, filter)
            .await
            .map_err(|e| e.within("filter"))?;
        let backend = self.db.get_database_backend();
        let rows = match backend {
            // Two statements at once, on two connections: the lists in one
            // pass (GROUPING SETS), the buckets over the matches' values.
            DbBackend::Postgres => {
                let lists = self.run_facets(Self::lists_query_pg(condition.clone()));
                let buckets = async {
                    if histograms.is_empty() {
                        return Ok(Vec::new());
                    }
                    let query = self.facets_query(backend, condition, &histograms, false);
                    self.run_facets(backend.build(&query)).await
                };
                let (mut lists, buckets) = futures::try_join!(lists, buckets)?;
                lists.extend(buckets);
                lists
            }
            _ => {
                let query = self.facets_query(backend, condition, &histograms, true);
                self.run_facets(backend.build(&query)).await?
            }
        };

        let mut facets = DatasetFacets::default();
        let mut buckets: Vec<BTreeMap<i64, u64>> = vec![BTreeMap::new(); histograms.len()];
        let mut missing = vec![0u64; histograms.len()];
        for row in rows {
            let f = row.try_get_by_index::<i64>(0)?;
            let label = row.try_get_by_index::<Option<String>>(1)?;
            let num = row.try_get_by_index::<Option<i64>>(2)?;
            let n = count_of(row.try_get_by_index::<Option<i64>>(3)?.unwrap_or_default());
            let count = |value: Option<String>| -> Result<FacetCount> {
                Ok(FacetCount {
                    value: value.ok_or_else(|| corrupt("a facet row without a value"))?,
                    count: n,
                })
            };
            match f {
                0 => {
                    let c = count(label)?;
                    // Values the program could not have written are corruption.
                    c.value.parse::<Technique>().map_err(corrupt)?;
                    facets.technique.push(c);
                }
                1 => {
                    let c = count(label)?;
                    c.value.parse::<DatasetKind>().map_err(corrupt)?;
                    facets.kind.push(c);
                }
                2 => facets.project.push(count(label)?),
                3 => facets.instrument.push(count(label)?),
                4 => facets.sample.push(count(label)?),
                f if (BUCKET_ROWS..RANGE_ROWS).contains(&f) => {
                    let j = (f - BUCKET_ROWS) as usize;
                    match num.ok_or_else(|| corrupt("a bucket row without a bucket"))? {
                        -1 => missing[j] += n,
                        -2 => {}
                        b => *buckets[j].entry(b).or_default() += n,
                    }
                }
                f if f >= RANGE_ROWS => {
                    let h = &mut histograms[(f - RANGE_ROWS) as usize];
                    h.from = row.try_get_by_index::<Option<f64>>(4)?;
                    h.to = row.try_get_by_index::<Option<f64>>(5)?;
                }
                f => return Err(corrupt(format!("a facet row of kind {f}"))),
            }
        }
        for list in [
            &mut facets.technique,
            &mut facets.kind,
            &mut facets.project,
            &mut facets.instrument,
            &mut facets.sample,
        ] {
            sort_counts(list);
            list.truncate(TOP_VALUES as usize);
        }
        // Every dataset has exactly one kind.
        facets.total = facets.kind.iter().map(|c| c.count).sum();
        facets.parameters = histograms
            .into_iter()
            .zip(buckets.into_iter().zip(missing))
            .map(|(h, (counts, missing))| {
                let buckets = match (h.from, h.to) {
                    (Some(from), Some(to)) => {
                        let mut buckets: Vec<Bucket> = edges(from, to, h.buckets)
                            .into_iter()
                            .map(|(from, to)| Bucket { from, to, count: 0 })
                            .collect();
                        let last = buckets.len() as i64 - 1;
                        for (b, n) in counts {
                            // Rounding may put a value a hair past an edge.
                            buckets[b.clamp(0, last) as usize].count += n;
                        }
                        buckets
                    }
                    _ => Vec::new(),
                };
                ParameterHistogram {
                    name: h.name,
                    unit: h.unit,
                    from: h.from,
                    to: h.to,
                    buckets,
                    missing,
                }
            })
            .collect();
        Ok(facets)
    }

    /// Runs the facets' statement. On PostgreSQL, in a transaction of its
    /// own with two planner settings: with the default random_page_cost (4,
    /// for spinning disks) PostgreSQL prefers reading the whole table to
    /// reading a year of a million datasets through the acquired_at index
    /// (570 ms instead of 170 ms, measured), and JIT-compiling this one-off
    /// statement costs more (50–70 ms) than it saves.
    async fn run_facets(&self, statement: Statement) -> Result<Vec<QueryResult>> {
        if self.db.get_database_backend() != DbBackend::Postgres {
            return Ok(self.db.query_all_raw(statement).await?);
        }
        let txn = self.db.begin().await?;
        txn.execute_unprepared("SET LOCAL random_page_cost = 1.1")
            .await?;
        txn.execute_unprepared("SET LOCAL jit = off").await?;
        // Five hash tables of a GROUPING SETS pass stay in memory.
        txn.execute_unprepared("SET LOCAL work_mem = '32MB'")
            .await?;
        let rows = txn.query_all_raw(statement).await?;
        txn.commit().await?;
        Ok(rows)
    }

    /// The database's plan for the facets' statement (`EXPLAIN ANALYZE` on
    /// PostgreSQL, `EXPLAIN QUERY PLAN` on SQLite), for benchmarks.
    pub async fn explain_facets(
        &self,
        scope: &Scope,
        filter: &DatasetFilter,
        parameter_buckets: &[BucketRequest],
    ) -> Result<Vec<String>> {
        let histograms = check_requests(parameter_buckets)?;
        let condition = self
            .filter_condition(scope, filter)
            .await
            .map_err(|e| e.within("filter"))?;
        let backend = self.db.get_database_backend();
        let query = self.facets_query(backend, condition, &histograms, true);
        // Bound values, as the server runs it: inlined, a bucket bound such
        // as 2.0 would print as an integer and make the width's division
        // an integer one.
        let (sql, values) = match backend {
            DbBackend::Postgres => query.build(PostgresQueryBuilder),
            _ => query.build(SqliteQueryBuilder),
        };
        let explain = match backend {
            DbBackend::Postgres => format!("EXPLAIN (ANALYZE, BUFFERS) {sql}"),
            _ => format!("EXPLAIN QUERY PLAN {sql}"),
        };
        let rows = self
            .run_facets(Statement::from_sql_and_values(backend, explain, values))
            .await?;
        Ok(rows
            .iter()
            .map(|row| {
                row.try_get_by_index::<String>(0)
                    .or_else(|_| row.try_get::<String>("", "detail"))
                    .unwrap_or_else(|_| format!("{row:?}"))
            })
            .collect())
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
