//! Builds the application from its configuration: opens the catalog (running
//! migrations), binds the listener, and serves until told to stop.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context as _;
use poem::Server;
use poem::listener::{Acceptor, Listener, TcpListener};
use std::sync::Arc;
use strata_api::{AppState, app};

use strata_catalog::Catalog;
use strata_catalog::publications::DoiSettings;
use strata_datacite_client::{ClientConfig, DataCiteClient};
use strata_storage::{LocalStore, ObjectStore, S3Config, S3Store};

use crate::Config;
use crate::config::{DoiConfig, StorageKind};

pub struct Application {
    state: AppState,
    acceptor: poem::listener::TcpAcceptor,
    address: SocketAddr,
}

/// Opens the catalog the configuration names, creating the data directory.
pub async fn open_catalog(config: &Config) -> anyhow::Result<Catalog> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("creating the data directory {}", config.data_dir.display()))?;
    let catalog = Catalog::open(&config.database_url(), config.projects_root())
        .await
        .with_context(|| "opening the catalog (check database_url / STRATA_DATABASE_URL)")?;
    Ok(match &config.doi {
        None => catalog,
        Some(doi) => catalog.with_doi(doi_settings(doi)?),
    })
}

/// The catalog's DOI settings from `[doi]`, with a DataCite client when
/// `[doi.datacite]` is there.
fn doi_settings(doi: &DoiConfig) -> anyhow::Result<DoiSettings> {
    let registrar = match &doi.datacite {
        None => None,
        Some(d) => Some(
            DataCiteClient::new(ClientConfig::new(
                d.endpoint.as_str(),
                d.repository_id.as_str(),
                d.password.as_str(),
                doi.prefix.as_str(),
            ))
            .context("configuring the DataCite client ([doi.datacite])")?,
        ),
    };
    Ok(DoiSettings {
        prefix: doi.prefix.clone(),
        publisher: doi.publisher.clone(),
        landing_base: doi.landing_base.clone(),
        registrar,
    })
}

/// Opens the object store the configuration names.
pub async fn open_store(config: &Config) -> anyhow::Result<Arc<dyn ObjectStore>> {
    Ok(match config.storage {
        StorageKind::Local => {
            let root = config.store_root();
            Arc::new(
                LocalStore::open(&root)
                    .await
                    .with_context(|| format!("opening the local store at {}", root.display()))?,
            )
        }
        StorageKind::S3 => {
            let s3 = config
                .s3
                .as_ref()
                .context("storage = \"s3\" needs an [s3] section (bucket, credentials)")?;
            let mut settings = S3Config::new(
                &s3.bucket,
                &s3.region,
                &s3.access_key_id,
                &s3.secret_access_key,
            );
            settings.endpoint_url = s3.endpoint_url.clone();
            settings.force_path_style = s3.force_path_style;
            Arc::new(
                S3Store::new(settings)
                    .with_context(|| format!("opening the S3 bucket {}", s3.bucket))?,
            )
        }
    })
}

impl Application {
    pub async fn build(config: &Config) -> anyhow::Result<Self> {
        let catalog = open_catalog(config).await?;
        let store = open_store(config).await?;
        let acceptor = TcpListener::bind(config.bind.clone())
            .into_acceptor()
            .await
            .with_context(|| format!("binding {}", config.bind))?;
        let address = acceptor
            .local_addr()
            .first()
            .and_then(|a| a.as_socket_addr().copied())
            .context("the listener has no address")?;
        let mut state =
            AppState::new(catalog, store, config.staging_dir()).with_oai(strata_api::OaiSettings {
                repository_id: config.oai.repository_id.clone(),
                repository_name: config.oai.repository_name.clone(),
                base_url: config.oai.base_url.clone(),
                admin_email: config.oai.admin_email.clone(),
                page_size: config.oai.page_size.max(1),
            });
        if let Some(portal) = &config.portal_dir {
            // Configured but not built is a mistake to say at start, not a
            // 404 on every page later.
            if !portal.join("index.html").is_file() {
                anyhow::bail!(
                    "portal_dir {} holds no built portal (no index.html): run `strata portal build --out {}`",
                    portal.display(),
                    portal.display()
                );
            }
            state = state.with_portal(portal.clone());
        }
        Ok(Self {
            state,
            acceptor,
            address,
        })
    }

    /// The bound address (useful with port 0).
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    pub fn catalog(&self) -> &Catalog {
        &self.state.catalog
    }

    /// Serves until `shutdown` completes, then drains for up to 10 s.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        Server::new_with_acceptor(self.acceptor)
            .run_with_graceful_shutdown(app(self.state), shutdown, Some(Duration::from_secs(10)))
            .await
    }
}

/// Completes on Ctrl-C or SIGTERM (what `docker stop` sends).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
    tracing::info!("shutting down");
}
