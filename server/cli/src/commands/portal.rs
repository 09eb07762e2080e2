//! `strata portal build`: the static portal, from the catalog in-process or
//! from a server over HTTP, always as an anonymous visitor.

use std::time::Instant;

use anyhow::Context as _;
use async_trait::async_trait;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::Value;
use strata_api::StrataSchema;
use strata_api::graphql::RequestContext;
use strata_catalog::{Catalog, Scope};
use strata_portal::{BuildOptions, GraphqlSource, HttpSource, PortalError, Progress};

use crate::Config;
use crate::cli::{PortalBuildArgs, PortalCommand};
use crate::startup::open_catalog;

/// strata-api's schema executed in this process, for an anonymous caller:
/// exactly what `/graphql` answers a request without a token.
pub struct InProcessSource {
    schema: StrataSchema,
    catalog: Catalog,
}

impl InProcessSource {
    pub fn new(catalog: Catalog) -> Self {
        Self {
            schema: strata_api::schema(),
            catalog,
        }
    }
}

#[async_trait]
impl GraphqlSource for InProcessSource {
    async fn run(
        &self,
        operation: &str,
        query: &str,
        variables: Value,
    ) -> Result<Value, PortalError> {
        let request = async_graphql::Request::new(query)
            .variables(async_graphql::Variables::from_json(variables))
            .data(RequestContext::new(
                self.catalog.clone(),
                Scope::anonymous(),
            ));
        let response = self.schema.execute(request).await;
        let answer = serde_json::to_value(&response).map_err(|source| PortalError::Answer {
            operation: operation.to_owned(),
            source,
        })?;
        strata_portal::data_of(operation, answer)
    }
}

/// The build's progress on a bar (hidden with --quiet).
struct Bar(ProgressBar);

impl Progress for Bar {
    fn total(&self, datasets: u64) {
        self.0.set_length(datasets);
    }
    fn advance(&self, datasets: u64) {
        self.0.inc(datasets);
    }
    fn stage(&self, what: &str) {
        tracing::debug!(stage = what, "portal build");
        self.0.set_message(what.to_owned());
    }
}

pub async fn run(config: &Config, cmd: PortalCommand) -> anyhow::Result<()> {
    match cmd {
        PortalCommand::Build(args) => build(config, args).await,
    }
}

async fn build(config: &Config, args: PortalBuildArgs) -> anyhow::Result<()> {
    let source: Box<dyn GraphqlSource> = match &args.server {
        Some(server) => Box::new(HttpSource::new(server)),
        None => Box::new(InProcessSource::new(open_catalog(config).await?)),
    };
    let mut options = BuildOptions::new(&args.out);
    options.data_url = args
        .data_url
        .clone()
        .or_else(|| args.server.clone())
        .unwrap_or_default();
    options.page_size = args.page_size.clamp(1, 500);
    options.site_name = args.site_name.clone();
    let bar = ProgressBar::with_draw_target(
        None,
        if args.quiet {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        },
    );
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {msg:30} [{bar:30}] {pos}/{len} datasets {per_sec} {eta}",
        )
        .expect("a valid template")
        .progress_chars("=> "),
    );
    let started = Instant::now();
    let report = strata_portal::build(source.as_ref(), &options, &Bar(bar.clone()))
        .await
        .with_context(|| format!("building the portal into {}", args.out.display()))?;
    bar.finish_and_clear();
    eprintln!(
        "{} page(s) ({} dataset(s), {} project(s), {} DOI(s)), {} file(s), {:.1} MiB in {:.1} s ({:.0} pages/s) → {}",
        report.pages,
        report.datasets,
        report.projects,
        report.publications,
        report.files,
        report.mib(),
        started.elapsed().as_secs_f64(),
        report.pages_per_second(),
        args.out.display()
    );
    Ok(())
}
