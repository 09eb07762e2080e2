//! Configuration: built-in defaults, then `strata.toml` (or `--config FILE`),
//! then `STRATA_*` environment variables, then command-line flags.

use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Config {
    /// `sqlite://…` or `postgres://…`; SQLite under `data_dir` when unset.
    pub database_url: Option<String>,
    /// Where the catalog (SQLite), project directories and data live.
    pub data_dir: PathBuf,
    /// Address `strata serve` listens on.
    pub bind: String,
    pub log_format: LogFormat,
    /// A tracing filter, e.g. `info` or `strata=debug,info`.
    pub log_level: String,
    /// Where bytes are stored: `local` (under `data_dir/store`) or `s3`.
    pub storage: StorageKind,
    /// The S3 bucket, when `storage = "s3"` (or for `strata sync`).
    pub s3: Option<S3Settings>,
    /// How DOIs are made and deposited (`[doi]`); publications are refused without.
    pub doi: Option<DoiConfig>,
    /// The OAI-PMH provider at `/oai` (`[oai]`).
    #[serde(default)]
    pub oai: OaiConfig,
    /// A site built by `strata portal build`, served at `/portal/` (`/`
    /// redirects there); relative to the working directory.
    #[serde(default)]
    pub portal_dir: Option<PathBuf>,
}

/// `[oai]`: how the OAI-PMH provider names itself. Unset values come from the
/// request (`oai:<host>:<doi>` identifiers, `http://<host>/oai` as base URL)
/// and from `[doi] publisher` (the repository name).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct OaiConfig {
    /// The repository identifier of `oai:<repository_id>:<doi>`, e.g. `data.example.org`.
    pub repository_id: Option<String>,
    pub repository_name: Option<String>,
    /// The public base URL of the provider, e.g. `https://data.example.org/oai`.
    pub base_url: Option<String>,
    /// Identify's adminEmail; `webmaster@<repository id>` when unset.
    pub admin_email: Option<String>,
    /// Records or headers per ListRecords / ListIdentifiers answer.
    pub page_size: u64,
}

impl Default for OaiConfig {
    fn default() -> Self {
        Self {
            repository_id: None,
            repository_name: None,
            base_url: None,
            admin_email: None,
            page_size: 100,
        }
    }
}

/// `[doi]`: the facility's DataCite prefix, its name as publisher, where
/// landing pages are, and DataCite's REST API (`[doi.datacite]`); without
/// the latter, registering writes the DataCite XML and JSON for deposit by
/// hand.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DoiConfig {
    /// e.g. `10.80000`.
    pub prefix: String,
    /// Named as publisher when a record names none.
    pub publisher: String,
    /// Landing pages are `<landing_base><doi>`, e.g. `https://data.example.org/doi/`.
    pub landing_base: String,
    pub datacite: Option<DataCiteConfig>,
}

#[derive(Clone, Serialize, Deserialize)]
pub struct DataCiteConfig {
    /// `https://api.datacite.org`, or `https://api.test.datacite.org` for the test system.
    pub endpoint: String,
    /// The repository account, e.g. `FACILITY.DATA`.
    pub repository_id: String,
    pub password: String,
}

impl std::fmt::Debug for DataCiteConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataCiteConfig")
            .field("endpoint", &self.endpoint)
            .field("repository_id", &self.repository_id)
            .field("password", &"…")
            .finish()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum StorageKind {
    #[default]
    Local,
    S3,
}

/// An S3 bucket (AWS, or any S3-compatible server).
#[derive(Clone, Serialize, Deserialize)]
pub struct S3Settings {
    pub bucket: String,
    #[serde(default = "default_region")]
    pub region: String,
    /// For S3-compatible servers (MinIO, Ceph …); AWS when unset.
    pub endpoint_url: Option<String>,
    pub access_key_id: String,
    pub secret_access_key: String,
    /// Path-style addressing (most S3-compatible servers want it).
    #[serde(default)]
    pub force_path_style: bool,
}

fn default_region() -> String {
    "us-east-1".into()
}

impl std::fmt::Debug for S3Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Settings")
            .field("bucket", &self.bucket)
            .field("region", &self.region)
            .field("endpoint_url", &self.endpoint_url)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"…")
            .finish()
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            database_url: None,
            data_dir: PathBuf::from("strata-data"),
            bind: "127.0.0.1:8080".into(),
            log_format: LogFormat::Text,
            log_level: "info".into(),
            storage: StorageKind::Local,
            s3: None,
            doi: None,
            oai: OaiConfig::default(),
            portal_dir: None,
        }
    }
}

/// Settings given as flags; only those given override the layers below.
#[derive(Debug, Default, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_format: Option<LogFormat>,
}

impl Config {
    /// Loads the layers. A config file named explicitly must exist; the default
    /// `strata.toml` is read only when present.
    pub fn load(file: Option<&Path>, overrides: &Overrides) -> Result<Self, Box<figment::Error>> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(path) if !path.exists() => {
                return Err(Box::new(figment::Error::from(format!(
                    "config file {} does not exist",
                    path.display()
                ))));
            }
            Some(path) => figment = figment.merge(Toml::file(path)),
            None => figment = figment.merge(Toml::file("strata.toml")),
        }
        figment = figment.merge(Env::prefixed("STRATA_").split("__").ignore(&[
            "token",
            "server",
            "test_database_url",
            "doi__prefix",
        ]));
        // A DOI prefix (`10.80000`) reads as a number to the environment
        // provider and would lose its zeros: it is taken as written.
        if let Ok(prefix) = std::env::var("STRATA_DOI__PREFIX") {
            figment = figment.merge(Serialized::default("doi.prefix", prefix));
        }
        figment
            .merge(Serialized::defaults(overrides))
            .extract()
            .map_err(Box::new)
    }

    /// The catalog's database: the configured URL, or SQLite in the data directory.
    pub fn database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| {
            format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("catalog.sqlite").display()
            )
        })
    }

    pub fn projects_root(&self) -> PathBuf {
        self.data_dir.join("projects")
    }

    /// The local object store's root: the data directory itself, so that a
    /// dataset's bytes (`projects/<project dir>/<ID>/…`) live in its folder
    /// inside its project's directory, which stays self-contained.
    pub fn store_root(&self) -> PathBuf {
        self.data_dir.clone()
    }

    /// Where frames are assembled before they are stored.
    pub fn staging_dir(&self) -> PathBuf {
        self.data_dir.join("staging")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // figment's Jail dictates the closure's error type.
    #[allow(clippy::result_large_err)]
    #[test]
    fn layers_override_in_order() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "strata.toml",
                "bind = \"0.0.0.0:9000\"\nlog_level = \"debug\"\ndata_dir = \"/srv/strata\"",
            )?;
            jail.set_env("STRATA_BIND", "127.0.0.1:7000");
            let config = Config::load(None, &Overrides::default()).map_err(|e| *e)?;
            assert_eq!(config.bind, "127.0.0.1:7000", "environment beats the file");
            assert_eq!(config.log_level, "debug", "the file beats the defaults");
            assert_eq!(
                config.database_url(),
                "sqlite:///srv/strata/catalog.sqlite?mode=rwc"
            );
            let flags = Overrides {
                bind: Some("127.0.0.1:6000".into()),
                ..Default::default()
            };
            assert_eq!(
                Config::load(None, &flags).map_err(|e| *e)?.bind,
                "127.0.0.1:6000",
                "flags beat everything"
            );
            Ok(())
        });
    }

    #[allow(clippy::result_large_err)]
    #[test]
    fn s3_settings_come_from_the_file_or_nested_variables() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("strata.toml", "storage = \"s3\"\n[s3]\nbucket = \"imaging\"\naccess_key_id = \"k\"\nsecret_access_key = \"s\"\n")?;
            jail.set_env("STRATA_S3__BUCKET", "mirror");
            jail.set_env("STRATA_S3__FORCE_PATH_STYLE", "true");
            let config = Config::load(None, &Overrides::default()).map_err(|e| *e)?;
            assert_eq!(config.storage, StorageKind::S3);
            let s3 = config.s3.expect("an [s3] section");
            assert_eq!(
                (s3.bucket.as_str(), s3.force_path_style, s3.region.as_str()),
                ("mirror", true, "us-east-1")
            );
            assert!(
                !format!("{s3:?}").contains("\"s\""),
                "the secret is not printed"
            );
            Ok(())
        });
    }

    #[allow(clippy::result_large_err)]
    #[test]
    fn a_doi_prefix_keeps_its_zeros_from_the_file_and_the_environment() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "strata.toml",
                "[doi]\nprefix = \"10.5072\"\npublisher = \"ESRF\"\nlanding_base = \"https://data.esrf.fr/doi/\"\n[doi.datacite]\nendpoint = \"https://api.test.datacite.org\"\nrepository_id = \"ESRF.DATA\"\npassword = \"hunter2\"\n",
            )?;
            let doi = Config::load(None, &Overrides::default())
                .map_err(|e| *e)?
                .doi;
            let doi = doi.expect("a [doi] section");
            assert_eq!(doi.prefix, "10.5072");
            assert!(
                !format!("{doi:?}").contains("hunter2"),
                "the password is not printed"
            );
            jail.set_env("STRATA_DOI__PREFIX", "10.80000");
            let doi = Config::load(None, &Overrides::default())
                .map_err(|e| *e)?
                .doi;
            assert_eq!(doi.expect("a [doi] section").prefix, "10.80000");
            Ok(())
        });
    }

    #[test]
    fn a_named_config_file_must_exist() {
        let err = Config::load(
            Some(Path::new("/nonexistent/strata.toml")),
            &Overrides::default(),
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("/nonexistent/strata.toml"),
            "{err}"
        );
    }
}
