//! The watcher behind `datasetAdded`: it follows the catalog's event log and
//! announces each dataset that lands, from this server or any other process
//! (a CLI ingest), to every live subscription.

use std::time::Duration;

use strata_catalog::Catalog;
use tokio::sync::broadcast;

/// Datasets announced at once, at most; a subscriber further behind is told
/// it missed some (logged) and goes on with the newest.
const CAPACITY: usize = 1024;

/// Identifiers of landed datasets, as they land.
#[derive(Clone)]
pub struct Landings {
    sender: broadcast::Sender<String>,
}

impl Landings {
    /// Starts following the event log from now, every `every`.
    pub fn watch(catalog: Catalog, every: Duration) -> Self {
        let (sender, _) = broadcast::channel(CAPACITY);
        let announce = sender.clone();
        tokio::spawn(async move {
            let mut last = loop {
                match catalog.last_event_id().await {
                    Ok(id) => break id,
                    Err(err) => {
                        tracing::warn!(error = %err, "landings: cannot read the event log yet");
                        tokio::time::sleep(every).await;
                    }
                }
            };
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                match catalog.landed_since(last, CAPACITY as u64).await {
                    Ok(landed) => {
                        for l in landed {
                            last = l.event_id;
                            // No subscriber is not an error: nobody is listening.
                            let _ = announce.send(l.identifier);
                        }
                    }
                    Err(err) => {
                        tracing::warn!(error = %err, "landings: reading the event log failed")
                    }
                }
            }
        });
        Self { sender }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<String> {
        self.sender.subscribe()
    }
}
