//! The portal's GraphQL documents (`portal/queries/*.graphql`), compiled in.

const FRAGMENT: &str = include_str!("../queries/dataset-page.fragment.graphql");

pub const HOME: &str = include_str!("../queries/home.graphql");
pub const PROJECTS: &str = include_str!("../queries/projects.graphql");
pub const PARAMETER_TYPES: &str = include_str!("../queries/parameter-types.graphql");
const DATASET: &str = include_str!("../queries/dataset.graphql");
const DATASETS: &str = include_str!("../queries/datasets.graphql");

/// One dataset by identifier, with the page's fragment: what a dataset page shows.
pub fn dataset() -> String {
    format!("{DATASET}\n{FRAGMENT}")
}

/// Every public dataset, a page at a time, with the page's fragment.
pub fn datasets() -> String {
    format!("{DATASETS}\n{FRAGMENT}")
}
