use anyhow::Context as _;
use chrono::{Duration, Utc};
use strata_catalog::Scope;

use crate::Config;
use crate::cli::TokenCommand;
use crate::startup::open_catalog;

pub async fn run(config: &Config, cmd: TokenCommand) -> anyhow::Result<()> {
    let catalog = open_catalog(config).await?;
    // Whoever can open the catalog directly is the facility's operator.
    let scope = Scope::system();
    match cmd {
        TokenCommand::Create {
            user,
            admin,
            label,
            expires_in_days,
        } => {
            let user = user.parse().context("--user")?;
            let expires_at = expires_in_days.map(|d| Utc::now() + Duration::days(i64::from(d)));
            let token = catalog
                .create_token(&scope, &user, admin, &label, expires_at)
                .await?;
            eprintln!(
                "token {} for {user}{}{}; it is shown only this once:",
                token.id,
                if admin { " (facility admin)" } else { "" },
                token
                    .expires_at
                    .map(|at| format!(", expires {at}"))
                    .unwrap_or_default(),
            );
            println!("{}", token.secret.expose());
        }
        TokenCommand::Revoke { id } => {
            catalog.revoke_token(&scope, id).await?;
            eprintln!("token {id} revoked");
        }
    }
    Ok(())
}
