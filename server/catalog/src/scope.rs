//! Who is asking, and therefore what they may see and do.
//!
//! This is the one place where visibility is decided. A dataset is visible to
//! the members of its project, and to everyone once it is public (its
//! `public_from` has passed: it was published or its embargo ended). A project
//! is visible to its members and, once it has public data, to everyone. A
//! publication's metadata is public once its DOI is registered; a draft is
//! its project's members'. Facility admins see everything.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, Condition};
use strata_domain::{DatasetStatus, Role};

use crate::CatalogError;
use crate::entity::{dataset, project, publication};

#[derive(Debug, Clone)]
enum Principal {
    Anonymous,
    User {
        id: i32,
        name: String,
        is_admin: bool,
    },
    /// The local operator (CLI with direct database access): a facility admin.
    System,
}

#[derive(Debug, Clone)]
pub struct Scope {
    principal: Principal,
    /// Project uid → the caller's role in it.
    memberships: HashMap<i32, Role>,
    now: DateTime<Utc>,
}

impl Scope {
    pub fn anonymous() -> Self {
        Self {
            principal: Principal::Anonymous,
            memberships: HashMap::new(),
            now: Utc::now(),
        }
    }

    /// The operator at the machine, who has the database itself.
    pub fn system() -> Self {
        Self {
            principal: Principal::System,
            memberships: HashMap::new(),
            now: Utc::now(),
        }
    }

    pub(crate) fn user(
        id: i32,
        name: String,
        is_admin: bool,
        memberships: HashMap<i32, Role>,
    ) -> Self {
        Self {
            principal: Principal::User { id, name, is_admin },
            memberships,
            now: Utc::now(),
        }
    }

    /// The name written into the event log.
    pub fn actor(&self) -> &str {
        match &self.principal {
            Principal::Anonymous => "anonymous",
            Principal::User { name, .. } => name,
            Principal::System => "system",
        }
    }

    pub fn user_id(&self) -> Option<i32> {
        match self.principal {
            Principal::User { id, .. } => Some(id),
            _ => None,
        }
    }

    pub fn is_anonymous(&self) -> bool {
        matches!(self.principal, Principal::Anonymous)
    }

    pub fn is_admin(&self) -> bool {
        matches!(
            self.principal,
            Principal::System | Principal::User { is_admin: true, .. }
        )
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    pub fn role_in(&self, project_uid: i32) -> Option<Role> {
        self.memberships.get(&project_uid).copied()
    }

    /// Member projects, sorted so that generated SQL is stable.
    fn member_projects(&self) -> Vec<i32> {
        let mut ids: Vec<i32> = self.memberships.keys().copied().collect();
        ids.sort_unstable();
        ids
    }

    /// Refuses unless the caller has at least `role` in the project (admins always do).
    pub fn require_role(
        &self,
        project_uid: i32,
        role: Role,
        doing: &str,
    ) -> Result<(), CatalogError> {
        if self.is_admin() || self.role_in(project_uid).is_some_and(|r| r >= role) {
            return Ok(());
        }
        Err(self.refusal(&format!("{doing} needs the {role} role in the project")))
    }

    pub fn require_admin(&self, doing: &str) -> Result<(), CatalogError> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(self.refusal(&format!("{doing} is for facility admins")))
        }
    }

    /// UNAUTHENTICATED for anonymous callers (a token would help), FORBIDDEN otherwise.
    fn refusal(&self, message: &str) -> CatalogError {
        if self.is_anonymous() {
            CatalogError::Unauthenticated(format!("{message}; send a bearer token"))
        } else {
            CatalogError::Forbidden(message.to_owned())
        }
    }

    /// The condition on `dataset` rows this caller may see.
    ///
    /// A dataset whose bytes are still arriving is nobody's to see, not even an
    /// admin's: it appears when its ingest completes, whole.
    pub(crate) fn datasets(&self) -> Condition {
        let complete = dataset::Column::Status.ne(DatasetStatus::Ingesting.as_str());
        if self.is_admin() {
            return Condition::all().add(complete);
        }
        let public = dataset::Column::PublicFrom.lte(self.now);
        let members = self.member_projects();
        let access = if members.is_empty() {
            Condition::all().add(public)
        } else {
            Condition::any()
                .add(public)
                .add(dataset::Column::ProjectId.is_in(members))
        };
        Condition::all().add(complete).add(access)
    }

    /// The condition on `project` rows this caller may see; `None` when all.
    pub(crate) fn projects(&self) -> Option<Condition> {
        if self.is_admin() {
            return None;
        }
        let with_public_data = project::Column::Id.in_subquery(
            Query::select()
                .column(dataset::Column::ProjectId)
                .from(dataset::Entity)
                .and_where(Expr::col(dataset::Column::PublicFrom).lte(self.now))
                .to_owned(),
        );
        let mut any = Condition::any().add(with_public_data);
        let members = self.member_projects();
        if !members.is_empty() {
            any = any.add(project::Column::Id.is_in(members));
        }
        Some(any)
    }

    /// The condition on `publication` rows this caller may see; `None` when
    /// all. A registered or findable DOI's metadata is public (DataCite
    /// requires it), withdrawn ones included (their tombstone); a draft is
    /// its project's members' only.
    pub(crate) fn publications(&self) -> Option<Condition> {
        if self.is_admin() {
            return None;
        }
        let mut any = Condition::any().add(publication::Column::State.ne("draft"));
        let members = self.member_projects();
        if !members.is_empty() {
            any = any.add(publication::Column::ProjectId.is_in(members));
        }
        Some(any)
    }

    /// May this caller see the members of a project (names of people)?
    pub(crate) fn can_see_members(&self, project_uid: i32) -> bool {
        self.is_admin() || self.memberships.contains_key(&project_uid)
    }
}
