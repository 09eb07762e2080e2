//! Dataset search: the filter of imagingDB's query tool and more, conditions on
//! typed parameter values, keyset pagination and counts. The caller's scope is
//! applied to every query built here.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, LikeExpr, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, Order, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Select, Value,
};
use strata_domain::records::{self, ParameterValue};
use strata_domain::{DatasetKind, Technique, ValueType};

use crate::entity::{dataset, parameter, project};
use crate::parameters::definition;
use crate::{Catalog, CatalogError, Cursor, Result, Scope, convert};

pub const DEFAULT_PAGE: u64 = 50;
pub const MAX_PAGE: u64 = 500;
/// A range condition with fewer entries than this in the parameter index is
/// selective enough to select datasets through it.
pub const PROBE: u64 = 5000;

/// Where a parameter condition is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Strategy {
    /// In the dataset row's `parameters` document: for the rows another index
    /// finds (project, dates, the order of a page).
    InRow,
    /// Through the parameter table's (type, value) index.
    ParameterIndex,
}

#[derive(Debug, Clone, Default)]
pub struct DatasetFilter {
    /// Project code, exactly.
    pub project: Option<String>,
    /// Substring of the instrument (microscope, beamline) name, any case.
    pub instrument: Option<String>,
    /// Acquired at or after.
    pub acquired_from: Option<DateTime<Utc>>,
    /// Acquired at or before.
    pub acquired_until: Option<DateTime<Utc>>,
    /// Substring of the description, any case.
    pub description: Option<String>,
    pub kind: Option<DatasetKind>,
    pub technique: Option<Technique>,
    /// Sample name, exactly.
    pub sample: Option<String>,
    /// All must hold.
    pub parameters: Vec<ParameterCondition>,
}

#[derive(Debug, Clone)]
pub struct ParameterCondition {
    pub name: String,
    pub op: ParameterOp,
}

#[derive(Debug, Clone)]
pub enum ParameterOp {
    Eq(ParameterValue),
    Lt(f64),
    Lte(f64),
    Gt(f64),
    Gte(f64),
    /// Inclusive at both ends.
    Between(f64, f64),
    /// Substring, any case; for string parameters.
    Contains(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OrderField {
    #[default]
    AcquiredAt,
    Identifier,
    CreatedAt,
    SizeBytes,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OrderDirection {
    Asc,
    #[default]
    Desc,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct DatasetOrder {
    pub field: OrderField,
    pub direction: OrderDirection,
}

#[derive(Debug, Clone, Default)]
pub struct PageRequest {
    pub first: Option<u64>,
    pub after: Option<String>,
    pub last: Option<u64>,
    pub before: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<(Cursor, T)>,
    pub has_previous: bool,
    pub has_next: bool,
}

impl OrderField {
    fn column(self) -> dataset::Column {
        match self {
            OrderField::AcquiredAt => dataset::Column::AcquiredAt,
            OrderField::Identifier => dataset::Column::Identifier,
            OrderField::CreatedAt => dataset::Column::CreatedAt,
            OrderField::SizeBytes => dataset::Column::SizeBytes,
        }
    }

    fn key_of(self, row: &dataset::Model) -> serde_json::Value {
        match self {
            OrderField::AcquiredAt => row.acquired_at.to_rfc3339().into(),
            OrderField::Identifier => row.identifier.clone().into(),
            OrderField::CreatedAt => row.created_at.to_rfc3339().into(),
            OrderField::SizeBytes => row.size_bytes.into(),
        }
    }

    fn key_value(self, field: &str, key: &serde_json::Value) -> Result<Value> {
        let bad = || CatalogError::invalid(field, "is not a cursor for this ordering");
        Ok(match self {
            OrderField::AcquiredAt | OrderField::CreatedAt => {
                let at: DateTime<Utc> =
                    key.as_str().and_then(|s| s.parse().ok()).ok_or_else(bad)?;
                at.into()
            }
            OrderField::Identifier => key.as_str().ok_or_else(bad)?.to_owned().into(),
            OrderField::SizeBytes => key.as_i64().ok_or_else(bad)?.into(),
        })
    }
}

/// `LOWER(value) LIKE %needle%`, with the needle's wildcards taken literally.
fn contains(value: Expr, needle: &str) -> Expr {
    let escaped: String = needle
        .to_lowercase()
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    Expr::expr(Func::lower(value)).like(LikeExpr::new(format!("%{escaped}%")).escape('\\'))
}

impl Catalog {
    /// The condition a filter puts on `dataset` rows, the caller's scope included.
    pub(crate) async fn filter_condition(
        &self,
        scope: &Scope,
        filter: &DatasetFilter,
    ) -> Result<Condition> {
        let mut all = Condition::all().add(scope.datasets());
        if let Some(code) = &filter.project {
            // An unknown code matches nothing, like a code the caller may not see:
            // a filter must not tell private projects from missing ones.
            let id = project::Entity::find()
                .filter(project::Column::Code.eq(code.as_str()))
                .select_only()
                .column(project::Column::Id)
                .into_tuple::<i32>()
                .one(&self.db)
                .await?;
            all = all.add(dataset::Column::ProjectId.eq(id.unwrap_or(-1)));
        }
        if let Some(s) = &filter.instrument {
            all = all.add(contains(
                Expr::col((dataset::Entity, dataset::Column::InstrumentName)),
                s,
            ));
        }
        if let Some(s) = &filter.description {
            all = all.add(contains(
                Expr::col((dataset::Entity, dataset::Column::Description)),
                s,
            ));
        }
        if let Some(at) = filter.acquired_from {
            all = all.add(dataset::Column::AcquiredAt.gte(at));
        }
        if let Some(at) = filter.acquired_until {
            all = all.add(dataset::Column::AcquiredAt.lte(at));
        }
        if let (Some(from), Some(until)) = (filter.acquired_from, filter.acquired_until)
            && from > until
        {
            return Err(CatalogError::invalid(
                "acquiredUntil",
                "must not be before acquiredFrom",
            ));
        }
        if let Some(kind) = filter.kind {
            all = all.add(dataset::Column::Kind.eq(kind.as_str()));
        }
        if let Some(technique) = filter.technique {
            all = all.add(dataset::Column::Technique.eq(technique.as_str()));
        }
        if let Some(sample) = &filter.sample {
            all = all.add(dataset::Column::SampleName.eq(sample.as_str()));
        }
        // Where each parameter condition is checked (see `Strategy`).
        let narrowed = filter.project.is_some()
            || filter.acquired_from.is_some()
            || filter.acquired_until.is_some();
        for (i, condition) in filter.parameters.iter().enumerate() {
            let field = format!("parameters[{i}]");
            let strategy = if narrowed {
                Strategy::InRow
            } else {
                self.strategy(&field, condition).await?
            };
            all = all.add(self.parameter_condition(&field, condition, strategy)?);
        }
        Ok(all)
    }

    /// Where a parameter condition of a filter not narrowed by project or
    /// dates is checked. Equality and substrings go to the parameter table. A
    /// range is probed there first (at most [`PROBE`] index entries): a
    /// narrow one selects datasets through the (type, value) index; a wider
    /// one is checked in each dataset row, so that a page of the newest
    /// matches is found by walking the acquired_at index until it is full.
    /// (Measured on 1 M datasets, two ranges matching 1 % of them together:
    /// 7 ms walking, 1.2 s through the parameter index.)
    async fn strategy(&self, field: &str, condition: &ParameterCondition) -> Result<Strategy> {
        let def = definition(&format!("{field}.name"), &condition.name)?;
        let numeric = matches!(def.value_type, ValueType::Number | ValueType::Integer);
        let (lo, hi) = match condition.op {
            ParameterOp::Lt(v) | ParameterOp::Lte(v) if numeric => (None, Some(v)),
            ParameterOp::Gt(v) | ParameterOp::Gte(v) if numeric => (Some(v), None),
            ParameterOp::Between(lo, hi) if numeric => (Some(lo), Some(hi)),
            _ => return Ok(Strategy::ParameterIndex),
        };
        let Some(&type_id) = self.parameter_ids.get(&def.name) else {
            return Ok(Strategy::ParameterIndex);
        };
        let value = || Expr::col((parameter::Entity, parameter::Column::ValueNumber));
        let mut entries = Query::select();
        entries
            .expr(Expr::val(1))
            .from(parameter::Entity)
            .and_where(
                Expr::col((parameter::Entity, parameter::Column::ParameterTypeId)).eq(type_id),
            )
            .limit(PROBE);
        if let Some(lo) = lo {
            entries.and_where(value().gte(lo));
        }
        if let Some(hi) = hi {
            entries.and_where(value().lte(hi));
        }
        let probe = Query::select()
            .expr(Expr::cust("COUNT(*)"))
            .from_subquery(entries, Alias::new("probe"))
            .to_owned();
        let backend = self.db.get_database_backend();
        let n = self
            .db
            .query_one_raw(backend.build(&probe))
            .await?
            .map(|row| row.try_get_by_index::<i64>(0))
            .transpose()?
            .unwrap_or_default();
        Ok(if (n as u64) < PROBE {
            Strategy::ParameterIndex
        } else {
            Strategy::InRow
        })
    }

    /// A condition on one parameter, checked in the dataset row's denormalised
    /// `parameters` document or through the parameter table (see `Strategy`).
    fn parameter_condition(
        &self,
        field: &str,
        condition: &ParameterCondition,
        strategy: Strategy,
    ) -> Result<Condition> {
        let def = definition(&format!("{field}.name"), &condition.name)?;
        let type_id = *self.parameter_ids.get(&def.name).ok_or_else(|| {
            CatalogError::invalid(format!("{field}.name"), "has no parameter type row")
        })?;
        let in_row = strategy == Strategy::InRow;
        let (number, text) = if in_row {
            self.row_parameter(&def.name)
        } else {
            (
                Expr::col((parameter::Entity, parameter::Column::ValueNumber)),
                Expr::col((parameter::Entity, parameter::Column::ValueText)),
            )
        };
        let number = || number.clone();
        // PostgreSQL has no statistics on values inside the document and
        // guesses 1/3 for one bound but 1/200 for a lower and an upper bound
        // on the same expression; two such ranges make it expect ten matches
        // in a million, give up walking the acquired_at index for a page and
        // sort a scan of the whole table instead (1.1 s instead of 7 ms for
        // ranges matching 1 %). Upper bounds in the row are therefore written
        // on the negated value, which is the same test but not a "pair".
        let unpaired = in_row && self.db.get_database_backend() == DbBackend::Postgres;
        let below = |v: f64, inclusive: bool| -> Expr {
            match (unpaired, inclusive) {
                (true, true) => number().mul(-1.0).gte(-v),
                (true, false) => number().mul(-1.0).gt(-v),
                (false, true) => number().lte(v),
                (false, false) => number().lt(v),
            }
        };
        let numeric = matches!(def.value_type, ValueType::Number | ValueType::Integer);
        let refuse = |op: &str| {
            CatalogError::invalid(
                format!("{field}.{op}"),
                format!("{} is {}; {op} does not apply", def.name, def.value_type),
            )
        };
        let value_condition: Expr = match &condition.op {
            ParameterOp::Eq(v) => match (v, def.value_type) {
                (ParameterValue::Integer(n), ValueType::Number | ValueType::Integer) => {
                    number().eq(*n as f64)
                }
                (ParameterValue::Number(n), ValueType::Number | ValueType::Integer) => {
                    number().eq(*n)
                }
                (ParameterValue::Bool(b), ValueType::Boolean) => {
                    number().eq(f64::from(u8::from(*b)))
                }
                (ParameterValue::Text(s), ValueType::String) => text.clone().eq(s.as_str()),
                (v, t) => {
                    return Err(CatalogError::invalid(
                        format!("{field}.eq"),
                        format!("{} takes {t} values; got {} ({v})", def.name, v.describe()),
                    ));
                }
            },
            ParameterOp::Lt(v) if numeric => below(*v, false),
            ParameterOp::Lte(v) if numeric => below(*v, true),
            ParameterOp::Gt(v) if numeric => number().gt(*v),
            ParameterOp::Gte(v) if numeric => number().gte(*v),
            ParameterOp::Between(lo, hi) if numeric => {
                if lo > hi {
                    return Err(CatalogError::invalid(
                        format!("{field}.between"),
                        format!("the lower bound {lo} is above the upper bound {hi}"),
                    ));
                }
                if unpaired {
                    number().gte(*lo).and(below(*hi, true))
                } else {
                    number().between(*lo, *hi)
                }
            }
            ParameterOp::Contains(s) if def.value_type == ValueType::String => {
                contains(text.clone(), s)
            }
            ParameterOp::Lt(_) => return Err(refuse("lt")),
            ParameterOp::Lte(_) => return Err(refuse("lte")),
            ParameterOp::Gt(_) => return Err(refuse("gt")),
            ParameterOp::Gte(_) => return Err(refuse("gte")),
            ParameterOp::Between(..) => return Err(refuse("between")),
            ParameterOp::Contains(_) => return Err(refuse("contains")),
        };
        if in_row {
            return Ok(Condition::all().add(value_condition));
        }
        // `dataset.id IN (SELECT dataset_id FROM parameter WHERE type = … AND value …)`:
        // a semi-join PostgreSQL may drive from either side; SQLite reads the
        // (type, value) index once and fetches the datasets it names.
        let datasets = Query::select()
            .column((parameter::Entity, parameter::Column::DatasetId))
            .from(parameter::Entity)
            .and_where(
                Expr::col((parameter::Entity, parameter::Column::ParameterTypeId)).eq(type_id),
            )
            .and_where(value_condition)
            .to_owned();
        Ok(Condition::all()
            .add(Expr::col((dataset::Entity, dataset::Column::Id)).in_subquery(datasets)))
    }

    /// A parameter's canonical number and text in the dataset row's document.
    pub(crate) fn row_parameter(&self, name: &str) -> (Expr, Expr) {
        use sea_orm::DbBackend;
        match self.db.get_database_backend() {
            DbBackend::Postgres => (
                Expr::cust_with_values(
                    r#"CAST(("dataset"."parameters" ->> $1) AS double precision)"#,
                    [name],
                ),
                Expr::cust_with_values(r#"("dataset"."parameters" ->> $1)"#, [name]),
            ),
            _ => {
                let path = format!("$.\"{name}\"");
                (
                    Expr::cust_with_values(
                        r#"CAST(json_extract("dataset"."parameters", ?) AS REAL)"#,
                        [path.clone()],
                    ),
                    Expr::cust_with_values(r#"json_extract("dataset"."parameters", ?)"#, [path]),
                )
            }
        }
    }

    /// The filtered query; errors name the offending part as `filter.…`.
    async fn filtered(
        &self,
        scope: &Scope,
        filter: &DatasetFilter,
    ) -> Result<Select<dataset::Entity>> {
        let condition = self
            .filter_condition(scope, filter)
            .await
            .map_err(|e| e.within("filter"))?;
        Ok(dataset::Entity::find().filter(condition))
    }

    /// The statement of one page: the filter, the seek past the cursor, the
    /// order and one row more than the page (to know whether there is more).
    async fn page_query(
        &self,
        scope: &Scope,
        filter: &DatasetFilter,
        order: DatasetOrder,
        page: &PageRequest,
    ) -> Result<(Select<dataset::Entity>, u64)> {
        if page.first.is_some() && page.last.is_some() {
            return Err(CatalogError::invalid(
                "last",
                "give first or last, not both",
            ));
        }
        let backward = page.last.is_some();
        let size = page.first.or(page.last).unwrap_or(DEFAULT_PAGE);
        if size > MAX_PAGE {
            let arg = if backward { "last" } else { "first" };
            return Err(CatalogError::invalid(
                arg,
                format!("must be at most {MAX_PAGE}; got {size}"),
            ));
        }
        let ascending = (order.direction == OrderDirection::Asc) != backward;
        let column = order.field.column();
        let mut query = self.filtered(scope, filter).await?;
        // `after` seeks forward in the requested order, `before` backward.
        for (arg, cursor, forward) in [
            ("after", &page.after, true),
            ("before", &page.before, false),
        ] {
            if let Some(text) = cursor {
                let cursor = Cursor::decode(arg, text)?;
                let key = order.field.key_value(arg, &cursor.key)?;
                let greater = forward == (order.direction == OrderDirection::Asc);
                let seek = if greater {
                    Condition::any().add(column.gt(key.clone())).add(
                        Condition::all()
                            .add(column.eq(key))
                            .add(dataset::Column::Id.gt(cursor.id)),
                    )
                } else {
                    Condition::any().add(column.lt(key.clone())).add(
                        Condition::all()
                            .add(column.eq(key))
                            .add(dataset::Column::Id.lt(cursor.id)),
                    )
                };
                query = query.filter(seek);
            }
        }
        let direction = if ascending { Order::Asc } else { Order::Desc };
        let query = query
            .order_by(column, direction.clone())
            .order_by(dataset::Column::Id, direction)
            .limit(size + 1);
        Ok((query, size))
    }

    /// One page of the datasets matching `filter` that the caller may see.
    pub async fn search_datasets(
        &self,
        scope: &Scope,
        filter: &DatasetFilter,
        order: DatasetOrder,
        page: &PageRequest,
    ) -> Result<Page<records::Dataset>> {
        let backward = page.last.is_some();
        let (query, size) = self.page_query(scope, filter, order, page).await?;
        let mut rows = query.all(&self.db).await?;
        let more = rows.len() as u64 > size;
        rows.truncate(size as usize);
        if backward {
            rows.reverse();
        }
        let items = rows
            .into_iter()
            .map(|row| {
                Ok((
                    Cursor {
                        key: order.field.key_of(&row),
                        id: row.id,
                    },
                    convert::dataset(row)?,
                ))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(if backward {
            Page {
                items,
                has_previous: more,
                has_next: page.before.is_some(),
            }
        } else {
            Page {
                items,
                has_previous: page.after.is_some(),
                has_next: more,
            }
        })
    }

    /// How many datasets match `filter` among those the caller may see.
    pub async fn count_datasets(&self, scope: &Scope, filter: &DatasetFilter) -> Result<u64> {
        Ok(self.filtered(scope, filter).await?.count(&self.db).await?)
    }
}

impl Catalog {
    /// The database's plan for a search page (`EXPLAIN ANALYZE` on PostgreSQL,
    /// `EXPLAIN QUERY PLAN` on SQLite), for benchmarks and slow-query reports.
    pub async fn explain_search(
        &self,
        scope: &Scope,
        filter: &DatasetFilter,
        order: DatasetOrder,
        page: &PageRequest,
    ) -> Result<Vec<String>> {
        use sea_orm::{ConnectionTrait, DbBackend, QueryTrait, Statement};
        let backend = self.db.get_database_backend();
        let (query, _) = self.page_query(scope, filter, order, page).await?;
        let sql = query.build(backend).to_string();
        let explain = match backend {
            DbBackend::Postgres => format!("EXPLAIN (ANALYZE, BUFFERS) {sql}"),
            _ => format!("EXPLAIN QUERY PLAN {sql}"),
        };
        let rows = self
            .db
            .query_all_raw(Statement::from_string(backend, explain))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::NewProject;

    /// A SQLite catalog with one project (its plans need no rows).
    async fn sqlite() -> (tempfile::TempDir, Catalog) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/catalog.sqlite", dir.path().display());
        let catalog = Catalog::open(&url, dir.path().join("projects"))
            .await
            .unwrap();
        catalog
            .create_project(
                &Scope::system(),
                NewProject {
                    code: "ML".parse().unwrap(),
                    title: "Membranes".into(),
                    embargo_end: None,
                },
            )
            .await
            .unwrap();
        (dir, catalog)
    }

    fn between(name: &str, lo: f64, hi: f64) -> ParameterCondition {
        ParameterCondition {
            name: name.into(),
            op: ParameterOp::Between(lo, hi),
        }
    }

    async fn plan(catalog: &Catalog, filter: &DatasetFilter) -> String {
        let plan = catalog
            .explain_search(
                &Scope::anonymous(),
                filter,
                DatasetOrder::default(),
                &PageRequest {
                    first: Some(50),
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .join("\n");
        println!("{filter:?}\n{plan}\n");
        plan
    }

    /// Parameter conditions never make SQLite read the dataset table whole:
    /// narrowed by project and dates they are checked in the rows the
    /// (project_id, acquired_at, id) index finds; alone, ... (see the plans in
    /// BENCHMARKS.md, printed by `cargo test -p strata-catalog -- --nocapture plans`).
    #[tokio::test]
    async fn sqlite_plans_of_parameter_conditions_use_indexes() {
        let (_dir, catalog) = sqlite().await;
        let narrowed = DatasetFilter {
            project: Some("ML".into()),
            acquired_from: Some("2022-03-01T00:00:00Z".parse().unwrap()),
            acquired_until: Some("2023-03-01T00:00:00Z".parse().unwrap()),
            parameters: vec![
                between("EM_voltage", 180_000.0, 300_000.0),
                between("EMCTF_resolution_limit", 2.0, 5.0),
            ],
            ..DatasetFilter::default()
        };
        let p = plan(&catalog, &narrowed).await;
        assert!(
            p.contains("USING INDEX idx_dataset_project_id_acquired_at_id (project_id=? AND acquired_at>? AND acquired_at<?)"),
            "{p}"
        );
        let alone = DatasetFilter {
            parameters: vec![
                between("EM_voltage", 180_000.0, 300_000.0),
                between("EMCTF_resolution_limit", 2.0, 5.0),
            ],
            ..DatasetFilter::default()
        };
        let p = plan(&catalog, &alone).await;
        assert!(
            !p.lines()
                .any(|l| l.trim_start_matches(['|', '-', '`', ' ']) == "SCAN dataset"),
            "{p}"
        );
    }
}
