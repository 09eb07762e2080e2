//! The controlled lists of DataCite kernel-4.7, spelled exactly as in `include/*.xsd`.
//!
//! Enums rather than strings so that a record which builds is a record DataCite accepts:
//! a misspelt `relationType` is caught when it is read, not when the DOI is registered.
//! The variant lists are checked against the vendored XSDs by `tests/vocabulary.rs`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A value that is not in the named controlled list.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a DataCite {vocabulary} value")]
pub struct UnknownTerm {
    /// The XSD simple type the value was checked against, e.g. `relationType`.
    pub vocabulary: &'static str,
    /// The rejected value, as given.
    pub value: String,
}

macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident = $xsd:literal { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name {
            $(
                #[doc = $text]
                #[serde(rename = $text)]
                $variant,
            )+
        }

        impl $name {
            /// Every value, in the order of the XSD enumeration.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The name of the XSD simple type this list comes from.
            pub const XSD_TYPE: &'static str = $xsd;

            /// The exact XSD spelling.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl FromStr for $name {
            type Err = UnknownTerm;

            fn from_str(s: &str) -> Result<Self, UnknownTerm> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(UnknownTerm { vocabulary: $xsd, value: s.to_owned() }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

vocabulary! {
    /// `resourceTypeGeneral` (also `relatedItemType` and a related identifier's type).
    ResourceTypeGeneral = "resourceType" {
        Audiovisual => "Audiovisual",
        Award => "Award",
        Book => "Book",
        BookChapter => "BookChapter",
        Collection => "Collection",
        ComputationalNotebook => "ComputationalNotebook",
        ConferencePaper => "ConferencePaper",
        ConferenceProceeding => "ConferenceProceeding",
        DataPaper => "DataPaper",
        Dataset => "Dataset",
        Dissertation => "Dissertation",
        Event => "Event",
        Image => "Image",
        Instrument => "Instrument",
        InteractiveResource => "InteractiveResource",
        Journal => "Journal",
        JournalArticle => "JournalArticle",
        Model => "Model",
        OutputManagementPlan => "OutputManagementPlan",
        PeerReview => "PeerReview",
        PhysicalObject => "PhysicalObject",
        Poster => "Poster",
        Preprint => "Preprint",
        Presentation => "Presentation",
        Project => "Project",
        Report => "Report",
        Service => "Service",
        Software => "Software",
        Sound => "Sound",
        Standard => "Standard",
        StudyRegistration => "StudyRegistration",
        Text => "Text",
        Workflow => "Workflow",
        Other => "Other",
    }
}

vocabulary! {
    /// How a related resource relates to this one (`relationType`).
    RelationType = "relationType" {
        IsCitedBy => "IsCitedBy",
        Cites => "Cites",
        IsSupplementTo => "IsSupplementTo",
        IsSupplementedBy => "IsSupplementedBy",
        IsContinuedBy => "IsContinuedBy",
        Continues => "Continues",
        IsNewVersionOf => "IsNewVersionOf",
        IsPreviousVersionOf => "IsPreviousVersionOf",
        IsPartOf => "IsPartOf",
        HasPart => "HasPart",
        IsPublishedIn => "IsPublishedIn",
        IsReferencedBy => "IsReferencedBy",
        References => "References",
        IsDocumentedBy => "IsDocumentedBy",
        Documents => "Documents",
        IsCompiledBy => "IsCompiledBy",
        Compiles => "Compiles",
        IsVariantFormOf => "IsVariantFormOf",
        IsOriginalFormOf => "IsOriginalFormOf",
        IsIdenticalTo => "IsIdenticalTo",
        HasMetadata => "HasMetadata",
        IsMetadataFor => "IsMetadataFor",
        Reviews => "Reviews",
        IsReviewedBy => "IsReviewedBy",
        IsDerivedFrom => "IsDerivedFrom",
        IsSourceOf => "IsSourceOf",
        Describes => "Describes",
        IsDescribedBy => "IsDescribedBy",
        HasVersion => "HasVersion",
        IsVersionOf => "IsVersionOf",
        Requires => "Requires",
        IsRequiredBy => "IsRequiredBy",
        Obsoletes => "Obsoletes",
        IsObsoletedBy => "IsObsoletedBy",
        Collects => "Collects",
        IsCollectedBy => "IsCollectedBy",
        HasTranslation => "HasTranslation",
        IsTranslationOf => "IsTranslationOf",
        Other => "Other",
    }
}

vocabulary! {
    /// The scheme of a related identifier (`relatedIdentifierType`).
    RelatedIdentifierType = "relatedIdentifierType" {
        Ark => "ARK",
        ArXiv => "arXiv",
        Bibcode => "bibcode",
        Cstr => "CSTR",
        Doi => "DOI",
        Ean13 => "EAN13",
        Eissn => "EISSN",
        Handle => "Handle",
        Igsn => "IGSN",
        Isbn => "ISBN",
        Issn => "ISSN",
        Istc => "ISTC",
        Lissn => "LISSN",
        Lsid => "LSID",
        Pmid => "PMID",
        Purl => "PURL",
        Raid => "RAiD",
        Rrid => "RRID",
        Swhid => "SWHID",
        Upc => "UPC",
        Url => "URL",
        Urn => "URN",
        W3id => "w3id",
    }
}

vocabulary! {
    /// The role of a contributor (`contributorType`).
    ContributorType = "contributorType" {
        ContactPerson => "ContactPerson",
        DataCollector => "DataCollector",
        DataCurator => "DataCurator",
        DataManager => "DataManager",
        Distributor => "Distributor",
        Editor => "Editor",
        HostingInstitution => "HostingInstitution",
        Other => "Other",
        Producer => "Producer",
        ProjectLeader => "ProjectLeader",
        ProjectManager => "ProjectManager",
        ProjectMember => "ProjectMember",
        RegistrationAgency => "RegistrationAgency",
        RegistrationAuthority => "RegistrationAuthority",
        RelatedPerson => "RelatedPerson",
        ResearchGroup => "ResearchGroup",
        RightsHolder => "RightsHolder",
        Researcher => "Researcher",
        Sponsor => "Sponsor",
        Supervisor => "Supervisor",
        Translator => "Translator",
        WorkPackageLeader => "WorkPackageLeader",
    }
}

vocabulary! {
    /// What a date means (`dateType`).
    DateType = "dateType" {
        Accepted => "Accepted",
        Available => "Available",
        Collected => "Collected",
        Copyrighted => "Copyrighted",
        Coverage => "Coverage",
        Created => "Created",
        Issued => "Issued",
        Other => "Other",
        Submitted => "Submitted",
        Updated => "Updated",
        Valid => "Valid",
        Withdrawn => "Withdrawn",
    }
}

vocabulary! {
    /// The kind of a description (`descriptionType`).
    DescriptionType = "descriptionType" {
        Abstract => "Abstract",
        Methods => "Methods",
        SeriesInformation => "SeriesInformation",
        TableOfContents => "TableOfContents",
        TechnicalInfo => "TechnicalInfo",
        Other => "Other",
    }
}

vocabulary! {
    /// The kind of a non-main title (`titleType`); the main title has none.
    TitleType = "titleType" {
        AlternativeTitle => "AlternativeTitle",
        Subtitle => "Subtitle",
        TranslatedTitle => "TranslatedTitle",
        Other => "Other",
    }
}

vocabulary! {
    /// Whether a creator or contributor is a person or an organisation (`nameType`).
    NameType = "nameType" {
        Organizational => "Organizational",
        Personal => "Personal",
    }
}

vocabulary! {
    /// The scheme of a funder identifier (`funderIdentifierType`).
    FunderIdentifierType = "funderIdentifierType" {
        Isni => "ISNI",
        Grid => "GRID",
        Ror => "ROR",
        CrossrefFunderId => "Crossref Funder ID",
        Other => "Other",
    }
}

vocabulary! {
    /// What a related item's `number` counts (`numberType`).
    NumberType = "numberType" {
        Article => "Article",
        Chapter => "Chapter",
        Report => "Report",
        Other => "Other",
    }
}
