//! sea-orm models → domain records. A stored value the program could not have
//! written is reported as corruption, never papered over.

use strata_domain::records;

use crate::Result;
use crate::auth::corrupt;
use crate::entity::{datafile, dataset, instrument, project};

pub(crate) fn project(m: project::Model) -> Result<records::Project> {
    Ok(records::Project {
        uid: m.id,
        uuid: m.uuid,
        code: m.code.parse().map_err(corrupt)?,
        title: m.title,
        directory: m.directory,
        state: m.state.parse().map_err(corrupt)?,
        embargo_end: m.embargo_end,
        created_at: m.created_at,
    })
}

pub(crate) fn dataset(m: dataset::Model) -> Result<records::Dataset> {
    Ok(records::Dataset {
        id: m.id,
        identifier: m.identifier.parse().map_err(corrupt)?,
        project_uid: m.project_id,
        kind: m.kind.parse().map_err(corrupt)?,
        technique: m.technique.parse().map_err(corrupt)?,
        instrument: m.instrument_name,
        sample: m.sample_name,
        acquired_at: m.acquired_at,
        description: m.description,
        folder: m.folder,
        status: m.status.parse().map_err(corrupt)?,
        size_bytes: m.size_bytes,
        file_count: m.file_count,
        public_from: m.public_from,
        created_at: m.created_at,
    })
}

pub(crate) fn instrument(m: instrument::Model) -> Result<records::Instrument> {
    let techniques: Vec<String> = serde_json::from_value(m.techniques).map_err(corrupt)?;
    Ok(records::Instrument {
        id: m.id,
        name: m.name,
        facility: m.facility,
        techniques: techniques
            .iter()
            .map(|t| t.parse())
            .collect::<Result<_, _>>()
            .map_err(corrupt)?,
    })
}

pub(crate) fn datafile(m: datafile::Model) -> records::Datafile {
    records::Datafile {
        path: m.path,
        size_bytes: m.size_bytes,
        sha256: m.sha256,
        format: m.format,
        location: m.location,
        last_verified_at: m.last_verified_at,
    }
}
