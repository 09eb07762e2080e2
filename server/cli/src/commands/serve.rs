use std::time::Duration;

use strata_catalog::Catalog;

use crate::Config;
use crate::startup::{Application, shutdown_signal};

/// How often the lock file of every attached project gets its heartbeat
/// rewritten. Another instance reading a lock judges by this whether its
/// holder is alive: a heartbeat many intervals old hints at a dead instance,
/// whose project may be rescued (`strata project attach --rescue`).
const LOCK_HEARTBEAT_INTERVAL: Duration = Duration::from_secs(60);

pub async fn run(config: &Config) -> anyhow::Result<()> {
    let app = Application::build(config).await?;
    tracing::info!(address = %app.address(), data_dir = %config.data_dir.display(), "strata serving GraphQL at /graphql");
    let heartbeat = tokio::spawn(heartbeat(app.catalog().clone()));
    let served = app.run_until(shutdown_signal()).await;
    heartbeat.abort();
    served?;
    Ok(())
}

/// Refreshes the project locks now and every interval; a directory whose lock
/// is gone or another instance's (moved, rescued elsewhere) is logged.
async fn heartbeat(catalog: Catalog) {
    let mut tick = tokio::time::interval(LOCK_HEARTBEAT_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match catalog.refresh_locks().await {
            Ok(lost) => {
                for directory in lost {
                    tracing::warn!(
                        %directory,
                        "project lock is gone or held by another instance; the project was moved or rescued elsewhere"
                    );
                }
            }
            Err(err) => tracing::warn!(error = %err, "refreshing project locks failed"),
        }
    }
}
