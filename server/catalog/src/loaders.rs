//! Batch reads behind the API's DataLoaders: one query for a whole level of a
//! GraphQL answer, never one per record. They take ids of datasets that the
//! caller already holds as visible; the far ends of links are scoped here.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use strata_domain::records::{self, DatasetLink, Parameter, ParameterValue};

use crate::auth::corrupt;
use crate::entity::{dataset, dataset_link, parameter, parameter_type};
use crate::{Catalog, Result, Scope, convert};

impl Catalog {
    /// Visible datasets by id.
    pub async fn datasets_by_id(
        &self,
        scope: &Scope,
        ids: &[i64],
    ) -> Result<HashMap<i64, records::Dataset>> {
        self.visible_datasets(scope, ids)
            .await?
            .into_iter()
            .map(|(id, m)| Ok((id, convert::dataset(m)?)))
            .collect()
    }

    /// The parameters of each dataset, by name.
    pub async fn parameters_of(&self, dataset_ids: &[i64]) -> Result<HashMap<i64, Vec<Parameter>>> {
        let types: HashMap<i32, parameter_type::Model> = parameter_type::Entity::find()
            .all(&self.db)
            .await?
            .into_iter()
            .map(|t| (t.id, t))
            .collect();
        let mut by_dataset: HashMap<i64, Vec<Parameter>> = HashMap::new();
        for p in parameter::Entity::find()
            .filter(parameter::Column::DatasetId.is_in(dataset_ids.iter().copied()))
            .all(&self.db)
            .await?
        {
            let t = types
                .get(&p.parameter_type_id)
                .ok_or_else(|| corrupt("parameter without a type"))?;
            let value: ParameterValue =
                serde_json::from_value(p.value_as_given).map_err(corrupt)?;
            by_dataset.entry(p.dataset_id).or_default().push(Parameter {
                name: t.name.clone(),
                value,
                unit: p.unit_as_given.or_else(|| t.unit.clone()),
                canonical_number: p.value_number,
            });
        }
        for list in by_dataset.values_mut() {
            list.sort_by(|a, b| a.name.cmp(&b.name));
        }
        Ok(by_dataset)
    }

    /// The links each dataset makes (to its inputs and parents) and receives
    /// (from its products and children), without those whose other end the
    /// caller may not see. Returns (outgoing, incoming) by dataset id.
    pub async fn links_of(
        &self,
        scope: &Scope,
        dataset_ids: &[i64],
    ) -> Result<(
        HashMap<i64, Vec<DatasetLink>>,
        HashMap<i64, Vec<DatasetLink>>,
    )> {
        let outgoing = dataset_link::Entity::find()
            .filter(dataset_link::Column::DatasetId.is_in(dataset_ids.iter().copied()))
            .order_by_asc(dataset_link::Column::Id)
            .all(&self.db)
            .await?;
        let incoming = dataset_link::Entity::find()
            .filter(dataset_link::Column::TargetDatasetId.is_in(dataset_ids.iter().copied()))
            .order_by_asc(dataset_link::Column::Id)
            .all(&self.db)
            .await?;
        let mut far: Vec<i64> = outgoing
            .iter()
            .filter_map(|l| l.target_dataset_id)
            .collect();
        far.extend(incoming.iter().map(|l| l.dataset_id));
        far.extend(dataset_ids);
        let visible = self.visible_datasets(scope, &far).await?;
        let name = |id: i64| {
            visible
                .get(&id)
                .map(|d: &dataset::Model| d.identifier.clone())
        };
        let to_link = |l: &dataset_link::Model, from: String| -> Result<DatasetLink> {
            Ok(DatasetLink {
                kind: l.kind.parse().map_err(corrupt)?,
                from: from.parse().map_err(corrupt)?,
                to: l.target_identifier.parse().map_err(corrupt)?,
                resolved: l.target_dataset_id.is_some(),
            })
        };
        let mut out: HashMap<i64, Vec<DatasetLink>> = HashMap::new();
        for l in &outgoing {
            let far_visible = l
                .target_dataset_id
                .is_none_or(|id| visible.contains_key(&id));
            if let (true, Some(from)) = (far_visible, name(l.dataset_id)) {
                out.entry(l.dataset_id).or_default().push(to_link(l, from)?);
            }
        }
        let mut inc: HashMap<i64, Vec<DatasetLink>> = HashMap::new();
        for l in &incoming {
            if let (Some(from), Some(target)) = (name(l.dataset_id), l.target_dataset_id) {
                inc.entry(target).or_default().push(to_link(l, from)?);
            }
        }
        Ok((out, inc))
    }
}

impl Catalog {
    /// Visible datasets by identifier.
    pub async fn datasets_by_identifier(
        &self,
        scope: &Scope,
        identifiers: &[String],
    ) -> Result<HashMap<String, records::Dataset>> {
        let mut query = dataset::Entity::find()
            .filter(dataset::Column::Identifier.is_in(identifiers.iter().cloned()));
        query = query.filter(scope.datasets());
        query
            .all(&self.db)
            .await?
            .into_iter()
            .map(|m| Ok((m.identifier.clone(), convert::dataset(m)?)))
            .collect()
    }

    /// The caller, with their memberships; `None` for anonymous callers.
    pub async fn me(&self, scope: &Scope) -> Result<Option<records::User>> {
        let Some(user_id) = scope.user_id() else {
            return Ok(None);
        };
        let user = crate::entity::user::Entity::find_by_id(user_id)
            .one(&self.db)
            .await?
            .ok_or_else(|| corrupt("the caller's user is gone"))?;
        let rows = crate::entity::membership::Entity::find()
            .filter(crate::entity::membership::Column::UserId.eq(user_id))
            .all(&self.db)
            .await?;
        let codes: HashMap<i32, String> = crate::entity::project::Entity::find()
            .filter(crate::entity::project::Column::Id.is_in(rows.iter().map(|m| m.project_id)))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|p| (p.id, p.code))
            .collect();
        let mut memberships = rows
            .into_iter()
            .filter_map(|m| codes.get(&m.project_id).map(|c| (c.clone(), m.role)))
            .map(|(c, r)| Ok((c.parse().map_err(corrupt)?, r.parse().map_err(corrupt)?)))
            .collect::<Result<Vec<_>>>()?;
        memberships.sort();
        Ok(Some(records::User {
            name: user.name,
            is_admin: user.is_admin,
            memberships,
        }))
    }
}
