//! Reading a project's export: every file read whole and checked — version,
//! names, identifiers, paths, parameters, jobs, sessions, publications —
//! before an attach takes the lock or writes anything.

use std::path::{Path, PathBuf};

use strata_domain::{DatasetIdentifier, DatasetKind, LinkKind, ProjectCode, Role, Technique};

use super::format::{
    DatasetFile, FORMAT_VERSION, JobFile, ProjectFile, PublicationFile, SessionFile, version_of,
};
use super::processing::{check_processing, read_all};
use super::publications::check_publications;
use super::{datasets_dir, jobs_dir, project_file, publications_dir, sessions_dir};
use crate::datafiles::check_relative_path;
use crate::parameters::{NewParameter, check_all};
use crate::{CatalogError, Result};

/// An export read whole from a directory.
pub(crate) struct ReadExport {
    pub project: ProjectFile,
    pub datasets: Vec<DatasetFile>,
    pub jobs: Vec<JobFile>,
    pub sessions: Vec<SessionFile>,
    pub publications: Vec<PublicationFile>,
}

pub(crate) fn damaged(path: &Path, reason: impl std::fmt::Display) -> CatalogError {
    CatalogError::invalid("path", format!("{}: {reason}", path.display()))
}

/// Reads and checks a file of the export: its version first.
fn read_versioned<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let bytes = std::fs::read(path).map_err(|e| damaged(path, e))?;
    let version = version_of(&bytes)
        .map_err(|e| damaged(path, format!("damaged export, not readable: {e}")))?;
    if version > FORMAT_VERSION {
        return Err(damaged(
            path,
            format!(
                "written in export format {version} by a newer strata; this one reads up to format {FORMAT_VERSION}"
            ),
        ));
    }
    serde_json::from_slice(&bytes).map_err(|e| damaged(path, format!("damaged export: {e}")))
}

/// Reads the whole export of `dir` and checks everything that does not need
/// the database: names, identifiers, paths, parameters.
pub(crate) fn read_export(dir: &Path) -> Result<ReadExport> {
    let project_path = project_file(dir);
    if !project_path.is_file() {
        return Err(CatalogError::invalid(
            "path",
            format!(
                "{} holds no strata project ({} is missing)",
                dir.display(),
                project_path.display()
            ),
        ));
    }
    let project: ProjectFile = read_versioned(&project_path)?;
    let code: ProjectCode = project
        .code
        .parse()
        .map_err(|e| damaged(&project_path, format!("code: {e}")))?;
    for m in &project.members {
        m.role
            .parse::<Role>()
            .map_err(|e| damaged(&project_path, format!("member {}: {e}", m.user)))?;
        m.user
            .parse::<strata_domain::UserName>()
            .map_err(|e| damaged(&project_path, format!("member {}: {e}", m.user)))?;
    }
    let datasets = read_all(
        &datasets_dir(dir),
        |path| {
            let file: DatasetFile = read_versioned(path)?;
            check_dataset(path, &code, &file)?;
            Ok(file)
        },
        damaged,
    )?;
    let jobs: Vec<(PathBuf, JobFile)> = read_all(&jobs_dir(dir), with_path, damaged)?;
    let sessions: Vec<(PathBuf, SessionFile)> = read_all(&sessions_dir(dir), with_path, damaged)?;
    let workspaces = project.workspaces.iter().map(|w| w.name.as_str()).collect();
    check_processing(&jobs, &sessions, &workspaces).map_err(|(path, what)| damaged(&path, what))?;
    let publications: Vec<(PathBuf, PublicationFile)> =
        read_all(&publications_dir(dir), with_path, damaged)?;
    let identifiers = datasets.iter().map(|d| d.identifier.as_str()).collect();
    check_publications(&publications, &identifiers).map_err(|(path, what)| damaged(&path, what))?;
    Ok(ReadExport {
        project,
        datasets,
        jobs: jobs.into_iter().map(|(_, j)| j).collect(),
        sessions: sessions.into_iter().map(|(_, s)| s).collect(),
        publications: publications.into_iter().map(|(_, p)| p).collect(),
    })
}

/// A file of the export read whole, beside its path (its errors name it).
fn with_path<T: serde::de::DeserializeOwned>(path: &Path) -> Result<(PathBuf, T)> {
    Ok((path.to_owned(), read_versioned(path)?))
}

fn check_dataset(path: &Path, code: &ProjectCode, file: &DatasetFile) -> Result<()> {
    let bad = |what: String| damaged(path, what);
    let identifier: DatasetIdentifier = file
        .identifier
        .parse()
        .map_err(|e| bad(format!("identifier: {e}")))?;
    if identifier.project() != code {
        return Err(bad(format!(
            "dataset {identifier} does not belong to project {code}"
        )));
    }
    if path
        .file_stem()
        .is_none_or(|s| s != file.identifier.as_str())
    {
        return Err(bad(format!(
            "holds dataset {identifier}, not the one its name says"
        )));
    }
    file.kind
        .parse::<DatasetKind>()
        .map_err(|e| bad(format!("kind: {e}")))?;
    file.technique
        .parse::<Technique>()
        .map_err(|e| bad(format!("technique: {e}")))?;
    // Every path stays inside the dataset's folder, hence the project.
    for (i, f) in file.files.iter().enumerate() {
        check_relative_path(&format!("files[{i}].path"), &f.path)
            .map_err(|e| bad(e.to_string()))?;
        if !matches!(f.location.as_str(), "local" | "s3" | "symlink") {
            return Err(bad(format!(
                "files[{i}].location: {:?} is not local, s3 or symlink",
                f.location
            )));
        }
        if f.sha256.len() != 64 || !f.sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad(format!("files[{i}].sha256 is not a SHA-256")));
        }
    }
    for (i, s) in file.frame_sets.iter().enumerate() {
        check_relative_path(&format!("frame_sets[{i}].array_path"), &s.array_path)
            .map_err(|e| bad(e.to_string()))?;
    }
    for (i, l) in file.links.iter().enumerate() {
        l.kind
            .parse::<LinkKind>()
            .map_err(|e| bad(format!("links[{i}].kind: {e}")))?;
        l.target
            .parse::<DatasetIdentifier>()
            .map_err(|e| bad(format!("links[{i}].target: {e}")))?;
    }
    check_all("parameters", parameters_of(file)).map_err(|e| bad(e.to_string()))?;
    Ok(())
}

pub(crate) fn parameters_of(file: &DatasetFile) -> Vec<NewParameter> {
    file.parameters
        .iter()
        .map(|p| NewParameter {
            name: p.name.clone(),
            value: p.value.clone(),
            unit: p.unit.clone(),
        })
        .collect()
}
