//! Links to other resources and to funding.

use serde::{Deserialize, Serialize};

use crate::model::{ItemContributor, ItemCreator, Title};
use crate::{
    FunderIdentifierType, NumberType, RelatedIdentifierType, RelationType, ResourceTypeGeneral,
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RelatedIdentifier {
    pub value: String,
    pub related_identifier_type: RelatedIdentifierType,
    pub relation_type: RelationType,
    pub resource_type_general: Option<ResourceTypeGeneral>,
    pub related_metadata_scheme: Option<String>,
    pub scheme_uri: Option<String>,
    pub scheme_type: Option<String>,
    /// Free text qualifying the relation; required in practice with `relationType="Other"`.
    pub relation_type_information: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FunderIdentifier {
    pub value: String,
    pub funder_identifier_type: FunderIdentifierType,
    pub scheme_uri: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AwardNumber {
    pub value: String,
    pub award_uri: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FundingReference {
    pub funder_name: String,
    pub funder_identifier: Option<FunderIdentifier>,
    pub award_number: Option<AwardNumber>,
    pub award_title: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RelatedItemIdentifier {
    pub value: String,
    pub related_item_identifier_type: Option<RelatedIdentifierType>,
    pub related_metadata_scheme: Option<String>,
    pub scheme_uri: Option<String>,
    pub scheme_type: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RelatedItemNumber {
    pub value: String,
    pub number_type: Option<NumberType>,
}

/// A related resource described inline, for things without their own DOI metadata
/// (e.g. the journal issue an article appeared in).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RelatedItem {
    pub related_item_type: ResourceTypeGeneral,
    pub relation_type: RelationType,
    pub relation_type_information: Option<String>,
    pub identifier: Option<RelatedItemIdentifier>,
    pub creators: Vec<ItemCreator>,
    pub titles: Vec<Title>,
    pub publication_year: Option<String>,
    pub volume: Option<String>,
    pub issue: Option<String>,
    pub number: Option<RelatedItemNumber>,
    pub first_page: Option<String>,
    pub last_page: Option<String>,
    pub publisher: Option<String>,
    pub edition: Option<String>,
    pub contributors: Vec<ItemContributor>,
}
