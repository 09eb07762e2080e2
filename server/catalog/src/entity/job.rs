use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "job")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub project_id: i32,
    pub uid: String,
    pub job_type: String,
    pub category: String,
    pub status: String,
    pub parameters: Json,
    pub is_final: bool,
    pub is_ancestor_of_final: bool,
    pub size_bytes: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub title: String,
    pub inputs_unavailable: bool,
    pub completed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
