//! Citation exports: BibTeX, RIS and CSL-JSON, for reference managers and the "Cite"
//! button on a landing page. All three cite the DOI, not the landing page.

mod bibtex;
mod csl;
mod ris;

pub use bibtex::to_bibtex;
pub use csl::to_csl_json;
pub use ris::to_ris;

use crate::model::{Creator, Resource, squash};
use crate::{DateType, DescriptionType};

/// A name as citation formats want it.
pub(crate) enum Author {
    Person {
        family: String,
        given: Option<String>,
    },
    Organization(String),
}

pub(crate) fn authors(r: &Resource) -> Vec<Author> {
    r.creators.iter().map(author).collect()
}

fn author(c: &Creator) -> Author {
    if c.is_person() {
        let (family, given) = c.family_given();
        Author::Person {
            family: squash(&family),
            given: given.map(|g| squash(&g)).filter(|g| !g.is_empty()),
        }
    } else {
        Author::Organization(squash(&c.name.value))
    }
}

/// The issued date as (year, month, day) parts: the `Issued` date if it parses, else the
/// publication year.
pub(crate) fn issued_parts(r: &Resource) -> Vec<u32> {
    let from_date = r
        .dates
        .iter()
        .find(|d| d.date_type == DateType::Issued)
        .map(|d| {
            d.value
                .trim()
                .split(['-', 'T', '/'])
                .take(3)
                .map_while(|p| p.parse::<u32>().ok())
                .collect::<Vec<_>>()
        })
        .filter(|parts| !parts.is_empty());
    from_date
        .or_else(|| {
            r.publication_year
                .as_deref()
                .and_then(|y| y.trim().parse().ok())
                .map(|y| vec![y])
        })
        .unwrap_or_default()
}

pub(crate) fn year(r: &Resource) -> Option<u32> {
    r.publication_year
        .as_deref()
        .and_then(|y| y.trim().parse().ok())
        .or_else(|| issued_parts(r).first().copied())
}

pub(crate) fn abstract_text(r: &Resource) -> Option<String> {
    r.description_text(DescriptionType::Abstract)
}

pub(crate) fn publisher(r: &Resource) -> Option<String> {
    r.publisher.as_ref().map(|p| squash(&p.name))
}

pub(crate) fn title(r: &Resource) -> Option<String> {
    r.main_title().map(squash)
}

pub(crate) fn keywords(r: &Resource) -> Vec<String> {
    r.subjects
        .iter()
        .map(|s| squash(&s.value))
        .filter(|s| !s.is_empty())
        .collect()
}

/// Where a citation should point: the DOI resolver, else the landing page.
pub(crate) fn link(r: &Resource) -> Option<String> {
    r.doi_url().or_else(|| r.url.clone())
}
