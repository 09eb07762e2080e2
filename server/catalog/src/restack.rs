//! The catalog's side of a restack (seed 001, "Restack particles"): the new
//! dataset and the job that made it become visible together, in the one
//! transaction that completes the ingest claim, so that a failure leaves
//! neither a dataset without its job nor a job without its dataset.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, EntityTrait, Set, TransactionTrait};
use strata_domain::{Role, records};

use crate::entity::{job, job_dataset, job_input, project};
use crate::events::Event;
use crate::jobs::plan::{Category, Status};
use crate::jobs::{Job, issue_uid};
use crate::parameters::NewParameter;
use crate::project_dir::blocking;
use crate::{Catalog, CatalogError, IngestClaim, NewFrameSet, Result, Scope, StoredFile, convert};

/// The job a restack reports.
#[derive(Debug, Clone)]
pub struct RestackJob {
    /// The dataset the frames were read from (the job's input dataset).
    pub source_dataset_id: i64,
    /// The job that produced the source (its extraction), by uid, if known:
    /// the restack's upstream job, so that clearing it flags the restack as
    /// having its inputs unavailable rather than losing the link.
    pub upstream: Option<String>,
    pub title: String,
    /// What was restacked (source, selection), kept as the job's parameters.
    pub parameters: serde_json::Value,
}

impl Catalog {
    /// Records the restacked dataset like any ingest, plus a completed job of
    /// category `restack` with the source as its input dataset and the new
    /// one as its output, and creates the job's (empty) folder: the new
    /// dataset's bytes live in the dataset's folder, as for any dataset.
    pub async fn complete_restack(
        &self,
        scope: &Scope,
        claim: &IngestClaim,
        files: Vec<StoredFile>,
        frame_sets: Vec<NewFrameSet>,
        extracted: Vec<NewParameter>,
        restack: RestackJob,
    ) -> Result<(records::Dataset, Job)> {
        let project = project::Entity::find_by_id(claim.project_uid)
            .one(&self.db)
            .await?
            .ok_or_else(|| CatalogError::not_found(Some("project"), "the project is gone"))?;
        scope.require_role(project.id, Role::Depositor, "restacking")?;
        self.require_attached_project(&project)?;

        let txn = self.db.begin().await?;
        let row = self
            .record_ingest(&txn, scope, claim, files, frame_sets, extracted)
            .await?;
        let upstream = match &restack.upstream {
            None => None,
            Some(uid) => Some(self.job_model(&txn, &project, uid).await.map_err(|_| {
                CatalogError::invalid("job", format!("no job {uid} in {}", project.code))
            })?),
        };
        let uid = format!(
            "J{}",
            issue_uid(&txn, project.id, project::Column::JobsReported).await?
        );
        let now = Utc::now();
        let job_row = job::ActiveModel {
            project_id: Set(project.id),
            uid: Set(uid.clone()),
            title: Set(restack.title.clone()),
            job_type: Set("restack".to_owned()),
            category: Set(Category::Restack.as_str().to_owned()),
            status: Set(Status::Completed.as_str().to_owned()),
            parameters: Set(restack.parameters.clone()),
            is_final: Set(false),
            is_ancestor_of_final: Set(false),
            inputs_unavailable: Set(false),
            size_bytes: Set(0),
            created_at: Set(now),
            updated_at: Set(now),
            completed_at: Set(Some(now)),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        if let Some(upstream) = &upstream {
            job_input::ActiveModel {
                job_id: Set(job_row.id),
                upstream_job_id: Set(upstream.id),
                results: Set(serde_json::json!([])),
            }
            .insert(&txn)
            .await?;
        }
        for (dataset_id, role) in [(restack.source_dataset_id, "input"), (row.id, "output")] {
            job_dataset::ActiveModel {
                job_id: Set(job_row.id),
                dataset_id: Set(dataset_id),
                role: Set(role.to_owned()),
            }
            .insert(&txn)
            .await?;
        }
        Event::new(
            scope,
            "job.restack",
            "job",
            &format!("{}/{uid}", project.code),
        )
        .project(project.id)
        .details(serde_json::json!({
            "dataset": claim.identifier.as_str(),
            "upstream": restack.upstream,
        }))
        .record(&txn)
        .await?;
        let folder = Self::job_folder(&project, &uid);
        let created = folder.clone();
        blocking(move || std::fs::create_dir_all(&created))
            .await
            .map_err(|e| CatalogError::Filesystem(format!("creating the folder of {uid}: {e}")))?;
        if let Err(e) = txn.commit().await {
            // The folder of a job that never was: nothing may stay behind.
            let _ = blocking(move || std::fs::remove_dir_all(&folder)).await;
            return Err(e.into());
        }
        self.dataset_changed(project.id, row.id).await;
        self.export_jobs_after_change(project.id, std::slice::from_ref(&uid))
            .await;
        let job = self.job(scope, &project.code, &uid).await?;
        Ok((convert::dataset(row)?, job))
    }
}
