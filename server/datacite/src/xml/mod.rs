//! DataCite XML (kernel-4 namespace).

mod read;
mod tree;
mod write;

pub use read::{XmlReadError, from_xml};
pub use write::to_xml;

/// The kernel-4 namespace: one namespace for every 4.x version of the schema.
pub const KERNEL_4_NAMESPACE: &str = "http://datacite.org/schema/kernel-4";
/// Where DataCite publishes the current kernel-4 XSD; written as `xsi:schemaLocation`.
pub const KERNEL_4_SCHEMA_LOCATION: &str =
    "http://datacite.org/schema/kernel-4 https://schema.datacite.org/meta/kernel-4/metadata.xsd";

pub(crate) const XML_NAMESPACE: &str = "http://www.w3.org/XML/1998/namespace";
pub(crate) const XSI_NAMESPACE: &str = "http://www.w3.org/2001/XMLSchema-instance";
