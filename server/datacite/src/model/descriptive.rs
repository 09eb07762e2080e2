//! Identifier, titles, publisher, type, subjects, dates, rights and descriptions.

use serde::{Deserialize, Serialize};

use crate::{DateType, DescriptionType, ResourceTypeGeneral, TitleType};

/// The record's persistent identifier; in practice always a DOI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Identifier {
    pub value: String,
    pub identifier_type: String,
}

impl Identifier {
    /// A DOI identifier, e.g. `10.82433/B09Z-4K37`.
    pub fn doi(doi: &str) -> Self {
        Identifier {
            value: doi.to_owned(),
            identifier_type: "DOI".to_owned(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Title {
    pub value: String,
    pub title_type: Option<TitleType>,
    pub lang: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Publisher {
    pub name: String,
    pub identifier: Option<String>,
    pub identifier_scheme: Option<String>,
    pub scheme_uri: Option<String>,
    pub lang: Option<String>,
}

/// `resourceType`: the controlled general type plus free text (may be empty).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceType {
    pub general: ResourceTypeGeneral,
    pub value: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Subject {
    pub value: String,
    pub subject_scheme: Option<String>,
    pub scheme_uri: Option<String>,
    pub value_uri: Option<String>,
    pub classification_code: Option<String>,
    pub lang: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Date {
    /// EDTF/ISO 8601 date or range (`2024-01-01/2024-12-31`).
    pub value: String,
    pub date_type: DateType,
    pub date_information: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlternateIdentifier {
    pub value: String,
    pub identifier_type: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rights {
    pub value: String,
    pub rights_uri: Option<String>,
    pub rights_identifier: Option<String>,
    pub rights_identifier_scheme: Option<String>,
    pub scheme_uri: Option<String>,
    pub lang: Option<String>,
}

/// A piece of a description's mixed content: the XSD allows `<br/>` between text runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum DescriptionPart {
    Text(String),
    LineBreak,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Description {
    pub content: Vec<DescriptionPart>,
    pub description_type: DescriptionType,
    pub lang: Option<String>,
}

impl Description {
    /// A description that is one run of text.
    pub fn text(description_type: DescriptionType, text: &str) -> Self {
        Description {
            content: vec![DescriptionPart::Text(text.to_owned())],
            description_type,
            lang: None,
        }
    }

    /// What a reader sees, as HTML would render it: whitespace runs (including the
    /// indentation of pretty-printed XML) as one space, each `<br/>` as a newline.
    pub fn plain_text(&self) -> String {
        let mut lines = vec![String::new()];
        for part in &self.content {
            match part {
                DescriptionPart::Text(t) => {
                    if let Some(line) = lines.last_mut() {
                        line.push_str(t);
                    }
                }
                DescriptionPart::LineBreak => lines.push(String::new()),
            }
        }
        let lines: Vec<String> = lines
            .iter()
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect();
        lines.join("\n").trim().to_owned()
    }
}
