//! Instruments (beamlines, microscopes) and the techniques they serve. Public.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait,
};
use strata_domain::Technique;
use strata_domain::records;

use crate::convert;
use crate::entity::instrument;
use crate::events::Event;
use crate::{Catalog, CatalogError, Result, Scope};

impl Catalog {
    pub async fn create_instrument(
        &self,
        scope: &Scope,
        name: &str,
        facility: &str,
        techniques: &[Technique],
    ) -> Result<records::Instrument> {
        scope.require_admin("adding an instrument")?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(CatalogError::invalid("name", "must be 1 to 100 characters"));
        }
        if facility.chars().count() > 100 {
            return Err(CatalogError::invalid(
                "facility",
                "must be at most 100 characters",
            ));
        }
        let txn = self.db.begin().await?;
        if instrument::Entity::find()
            .filter(instrument::Column::Name.eq(name))
            .one(&txn)
            .await?
            .is_some()
        {
            return Err(CatalogError::conflict(
                Some("name"),
                format!("instrument {name} already exists"),
            ));
        }
        let row = instrument::ActiveModel {
            name: Set(name.to_owned()),
            facility: Set(facility.to_owned()),
            techniques: Set(serde_json::json!(
                techniques.iter().map(|t| t.as_str()).collect::<Vec<_>>()
            )),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        Event::new(scope, "instrument.create", "instrument", name)
            .details(serde_json::json!({ "facility": facility }))
            .record(&txn)
            .await?;
        txn.commit().await?;
        convert::instrument(row)
    }

    pub async fn instruments(&self) -> Result<Vec<records::Instrument>> {
        instrument::Entity::find()
            .order_by_asc(instrument::Column::Name)
            .all(&self.db)
            .await?
            .into_iter()
            .map(convert::instrument)
            .collect()
    }
}
