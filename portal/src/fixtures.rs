//! A catalog made up in memory, answering the portal's queries as a server
//! would: for the benchmark (rendering and writing measured without a
//! database or network) and for tests.

use async_trait::async_trait;
use serde_json::{Value, json};

use crate::error::{PortalError, Result};
use crate::source::GraphqlSource;

const TECHNIQUES: [&str; 5] = ["CRYO_EM", "CRYO_ET", "MX", "SAXS", "LIGHT_MICROSCOPY"];

/// `datasets` public datasets over `projects` projects; every 7th is
/// processed and derived from the one before it; each project has a
/// findable publication of its first three datasets, and project 0 also a
/// withdrawn one.
pub struct FixtureSource {
    pub datasets: usize,
    pub projects: usize,
}

impl FixtureSource {
    pub fn new(datasets: usize, projects: usize) -> Self {
        Self {
            datasets,
            projects: projects.max(1),
        }
    }

    fn project_of(&self, i: usize) -> usize {
        i % self.projects
    }

    pub fn identifier(&self, i: usize) -> String {
        let p = self.project_of(i);
        format!(
            "P{p}-2022-{:02}-{:02}-10-00-00-{:06}",
            1 + i % 12,
            1 + i % 28,
            i
        )
    }

    fn technique(&self, i: usize) -> &'static str {
        TECHNIQUES[i % TECHNIQUES.len()]
    }

    fn reference(&self, i: usize) -> Value {
        json!({ "identifier": self.identifier(i), "kind": if i.is_multiple_of(7) && i > 0 { "PROCESSED" } else { "RAW" }, "technique": self.technique(i) })
    }

    fn dataset(&self, i: usize) -> Value {
        let technique = self.technique(i);
        let p = self.project_of(i);
        let processed = i.is_multiple_of(7) && i > 0;
        let mut parameters = vec![
            json!({ "name": "EM_voltage", "value": 300000 + (i % 3) * 100000, "unit": "V" }),
            json!({ "name": "EM_magnification", "value": 105000, "unit": null }),
            json!({ "name": "EM_sampling_rate", "value": 0.83 + (i % 10) as f64 / 100.0, "unit": "A" }),
            json!({ "name": "EM_grid_name", "value": format!("grid-{}", i % 97), "unit": null }),
            json!({ "name": "EMCTF_resolution_limit", "value": 3.1 + (i % 20) as f64 / 10.0, "unit": "A" }),
            json!({ "name": "EMCTF_defocus_u", "value": 15000.0 + i as f64, "unit": "A" }),
            json!({ "name": "EMCTF_defocus_v", "value": 14800.0 + i as f64, "unit": "A" }),
            json!({ "name": "EMMotionCorrection_total_motion", "value": 12.5, "unit": null }),
        ];
        if technique == "MX" {
            parameters.push(json!({ "name": "MX_resolution", "value": 1.8, "unit": "A" }));
            parameters.push(json!({ "name": "MX_space_group", "value": "P212121", "unit": null }));
        }
        let datafiles: Vec<Value> = (0..3)
            .map(|f| {
                let (path, format) = match (technique, f) {
                    ("SAXS", 0) => ("curves/subtracted.dat".to_owned(), "dat"),
                    ("MX", 0) => ("images/x_0001.cbf".to_owned(), "cbf"),
                    _ => (format!("movies/movie_{f:04}.tif"), "tiff"),
                };
                json!({ "path": path, "sizeBytes": 1_000_000 + f * 12345 + i, "sha256": format!("{:064x}", i * 31 + f), "format": format })
            })
            .collect();
        let frame_sets = match technique {
            "LIGHT_MICROSCOPY" => {
                json!([{ "position": 0, "shape": [3, 2, 5, 2048, 2048], "dtype": "uint16",
                "channelNames": ["DAPI", "GFP"], "arrayPath": "0.ome.zarr", "frames": [] }])
            }
            "CRYO_ET" => {
                let frames: Vec<Value> = (0..11)
                    .map(|t| {
                        json!({ "t": t, "c": 0, "z": 0, "parameters": [
                        { "name": "EMTS_tilt_angle", "value": -30 + 6 * t },
                        { "name": "EMTS_dose_per_tilt", "value": 3.0 } ] })
                    })
                    .collect();
                json!([{ "position": 0, "shape": [11, 1, 1, 1024, 1024], "dtype": "float32",
                    "channelNames": [], "arrayPath": "0.ome.zarr", "frames": frames }])
            }
            _ => json!([]),
        };
        let links = if processed {
            json!([{ "kind": "DERIVED_FROM", "toDataset": {
                "identifier": self.identifier(i - 1), "kind": "RAW", "technique": self.technique(i - 1),
                "links": if i >= 2 { json!([{ "kind": "PARENT", "toDataset": self.reference(i - 2) }]) } else { json!([]) } } }])
        } else {
            json!([])
        };
        let linked_from = if (i + 1).is_multiple_of(7) && i + 1 < self.datasets {
            json!([{ "kind": "DERIVED_FROM", "fromDataset": {
                "identifier": self.identifier(i + 1), "kind": "PROCESSED", "technique": self.technique(i + 1),
                "linkedFrom": [] } }])
        } else {
            json!([])
        };
        json!({
            "identifier": self.identifier(i),
            "kind": if processed { "PROCESSED" } else { "RAW" },
            "technique": technique,
            "instrument": format!("Krios {}", i % 4),
            "sample": format!("apoferritin batch {}", i % 50),
            "acquiredAt": format!("2022-{:02}-{:02}T10:00:00Z", 1 + i % 12, 1 + i % 28),
            "description": format!("Dataset {i} of project {p}: movies of grid {} <with> \"special\" & characters.", i % 97),
            "sizeBytes": 3_000_000 + i * 3,
            "fileCount": 3,
            "publicFrom": "2023-01-01T00:00:00Z",
            "project": { "code": format!("P{p}"), "title": format!("Project {p}") },
            "parameters": parameters,
            "datafiles": datafiles,
            "frameSets": frame_sets,
            "links": links,
            "linkedFrom": linked_from,
        })
    }

    fn publication(&self, p: usize, n: usize, withdrawn: bool) -> Value {
        let doi = format!("10.80000/p{p}.{n}");
        let datasets: Vec<String> = (0..3)
            .map(|k| p + k * self.projects)
            .filter(|&i| i < self.datasets)
            .map(|i| self.identifier(i))
            .collect();
        let title = format!("Project {p} publication {n}");
        json!({
            "doi": doi, "doiUrl": format!("https://doi.org/{doi}"), "title": title, "version": "1",
            "state": "FINDABLE", "datasets": datasets, "releaseAt": null,
            "registeredAt": "2024-01-01T00:00:00Z", "publishedAt": format!("2024-01-{:02}T00:00:00Z", 1 + (p + n) % 28),
            "previousVersion": null, "nextVersion": null,
            "withdrawal": if withdrawn { json!({ "at": "2025-01-01T00:00:00Z", "reason": "wrong grid" }) } else { Value::Null },
            "datacite": {
                "creators": [{ "name": "Lovelace, Ada", "nameType": "Personal",
                    "nameIdentifiers": [{ "nameIdentifier": "https://orcid.org/0000-0002-1825-0097", "nameIdentifierScheme": "ORCID" }],
                    "affiliation": [{ "name": "European Synchrotron" }] }],
                "titles": [{ "title": title }], "publisher": { "name": "strata test facility" }, "publicationYear": 2024,
                "descriptions": [{ "description": "Movies of grid 3.", "descriptionType": "Abstract" }],
                "rightsList": [{ "rights": "Creative Commons Attribution 4.0", "rightsUri": "https://creativecommons.org/licenses/by/4.0/" }]
            },
            "dataciteXml": format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<resource xmlns=\"http://datacite.org/schema/kernel-4\"><identifier identifierType=\"DOI\">{doi}</identifier></resource>\n"),
            "schemaOrg": { "@context": "https://schema.org", "@type": "Dataset", "@id": format!("https://doi.org/{doi}"), "name": title },
            "bibtex": format!("@misc{{p{p}_{n},\n  doi = {{{doi}}},\n  title = {{{title}}}\n}}\n"),
            "ris": format!("TY  - DATA\nDO  - {doi}\nTI  - {title}\nER  - \n"),
        })
    }
}

#[async_trait]
impl GraphqlSource for FixtureSource {
    async fn run(&self, operation: &str, _query: &str, variables: Value) -> Result<Value> {
        Ok(match operation {
            "Home" => {
                let mut per_technique = [0i64; 5];
                for i in 0..self.datasets {
                    per_technique[i % 5] += 1;
                }
                json!({ "datasetFacets": {
                    "total": self.datasets,
                    "technique": TECHNIQUES.iter().zip(per_technique).map(|(t, n)| json!({ "value": t, "count": n })).collect::<Vec<_>>(),
                    "instrument": (0..4).map(|k| json!({ "value": format!("Krios {k}"), "count": self.datasets / 4 })).collect::<Vec<_>>(),
                    "project": (0..self.projects).map(|p| json!({ "value": format!("P{p}"), "count": self.datasets / self.projects })).collect::<Vec<_>>(),
                } })
            }
            "Projects" => json!({ "projects": (0..self.projects).map(|p| json!({
                "code": format!("P{p}"), "title": format!("Project {p}"), "createdAt": "2022-01-01T00:00:00Z",
                "embargoEnd": null,
                "publications": if p == 0 { vec![self.publication(p, 1, false), self.publication(p, 2, true)] } else { vec![self.publication(p, 1, false)] },
            })).collect::<Vec<_>>() }),
            "ParameterTypes" => json!({ "parameterTypes": [
                { "name": "EM_voltage", "unit": "V", "group": "cryo-em", "description": "Accelerating voltage.", "technique": "CRYO_EM" },
                { "name": "EM_magnification", "unit": null, "group": "cryo-em", "description": "Nominal magnification.", "technique": "CRYO_EM" },
                { "name": "EM_sampling_rate", "unit": "A", "group": "cryo-em", "description": "Pixel size.", "technique": "CRYO_EM" },
                { "name": "EMCTF_resolution_limit", "unit": "A", "group": "ctf", "description": "CTF fit resolution.", "technique": null },
                { "name": "EMCTF_defocus_u", "unit": "A", "group": "ctf", "description": "Defocus U.", "technique": null },
                { "name": "EMCTF_defocus_v", "unit": "A", "group": "ctf", "description": "Defocus V.", "technique": null },
                { "name": "MX_resolution", "unit": "A", "group": "mx", "description": "Resolution.", "technique": "MX" },
            ] }),
            "Datasets" => {
                let first = variables["first"].as_u64().unwrap_or(100) as usize;
                let start = variables["after"]
                    .as_str()
                    .and_then(|c| c.parse::<usize>().ok())
                    .unwrap_or(0);
                let end = (start + first).min(self.datasets);
                json!({ "datasets": {
                    "pageInfo": { "hasNextPage": end < self.datasets, "endCursor": end.to_string() },
                    "nodes": (start..end).map(|i| self.dataset(i)).collect::<Vec<_>>(),
                } })
            }
            other => {
                return Err(PortalError::Graphql {
                    operation: other.to_owned(),
                    messages: "the fixtures do not answer it".into(),
                });
            }
        })
    }
}
