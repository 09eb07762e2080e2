//! What every resolver needs: the catalog, the caller's scope and the
//! DataLoaders, which are made per request because they carry the scope.

use async_graphql::Context;
use async_graphql::dataloader::DataLoader;
use strata_catalog::{Catalog, Scope};

use super::loaders::{
    DatafilesLoader, DatasetsByIdentifierLoader, LinksLoader, ParametersLoader, ProjectsLoader,
};

pub struct RequestContext {
    pub catalog: Catalog,
    pub scope: Scope,
    pub parameters: DataLoader<ParametersLoader>,
    pub links: DataLoader<LinksLoader>,
    pub datafiles: DataLoader<DatafilesLoader>,
    pub projects: DataLoader<ProjectsLoader>,
    pub datasets: DataLoader<DatasetsByIdentifierLoader>,
}

impl RequestContext {
    pub fn new(catalog: Catalog, scope: Scope) -> Self {
        Self {
            parameters: DataLoader::new(ParametersLoader::new(&catalog), tokio::spawn),
            links: DataLoader::new(LinksLoader::new(&catalog, &scope), tokio::spawn),
            datafiles: DataLoader::new(DatafilesLoader::new(&catalog), tokio::spawn),
            projects: DataLoader::new(ProjectsLoader::new(&catalog, &scope), tokio::spawn),
            datasets: DataLoader::new(
                DatasetsByIdentifierLoader::new(&catalog, &scope),
                tokio::spawn,
            ),
            catalog,
            scope,
        }
    }
}

pub fn request<'a>(ctx: &'a Context<'_>) -> &'a RequestContext {
    ctx.data_unchecked::<RequestContext>()
}
