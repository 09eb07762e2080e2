//! Lineage queries: ancestors and descendants of a dataset.

use async_graphql::{Context, Object, SimpleObject};
use strata_catalog as catalog;

use super::context::request;
use super::dataset::{Dataset, DatasetLink};
use crate::error::{IntoGraphql, bad_input};

#[derive(SimpleObject)]
pub struct Lineage {
    pub dataset: Dataset,
    /// What the dataset was made from, nearest first.
    pub ancestors: Vec<LineageEdge>,
    /// What was made from it, nearest first.
    pub descendants: Vec<LineageEdge>,
}

#[derive(SimpleObject)]
pub struct LineageEdge {
    pub link: DatasetLink,
    /// 1 for a direct link, 2 for a link of a linked dataset, …
    pub depth: u32,
    /// The far end of the link, when it is in the catalog and visible to the caller.
    pub dataset: Option<Dataset>,
}

impl From<catalog::LineageEdge> for LineageEdge {
    fn from(e: catalog::LineageEdge) -> Self {
        Self {
            link: e.link.into(),
            depth: e.depth,
            dataset: e.dataset.map(Into::into),
        }
    }
}

#[derive(Default)]
pub struct LineageQuery;

#[Object]
impl LineageQuery {
    /// The ancestors and descendants of a dataset, up to `depth` links away (at most 20).
    /// Null when the dataset does not exist or is not visible to the caller.
    async fn lineage(
        &self,
        ctx: &Context<'_>,
        identifier: String,
        #[graphql(default = 5)] depth: i32,
    ) -> async_graphql::Result<Option<Lineage>> {
        let r = request(ctx);
        let depth = u32::try_from(depth)
            .map_err(|_| bad_input("depth", format!("must be 1 to 20; got {depth}")))?;
        match r.catalog.lineage(&r.scope, &identifier, depth).await {
            Ok(l) => Ok(Some(Lineage {
                dataset: l.dataset.into(),
                ancestors: l.ancestors.into_iter().map(Into::into).collect(),
                descendants: l.descendants.into_iter().map(Into::into).collect(),
            })),
            Err(catalog::CatalogError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e).gql(),
        }
    }
}
