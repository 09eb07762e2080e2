use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "project")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub uuid: Uuid,
    #[sea_orm(unique)]
    pub code: String,
    pub title: String,
    pub directory: String,
    pub state: String,
    pub embargo_end: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub size_bytes: Option<i64>,
    pub size_breakdown: Option<Json>,
    pub size_computed_at: Option<DateTimeUtc>,
    pub size_stale: bool,
    /// Job uids issued so far (`J1` … `Jn`): never reused.
    pub jobs_reported: i64,
    /// Session uids issued so far (`S1` … `Sn`): never reused.
    pub sessions_reported: i64,
    /// Publication numbers issued so far (their DOI suffixes): never reused.
    pub publications_reported: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
