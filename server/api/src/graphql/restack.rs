//! Restack (seed 001, "Restack particles"): a selection of a dataset's frames
//! written as a new processed dataset with its job, so that the extraction
//! that produced the source can be cleared. All or nothing.

use async_graphql::{Context, ErrorExtensions, InputObject, Object, SimpleObject};
use strata_ingest::{IngestError, Ingestor, ProgressBar, RestackRequest};

use super::context::request;
use crate::error::{Code, bad_input, graphql};

/// What to restack.
#[derive(InputObject)]
pub struct RestackInput {
    /// The dataset to read the frames from, in the project.
    pub source: String,
    /// Indices of the frames to keep. A frame is one plane (position, t, z)
    /// with all its channels, numbered from 0 by position, then t, then z;
    /// for a particle stack, the particle. Kept in the source's order; an
    /// index given twice is refused.
    pub frames: Vec<i32>,
    /// The new dataset's identifier, in the project.
    pub identifier: String,
    #[graphql(default)]
    pub description: String,
    /// The job that produced the source (its extraction), by uid: the
    /// restack job's input.
    pub job: Option<String>,
}

/// What a restack made.
#[derive(SimpleObject)]
pub struct RestackResult {
    /// The new dataset's identifier.
    pub identifier: String,
    /// The uid of the restack job (category RESTACK, status COMPLETED).
    pub job: String,
    /// How many frames the new dataset holds.
    pub frame_count: i32,
}

#[derive(Default)]
pub struct RestackMutation;

#[Object]
impl RestackMutation {
    /// Writes the selected frames of a dataset as a new processed dataset
    /// derived from it, and reports a completed RESTACK job with the source
    /// as its input dataset and the new one as its output (project
    /// depositors). Every frame read is checked against its recorded
    /// SHA-256; a bad index or a corrupt frame leaves nothing behind.
    async fn restack(
        &self,
        ctx: &Context<'_>,
        project: String,
        input: RestackInput,
    ) -> async_graphql::Result<RestackResult> {
        let r = request(ctx);
        let parsed = |field: &str, text: &str| {
            text.parse::<strata_domain::DatasetIdentifier>()
                .map_err(|e| bad_input(format!("input.{field}"), e))
                .and_then(|id| {
                    if id.project().as_str() == project {
                        Ok(id)
                    } else {
                        Err(bad_input(
                            format!("input.{field}"),
                            format!("{text} is not in project {project}"),
                        ))
                    }
                })
        };
        let source = parsed("source", &input.source)?;
        let identifier = parsed("identifier", &input.identifier)?;
        let frames = input
            .frames
            .iter()
            .enumerate()
            .map(|(i, &f)| {
                usize::try_from(f)
                    .map_err(|_| bad_input(format!("input.frames[{i}]"), "must be 0 or more"))
            })
            .collect::<async_graphql::Result<Vec<_>>>()?;
        let ingestor = ctx.data::<Ingestor>().map_err(|_| {
            graphql(
                strata_catalog::CatalogError::Filesystem(
                    "restacking needs the server's store".into(),
                ),
                None,
            )
        })?;
        let report = ingestor
            .restack(
                &r.scope,
                RestackRequest {
                    source,
                    frames,
                    identifier,
                    description: input.description,
                    job: input.job,
                },
                &ProgressBar::hidden(),
            )
            .await
            .map_err(error)?;
        Ok(RestackResult {
            identifier: report.identifier,
            job: report.job,
            frame_count: i32::try_from(report.frames).unwrap_or(i32::MAX),
        })
    }
}

/// A restack's failure as GraphQL sees it: fields inside `input`.
fn error(err: IngestError) -> async_graphql::Error {
    match err {
        IngestError::Request { field, reason } => bad_input(format!("input.{field}"), reason),
        IngestError::Catalog { source, .. } => graphql(source, Some("input")),
        // The source's bytes do not match the catalog: named, as nothing
        // else will tell the depositor which frame it is.
        corrupt @ IngestError::CorruptFrame { .. } => {
            async_graphql::Error::new(corrupt.to_string()).extend_with(|_, e| {
                e.set("code", Code::Conflict.as_str());
                e.set("field", "input.frames");
            })
        }
        other => {
            tracing::error!(error = %other, "restack failed");
            async_graphql::Error::new(other.to_string())
                .extend_with(|_, e| e.set("code", Code::Internal.as_str()))
        }
    }
}
