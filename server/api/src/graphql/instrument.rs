//! Instruments: beamlines and microscopes.

use async_graphql::{Context, InputObject, Object, SimpleObject};
use strata_domain::records;

use super::context::request;
use super::vocabulary::Technique;
use crate::error::IntoGraphql;

#[derive(SimpleObject)]
pub struct Instrument {
    pub name: String,
    pub facility: String,
    pub techniques: Vec<Technique>,
}

impl From<records::Instrument> for Instrument {
    fn from(i: records::Instrument) -> Self {
        Self {
            name: i.name,
            facility: i.facility,
            techniques: i.techniques.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Default)]
pub struct InstrumentQuery;

#[Object]
impl InstrumentQuery {
    async fn instruments(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Instrument>> {
        Ok(request(ctx)
            .catalog
            .instruments()
            .await
            .gql()?
            .into_iter()
            .map(Into::into)
            .collect())
    }
}

#[derive(InputObject)]
pub struct CreateInstrumentInput {
    pub name: String,
    pub facility: String,
    pub techniques: Vec<Technique>,
}

#[derive(Default)]
pub struct InstrumentMutation;

#[Object]
impl InstrumentMutation {
    /// Adds an instrument (facility admins).
    async fn create_instrument(
        &self,
        ctx: &Context<'_>,
        input: CreateInstrumentInput,
    ) -> async_graphql::Result<Instrument> {
        let r = request(ctx);
        let techniques: Vec<strata_domain::Technique> =
            input.techniques.into_iter().map(Into::into).collect();
        Ok(r.catalog
            .create_instrument(&r.scope, &input.name, &input.facility, &techniques)
            .await
            .gql_in("input")?
            .into())
    }
}
