//! Shared test helpers: the vendored schema, a canonical XML comparison and xmllint.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;

pub mod canonical;
pub mod cryo_em;

/// `schema/datacite/kernel-4.7` in this repository (never /work/shared: CI has a clean clone).
pub fn kernel_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../schema/datacite/kernel-4.7")
}

/// (file name, contents) of every official example record, sorted by name.
pub fn examples() -> Vec<(String, String)> {
    let dir = kernel_dir().join("example");
    let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        .map(|p| {
            let name = p
                .file_name()
                .expect("file name")
                .to_string_lossy()
                .into_owned();
            let text =
                std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (name, text)
        })
        .collect();
    out.sort();
    assert_eq!(
        out.len(),
        17,
        "expected the 17 official kernel-4.7 examples in {}",
        dir.display()
    );
    out
}

/// Validates `xml` against the vendored 4.7 XSD with xmllint. Panics with xmllint's
/// messages when invalid, and with an install hint when xmllint is missing.
pub fn assert_schema_valid(label: &str, xml: &str) {
    let dir = std::env::temp_dir().join(format!("strata-datacite-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join(format!("{}.xml", label.replace(['/', ' '], "_")));
    std::fs::write(&file, xml).expect("write temp xml");
    let xsd = kernel_dir().join("metadata.xsd");
    let output = match Command::new("xmllint")
        .args(["--noout", "--nonet", "--schema"])
        .arg(&xsd)
        .arg(&file)
        .output()
    {
        Ok(o) => o,
        Err(e) => panic!(
            "xmllint could not be run ({e}); it is needed to validate DataCite XML against the XSD: \
             install Debian's libxml2-utils (apt-get install libxml2-utils)"
        ),
    };
    assert!(
        output.status.success(),
        "{label}: written XML is not valid against kernel-4.7 metadata.xsd:\n{}\n--- document ---\n{xml}",
        String::from_utf8_lossy(&output.stderr)
    );
    let _ = std::fs::remove_file(&file);
}
