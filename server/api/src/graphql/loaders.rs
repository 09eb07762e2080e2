//! DataLoaders: every nested list of the schema is fetched a level at a time.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use strata_catalog::{Catalog, Scope};
use strata_domain::records::{Datafile, Dataset, DatasetLink, Parameter, Project};

use crate::error::graphql;

macro_rules! scoped_loader {
    ($name:ident) => {
        pub struct $name {
            catalog: Catalog,
            scope: Scope,
        }
        impl $name {
            pub fn new(catalog: &Catalog, scope: &Scope) -> Self {
                Self {
                    catalog: catalog.clone(),
                    scope: scope.clone(),
                }
            }
        }
    };
}

scoped_loader!(LinksLoader);
scoped_loader!(ProjectsLoader);
scoped_loader!(DatasetsByIdentifierLoader);

/// Parameters and files belong to a dataset the caller already holds as
/// visible (a `Dataset` object only comes out of a scoped query), so these two
/// need no scope of their own.
pub struct ParametersLoader {
    catalog: Catalog,
}

pub struct DatafilesLoader {
    catalog: Catalog,
}

impl ParametersLoader {
    pub fn new(catalog: &Catalog) -> Self {
        Self {
            catalog: catalog.clone(),
        }
    }
}

impl DatafilesLoader {
    pub fn new(catalog: &Catalog) -> Self {
        Self {
            catalog: catalog.clone(),
        }
    }
}

impl Loader<i64> for ParametersLoader {
    type Value = Vec<Parameter>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        self.catalog
            .parameters_of(keys)
            .await
            .map_err(|e| graphql(e, None))
    }
}

/// Links a dataset makes (`Outgoing`) or receives (`Incoming`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LinkKey {
    Outgoing(i64),
    Incoming(i64),
}

impl Loader<LinkKey> for LinksLoader {
    type Value = Vec<DatasetLink>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[LinkKey]) -> Result<HashMap<LinkKey, Self::Value>, Self::Error> {
        let mut ids: Vec<i64> = keys
            .iter()
            .map(|k| match k {
                LinkKey::Outgoing(id) | LinkKey::Incoming(id) => *id,
            })
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let (outgoing, incoming) = self
            .catalog
            .links_of(&self.scope, &ids)
            .await
            .map_err(|e| graphql(e, None))?;
        let mut found = HashMap::new();
        for (id, links) in outgoing {
            found.insert(LinkKey::Outgoing(id), links);
        }
        for (id, links) in incoming {
            found.insert(LinkKey::Incoming(id), links);
        }
        Ok(found)
    }
}

impl Loader<i64> for DatafilesLoader {
    type Value = Vec<Datafile>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        let mut found: HashMap<i64, Vec<Datafile>> = HashMap::new();
        for (id, file) in self
            .catalog
            .datafiles(keys)
            .await
            .map_err(|e| graphql(e, None))?
        {
            found.entry(id).or_default().push(file);
        }
        Ok(found)
    }
}

impl Loader<i32> for ProjectsLoader {
    type Value = Project;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Self::Value>, Self::Error> {
        let projects = self
            .catalog
            .projects_by_uid(&self.scope, keys)
            .await
            .map_err(|e| graphql(e, None))?;
        Ok(projects.into_iter().map(|p| (p.uid, p)).collect())
    }
}

impl Loader<String> for DatasetsByIdentifierLoader {
    type Value = Dataset;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[String]) -> Result<HashMap<String, Self::Value>, Self::Error> {
        self.catalog
            .datasets_by_identifier(&self.scope, keys)
            .await
            .map_err(|e| graphql(e, None))
    }
}
