//! RIS exports follow the RIS line grammar strictly (`TAG  - value` + CRLF, TY first,
//! ER last, only tags from the RIS specification, one line per value) and are read back
//! by a real RIS parser (the `biblib` crate).

mod common;

use biblib::{Citation, CitationParser, RisParser};
use strata_datacite::{from_xml, to_ris};

fn parse_with_biblib(label: &str, text: &str) -> Citation {
    let mut all = RisParser::new()
        .parse(text)
        .unwrap_or_else(|e| panic!("{label}: biblib rejects the RIS: {e}\n{text}"));
    assert_eq!(all.len(), 1, "{label}: expected one reference");
    all.remove(0)
}

/// Tags of the RIS specification (Research Information Systems, 2012).
const RIS_TAGS: &[&str] = &[
    "TY", "A1", "A2", "A3", "A4", "AB", "AD", "AN", "AU", "AV", "BT", "C1", "C2", "C3", "C4", "C5",
    "C6", "C7", "C8", "CA", "CN", "CP", "CT", "CY", "DA", "DB", "DO", "DP", "ED", "EP", "ET", "ID",
    "IS", "J1", "J2", "JA", "JF", "JO", "KW", "L1", "L2", "L3", "L4", "LA", "LB", "LK", "M1", "M2",
    "M3", "N1", "N2", "NV", "OP", "PB", "PP", "PY", "RI", "RN", "RP", "SE", "SN", "SP", "ST", "T1",
    "T2", "T3", "TA", "TI", "TT", "U1", "U2", "U3", "U4", "U5", "UR", "VL", "VO", "Y1", "Y2", "ER",
];

/// Parses a single-reference RIS text into (tag, value) pairs, panicking on any line
/// that breaks the grammar.
fn parse_ris(label: &str, text: &str) -> Vec<(String, String)> {
    assert!(text.ends_with("\r\n"), "{label}: RIS must end with CRLF");
    let lines: Vec<&str> = text
        .strip_suffix("\r\n")
        .unwrap_or(text)
        .split("\r\n")
        .collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        assert!(
            !line.contains('\n') && !line.contains('\r'),
            "{label}: stray line break in line {i}"
        );
        let (tag, rest) = line
            .split_at_checked(2)
            .unwrap_or_else(|| panic!("{label}: short line {line:?}"));
        assert!(RIS_TAGS.contains(&tag), "{label}: unknown RIS tag {tag:?}");
        let value = rest
            .strip_prefix("  - ")
            .unwrap_or_else(|| panic!("{label}: line {line:?} lacks '  - '"));
        if tag == "ER" {
            assert!(
                value.is_empty() && i == lines.len() - 1,
                "{label}: ER must be last and empty"
            );
        } else {
            assert!(
                !value.is_empty() && value.trim() == value,
                "{label}: empty or padded value in {line:?}"
            );
        }
        out.push((tag.to_owned(), value.to_owned()));
    }
    assert_eq!(
        out.first().map(|(t, v)| (t.as_str(), v.as_str())),
        Some(("TY", "DATA")),
        "{label}"
    );
    assert_eq!(out.last().map(|(t, _)| t.as_str()), Some("ER"), "{label}");
    out
}

fn values<'a>(fields: &'a [(String, String)], tag: &str) -> Vec<&'a str> {
    fields
        .iter()
        .filter(|(t, _)| t == tag)
        .map(|(_, v)| v.as_str())
        .collect()
}

#[test]
fn ris_of_every_example_follows_the_grammar_and_cites_the_doi() {
    for (name, xml) in common::examples() {
        let r = from_xml(&xml).unwrap_or_else(|e| panic!("{name}: {e}"));
        let text = to_ris(&r);
        let fields = parse_ris(&name, &text);
        assert_eq!(
            values(&fields, "DO"),
            r.doi().into_iter().collect::<Vec<_>>(),
            "{name}"
        );
        assert_eq!(values(&fields, "AU").len(), r.creators.len(), "{name}");
        let c = parse_with_biblib(&name, &text);
        let lower = |d: &str| d.to_ascii_lowercase();
        assert_eq!(c.doi.as_deref().map(lower), r.doi().map(lower), "{name}");
        assert_eq!(c.authors.len(), r.creators.len(), "{name}");
        assert_eq!(
            c.date.map(|d| d.year.to_string()),
            r.publication_year.clone(),
            "{name}"
        );
    }
}

#[test]
fn ris_of_the_cryo_em_record_has_its_fields() {
    let fields = parse_ris("cryo-em", &to_ris(&common::cryo_em::record()));
    assert_eq!(
        values(&fields, "AU"),
        [
            "Carberry, Josiah",
            "Muñoz-Öztürk, Ana",
            "Example Cryo-EM Facility"
        ]
    );
    assert_eq!(values(&fields, "PY"), ["2026"]);
    assert_eq!(values(&fields, "DA"), ["2026/05/17"]);
    assert_eq!(values(&fields, "PB"), ["Strata Imaging Facility"]);
    assert_eq!(
        values(&fields, "UR"),
        ["https://doi.org/10.82433/strata-cryoem-0042"]
    );
    assert_eq!(values(&fields, "KW").len(), 3);
    // The abstract's <br/> became a space: RIS values are single lines.
    assert!(
        values(&fields, "AB")[0].contains("4 °C. Dose 40"),
        "{fields:?}"
    );

    let c = parse_with_biblib("cryo-em", &to_ris(&common::cryo_em::record()));
    assert!(
        c.title.starts_with("Cryo-EM movies of apoferritin"),
        "{c:?}"
    );
    let names: Vec<(&str, Option<&str>)> = c
        .authors
        .iter()
        .map(|a| (a.name.as_str(), a.given_name.as_deref()))
        .collect();
    assert_eq!(names[0], ("Carberry", Some("Josiah")));
    assert_eq!(names[1], ("Muñoz-Öztürk", Some("Ana")));
    assert_eq!(c.doi.as_deref(), Some("10.82433/strata-cryoem-0042"));
    assert_eq!(
        c.date.map(|d| (d.year, d.month, d.day)),
        Some((2026, Some(5), Some(17)))
    );
    assert_eq!(c.publisher.as_deref(), Some("Strata Imaging Facility"));
    assert_eq!(c.keywords.len(), 3);
    assert_eq!(c.language.as_deref(), Some("en"));
}
