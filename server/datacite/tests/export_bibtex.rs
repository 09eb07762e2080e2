//! BibTeX exports are parsed back by the `biblatex` crate.

mod common;

use biblatex::{Bibliography, ChunksExt, EntryType};
use strata_datacite::{Resource, from_xml, to_bibtex};

fn parse(label: &str, bib: &str) -> Bibliography {
    let b = Bibliography::parse(bib)
        .unwrap_or_else(|e| panic!("{label}: BibTeX does not parse: {e:?}\n{bib}"));
    assert_eq!(b.len(), 1, "{label}: expected one entry\n{bib}");
    b
}

#[test]
fn bibtex_of_every_example_parses_with_its_doi_authors_and_year() {
    for (name, xml) in common::examples() {
        let r = from_xml(&xml).unwrap_or_else(|e| panic!("{name}: {e}"));
        let bib = to_bibtex(&r);
        let parsed = parse(&name, &bib);
        let entry = parsed.iter().next().expect("one entry");
        assert_eq!(entry.entry_type, EntryType::Misc, "{name}");
        assert_eq!(entry.doi().ok().as_deref(), r.doi(), "{name}\n{bib}");
        let authors = entry
            .author()
            .unwrap_or_else(|e| panic!("{name}: authors: {e:?}\n{bib}"));
        assert_eq!(authors.len(), r.creators.len(), "{name}\n{bib}");
        let year = entry.get("year").map(|c| c.format_verbatim());
        assert_eq!(
            year.as_deref(),
            r.publication_year.as_deref().map(str::trim),
            "{name}"
        );
    }
}

#[test]
fn bibtex_of_the_cryo_em_record_round_trips_names_title_and_specials() {
    let r: Resource = common::cryo_em::record();
    let bib = to_bibtex(&r);
    let parsed = parse("cryo-em", &bib);
    let entry = parsed
        .get("10.82433_strata-cryoem-0042")
        .unwrap_or_else(|| panic!("key from DOI\n{bib}"));
    let authors = entry.author().expect("authors");
    assert_eq!(
        (authors[0].name.as_str(), authors[0].given_name.as_str()),
        ("Carberry", "Josiah")
    );
    assert_eq!(
        (authors[1].name.as_str(), authors[1].given_name.as_str()),
        ("Muñoz-Öztürk", "Ana")
    );
    // The organisation stays whole instead of being split into family/given.
    assert_eq!(authors[2].given_name, "", "{bib}");
    assert!(
        authors[2].name.contains("Example Cryo-EM Facility"),
        "{:?}",
        authors[2]
    );
    let title = entry.title().expect("title").format_verbatim();
    assert!(
        title.contains("{fast} & \"slow\""),
        "title read back as {title:?}\n{bib}"
    );
    assert_eq!(
        entry.url().expect("url"),
        "https://doi.org/10.82433/strata-cryoem-0042"
    );
    assert_eq!(
        entry
            .get("publisher")
            .map(|c| c.format_verbatim())
            .as_deref(),
        Some("Strata Imaging Facility")
    );
    assert!(bib.starts_with("@misc{"), "{bib}");
    assert!(
        bib.contains(
            "author = {Carberry, Josiah and Muñoz-Öztürk, Ana and {Example Cryo-EM Facility}}"
        ),
        "{bib}"
    );
}
