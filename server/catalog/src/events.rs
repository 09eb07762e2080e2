//! The append-only event log: every change, who made it and when, written in
//! the same transaction as the change itself.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};

use crate::entity::event;
use crate::{Result, Scope};

pub(crate) struct Event<'a> {
    scope: &'a Scope,
    action: &'static str,
    entity_type: &'static str,
    entity_key: String,
    project_id: Option<i32>,
    details: serde_json::Value,
}

impl<'a> Event<'a> {
    pub fn new(
        scope: &'a Scope,
        action: &'static str,
        entity_type: &'static str,
        key: &str,
    ) -> Self {
        Self {
            scope,
            action,
            entity_type,
            entity_key: key.to_owned(),
            project_id: None,
            details: serde_json::Value::Object(Default::default()),
        }
    }

    pub fn project(mut self, project_id: i32) -> Self {
        self.project_id = Some(project_id);
        self
    }

    pub fn details(mut self, details: serde_json::Value) -> Self {
        self.details = details;
        self
    }

    pub async fn record(self, db: &impl ConnectionTrait) -> Result<()> {
        event::ActiveModel {
            at: Set(Utc::now()),
            actor: Set(self.scope.actor().to_owned()),
            action: Set(self.action.to_owned()),
            entity_type: Set(self.entity_type.to_owned()),
            entity_key: Set(self.entity_key),
            project_id: Set(self.project_id),
            details: Set(self.details),
            ..Default::default()
        }
        .insert(db)
        .await?;
        Ok(())
    }
}
