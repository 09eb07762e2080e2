//! This catalog's identity: the instance named in the lock file of every
//! project directory it has attached.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Set};
use uuid::Uuid;

use crate::Result;
use crate::entity::instance;

#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    pub id: Uuid,
    pub name: String,
}

/// The instance of this database, created on first open and named after the
/// host (a data manager reading a lock file wants to know which machine).
pub(crate) async fn load_or_create(db: &impl ConnectionTrait) -> Result<Instance> {
    if let Some(row) = instance::Entity::find().one(db).await? {
        return Ok(Instance {
            id: row.id,
            name: row.name,
        });
    }
    let row = instance::ActiveModel {
        id: Set(Uuid::new_v4()),
        name: Set(format!("strata@{}", host_name())),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await?;
    Ok(Instance {
        id: row.id,
        name: row.name,
    })
}

pub(crate) fn host_name() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|h| h.trim().to_owned())
        })
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into())
}
