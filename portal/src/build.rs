//! `strata portal build`: the queries, the pages, the search index, the
//! assets, written into a sibling temporary directory and renamed into
//! place at the end, so that a failed build leaves no half site.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use askama::Template;
use include_dir::{Dir, include_dir};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::error::{PortalError, Result};
use crate::escape::{self, segment};
use crate::model::{self, Dataset, ParameterType, Publication};
use crate::pages::{self, Chrome, QueryBlock};
use crate::queries;
use crate::search::{self, Record};
use crate::source::GraphqlSource;

/// The portal's CSS and scripts and the viewers', carried in the binary.
static ASSETS: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/assets");

/// Datasets per project listing page.
const PROJECT_PAGE: usize = 250;

#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// Where the site goes; replaced whole when the build succeeds.
    pub out: PathBuf,
    /// The data server's base URL for files and Zarr images; empty: the
    /// site's own origin.
    pub data_url: String,
    /// The site's name, in every page's title.
    pub site_name: String,
    /// Datasets asked for per request (`first`).
    pub page_size: usize,
    /// Threads rendering pages.
    pub threads: usize,
    /// Records per search index shard (see [`crate::search`]).
    pub search_shard: usize,
}

impl BuildOptions {
    pub fn new(out: impl Into<PathBuf>) -> Self {
        Self {
            out: out.into(),
            data_url: String::new(),
            site_name: "strata data portal".into(),
            page_size: 100,
            threads: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2),
            search_shard: 10_000,
        }
    }
}

/// Told how far the build is (the `strata` binary shows a bar).
pub trait Progress: Send + Sync {
    /// How many dataset pages there will be.
    fn total(&self, _datasets: u64) {}
    /// Dataset pages written since the last call.
    fn advance(&self, _datasets: u64) {}
    /// What the build does now.
    fn stage(&self, _what: &str) {}
}

pub struct NoProgress;
impl Progress for NoProgress {}

#[derive(Debug, Clone, Default)]
pub struct BuildReport {
    /// HTML pages written.
    pub pages: u64,
    /// Every file written (pages, downloads, search index, assets).
    pub files: u64,
    pub bytes: u64,
    pub datasets: u64,
    pub projects: u64,
    pub publications: u64,
    pub elapsed: Duration,
    /// Of which the search index: adding its records, building it (adding
    /// included), and in all (writing its files included).
    pub search_adding: Duration,
    pub search_built: Duration,
    pub search_elapsed: Duration,
}

impl BuildReport {
    pub fn pages_per_second(&self) -> f64 {
        self.pages as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    pub fn mib(&self) -> f64 {
        self.bytes as f64 / (1024.0 * 1024.0)
    }
}

#[derive(Default)]
struct Counter {
    pages: AtomicU64,
    files: AtomicU64,
    bytes: AtomicU64,
}

/// Writes files under the temporary site directory, counting them.
struct Writer {
    root: PathBuf,
    counter: Counter,
}

impl Writer {
    fn write(&self, rel: &str, bytes: &[u8]) -> Result<()> {
        let path = self.root.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(PortalError::io(parent))?;
        }
        std::fs::write(&path, bytes).map_err(PortalError::io(&path))?;
        self.counter.files.fetch_add(1, Ordering::Relaxed);
        self.counter
            .bytes
            .fetch_add(bytes.len() as u64, Ordering::Relaxed);
        if rel.ends_with(".html") {
            self.counter.pages.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    }

    fn page(&self, rel: &str, name: &str, page: &impl Template) -> Result<()> {
        let html = page.render().map_err(|source| PortalError::Template {
            page: name.to_owned(),
            source,
        })?;
        self.write(rel, html.as_bytes())
    }
}

/// What every dataset page shares, read once before the datasets stream.
struct Shared {
    site: String,
    built: String,
    data_url: String,
    query: String,
    types: BTreeMap<String, ParameterType>,
    publications: Vec<Publication>,
    /// Dataset identifier → indices into `publications` (not withdrawn), newest first.
    by_dataset: HashMap<String, Vec<usize>>,
}

/// What one dataset leaves for the pages written at the end.
struct Rendered {
    project: Option<String>,
    summary: pages::DatasetSummary,
    record: Record,
}

async fn ask<T: DeserializeOwned>(
    source: &dyn GraphqlSource,
    operation: &str,
    query: &str,
    variables: Value,
) -> Result<T> {
    let data = source.run(operation, query, variables).await?;
    serde_json::from_value(data).map_err(|source| PortalError::Answer {
        operation: operation.to_owned(),
        source,
    })
}

/// Builds the site into `options.out`.
pub async fn build(
    source: &dyn GraphqlSource,
    options: &BuildOptions,
    progress: &dyn Progress,
) -> Result<BuildReport> {
    let started = Instant::now();
    let out = &options.out;
    let name = out
        .file_name()
        .ok_or_else(|| PortalError::Output {
            path: out.clone(),
            reason: "it has no name".into(),
        })?
        .to_string_lossy()
        .into_owned();
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(PortalError::io(&parent))?;
    let temp = parent.join(format!(".{name}.building-{}", std::process::id()));
    if temp.exists() {
        std::fs::remove_dir_all(&temp).map_err(PortalError::io(&temp))?;
    }
    std::fs::create_dir_all(&temp).map_err(PortalError::io(&temp))?;
    let writer = Arc::new(Writer {
        root: temp.clone(),
        counter: Counter::default(),
    });
    match build_into(source, options, progress, &writer).await {
        Ok(mut report) => {
            let old = parent.join(format!(".{name}.old-{}", std::process::id()));
            if out.exists() {
                std::fs::rename(out, &old).map_err(PortalError::io(out))?;
            }
            std::fs::rename(&temp, out).map_err(PortalError::io(out))?;
            if old.exists() {
                std::fs::remove_dir_all(&old).map_err(PortalError::io(&old))?;
            }
            report.pages = writer.counter.pages.load(Ordering::Relaxed);
            report.files = writer.counter.files.load(Ordering::Relaxed);
            report.bytes = writer.counter.bytes.load(Ordering::Relaxed);
            report.elapsed = started.elapsed();
            tracing::info!(
                pages = report.pages,
                files = report.files,
                bytes = report.bytes,
                datasets = report.datasets,
                elapsed_s = report.elapsed.as_secs_f64(),
                out = %out.display(),
                "portal built"
            );
            Ok(report)
        }
        Err(err) => {
            let _ = std::fs::remove_dir_all(&temp);
            Err(err)
        }
    }
}

async fn build_into(
    source: &dyn GraphqlSource,
    options: &BuildOptions,
    progress: &dyn Progress,
    writer: &Arc<Writer>,
) -> Result<BuildReport> {
    progress.stage("querying the catalog");
    let home: model::HomeAnswer = ask(source, "Home", queries::HOME, json!({})).await?;
    let projects: model::ProjectsAnswer =
        ask(source, "Projects", queries::PROJECTS, json!({})).await?;
    let types: model::ParameterTypesAnswer = ask(
        source,
        "ParameterTypes",
        queries::PARAMETER_TYPES,
        json!({}),
    )
    .await?;
    progress.total(home.dataset_facets.total.max(0) as u64);
    let built = chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string();

    // Publications: drafts never come to an anonymous visitor; withdrawn
    // ones get a tombstone and are cited by no dataset page.
    let mut publications: Vec<(Publication, usize)> = Vec::new();
    for (i, project) in projects.projects.iter().enumerate() {
        for p in &project.publications {
            if p.state != "DRAFT" {
                publications.push((p.clone(), i));
            }
        }
    }
    publications.sort_by(|a, b| {
        let date = |p: &Publication| p.published_at.clone().or(p.registered_at.clone());
        date(&b.0).cmp(&date(&a.0)).then(a.0.doi.cmp(&b.0.doi))
    });
    let mut by_dataset: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, (p, _)) in publications.iter().enumerate() {
        if p.withdrawal.is_none() {
            for d in &p.datasets {
                by_dataset.entry(d.clone()).or_default().push(i);
            }
        }
    }
    let shared = Arc::new(Shared {
        site: options.site_name.clone(),
        built: built.clone(),
        data_url: options.data_url.trim_end_matches('/').to_owned(),
        query: queries::dataset(),
        types: types
            .parameter_types
            .into_iter()
            .map(|t| (t.name.clone(), t))
            .collect(),
        publications: publications.iter().map(|(p, _)| p.clone()).collect(),
        by_dataset,
    });

    // The datasets, a page of answers at a time: the next page is fetched
    // while the last one renders.
    progress.stage("dataset pages");
    let query = queries::datasets();
    let mut after: Option<String> = None;
    let mut rendering: Option<tokio::task::JoinHandle<Result<Vec<Rendered>>>> = None;
    let mut rendered: Vec<Rendered> = Vec::new();
    let mut shards = search::Shards::new(options.search_shard);
    loop {
        let asked = ask(
            source,
            "Datasets",
            &query,
            json!({ "first": options.page_size, "after": after }),
        )
        .await;
        let answer: model::DatasetsAnswer = match asked {
            Ok(answer) => answer,
            Err(err) => {
                // The page still being rendered writes into the temporary
                // site: let it finish before the failed build removes it.
                if let Some(task) = rendering.take() {
                    let _ = task.await;
                }
                return Err(err);
            }
        };
        if let Some(task) = rendering.take() {
            collect(task, progress, &mut shards, &mut rendered).await?;
        }
        let page = answer.datasets;
        let (shared, writer, threads) = (shared.clone(), writer.clone(), options.threads.max(1));
        let nodes = page.nodes;
        rendering = Some(tokio::task::spawn_blocking(move || {
            render_datasets(nodes, &shared, &writer, threads)
        }));
        if !page.page_info.has_next_page {
            break;
        }
        match page.page_info.end_cursor {
            Some(cursor) => after = Some(cursor),
            None => break,
        }
    }
    if let Some(task) = rendering.take() {
        collect(task, progress, &mut shards, &mut rendered).await?;
    }
    let public: HashSet<String> = rendered
        .iter()
        .map(|r| r.summary.identifier.clone())
        .collect();

    // DOI pages (landing pages and tombstones) and their downloads.
    progress.stage("DOI and project pages");
    for (p, project) in &publications {
        let dir = escape::doi_path(&p.doi);
        let page = pages::doi_page(
            p,
            &projects.projects[*project],
            &|d| public.contains(d),
            &options.site_name,
            &built,
        );
        writer.page(&format!("{dir}/index.html"), &p.doi, &page)?;
        writer.write(&format!("{dir}/datacite.xml"), p.datacite_xml.as_bytes())?;
        let json_ld = serde_json::to_vec_pretty(&p.schema_org).unwrap_or_default();
        writer.write(&format!("{dir}/metadata.jsonld"), &json_ld)?;
        writer.write(&format!("{dir}/citation.bib"), p.bibtex.as_bytes())?;
        writer.write(&format!("{dir}/citation.ris"), p.ris.as_bytes())?;
    }

    // Project pages, a listing of its datasets split into pages.
    let mut by_project: BTreeMap<String, Vec<&pages::DatasetSummary>> = BTreeMap::new();
    for r in &rendered {
        if let Some(code) = &r.project {
            by_project.entry(code.clone()).or_default().push(&r.summary);
        }
    }
    let mut records: Vec<Record> = Vec::new();
    for project in &projects.projects {
        let mut datasets: Vec<pages::DatasetSummary> = by_project
            .get(&project.code)
            .map(|v| v.iter().map(|s| (*s).clone()).collect())
            .unwrap_or_default();
        datasets.sort_by(|a, b| {
            b.acquired_at
                .cmp(&a.acquired_at)
                .then(a.identifier.cmp(&b.identifier))
        });
        let total = datasets.len();
        let pages_count = total.div_ceil(PROJECT_PAGE).max(1);
        let code = segment(&project.code);
        let items: Vec<pages::PublicationItem> = publications
            .iter()
            .filter(|(_, i)| projects.projects[*i].code == project.code)
            .map(|(p, _)| p)
            .collect::<Vec<_>>()
            .into_iter()
            .map(|p| pages::publication_item(p, ""))
            .collect();
        for page in 1..=pages_count {
            let depth = if page == 1 { 2 } else { 3 };
            let root = pages::root_of(depth);
            let slice = datasets
                .iter()
                .skip((page - 1) * PROJECT_PAGE)
                .take(PROJECT_PAGE)
                .cloned()
                .collect();
            let rel = if page == 1 {
                format!("projects/{code}/index.html")
            } else {
                format!("projects/{code}/{page}/index.html")
            };
            let view = pages::ProjectPage {
                chrome: Chrome {
                    title: project.title.clone(),
                    root: root.clone(),
                    site: options.site_name.clone(),
                    built: built.clone(),
                    queries: vec![
                        QueryBlock::new(
                            "Projects",
                            "The project and its publications.",
                            queries::PROJECTS,
                            json!({}),
                        ),
                        QueryBlock::new(
                            "Datasets",
                            "Its datasets came from every public dataset, a page at a time (add `filter: { project: … }` to see this project's alone).",
                            &queries::datasets(),
                            json!({ "first": options.page_size, "after": null }),
                        ),
                    ],
                },
                title: project.title.clone(),
                code: project.code.clone(),
                code_segment: code.clone(),
                total,
                embargo_end: project.embargo_end.clone().unwrap_or_default(),
                publications: items
                    .iter()
                    .map(|i| pages::PublicationItem {
                        href: format!("{root}{}", i.href),
                        ..i.clone()
                    })
                    .collect(),
                datasets: slice,
                page,
                pages: pages_count,
            };
            writer.page(&rel, &project.title, &view)?;
        }
        records.push(Record {
            url: format!("/projects/{code}/index.html"),
            title: format!("Project {}: {}", project.code, project.title),
            content: format!("{} {}", project.code, project.title),
            filters: BTreeMap::from([("type".to_owned(), vec!["project".to_owned()])]),
        });
    }
    for (p, _) in &publications {
        if p.withdrawal.is_none() {
            records.push(Record {
                url: format!("/{}/index.html", escape::doi_path(&p.doi)),
                title: p.title.clone(),
                content: format!("{} {} {}", p.doi, p.title, pages::citation_text(p)),
                filters: BTreeMap::from([("type".to_owned(), vec!["publication".to_owned()])]),
            });
        }
    }

    // Home and search.
    let facets = &home.dataset_facets;
    let counts: HashMap<&str, i64> = facets
        .project
        .iter()
        .map(|c| (c.value.as_str(), c.count))
        .collect();
    let home_page = pages::HomePage {
        chrome: Chrome {
            title: "Home".into(),
            root: String::new(),
            site: options.site_name.clone(),
            built: built.clone(),
            queries: vec![
                QueryBlock::new("Home", "", queries::HOME, json!({})),
                QueryBlock::new("Projects", "", queries::PROJECTS, json!({})),
            ],
        },
        total: facets.total,
        latest: publications
            .iter()
            .filter(|(p, _)| p.withdrawal.is_none())
            .take(10)
            .map(|(p, _)| pages::publication_item(p, ""))
            .collect(),
        techniques: facets
            .technique
            .iter()
            .map(|c| (model::technique_label(&c.value), c.count))
            .collect(),
        instruments: facets
            .instrument
            .iter()
            .map(|c| (c.value.clone(), c.count))
            .collect(),
        projects: projects
            .projects
            .iter()
            .map(|p| {
                (
                    segment(&p.code),
                    p.title.clone(),
                    counts.get(p.code.as_str()).copied().unwrap_or(0),
                )
            })
            .collect(),
    };
    writer.page("index.html", "home", &home_page)?;

    write_assets(&ASSETS, writer)?;

    progress.stage("search index");
    let search_started = Instant::now();
    shards.add(records);
    let (shards, index) = shards.finish().await?;
    let search_built = search_started.elapsed();
    for (path, bytes) in &index.files {
        writer.write(path, bytes)?;
    }
    let search_page = pages::SearchPage {
        chrome: Chrome {
            title: "Search".into(),
            root: "../".into(),
            site: options.site_name.clone(),
            built: built.clone(),
            queries: vec![QueryBlock::new(
                "Datasets",
                "The index holds every page built from this query (and the projects and publications).",
                &queries::datasets(),
                json!({ "first": options.page_size, "after": null }),
            )],
        },
        shards,
    };
    writer.page("search/index.html", "search", &search_page)?;

    Ok(BuildReport {
        datasets: rendered.len() as u64,
        projects: projects.projects.len() as u64,
        publications: publications.len() as u64,
        search_elapsed: search_started.elapsed(),
        search_adding: index.adding,
        search_built,
        ..BuildReport::default()
    })
}

fn write_assets(dir: &Dir<'_>, writer: &Writer) -> Result<()> {
    for file in dir.files() {
        let rel = file.path().to_string_lossy().replace('\\', "/");
        writer.write(&format!("assets/{rel}"), file.contents())?;
    }
    for sub in dir.dirs() {
        write_assets(sub, writer)?;
    }
    Ok(())
}

/// Waits for a page of datasets being rendered, and takes its pages into
/// the progress, the search index and the list of what was written.
async fn collect(
    task: tokio::task::JoinHandle<Result<Vec<Rendered>>>,
    progress: &dyn Progress,
    shards: &mut search::Shards,
    rendered: &mut Vec<Rendered>,
) -> Result<()> {
    let done = task
        .await
        .map_err(|e| PortalError::Search(e.to_string()))??;
    progress.advance(done.len() as u64);
    shards.add(done.iter().map(|r| r.record.clone()));
    rendered.extend(done);
    Ok(())
}

/// Renders and writes one page of datasets on `threads` threads.
fn render_datasets(
    nodes: Vec<Dataset>,
    shared: &Shared,
    writer: &Writer,
    threads: usize,
) -> Result<Vec<Rendered>> {
    let chunk = nodes.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = nodes
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|d| render_dataset(d, shared, writer))
                        .collect::<Result<Vec<_>>>()
                })
            })
            .collect();
        let mut out = Vec::with_capacity(nodes.len());
        for handle in handles {
            out.extend(
                handle
                    .join()
                    .map_err(|_| PortalError::Search("a rendering thread panicked".into()))??,
            );
        }
        Ok(out)
    })
}

fn render_dataset(d: &Dataset, shared: &Shared, writer: &Writer) -> Result<Rendered> {
    let publications = shared
        .by_dataset
        .get(&d.identifier)
        .map(|ids| ids.iter().map(|&i| &shared.publications[i]).collect())
        .unwrap_or_default();
    let cx = pages::DatasetContext {
        site: &shared.site,
        built: &shared.built,
        data_url: &shared.data_url,
        types: &shared.types,
        publications,
        query: &shared.query,
    };
    let page = pages::dataset_page(d, &cx);
    let dir = format!("datasets/{}", segment(&d.identifier));
    writer.page(&format!("{dir}/index.html"), &d.identifier, &page)?;
    let mut filters = BTreeMap::from([
        (
            "technique".to_owned(),
            vec![model::technique_label(&d.technique)],
        ),
        ("kind".to_owned(), vec![d.kind.to_lowercase()]),
    ]);
    if let Some(p) = &d.project {
        filters.insert("project".into(), vec![p.code.clone()]);
    }
    Ok(Rendered {
        project: d.project.as_ref().map(|p| p.code.clone()),
        summary: pages::DatasetSummary::of(d),
        record: Record {
            url: format!("/{dir}/index.html"),
            title: page.heading.clone(),
            content: pages::search_text(d),
            filters,
        },
    })
}
