//! `strata query`: imagingDB's query_data, against the local catalog or a server.

use anyhow::{Context as _, bail};
use chrono::{DateTime, NaiveDate, Utc};
use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};
use serde::{Deserialize, Serialize};
use serde_json::json;
use strata_catalog::{
    DatasetFilter, DatasetOrder, PageRequest, ParameterCondition, ParameterOp, Scope,
};
use strata_domain::records::ParameterValue;
use strata_domain::{DatasetKind, Technique};

use crate::Config;
use crate::cli::QueryArgs;
use crate::startup::open_catalog;

/// One dataset as `strata query` shows it.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Row {
    pub identifier: String,
    pub kind: String,
    pub technique: String,
    pub instrument: Option<String>,
    pub sample: Option<String>,
    pub acquired_at: DateTime<Utc>,
    pub size_bytes: i64,
    pub description: String,
}

pub async fn run(config: &Config, args: QueryArgs) -> anyhow::Result<()> {
    let filter = filter_from(&args)?;
    let rows = match &args.server {
        Some(server) => query_server(server, args.token.as_deref(), &filter, args.limit).await?,
        None => query_local(config, &filter, args.limit).await?,
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
    } else {
        println!("{}", table(&rows));
        eprintln!("{} dataset(s)", rows.len());
    }
    Ok(())
}

/// Turns the flags into the catalog's filter, refusing what does not parse.
pub fn filter_from(args: &QueryArgs) -> anyhow::Result<DatasetFilter> {
    Ok(DatasetFilter {
        project: args.project.clone(),
        instrument: args.instrument.clone(),
        acquired_from: args
            .start_date
            .as_deref()
            .map(|d| parse_date(d, false))
            .transpose()
            .context("--start-date")?,
        acquired_until: args
            .end_date
            .as_deref()
            .map(|d| parse_date(d, true))
            .transpose()
            .context("--end-date")?,
        description: args.description.clone(),
        kind: args
            .kind
            .as_deref()
            .map(str::parse::<DatasetKind>)
            .transpose()
            .context("--kind")?,
        technique: args
            .technique
            .as_deref()
            .map(str::parse::<Technique>)
            .transpose()
            .context("--technique")?,
        sample: args.sample.clone(),
        parameters: args
            .params
            .iter()
            .map(|p| parse_condition(p).with_context(|| format!("--param {p:?}")))
            .collect::<anyhow::Result<_>>()?,
    })
}

/// `YYYY-MM-DD` (the whole day) or an RFC 3339 time.
pub fn parse_date(text: &str, end_of_day: bool) -> anyhow::Result<DateTime<Utc>> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at.with_timezone(&Utc));
    }
    let day = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .with_context(|| format!("{text:?} is neither YYYY-MM-DD nor an RFC 3339 time"))?;
    let time = if end_of_day {
        day.and_hms_opt(23, 59, 59)
    } else {
        day.and_hms_opt(0, 0, 0)
    };
    Ok(time.expect("valid time of day").and_utc())
}

/// `NAME>=V`, `NAME<=V`, `NAME<V`, `NAME>V`, `NAME=V`, `NAME~TEXT`, `NAME=LO..HI`.
pub fn parse_condition(text: &str) -> anyhow::Result<ParameterCondition> {
    let at = text
        .find(['<', '>', '=', '~'])
        .context("no operator: use NAME>=V, <=, <, >, =, ~ or NAME=LO..HI")?;
    let name = text[..at].trim();
    let rest = &text[at..];
    let (op, value) = [">=", "<=", "==", "=", "<", ">", "~"]
        .iter()
        .find_map(|op| rest.strip_prefix(op).map(|v| (*op, v.trim())))
        .context("unknown operator")?;
    if name.is_empty() || value.is_empty() {
        bail!("a condition needs a parameter name and a value");
    }
    let number = || {
        value
            .parse::<f64>()
            .with_context(|| format!("{op} needs a number; got {value:?}"))
    };
    let op = match op {
        ">=" => ParameterOp::Gte(number()?),
        "<=" => ParameterOp::Lte(number()?),
        "<" => ParameterOp::Lt(number()?),
        ">" => ParameterOp::Gt(number()?),
        "~" => ParameterOp::Contains(value.to_owned()),
        _ => match value.split_once("..") {
            Some((lo, hi)) => ParameterOp::Between(
                lo.trim()
                    .parse()
                    .with_context(|| format!("range start {lo:?} is not a number"))?,
                hi.trim()
                    .parse()
                    .with_context(|| format!("range end {hi:?} is not a number"))?,
            ),
            None => ParameterOp::Eq(scalar(value)),
        },
    };
    Ok(ParameterCondition {
        name: name.to_owned(),
        op,
    })
}

fn scalar(value: &str) -> ParameterValue {
    if let Ok(i) = value.parse::<i64>() {
        ParameterValue::Integer(i)
    } else if let Ok(n) = value.parse::<f64>() {
        ParameterValue::Number(n)
    } else if let Ok(b) = value.parse::<bool>() {
        ParameterValue::Bool(b)
    } else {
        ParameterValue::Text(value.to_owned())
    }
}

async fn query_local(
    config: &Config,
    filter: &DatasetFilter,
    limit: u64,
) -> anyhow::Result<Vec<Row>> {
    let catalog = open_catalog(config).await?;
    let scope = Scope::system();
    let mut rows = Vec::new();
    let mut after = None;
    while (rows.len() as u64) < limit {
        let page = PageRequest {
            first: Some((limit - rows.len() as u64).min(500)),
            after,
            ..Default::default()
        };
        let found = catalog
            .search_datasets(&scope, filter, DatasetOrder::default(), &page)
            .await?;
        after = found.items.last().map(|(c, _)| c.encode());
        rows.extend(found.items.into_iter().map(|(_, d)| Row {
            identifier: d.identifier.to_string(),
            kind: d.kind.to_string(),
            technique: d.technique.to_string(),
            instrument: d.instrument,
            sample: d.sample,
            acquired_at: d.acquired_at,
            size_bytes: d.size_bytes,
            description: d.description,
        }));
        if !found.has_next {
            break;
        }
    }
    Ok(rows)
}

/// A GraphQL enum value from a domain term (`cryo-em` → `CRYO_EM`).
fn enum_value(term: &str) -> String {
    term.replace('-', "_").to_uppercase()
}

/// The filter as the server's `DatasetFilter` input.
pub fn filter_json(filter: &DatasetFilter) -> serde_json::Value {
    let parameters: Vec<serde_json::Value> = filter
        .parameters
        .iter()
        .map(|c| {
            let (op, value) = match &c.op {
                ParameterOp::Eq(v) => ("eq", serde_json::to_value(v).expect("values serialise")),
                ParameterOp::Lt(v) => ("lt", json!(v)),
                ParameterOp::Lte(v) => ("lte", json!(v)),
                ParameterOp::Gt(v) => ("gt", json!(v)),
                ParameterOp::Gte(v) => ("gte", json!(v)),
                ParameterOp::Between(lo, hi) => ("between", json!({ "min": lo, "max": hi })),
                ParameterOp::Contains(s) => ("contains", json!(s)),
            };
            json!({ "name": c.name, op: value })
        })
        .collect();
    json!({
        "project": filter.project,
        "instrument": filter.instrument,
        "acquiredFrom": filter.acquired_from,
        "acquiredUntil": filter.acquired_until,
        "description": filter.description,
        "kind": filter.kind.map(|k| enum_value(k.as_str())),
        "technique": filter.technique.map(|t| enum_value(t.as_str())),
        "sample": filter.sample,
        "parameters": parameters,
    })
}

const SEARCH: &str = "query Search($filter: DatasetFilter!, $first: Int!, $after: String) {
  datasets(filter: $filter, first: $first, after: $after) {
    edges { node { identifier kind technique instrument sample acquiredAt sizeBytes description } }
    pageInfo { hasNextPage endCursor }
  }
}";

async fn query_server(
    server: &str,
    token: Option<&str>,
    filter: &DatasetFilter,
    limit: u64,
) -> anyhow::Result<Vec<Row>> {
    let client = reqwest::Client::new();
    let url = format!("{}/graphql", server.trim_end_matches('/'));
    let mut rows = Vec::new();
    let mut after: Option<String> = None;
    while (rows.len() as u64) < limit {
        let first = (limit - rows.len() as u64).min(500);
        let mut request = client
            .post(&url)
            .json(&json!({ "query": SEARCH, "variables": { "filter": filter_json(filter), "first": first, "after": after } }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let answer: serde_json::Value = request
            .send()
            .await
            .with_context(|| format!("asking {url}"))?
            .json()
            .await
            .with_context(|| format!("reading the answer of {url}"))?;
        if let Some(errors) = answer
            .get("errors")
            .and_then(|e| e.as_array())
            .filter(|e| !e.is_empty())
        {
            let messages: Vec<String> = errors
                .iter()
                .map(|e| {
                    let code = e
                        .pointer("/extensions/code")
                        .and_then(|c| c.as_str())
                        .unwrap_or("ERROR");
                    format!(
                        "{code}: {}",
                        e.get("message").and_then(|m| m.as_str()).unwrap_or("?")
                    )
                })
                .collect();
            bail!("the server refused the query: {}", messages.join("; "));
        }
        let datasets = answer
            .pointer("/data/datasets")
            .context("the answer has no data.datasets")?;
        for edge in datasets["edges"].as_array().context("no edges")? {
            let mut row: Row = serde_json::from_value(edge["node"].clone())
                .context("an unexpected dataset shape")?;
            row.kind = row.kind.to_lowercase();
            row.technique = row.technique.to_lowercase().replace('_', "-");
            rows.push(row);
        }
        if datasets.pointer("/pageInfo/hasNextPage") != Some(&json!(true)) {
            break;
        }
        after = datasets
            .pointer("/pageInfo/endCursor")
            .and_then(|c| c.as_str())
            .map(str::to_owned);
    }
    Ok(rows)
}

fn table(rows: &[Row]) -> Table {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).set_header([
        "identifier",
        "kind",
        "technique",
        "instrument",
        "sample",
        "size",
        "description",
    ]);
    for r in rows {
        let mut description: String = r.description.chars().take(48).collect();
        if r.description.chars().count() > 48 {
            description.push('…');
        }
        table.add_row([
            r.identifier.clone(),
            r.kind.clone(),
            r.technique.clone(),
            r.instrument.clone().unwrap_or_default(),
            r.sample.clone().unwrap_or_default(),
            r.size_bytes.to_string(),
            description,
        ]);
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_parse() {
        let c = parse_condition("EM_voltage>=200000").unwrap();
        assert_eq!(c.name, "EM_voltage");
        assert!(matches!(c.op, ParameterOp::Gte(v) if v == 200000.0));
        assert!(
            matches!(parse_condition("EMCTF_resolution_limit<3.5").unwrap().op, ParameterOp::Lt(v) if v == 3.5)
        );
        assert!(
            matches!(parse_condition("EM_grid_name=Quantifoil").unwrap().op, ParameterOp::Eq(ParameterValue::Text(ref s)) if s == "Quantifoil")
        );
        assert!(matches!(
            parse_condition("EM_images_count=40").unwrap().op,
            ParameterOp::Eq(ParameterValue::Integer(40))
        ));
        assert!(
            matches!(parse_condition("EM_tilt_angle=-60..60").unwrap().op, ParameterOp::Between(lo, hi) if lo == -60.0 && hi == 60.0)
        );
        assert!(matches!(
            parse_condition("EM_grid_name~quanti").unwrap().op,
            ParameterOp::Contains(_)
        ));
    }

    #[test]
    fn bad_conditions_say_what_is_wrong() {
        assert!(
            parse_condition("EM_voltage")
                .unwrap_err()
                .to_string()
                .contains("no operator")
        );
        assert!(
            parse_condition("EM_voltage>=high")
                .unwrap_err()
                .to_string()
                .contains("needs a number")
        );
        assert!(
            parse_condition(">=3")
                .unwrap_err()
                .to_string()
                .contains("needs a parameter name")
        );
    }

    #[test]
    fn dates_cover_whole_days() {
        assert_eq!(
            parse_date("2022-10-01", false).unwrap().to_rfc3339(),
            "2022-10-01T00:00:00+00:00"
        );
        assert_eq!(
            parse_date("2022-10-01", true).unwrap().to_rfc3339(),
            "2022-10-01T23:59:59+00:00"
        );
        assert!(parse_date("01/10/2022", false).is_err());
    }
}
