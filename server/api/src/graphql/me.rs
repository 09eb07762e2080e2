//! The caller.

use async_graphql::{Context, Object, SimpleObject};

use super::context::request;
use super::vocabulary::Role;
use crate::error::IntoGraphql;

#[derive(SimpleObject)]
pub struct Me {
    pub name: String,
    pub is_admin: bool,
    pub memberships: Vec<Membership>,
}

#[derive(SimpleObject)]
pub struct Membership {
    pub project: String,
    pub role: Role,
}

#[derive(Default)]
pub struct MeQuery;

#[Object]
impl MeQuery {
    /// The caller, or null for anonymous callers.
    async fn me(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Me>> {
        let r = request(ctx);
        Ok(r.catalog.me(&r.scope).await.gql()?.map(|u| Me {
            name: u.name,
            is_admin: u.is_admin,
            memberships: u
                .memberships
                .into_iter()
                .map(|(code, role)| Membership {
                    project: code.to_string(),
                    role: role.into(),
                })
                .collect(),
        }))
    }
}
