//! Live searches: each new dataset matching a filter, as it lands.

use async_graphql::{Context, Subscription};
use futures::Stream;
use tokio::sync::broadcast::error::RecvError;

use super::context::request;
use super::dataset::Dataset;
use super::filter::DatasetFilter;
use crate::error::IntoGraphql;
use crate::landings::Landings;

#[derive(Default)]
pub struct DatasetSubscription;

#[Subscription]
impl DatasetSubscription {
    /// Each dataset that lands from now on (registered, or its ingest
    /// completed) and matches `filter`, under the same access rules and with
    /// the same filter semantics as `datasets`.
    async fn dataset_added(
        &self,
        ctx: &Context<'_>,
        filter: Option<DatasetFilter>,
    ) -> async_graphql::Result<impl Stream<Item = Dataset>> {
        let r = request(ctx);
        let filter = filter.unwrap_or_default().to_catalog("filter")?;
        let landings = ctx
            .data::<Landings>()
            .map_err(|_| async_graphql::Error::new("subscriptions are not served here"))?;
        let receiver = landings.subscribe();
        // A bad filter (an unknown parameter, reversed dates) fails now, not
        // silently at the first landing.
        let (catalog, scope) = (r.catalog.clone(), r.scope.clone());
        catalog.dataset_matching(&scope, &filter, "").await.gql()?;
        Ok(futures::stream::unfold(
            (receiver, catalog, scope, filter),
            |(mut receiver, catalog, scope, filter)| async move {
                loop {
                    match receiver.recv().await {
                        Ok(identifier) => {
                            match catalog.dataset_matching(&scope, &filter, &identifier).await {
                                Ok(Some(d)) => {
                                    return Some((
                                        Dataset::from(d),
                                        (receiver, catalog, scope, filter),
                                    ));
                                }
                                Ok(None) => {}
                                Err(err) => {
                                    tracing::warn!(error = %err, %identifier, "datasetAdded: matching failed");
                                }
                            }
                        }
                        Err(RecvError::Lagged(missed)) => {
                            tracing::warn!(missed, "datasetAdded: a subscriber fell behind");
                        }
                        Err(RecvError::Closed) => return None,
                    }
                }
            },
        ))
    }
}
