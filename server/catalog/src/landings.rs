//! Datasets as they land (registered, or an ingest completed), read from the
//! event log so that a watcher sees what every process writes (a CLI ingest as
//! well as this server's mutations), and the check of one landed dataset
//! against a search filter under a caller's scope.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use strata_domain::records;

use crate::entity::{dataset, event};
use crate::search::DatasetFilter;
use crate::{Catalog, Result, Scope, convert};

/// The event actions after which a dataset is complete and visible.
const LANDED: [&str; 2] = ["dataset.register", "dataset.ingest.complete"];

/// A dataset that landed, with the event that recorded it.
#[derive(Debug, Clone, PartialEq)]
pub struct Landed {
    pub event_id: i64,
    pub identifier: String,
}

impl Catalog {
    /// The newest event's id: where a watcher starts, so that it reports only
    /// what lands after it started.
    pub async fn last_event_id(&self) -> Result<i64> {
        Ok(event::Entity::find()
            .select_only()
            .column(event::Column::Id)
            .order_by_desc(event::Column::Id)
            .into_tuple::<i64>()
            .one(&self.db)
            .await?
            .unwrap_or(0))
    }

    /// Datasets that landed after event `after`, oldest first, at most `limit`.
    pub async fn landed_since(&self, after: i64, limit: u64) -> Result<Vec<Landed>> {
        Ok(event::Entity::find()
            .filter(event::Column::Id.gt(after))
            .filter(event::Column::Action.is_in(LANDED))
            .order_by_asc(event::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|e| Landed {
                event_id: e.id,
                identifier: e.entity_key,
            })
            .collect())
    }

    /// The dataset if it matches `filter` and the caller may see it: exactly
    /// the condition of a search, narrowed to one identifier.
    pub async fn dataset_matching(
        &self,
        scope: &Scope,
        filter: &DatasetFilter,
        identifier: &str,
    ) -> Result<Option<records::Dataset>> {
        let condition = self
            .filter_condition(scope, filter)
            .await
            .map_err(|e| e.within("filter"))?;
        dataset::Entity::find()
            .filter(condition)
            .filter(dataset::Column::Identifier.eq(identifier))
            .one(&self.db)
            .await?
            .map(convert::dataset)
            .transpose()
    }
}
