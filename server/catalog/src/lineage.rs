//! Lineage: the graph of links between datasets (processed → input,
//! child → parent), walked both ways, and kept free of cycles.

use std::collections::{HashMap, HashSet};

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use strata_domain::DatasetIdentifier;
use strata_domain::records::{self, DatasetLink};

use crate::auth::corrupt;
use crate::entity::{dataset, dataset_link};
use crate::{Catalog, CatalogError, Result, Scope, convert};

/// How far a lineage query may walk.
pub const MAX_DEPTH: u32 = 20;

#[derive(Debug, Clone)]
pub struct LineageEdge {
    pub link: DatasetLink,
    /// 1 for a direct link of the dataset asked about, 2 for the next, …
    pub depth: u32,
    /// The far end of the link, when it is in the catalog and visible.
    pub dataset: Option<records::Dataset>,
}

#[derive(Debug, Clone)]
pub struct Lineage {
    pub dataset: records::Dataset,
    /// What the dataset was made from, nearest first.
    pub ancestors: Vec<LineageEdge>,
    /// What was made from it, nearest first.
    pub descendants: Vec<LineageEdge>,
}

#[derive(Clone, Copy)]
enum Direction {
    Ancestors,
    Descendants,
}

impl Catalog {
    /// The ancestors and descendants of a dataset up to `depth` links away,
    /// showing only what the caller may see and never walking through a
    /// dataset the caller may not see.
    pub async fn lineage(&self, scope: &Scope, identifier: &str, depth: u32) -> Result<Lineage> {
        if !(1..=MAX_DEPTH).contains(&depth) {
            return Err(CatalogError::invalid(
                "depth",
                format!("must be 1 to {MAX_DEPTH}; got {depth}"),
            ));
        }
        let root = self.dataset_model(scope, "identifier", identifier).await?;
        let ancestors = self.walk(scope, &root, depth, Direction::Ancestors).await?;
        let descendants = self
            .walk(scope, &root, depth, Direction::Descendants)
            .await?;
        Ok(Lineage {
            dataset: convert::dataset(root)?,
            ancestors,
            descendants,
        })
    }

    async fn walk(
        &self,
        scope: &Scope,
        root: &dataset::Model,
        depth: u32,
        direction: Direction,
    ) -> Result<Vec<LineageEdge>> {
        let mut names: HashMap<i64, String> = HashMap::from([(root.id, root.identifier.clone())]);
        let mut frontier = vec![root.id];
        let mut edges = Vec::new();
        for level in 1..=depth {
            if frontier.is_empty() {
                break;
            }
            let links = match direction {
                Direction::Ancestors => dataset_link::Entity::find()
                    .filter(dataset_link::Column::DatasetId.is_in(frontier.clone())),
                Direction::Descendants => dataset_link::Entity::find()
                    .filter(dataset_link::Column::TargetDatasetId.is_in(frontier.clone())),
            }
            .all(&self.db)
            .await?;
            let far_ids: Vec<i64> = links
                .iter()
                .filter_map(|l| match direction {
                    Direction::Ancestors => l.target_dataset_id,
                    Direction::Descendants => Some(l.dataset_id),
                })
                .collect();
            let visible: HashMap<i64, dataset::Model> =
                self.visible_datasets(scope, &far_ids).await?;
            frontier = Vec::new();
            for link in links {
                let far_id = match direction {
                    Direction::Ancestors => link.target_dataset_id,
                    Direction::Descendants => Some(link.dataset_id),
                };
                let far = match far_id {
                    // Not arrived yet: the link is shown, with nothing to walk into.
                    None => None,
                    Some(id) => match visible.get(&id) {
                        Some(row) => Some(row),
                        None => continue,
                    },
                };
                let (from, to) = match direction {
                    Direction::Ancestors => (
                        names[&link.dataset_id].clone(),
                        link.target_identifier.clone(),
                    ),
                    Direction::Descendants => (
                        far.map(|r| r.identifier.clone()).unwrap_or_default(),
                        link.target_identifier.clone(),
                    ),
                };
                edges.push(LineageEdge {
                    link: DatasetLink {
                        kind: link.kind.parse().map_err(corrupt)?,
                        from: from.parse().map_err(corrupt)?,
                        to: to.parse().map_err(corrupt)?,
                        resolved: link.target_dataset_id.is_some(),
                    },
                    depth: level,
                    dataset: far.cloned().map(convert::dataset).transpose()?,
                });
                if let Some(row) = far
                    && names.insert(row.id, row.identifier.clone()).is_none()
                {
                    frontier.push(row.id);
                }
            }
        }
        Ok(edges)
    }

    /// The datasets among `ids` that the caller may see, by id.
    pub(crate) async fn visible_datasets(
        &self,
        scope: &Scope,
        ids: &[i64],
    ) -> Result<HashMap<i64, dataset::Model>> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let mut query =
            dataset::Entity::find().filter(dataset::Column::Id.is_in(ids.iter().copied()));
        query = query.filter(scope.datasets());
        Ok(query
            .all(&self.db)
            .await?
            .into_iter()
            .map(|d| (d.id, d))
            .collect())
    }
}

/// Refuses a change to the links of `start` that would let it derive from
/// itself. Only links touching `start` changed, so any new cycle passes
/// through it: walking its ancestors is enough.
pub(crate) async fn refuse_cycle(
    db: &impl ConnectionTrait,
    start: i64,
    identifier: &DatasetIdentifier,
    field: &str,
) -> Result<()> {
    let mut seen = HashSet::new();
    let mut frontier = vec![start];
    while !frontier.is_empty() {
        let next: Vec<i64> = dataset_link::Entity::find()
            .filter(dataset_link::Column::DatasetId.is_in(frontier))
            .filter(dataset_link::Column::TargetDatasetId.is_not_null())
            .all(db)
            .await?
            .into_iter()
            .filter_map(|l| l.target_dataset_id)
            .collect();
        if next.contains(&start) {
            return Err(CatalogError::invalid(
                field,
                format!("this link would make a cycle: {identifier} would derive from itself"),
            ));
        }
        frontier = next.into_iter().filter(|id| seen.insert(*id)).collect();
    }
    Ok(())
}
