//! What the demo puts in the catalog, and how: instruments and projects as
//! `strata instrument add` and `strata project create` make them, datasets
//! through manifests read and ingested by the same code as `strata ingest`,
//! and DOIs through the publication lifecycle of `strata doi`.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use chrono::{TimeZone as _, Utc};
use serde_json::{Value, json};
use strata_catalog::publications::{Coverage, NewPublication, Publication};
use strata_catalog::{Catalog, NewProject, Scope};
use strata_datacite::{
    Affiliation, Contributor, ContributorType, Creator, Date, DateType, Description,
    DescriptionType, GeoLocation, NameIdentifier, Resource, Rights, Subject, Title,
};
use strata_domain::{DatasetKind, Technique};
use strata_ingest::{
    IngestReport, Ingestor, ProgressBar, SourceRoots, UploadConfig, UploadType, read_manifest,
};

pub const FACILITY: &str = "Strata Demo Facility";

/// The raw tilt series, its two processed products, the confocal stack, the
/// SAXS curve and the MX sweep (the private one).
pub const CET_RAW: &str = "CET-2025-03-14-09-12-05-0001";
pub const CET_ALIGNED: &str = "CET-2025-03-14-11-40-31-0002";
pub const CET_CTF: &str = "CET-2025-03-14-11-52-10-0003";
pub const LSM_STACK: &str = "LSM-2025-02-03-15-22-47-0001";
pub const BIO_SAXS: &str = "BIO-2025-01-20-10-05-33-0001";
pub const BIO_MX: &str = "BIO-2025-01-22-21-47-12-0002";

pub const INSTRUMENTS: [(&str, &[Technique]); 4] = [
    ("Krios-G4", &[Technique::CryoEm, Technique::CryoEt]),
    ("LSM-980", &[Technique::LightMicroscopy]),
    ("BM29", &[Technique::Saxs]),
    ("ID30B", &[Technique::Mx]),
];

pub async fn instruments(catalog: &Catalog, scope: &Scope) -> anyhow::Result<()> {
    for (name, techniques) in INSTRUMENTS {
        catalog
            .create_instrument(scope, name, FACILITY, techniques)
            .await
            .with_context(|| format!("adding the instrument {name}"))?;
    }
    Ok(())
}

/// Three projects: the tomography one, a light-microscopy one whose embargo
/// ended (its data is public without a DOI), and a structural biology one
/// where only what a DOI covers is public.
pub async fn projects(catalog: &Catalog, scope: &Scope) -> anyhow::Result<()> {
    let embargo_ended = Utc.with_ymd_and_hms(2025, 9, 1, 0, 0, 0).single();
    for (code, title, embargo_end) in [
        (
            "CET",
            "In situ cryo-electron tomography of ribosomes in FIB-milled HeLa lamellae",
            None,
        ),
        (
            "LSM",
            "Mitotic spindle assembly in live HeLa cells",
            embargo_ended,
        ),
        (
            "BIO",
            "Hen egg-white lysozyme in solution and in crystals",
            None,
        ),
    ] {
        catalog
            .create_project(
                scope,
                NewProject {
                    code: code.parse()?,
                    title: title.into(),
                    embargo_end,
                },
            )
            .await
            .with_context(|| format!("creating the project {code}"))?;
    }
    Ok(())
}

/// One dataset to ingest: one manifest row and its upload configuration.
pub struct Upload {
    pub identifier: &'static str,
    pub source: PathBuf,
    pub description: String,
    pub parent: Option<&'static str>,
    pub config: UploadConfig,
}

/// An upload configuration as `config.json` would give it.
pub fn upload_config(
    upload_type: UploadType,
    frames_format: Option<&str>,
    instrument: &str,
    technique: Technique,
    kind: DatasetKind,
    parameters: Value,
) -> anyhow::Result<UploadConfig> {
    let config = UploadConfig {
        upload_type,
        frames_format: frames_format.map(str::to_owned),
        microscope: Some(instrument.to_owned()),
        technique,
        kind,
        parameters: serde_json::from_value(parameters).context("demo parameters")?,
        ..UploadConfig::default()
    };
    config.check().map_err(anyhow::Error::msg)?;
    Ok(config)
}

/// Quotes a CSV cell.
fn cell(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// Writes the upload's manifest beside its source, reads it back as
/// `strata ingest --manifest` does, and ingests its row.
pub async fn ingest(
    ingestor: &Ingestor,
    roots: &SourceRoots,
    upload: &Upload,
    manifests: &Path,
    bar: &ProgressBar,
) -> anyhow::Result<IngestReport> {
    let file_name = upload
        .source
        .strip_prefix(manifests)
        .context("the sample is outside the manifests' folder")?;
    let manifest = manifests.join(format!("{}.csv", upload.identifier));
    std::fs::write(
        &manifest,
        format!(
            "dataset_id,file_name,description,parent_dataset_id\n{},{},{},{}\n",
            upload.identifier,
            cell(&file_name.to_string_lossy()),
            cell(&upload.description),
            upload.parent.unwrap_or_default()
        ),
    )
    .with_context(|| format!("writing {}", manifest.display()))?;
    let rows = read_manifest(&manifest)?;
    let [row] = rows.as_slice() else {
        bail!("{}: expected one row", manifest.display());
    };
    ingestor
        .ingest_row(&Scope::system(), row, &upload.config, roots, bar)
        .await
        .with_context(|| format!("ingesting {}", upload.identifier))
}

/// Josiah Carberry is ORCID's own fictitious researcher, made for examples.
fn creators() -> Vec<Creator> {
    let affiliation = Affiliation {
        name: FACILITY.into(),
        ..Affiliation::default()
    };
    let mut carberry = Creator::person("Carberry", "Josiah");
    carberry.name_identifiers = vec![NameIdentifier {
        value: "0000-0002-1825-0097".into(),
        scheme: "ORCID".into(),
        scheme_uri: Some("https://orcid.org".into()),
    }];
    carberry.affiliations = vec![affiliation.clone()];
    let mut doe = Creator::person("Doe", "Jane");
    doe.affiliations = vec![affiliation];
    vec![carberry, doe]
}

fn record(title: &str, abstract_: &str, subjects: &[&str], collected: &str) -> Resource {
    let mut contact = Creator::person("Carberry", "Josiah");
    contact.affiliations = vec![Affiliation {
        name: FACILITY.into(),
        ..Affiliation::default()
    }];
    Resource {
        creators: creators(),
        titles: vec![Title {
            value: title.into(),
            title_type: None,
            lang: Some("en".into()),
        }],
        subjects: subjects
            .iter()
            .map(|s| Subject {
                value: (*s).into(),
                ..Subject::default()
            })
            .collect(),
        contributors: vec![
            Contributor {
                contributor_type: ContributorType::ContactPerson,
                party: contact,
            },
            Contributor {
                contributor_type: ContributorType::HostingInstitution,
                party: Creator::organization(FACILITY),
            },
        ],
        dates: vec![Date {
            value: collected.into(),
            date_type: DateType::Collected,
            date_information: None,
        }],
        language: Some("en".into()),
        rights_list: vec![Rights {
            value: "Creative Commons Attribution 4.0 International".into(),
            rights_uri: Some("https://creativecommons.org/licenses/by/4.0/legalcode".into()),
            rights_identifier: Some("cc-by-4.0".into()),
            rights_identifier_scheme: Some("SPDX".into()),
            ..Rights::default()
        }],
        descriptions: vec![Description::text(DescriptionType::Abstract, abstract_)],
        geo_locations: vec![GeoLocation {
            place: Some(FACILITY.into()),
            ..GeoLocation::default()
        }],
        ..Resource::default()
    }
}

/// The two DOIs: the tilt series with its products, and the SAXS curve.
pub async fn publish(catalog: &Catalog, scope: &Scope) -> anyhow::Result<Vec<Publication>> {
    let drafts = [
        (
            "CET",
            vec![CET_RAW, CET_ALIGNED, CET_CTF],
            record(
                "Cryo-ET tilt series TS_01 of ribosomes in a HeLa lamella, with motion correction and CTF estimates",
                "A dose-symmetric tilt series (−60° to +60° in 3° steps, 3 e/Å² per tilt, 300 kV) of a FIB-milled HeLa lamella recorded on a Krios G4 with SerialEM, its per-tilt acquisition record (.mdoc), the motion-corrected and aligned stack, and CTFFIND4's per-tilt defocus estimates. Synthetic data made by `strata demo`.",
                &[
                    "cryo-electron tomography",
                    "ribosome",
                    "in situ structural biology",
                    "FIB milling",
                ],
                "2025-03-14",
            ),
        ),
        (
            "BIO",
            vec![BIO_SAXS],
            record(
                "SAXS of hen egg-white lysozyme at 5 mg/mL",
                "Buffer-subtracted small-angle X-ray scattering curve I(q) of hen egg-white lysozyme (5 mg/mL in HEPES 20 mM pH 7.5, NaCl 150 mM, 20 °C) measured at 12.5 keV, with its Guinier radius of gyration. Synthetic data made by `strata demo`.",
                &["small-angle X-ray scattering", "lysozyme", "BioSAXS"],
                "2025-01-20",
            ),
        ),
    ];
    let mut published = Vec::new();
    for (project, datasets, record) in drafts {
        let draft = catalog
            .create_publication(
                scope,
                project,
                NewPublication {
                    coverage: Coverage::Datasets(
                        datasets.iter().map(|d| (*d).to_owned()).collect(),
                    ),
                    record,
                    release_at: None,
                },
            )
            .await
            .with_context(|| format!("drafting the DOI of {project}"))?;
        if !draft.readiness.is_publishable() {
            let missing: Vec<String> = draft
                .readiness
                .missing_mandatory()
                .map(|f| format!("{}: {}", f.property, f.message))
                .collect();
            bail!(
                "the demo's DOI draft {} is not ready: {}",
                draft.doi,
                missing.join("; ")
            );
        }
        catalog
            .register_publication(scope, &draft.doi)
            .await
            .with_context(|| format!("registering {}", draft.doi))?;
        let deposited = catalog
            .publish_publication(scope, &draft.doi)
            .await
            .with_context(|| format!("publishing {}", draft.doi))?;
        published.push(deposited.publication);
    }
    Ok(published)
}

/// The dataset-level parameters a depositor records beside what ingest reads
/// from the files, per sample.
pub mod parameters {
    use super::*;

    /// The whole tilt-series group, the values ingest would derive from the
    /// tilts (count, total dose) included: the catalog checks what it
    /// extracts apart from what is given, so a group split between the two
    /// would lack its required range on one side (reported to the lead).
    pub fn tilt_series() -> Value {
        use super::super::cryoet::{DOSE_PER_TILT, TILTS};
        json!({
            "EMTS_tilt_min": "-60 deg", "EMTS_tilt_max": "60 deg", "EMTS_tilt_step": "3 deg",
            "EMTS_tilt_count": TILTS, "EMTS_total_dose": format!("{} e/A^2", TILTS as f64 * DOSE_PER_TILT),
            "EMTS_tilt_scheme": "dose-symmetric", "EMTS_tilt_axis_angle": "85.3 deg",
            "EM_spherical_aberration": "2.7 mm", "EM_amplitude_contrast": 0.07,
            "EM_detector_mode": "counting", "EM_grid_name": "Grid 2, lamella L3",
        })
    }

    pub fn aligned(motion: (f64, f64)) -> Value {
        let mut p = tilt_series();
        p["EMMotionCorrection_total_motion"] = json!(format!("{:.2} A", motion.0));
        p["EMMotionCorrection_average_motion"] = json!(format!("{:.3} A", motion.1));
        p["EMMotionCorrection_frame_range"] = json!(10);
        p["EMMotionCorrection_frame_dose"] = json!("0.3 e/A^2");
        p["EMMotionCorrection_total_dose"] = json!("123 e/A^2");
        p
    }

    pub fn ctf(means: [f64; 5]) -> Value {
        json!({
            "EMCTF_defocus_u": format!("{:.1} A", means[0]),
            "EMCTF_defocus_v": format!("{:.1} A", means[1]),
            "EMCTF_angle": format!("{:.2} deg", means[2]),
            "EMCTF_correlation": (means[3] * 1e4).round() / 1e4,
            "EMCTF_resolution_limit": format!("{:.2} A", means[4]),
            "EM_voltage": "300 kV", "EM_spherical_aberration": "2.7 mm", "EM_amplitude_contrast": 0.07,
        })
    }

    pub fn confocal() -> Value {
        json!({
            "LM_objective": "Plan-Apochromat 63x/1.40 Oil", "LM_magnification": 63,
            "LM_numerical_aperture": 1.4, "LM_imaging_mode": "confocal", "LM_binning": 1,
        })
    }

    pub fn saxs(rg_nm: f64, i0: f64) -> Value {
        json!({
            "SAXS_concentration": "5.0 mg/mL", "SAXS_exposure_time": "1.0 s",
            "SAXS_number_of_frames": 10, "SAXS_energy": "12.5 keV",
            "SAXS_rg": format!("{rg_nm:.3} nm"), "SAXS_i0": (i0 * 1e5).round() / 1e5,
            "SAXS_temperature": "20 degC", "SAXS_buffer": "HEPES 20 mM pH 7.5, NaCl 150 mM",
            "SAXS_sample_type": "sample",
        })
    }

    pub fn mx(images: usize, resolution: f64) -> Value {
        use super::super::imaging::{MX_DISTANCE_MM, MX_OSCILLATION, MX_WAVELENGTH};
        json!({
            "MX_wavelength": format!("{MX_WAVELENGTH} A"), "MX_exposure_time": "0.04 s",
            "MX_number_of_images": images, "MX_oscillation_range": format!("{MX_OSCILLATION} deg"),
            "MX_detector_distance": format!("{MX_DISTANCE_MM} mm"),
            "MX_resolution": format!("{resolution:.2} A"), "MX_transmission": 0.25,
            "MX_space_group": "P 43 21 2", "MX_detector_type": "hybrid-pixel",
        })
    }
}
