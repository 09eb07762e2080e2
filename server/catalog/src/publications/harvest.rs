//! What an OAI-PMH provider asks of the catalog beside
//! [`Catalog::published_since`]: the earliest datestamp, the projects that
//! have public publications (its sets), and the facility's name.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use super::PublicationState;
use crate::entity::{project, publication};
use crate::{Catalog, Result};

impl Catalog {
    /// When the oldest public (registered or findable, withdrawn included)
    /// publication last changed; `None` when there is none.
    pub async fn earliest_published_change(&self) -> Result<Option<DateTime<Utc>>> {
        Ok(publication::Entity::find()
            .filter(publication::Column::State.ne(PublicationState::Draft.as_str()))
            .order_by_asc(publication::Column::UpdatedAt)
            .one(&self.db)
            .await?
            .map(|p| p.updated_at))
    }

    /// (code, title) of every project with a public publication, by code.
    pub async fn projects_with_publications(&self) -> Result<Vec<(String, String)>> {
        let ids: std::collections::BTreeSet<i32> = publication::Entity::find()
            .filter(publication::Column::State.ne(PublicationState::Draft.as_str()))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|p| p.project_id)
            .collect();
        Ok(project::Entity::find()
            .filter(project::Column::Id.is_in(ids))
            .order_by_asc(project::Column::Code)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|p| (p.code, p.title))
            .collect())
    }

    /// The publisher named when a record names none (the facility), if DOIs
    /// are configured.
    pub fn doi_publisher(&self) -> Option<&str> {
        self.doi.as_deref().map(|d| d.publisher.as_str())
    }
}
