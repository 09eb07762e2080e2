//! The facets' SQL: the one-statement form (a materialised CTE of the
//! matches, a GROUP BY per count, UNION ALL) and, on PostgreSQL, the lists
//! in one GROUPING SETS pass.

use super::*;

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
    /// The five lists on PostgreSQL in one pass over the matches, as rows of
    /// the answer's shape (`f, label, num, n, lo, hi`): a GROUP BY per list
    /// over a materialised CTE cost more than reading the matches (measured
    /// at a year of cryo-EM among 1 M datasets, BENCHMARKS.md).
    pub(super) fn lists_query_pg(condition: Condition) -> Statement {
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
    pub(super) fn facets_query(
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
