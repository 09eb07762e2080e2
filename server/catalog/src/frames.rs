//! A dataset's frame sets and frames, with the frames' own parameter values
//! (a tilt's angle and dose, an image's focus position) to select them by.

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, Condition, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use strata_domain::records::{self, ParameterValue};

use crate::entity::{frame, frame_set};
use crate::parameters::definition;
use crate::search::{ParameterCondition, ParameterOp};
use crate::{Catalog, CatalogError, Result, Scope};

/// Most frames returned at once.
pub const MAX_FRAMES: u64 = 10_000;

impl Catalog {
    /// The frame sets of a visible dataset, by position.
    pub async fn dataset_frame_sets(
        &self,
        scope: &Scope,
        identifier: &str,
    ) -> Result<Vec<records::FrameSet>> {
        let row = self.dataset_model(scope, "identifier", identifier).await?;
        frame_set::Entity::find()
            .filter(frame_set::Column::DatasetId.eq(row.id))
            .order_by_asc(frame_set::Column::Position)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|s| {
                Ok(records::FrameSet {
                    position: s.position,
                    shape: serde_json::from_value(s.shape).map_err(crate::auth::corrupt)?,
                    dtype: s.dtype,
                    channel_names: serde_json::from_value(s.channel_names)
                        .map_err(crate::auth::corrupt)?,
                    array_path: s.array_path,
                })
            })
            .collect()
    }

    /// Frames of one position of a visible dataset whose own parameters meet
    /// every condition, in (t, c, z) order, `offset` frames skipped.
    pub async fn frames(
        &self,
        scope: &Scope,
        identifier: &str,
        position: i32,
        conditions: &[ParameterCondition],
        limit: u64,
        offset: u64,
    ) -> Result<Vec<records::Frame>> {
        if limit > MAX_FRAMES {
            return Err(CatalogError::invalid(
                "first",
                format!("must be at most {MAX_FRAMES}; got {limit}"),
            ));
        }
        let row = self.dataset_model(scope, "identifier", identifier).await?;
        let Some(set) = frame_set::Entity::find()
            .filter(frame_set::Column::DatasetId.eq(row.id))
            .filter(frame_set::Column::Position.eq(position))
            .one(&self.db)
            .await?
        else {
            return Ok(Vec::new());
        };
        let mut all = Condition::all().add(frame::Column::FrameSetId.eq(set.id));
        for (i, c) in conditions.iter().enumerate() {
            all = all.add(self.frame_condition(&format!("where[{i}]"), c)?);
        }
        frame::Entity::find()
            .filter(all)
            .order_by_asc(frame::Column::T)
            .order_by_asc(frame::Column::C)
            .order_by_asc(frame::Column::Z)
            .limit(limit)
            .offset(offset)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|f| {
                let parameters = match f.parameters {
                    serde_json::Value::Object(map) => map
                        .into_iter()
                        .map(|(name, v)| {
                            Ok((
                                name,
                                serde_json::from_value(v).map_err(crate::auth::corrupt)?,
                            ))
                        })
                        .collect::<Result<Vec<_>>>()?,
                    _ => Vec::new(),
                };
                Ok(records::Frame {
                    t: f.t,
                    c: f.c,
                    z: f.z,
                    sha256: f.sha256,
                    parameters,
                })
            })
            .collect()
    }

    /// A condition on a frame's own (numeric) parameter value.
    fn frame_condition(&self, field: &str, condition: &ParameterCondition) -> Result<Condition> {
        let def = definition(&format!("{field}.name"), &condition.name)?;
        if !def.per_frame {
            return Err(CatalogError::invalid(
                format!("{field}.name"),
                format!("{} is not a per-frame parameter", def.name),
            ));
        }
        let value = match self.db.get_database_backend() {
            DbBackend::Postgres => Expr::cust_with_values(
                r#"CAST(("frame"."parameters" ->> $1) AS double precision)"#,
                [def.name.clone()],
            ),
            _ => Expr::cust_with_values(
                r#"CAST(json_extract("frame"."parameters", ?) AS REAL)"#,
                [format!("$.\"{}\"", def.name)],
            ),
        };
        let expr = match &condition.op {
            ParameterOp::Eq(ParameterValue::Integer(v)) => value.eq(*v as f64),
            ParameterOp::Eq(ParameterValue::Number(v)) => value.eq(*v),
            ParameterOp::Lt(v) => value.lt(*v),
            ParameterOp::Lte(v) => value.lte(*v),
            ParameterOp::Gt(v) => value.gt(*v),
            ParameterOp::Gte(v) => value.gte(*v),
            ParameterOp::Between(lo, hi) => value.between(*lo, *hi),
            _ => {
                return Err(CatalogError::invalid(
                    field,
                    format!(
                        "{} takes numeric conditions (eq, lt, lte, gt, gte, between)",
                        def.name
                    ),
                ));
            }
        };
        Ok(Condition::all().add(expr))
    }
}
