//! The upload configuration, imagingDB's `config.json`: how a manifest's rows
//! are ingested. Read from a JSON or TOML file, or built from flags.

use std::path::Path;

use serde::Deserialize;
use strata_domain::{DatasetKind, Technique};
use strata_frames::FramesFormat;

use crate::IngestError;

/// How the bytes of a row arrive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum UploadType {
    /// The file is stored as it is.
    #[default]
    File,
    /// The stack is read and split into frames, stored as OME-Zarr.
    Frames,
    /// The file stays where it is, registered by a symlink and hashed (raw data imported in place).
    Link,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UploadConfig {
    #[serde(default)]
    pub upload_type: UploadType,
    /// imagingDB's names (`ome_tiff`, `tif_folder`, `tif_id`) or strata's
    /// (`auto`, `tiff`, `ome-tiff`, `micromanager`, `mrc`).
    #[serde(default)]
    pub frames_format: Option<String>,
    /// The instrument (imagingDB: the microscope), by name.
    #[serde(default)]
    pub microscope: Option<String>,
    /// imagingDB parsed metadata out of file names; strata reads metadata from
    /// the files themselves, so only `null` is accepted.
    #[serde(default)]
    pub filename_parser: Option<String>,
    /// imagingDB validated the global metadata against a schema here; strata
    /// validates parameters against its own definitions, so only `null` is accepted.
    #[serde(default)]
    pub meta_schema: Option<String>,
    /// `local` or `s3`: which configured store receives the bytes.
    #[serde(default)]
    pub storage: Option<String>,
    #[serde(default = "default_technique")]
    pub technique: Technique,
    #[serde(default = "default_kind")]
    pub kind: DatasetKind,
    /// Parameter values of every dataset of the upload (`EM_voltage = "300 kV"`);
    /// a manifest row's own values win.
    #[serde(default)]
    pub parameters: std::collections::BTreeMap<String, serde_json::Value>,
}

fn default_technique() -> Technique {
    Technique::LightMicroscopy
}

fn default_kind() -> DatasetKind {
    DatasetKind::Raw
}

impl Default for UploadConfig {
    fn default() -> Self {
        Self {
            upload_type: UploadType::File,
            frames_format: None,
            microscope: None,
            filename_parser: None,
            meta_schema: None,
            storage: None,
            technique: default_technique(),
            kind: default_kind(),
            parameters: Default::default(),
        }
    }
}

impl UploadConfig {
    /// Reads `config.json` (or `.toml`) and checks it.
    pub fn read(path: &Path) -> Result<Self, IngestError> {
        let bad = |reason: String| IngestError::Config {
            path: Some(path.to_owned()),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
        let config: UploadConfig = if path.extension().is_some_and(|e| e == "toml") {
            toml_from_str(&text).map_err(bad)?
        } else {
            serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?
        };
        config.check().map_err(bad)?;
        Ok(config)
    }

    /// The `parameters` table as values to record.
    pub fn parameter_settings(&self) -> Result<Vec<strata_catalog::NewParameter>, String> {
        self.parameters
            .iter()
            .map(|(name, value)| crate::settings::from_json(name, value))
            .collect()
    }

    /// Refuses settings strata cannot honour, rather than ignoring them.
    pub fn check(&self) -> Result<(), String> {
        self.parameter_settings()?;
        if let Some(parser) = &self.filename_parser {
            return Err(format!(
                "filename_parser {parser:?}: strata reads metadata from the files, not from their names; remove it"
            ));
        }
        if let Some(schema) = &self.meta_schema {
            return Err(format!(
                "meta_schema {schema:?}: parameters are checked against strata's own definitions (parameterTypes); remove it"
            ));
        }
        if let Some(storage) = &self.storage
            && !matches!(storage.as_str(), "local" | "s3")
        {
            return Err(format!("storage {storage:?} is not one of: local, s3"));
        }
        self.frames_format()?;
        Ok(())
    }

    pub fn frames_format(&self) -> Result<FramesFormat, String> {
        Ok(match self.frames_format.as_deref() {
            None | Some("auto") => FramesFormat::Auto,
            Some("tiff" | "tif" | "tif_id") => FramesFormat::Tiff,
            Some("ome_tiff" | "ome-tiff") => FramesFormat::OmeTiff,
            Some("tif_folder" | "micromanager") => FramesFormat::MicroManager,
            Some("mrc") => FramesFormat::Mrc,
            Some(other) => {
                return Err(format!(
                    "frames_format {other:?} is not one of: auto, tiff, ome_tiff, tif_folder, micromanager, mrc"
                ));
            }
        })
    }
}

/// TOML through serde_json's data model, so one set of serde attributes serves both.
fn toml_from_str(text: &str) -> Result<UploadConfig, String> {
    let value: toml::Value = toml::from_str(text).map_err(|e| e.to_string())?;
    let json = serde_json::to_value(value).map_err(|e| e.to_string())?;
    serde_json::from_value(json).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_imagingdb_configs() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.json");
        std::fs::write(&path, r#"{"upload_type": "frames", "frames_format": "ome_tiff", "microscope": "Leica", "storage": "local"}"#).unwrap();
        let config = UploadConfig::read(&path).unwrap();
        assert_eq!(config.upload_type, UploadType::Frames);
        assert_eq!(config.frames_format().unwrap(), FramesFormat::OmeTiff);
        assert_eq!(config.microscope.as_deref(), Some("Leica"));
        assert_eq!(config.technique, Technique::LightMicroscopy);

        let toml = dir.path().join("config.toml");
        std::fs::write(&toml, "upload_type = \"link\"\ntechnique = \"cryo-em\"\n").unwrap();
        let config = UploadConfig::read(&toml).unwrap();
        assert_eq!(
            (config.upload_type, config.technique),
            (UploadType::Link, Technique::CryoEm)
        );
    }

    #[test]
    fn refuses_what_it_cannot_honour() {
        let dir = tempfile::tempdir().unwrap();
        for (text, needle) in [
            (r#"{"upload_type": "copy"}"#, "unknown variant `copy`"),
            (r#"{"frames_format": "png"}"#, "frames_format \"png\""),
            (r#"{"filename_parser": "parse_ml_name"}"#, "filename_parser"),
            (r#"{"meta_schema": "schema.json"}"#, "meta_schema"),
            (r#"{"storage": "tape"}"#, "storage \"tape\""),
            (r#"{"technique": "x-ray"}"#, "unknown variant `x-ray`"),
            (r#"{"uplaod_type": "file"}"#, "uplaod_type"),
        ] {
            let path = dir.path().join("config.json");
            std::fs::write(&path, text).unwrap();
            let err = UploadConfig::read(&path).unwrap_err().to_string();
            assert!(
                err.contains(needle) && err.contains("config.json"),
                "{text}: {err}"
            );
        }
    }
}
