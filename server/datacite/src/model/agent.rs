//! Creators and contributors: the people and organisations a record credits.

use serde::{Deserialize, Serialize};

use crate::{ContributorType, NameType};

/// `creatorName` / `contributorName`: the display name, "Family, Given" for a person.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Name {
    pub value: String,
    pub name_type: Option<NameType>,
    pub lang: Option<String>,
}

/// An identifier of a person or organisation, e.g. an ORCID iD or a ROR id.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NameIdentifier {
    pub value: String,
    /// e.g. `ORCID`, `ROR`, `ISNI`; free text in the XSD.
    pub scheme: String,
    pub scheme_uri: Option<String>,
}

/// An organisation a creator or contributor belongs to, optionally with its (ROR) id.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Affiliation {
    pub name: String,
    pub identifier: Option<String>,
    pub identifier_scheme: Option<String>,
    pub scheme_uri: Option<String>,
}

/// A creator of the resource (an author, for citations).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Creator {
    pub name: Name,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub name_identifiers: Vec<NameIdentifier>,
    pub affiliations: Vec<Affiliation>,
}

/// A contributor: a creator-shaped party with a role.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Contributor {
    pub contributor_type: ContributorType,
    #[serde(flatten)]
    pub party: Creator,
}

/// A creator of a related item; the XSD gives these no identifiers or affiliations.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemCreator {
    pub name: Name,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
}

/// A contributor of a related item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemContributor {
    pub contributor_type: ContributorType,
    #[serde(flatten)]
    pub party: ItemCreator,
}

impl Creator {
    /// A person with ORCID-style "Family, Given" display name.
    pub fn person(family: &str, given: &str) -> Self {
        Creator {
            name: Name {
                value: format!("{family}, {given}"),
                name_type: Some(NameType::Personal),
                lang: None,
            },
            given_name: Some(given.to_owned()),
            family_name: Some(family.to_owned()),
            ..Creator::default()
        }
    }

    /// An organisation.
    pub fn organization(name: &str) -> Self {
        Creator {
            name: Name {
                value: name.to_owned(),
                name_type: Some(NameType::Organizational),
                lang: None,
            },
            ..Creator::default()
        }
    }

    /// True when the party is (or, lacking `nameType`, looks like) a person: citation
    /// formats split persons into family/given and keep organisations whole.
    pub fn is_person(&self) -> bool {
        match self.name.name_type {
            Some(NameType::Personal) => true,
            Some(NameType::Organizational) => false,
            None => self.family_name.is_some() || self.given_name.is_some(),
        }
    }

    /// The ORCID iD as `https://orcid.org/XXXX-XXXX-XXXX-XXXX`, if one is given.
    pub fn orcid_url(&self) -> Option<String> {
        self.name_identifiers
            .iter()
            .find(|n| n.scheme.trim().eq_ignore_ascii_case("ORCID"))
            .map(|n| {
                let v = n.value.trim();
                let bare = v
                    .strip_prefix("https://orcid.org/")
                    .or_else(|| v.strip_prefix("http://orcid.org/"))
                    .unwrap_or(v);
                format!("https://orcid.org/{bare}")
            })
    }

    /// (family, given) for a person: the explicit parts, else split from "Family, Given".
    pub fn family_given(&self) -> (String, Option<String>) {
        if let Some(family) = &self.family_name {
            return (
                family.trim().to_owned(),
                self.given_name.as_ref().map(|g| g.trim().to_owned()),
            );
        }
        match self.name.value.split_once(',') {
            Some((f, g)) => (f.trim().to_owned(), Some(g.trim().to_owned())),
            None => (self.name.value.trim().to_owned(), self.given_name.clone()),
        }
    }
}
