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

fn col(name: &str) -> Expr {
    Expr::col(Alias::new(name))
}

/// A typed NULL, so that PostgreSQL can type the UNION's columns.
fn typed_null(sql_type: &str) -> Expr {
    Expr::cust(format!("CAST(NULL AS {sql_type})"))
}

/// One branch of the answer: `(f, label, num, n, lo, hi)`.
fn branch(
    f: i64,
    label: Option<Expr>,
    num: Option<Expr>,
    n: Option<Expr>,
    range: Option<(Expr, Expr)>,
) -> SelectStatement {
    let (lo, hi) = range.unwrap_or_else(|| {
        (
            typed_null("double precision"),
            typed_null("double precision"),
        )
    });
    Query::select()
        .expr_as(Expr::val(f), Alias::new("f"))
        .expr_as(
            label.unwrap_or_else(|| typed_null("text")),
            Alias::new("label"),
        )
        .expr_as(
            num.unwrap_or_else(|| typed_null("bigint")),
            Alias::new("num"),
        )
        .expr_as(n.unwrap_or_else(|| typed_null("bigint")), Alias::new("n"))
        .expr_as(lo, Alias::new("lo"))
        .expr_as(hi, Alias::new("hi"))
        .to_owned()
}

/// `SELECT * FROM (query) AS name`: a branch with its own ORDER BY and LIMIT
/// that may stand in a UNION on every backend.
fn wrapped(query: SelectStatement, name: &str) -> SelectStatement {
    Query::select()
        .expr(Expr::cust("*"))
        .from_subquery(query, Alias::new(name))
        .to_owned()
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

    /// The five lists on PostgreSQL in one pass over the matches, as rows of
    /// the answer's shape (`f, label, num, n, lo, hi`): a GROUP BY per list
    /// over a materialised CTE cost more than reading the matches (measured
    /// at a year of cryo-EM among 1 M datasets, BENCHMARKS.md).
    fn lists_query_pg(condition: Condition) -> Statement {
        let mut select = dataset::Entity::find().filter(condition).select_only();
        select = select.expr_as(
            Expr::cust("GROUPING(technique, kind, project_id, instrument_name, sample_name)"),
            "g",
        );
        for facet in Facet::ALL {
            select = select.column(facet.column());
        }
        let (sql, values) = select
            .expr_as(Expr::cust("COUNT(*)"), "n")
            .into_query()
            .build(PostgresQueryBuilder);
        // GROUPING(…) has a bit per column, set when the row does not group
        // by it: 15 is technique's set, 23 kind's, 27 project's, 29
        // instrument's, 30 sample's. Datasets without an instrument or a
        // sample are not listed.
        let sql = format!(
            "SELECT CAST(CASE q.g WHEN 15 THEN 0 WHEN 23 THEN 1 WHEN 27 THEN 2 WHEN 29 THEN 3 ELSE 4 END \
                         AS bigint) AS f, \
                    CAST(CASE q.g WHEN 15 THEN q.technique WHEN 23 THEN q.kind WHEN 27 THEN p.code \
                         WHEN 29 THEN q.instrument_name ELSE q.sample_name END AS text) AS label, \
                    CAST(NULL AS bigint) AS num, q.n, \
                    CAST(NULL AS double precision) AS lo, CAST(NULL AS double precision) AS hi \
             FROM ({sql} GROUP BY GROUPING SETS ((technique), (kind), (project_id), \
                   (instrument_name), (sample_name))) AS q \
             LEFT JOIN project p ON p.id = q.project_id \
             WHERE q.g IN (15, 23, 27) OR (q.g = 29 AND q.instrument_name IS NOT NULL) \
                OR (q.g = 30 AND q.sample_name IS NOT NULL)"
        );
        Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
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

    /// The statement:
    ///
    /// ```sql
    /// WITH m AS MATERIALIZED (SELECT technique AS c_technique, …, <value> AS v0, … FROM dataset WHERE …),
    ///      r AS (SELECT MIN(v0) AS lo0, MAX(v0) AS hi0, … FROM m)      -- ranges not given
    /// SELECT 0, c_technique, …, COUNT(*) FROM m GROUP BY c_technique
    /// UNION ALL … (one branch per facet; the top 50 for instrument, project and sample)
    /// UNION ALL SELECT 100 + j, …, <bucket of vj>, COUNT(*) FROM m CROSS JOIN r GROUP BY …
    /// UNION ALL SELECT 200 + j, …, lo_j, hi_j FROM r
    /// ```
    ///
    /// Without `lists`, only the buckets and ranges (PostgreSQL counts the
    /// lists in a statement of their own, [`Self::lists_query_pg`]).
    fn facets_query(
        &self,
        backend: DbBackend,
        condition: Condition,
        histograms: &[Histogram],
        lists: bool,
    ) -> WithQuery {
        let m = Alias::new("m");
        let r = Alias::new("r");
        let mut matches = dataset::Entity::find().filter(condition).select_only();
        let facets: &[Facet] = if lists { &Facet::ALL } else { &[] };
        for &facet in facets {
            matches = matches.column_as(facet.column(), facet.name());
        }
        for (j, h) in histograms.iter().enumerate() {
            matches = matches.expr_as(self.row_parameter(&h.name).0, format!("v{j}"));
        }
        let mut with = WithClause::new();
        with.cte(
            CommonTableExpression::new()
                .query(matches.into_query())
                .table_name(m.clone())
                .materialized(true)
                .to_owned(),
        );
        // The ranges not given: the values' own, never past a given end.
        let open: Vec<usize> = (0..histograms.len())
            .filter(|&j| histograms[j].open())
            .collect();
        if !open.is_empty() {
            let mut ranges = Query::select();
            ranges.from(m.clone());
            for &j in &open {
                let v = || col(&format!("v{j}"));
                let (min, max) = (Expr::expr(Func::min(v())), Expr::expr(Func::max(v())));
                let lo = match histograms[j].from {
                    Some(from) => Expr::val(from),
                    None => match histograms[j].to {
                        Some(to) => Expr::case(min.clone().gt(to), Expr::val(to))
                            .finally(min)
                            .into(),
                        None => min,
                    },
                };
                let hi = match (histograms[j].from, histograms[j].to) {
                    (_, Some(to)) => Expr::val(to),
                    (Some(from), None) => Expr::case(max.clone().lt(from), Expr::val(from))
                        .finally(max)
                        .into(),
                    (None, None) => max,
                };
                ranges
                    .expr_as(lo, Alias::new(format!("lo{j}")))
                    .expr_as(hi, Alias::new(format!("hi{j}")));
            }
            with.cte(
                CommonTableExpression::new()
                    .query(ranges)
                    .table_name(r.clone())
                    .to_owned(),
            );
        }

        let count = || Some(Expr::cust("COUNT(*)"));
        let mut branches: Vec<SelectStatement> = Vec::new();
        for &facet in facets {
            let value = Expr::col((m.clone(), facet.alias()));
            let mut b = match facet {
                Facet::Project => {
                    let code = Expr::col((project::Entity, project::Column::Code));
                    let mut b = branch(facet as i64, Some(code.clone()), None, count(), None);
                    b.from(m.clone())
                        .inner_join(
                            project::Entity,
                            Expr::col((project::Entity, project::Column::Id))
                                .equals((m.clone(), facet.alias())),
                        )
                        .add_group_by([code]);
                    b
                }
                _ => {
                    let mut b = branch(facet as i64, Some(value.clone()), None, count(), None);
                    b.from(m.clone()).add_group_by([value.clone()]);
                    b
                }
            };
            if matches!(facet, Facet::Project | Facet::Instrument | Facet::Sample) {
                if facet != Facet::Project {
                    b.and_where(value.is_not_null());
                }
                b.order_by(Alias::new("n"), Order::Desc)
                    .order_by(Alias::new("label"), Order::Asc)
                    .limit(TOP_VALUES);
                b = wrapped(b, &format!("q{}", facet as i64));
            }
            branches.push(b);
        }
        for (j, h) in histograms.iter().enumerate() {
            let v = || Expr::col((m.clone(), Alias::new(format!("v{j}"))));
            let (lo, hi) = match (h.from, h.to) {
                (Some(from), Some(to)) => (Expr::val(from), Expr::val(to)),
                _ => (
                    Expr::col((r.clone(), Alias::new(format!("lo{j}")))),
                    Expr::col((r.clone(), Alias::new(format!("hi{j}")))),
                ),
            };
            let last = i64::from(h.buckets - 1);
            let n = f64::from(h.buckets);
            let index = if h.from.is_some() && h.from == h.to {
                // One bucket; and no division by zero for the planner to fold.
                Expr::val(0i64)
            } else {
                match backend {
                    DbBackend::Postgres => Expr::cust_with_exprs(
                        "CAST(FLOOR(($1 - $2) / (($3 - $2) / $4)) AS bigint)",
                        [v(), lo.clone(), hi.clone(), Expr::val(n)],
                    ),
                    // The value is at least `lo`: truncation is the floor.
                    _ => Expr::cust_with_exprs(
                        "CAST((? - ?) / ((? - ?) / ?) AS INTEGER)",
                        [v(), lo.clone(), hi.clone(), lo.clone(), Expr::val(n)],
                    ),
                }
            };
            let bucket: Expr = Expr::case(v().is_null(), Expr::val(-1i64))
                .case(
                    Condition::any()
                        .add(hi.clone().is_null())
                        .add(v().lt(lo.clone()))
                        .add(v().gt(hi.clone())),
                    Expr::val(-2i64),
                )
                .case(hi.clone().eq(lo.clone()), Expr::val(0i64))
                .case(v().gte(hi.clone()), Expr::val(last))
                .finally(index)
                .into();
            let mut b = branch(BUCKET_ROWS + j as i64, None, Some(bucket), count(), None);
            b.from(m.clone());
            if h.open() {
                b.cross_join(r.clone());
            }
            b.add_group_by([col("num")]);
            branches.push(b);
            if h.open() {
                let mut b = branch(
                    RANGE_ROWS + j as i64,
                    None,
                    None,
                    None,
                    Some((col(&format!("lo{j}")), col(&format!("hi{j}")))),
                );
                b.from(r.clone());
                branches.push(b);
            }
        }
        let mut branches = branches.into_iter();
        let mut query = branches.next().expect("the facets' branches");
        for b in branches {
            query.union(UnionType::All, b);
        }
        query.with(with)
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
