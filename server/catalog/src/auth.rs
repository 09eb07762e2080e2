//! API tokens: random secrets shown once, stored only as SHA-256 hashes.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set, TransactionTrait};
use sha2::{Digest, Sha256};
use strata_domain::{Role, UserName};

use crate::entity::{api_token, membership, user};
use crate::events::Event;
use crate::{Catalog, CatalogError, Result, Scope};

const TOKEN_PREFIX: &str = "strata_";

/// A token's secret. It is never stored, never logged (its Debug hides it),
/// and shown to its owner once.
#[derive(Clone)]
pub struct TokenSecret(String);

impl TokenSecret {
    pub fn expose(&self) -> &str {
        &self.0
    }

    fn hash(secret: &str) -> String {
        hex::encode(Sha256::digest(secret.as_bytes()))
    }
}

impl std::fmt::Debug for TokenSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenSecret(…)")
    }
}

#[derive(Debug)]
pub struct NewToken {
    pub id: i32,
    pub secret: TokenSecret,
    pub expires_at: Option<DateTime<Utc>>,
}

impl Catalog {
    /// Creates a token for a user, creating the user on first use.
    /// `admin` makes (or keeps) the user a facility admin.
    pub async fn create_token(
        &self,
        scope: &Scope,
        user_name: &UserName,
        admin: bool,
        label: &str,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<NewToken> {
        scope.require_admin("creating tokens")?;
        if label.len() > 200 {
            return Err(CatalogError::invalid(
                "label",
                "must be at most 200 characters",
            ));
        }
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| {
            CatalogError::Database(sea_orm::DbErr::Custom(format!("no randomness: {e}")))
        })?;
        let secret = TokenSecret(format!("{TOKEN_PREFIX}{}", hex::encode(bytes)));
        let now = Utc::now();
        let txn = self.db.begin().await?;
        let existing = user::Entity::find()
            .filter(user::Column::Name.eq(user_name.as_str()))
            .one(&txn)
            .await?;
        let user = match existing {
            Some(u) if admin && !u.is_admin => {
                let mut active: user::ActiveModel = u.into();
                active.is_admin = Set(true);
                active.update(&txn).await?
            }
            Some(u) => u,
            None => {
                user::ActiveModel {
                    name: Set(user_name.to_string()),
                    is_admin: Set(admin),
                    created_at: Set(now),
                    ..Default::default()
                }
                .insert(&txn)
                .await?
            }
        };
        let token = api_token::ActiveModel {
            user_id: Set(user.id),
            label: Set(label.to_owned()),
            token_hash: Set(TokenSecret::hash(secret.expose())),
            created_at: Set(now),
            expires_at: Set(expires_at),
            revoked_at: Set(None),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        Event::new(scope, "token.create", "user", user_name.as_str())
            .details(serde_json::json!({ "token_id": token.id, "admin": user.is_admin, "expires_at": expires_at }))
            .record(&txn)
            .await?;
        txn.commit().await?;
        Ok(NewToken {
            id: token.id,
            secret,
            expires_at,
        })
    }

    /// Revokes a token by its id; it stops working at once.
    pub async fn revoke_token(&self, scope: &Scope, token_id: i32) -> Result<()> {
        scope.require_admin("revoking tokens")?;
        let txn = self.db.begin().await?;
        let token = api_token::Entity::find_by_id(token_id)
            .one(&txn)
            .await?
            .ok_or_else(|| {
                CatalogError::not_found(Some("id"), format!("no token with id {token_id}"))
            })?;
        let mut active: api_token::ActiveModel = token.into();
        active.revoked_at = Set(Some(Utc::now()));
        active.update(&txn).await?;
        Event::new(scope, "token.revoke", "token", &token_id.to_string())
            .record(&txn)
            .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Turns a bearer token into the caller's scope, or says why it cannot.
    ///
    /// The secret is looked up by its hash through a unique index: the
    /// comparison never touches the secret byte by byte, so its timing says
    /// nothing about how much of a guess was right.
    pub async fn authenticate(&self, bearer: &str) -> Result<Scope> {
        let token = api_token::Entity::find()
            .filter(api_token::Column::TokenHash.eq(TokenSecret::hash(bearer)))
            .one(&self.db)
            .await?
            .ok_or_else(|| CatalogError::Unauthenticated("the bearer token is not valid".into()))?;
        let now = Utc::now();
        if let Some(at) = token.revoked_at {
            return Err(CatalogError::Unauthenticated(format!(
                "the bearer token was revoked at {at}"
            )));
        }
        if let Some(at) = token.expires_at.filter(|at| *at <= now) {
            return Err(CatalogError::Unauthenticated(format!(
                "the bearer token expired at {at}"
            )));
        }
        let user = user::Entity::find_by_id(token.user_id)
            .one(&self.db)
            .await?
            .ok_or_else(|| {
                CatalogError::Unauthenticated("the bearer token's user is gone".into())
            })?;
        let memberships = membership::Entity::find()
            .filter(membership::Column::UserId.eq(user.id))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|m| Ok((m.project_id, m.role.parse::<Role>().map_err(corrupt)?)))
            .collect::<Result<HashMap<_, _>>>()?;
        Ok(Scope::user(user.id, user.name, user.is_admin, memberships))
    }
}

/// A value in the database that the program would never have written.
pub(crate) fn corrupt(err: impl std::fmt::Display) -> CatalogError {
    CatalogError::Database(sea_orm::DbErr::Custom(format!(
        "unexpected value in the catalog: {err}"
    )))
}
