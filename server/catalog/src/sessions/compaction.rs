//! Compaction and restore (seed 001, "Live session compaction and
//! restoration"): compaction removes what preprocessing can reproduce —
//! motion-corrected micrographs, CTF fits, particle stacks — and keeps the
//! parameters, the particle locations and the manual picks; a restore marks
//! what was removed for reprocessing.

use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set, TransactionTrait};

use super::{Session, SessionResultKind, SessionResultState, SessionStatus};
use crate::entity::{session, session_result};
use crate::events::Event;
use crate::project_dir::blocking;
use crate::{Catalog, CatalogError, Result, Scope};

/// What a compaction did.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionCompacted {
    pub session: Session,
    /// Bytes the removed results held, as recorded.
    pub bytes_freed: u64,
    /// The results removed, by name.
    pub removed: Vec<String>,
}

impl Catalog {
    /// Compacts a completed session: the files of its micrographs, CTF and
    /// particle results are deleted, their rows kept as `compacted` so that a
    /// restore knows what to reproduce; the session is frozen until restored.
    pub async fn compact_session(
        &self,
        scope: &Scope,
        code: &str,
        uid: &str,
    ) -> Result<SessionCompacted> {
        let project = self.job_project(scope, code, "compacting sessions").await?;
        let row = self.session_model(&self.db, &project, uid).await?;
        let refuse = |why: String| Err(CatalogError::conflict(Some("session"), why));
        match row.status.parse().map_err(crate::auth::corrupt)? {
            SessionStatus::Completed => {}
            SessionStatus::Active => {
                return refuse(format!(
                    "{uid} is active: mark it completed before compacting it"
                ));
            }
            SessionStatus::Compacted => return refuse(format!("{uid} is compacted already")),
            SessionStatus::Restoring => {
                return refuse(format!(
                    "{uid} is being restored: compact it once its results are written again"
                ));
            }
        }
        let removable: Vec<session_result::Model> = session_result::Entity::find()
            .filter(session_result::Column::SessionId.eq(row.id))
            .filter(session_result::Column::State.eq(SessionResultState::Present.as_str()))
            .all(&self.db)
            .await?
            .into_iter()
            .filter(|r| {
                r.kind
                    .parse::<SessionResultKind>()
                    .is_ok_and(SessionResultKind::removed_by_compaction)
            })
            .collect();
        // Files first, then rows: a crash in between leaves rows that claim
        // bytes already gone, which a second compaction (missing files are
        // not an error) or `strata verify` settles; never bytes without rows.
        let folder = Self::session_folder(&project, uid);
        let paths: Vec<_> = removable.iter().map(|r| folder.join(&r.path)).collect();
        blocking(move || -> std::io::Result<()> {
            for path in &paths {
                match std::fs::symlink_metadata(path) {
                    Ok(m) if m.is_dir() => std::fs::remove_dir_all(path)?,
                    Ok(_) => std::fs::remove_file(path)?,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(e),
                }
            }
            Ok(())
        })
        .await
        .map_err(|e| CatalogError::Filesystem(format!("compacting {uid}: {e}")))?;

        let bytes_freed: i64 = removable.iter().map(|r| r.size_bytes).sum();
        let now = crate::now();
        let txn = self.db.begin().await?;
        session_result::Entity::update_many()
            .col_expr(
                session_result::Column::State,
                Expr::value(SessionResultState::Compacted.as_str()),
            )
            .col_expr(session_result::Column::SizeBytes, Expr::value(0i64))
            .filter(session_result::Column::Id.is_in(removable.iter().map(|r| r.id)))
            .exec(&txn)
            .await?;
        let mut active: session::ActiveModel = row.clone().into();
        active.status = Set(SessionStatus::Compacted.as_str().to_owned());
        active.size_bytes = Set(row.size_bytes - bytes_freed);
        active.compacted_at = Set(Some(now));
        active.updated_at = Set(now);
        active.update(&txn).await?;
        let removed: Vec<String> = removable.iter().map(|r| r.name.clone()).collect();
        Event::new(
            scope,
            "session.compact",
            "session",
            &format!("{code}/{uid}"),
        )
        .project(project.id)
        .details(serde_json::json!({ "bytes": bytes_freed, "removed": removed }))
        .record(&txn)
        .await?;
        txn.commit().await?;
        self.mark_size_stale(project.id).await;
        self.export_session_after_change(&project, uid).await;
        Ok(SessionCompacted {
            session: self.session(scope, code, uid).await?,
            bytes_freed: Ord::max(bytes_freed, 0) as u64,
            removed,
        })
    }

    /// Restores a compacted session: what compaction removed is marked for
    /// reprocessing, and the session can be modified again. It is completed
    /// again once the pipeline has recorded every such result anew.
    pub async fn restore_session(&self, scope: &Scope, code: &str, uid: &str) -> Result<Session> {
        let project = self.job_project(scope, code, "restoring sessions").await?;
        let row = self.session_model(&self.db, &project, uid).await?;
        if row.status != SessionStatus::Compacted.as_str() {
            return Err(CatalogError::conflict(
                Some("session"),
                format!(
                    "{uid} is {}: only a compacted session is restored",
                    row.status
                ),
            ));
        }
        let now = crate::now();
        let txn = self.db.begin().await?;
        let marked = session_result::Entity::update_many()
            .col_expr(
                session_result::Column::State,
                Expr::value(SessionResultState::Reprocessing.as_str()),
            )
            .filter(session_result::Column::SessionId.eq(row.id))
            .filter(session_result::Column::State.eq(SessionResultState::Compacted.as_str()))
            .exec(&txn)
            .await?
            .rows_affected;
        let mut active: session::ActiveModel = row.into();
        // Nothing was removed: nothing to wait for.
        let status = if marked == 0 {
            SessionStatus::Completed
        } else {
            SessionStatus::Restoring
        };
        active.status = Set(status.as_str().to_owned());
        active.compacted_at = Set(None);
        active.updated_at = Set(now);
        active.update(&txn).await?;
        Event::new(
            scope,
            "session.restore",
            "session",
            &format!("{code}/{uid}"),
        )
        .project(project.id)
        .details(serde_json::json!({ "reprocessing": marked }))
        .record(&txn)
        .await?;
        txn.commit().await?;
        self.export_session_after_change(&project, uid).await;
        self.session(scope, code, uid).await
    }
}
