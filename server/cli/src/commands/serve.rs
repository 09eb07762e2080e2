use crate::Config;
use crate::startup::{Application, shutdown_signal};

pub async fn run(config: &Config) -> anyhow::Result<()> {
    let app = Application::build(config).await?;
    tracing::info!(address = %app.address(), data_dir = %config.data_dir.display(), "strata serving GraphQL at /graphql");
    app.run_until(shutdown_signal()).await?;
    Ok(())
}
