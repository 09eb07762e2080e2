use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "dataset")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub identifier: String,
    pub project_id: i32,
    pub acquired_at: DateTimeUtc,
    pub serial: i32,
    pub kind: String,
    pub technique: String,
    pub instrument_id: Option<i32>,
    pub instrument_name: Option<String>,
    pub sample_id: Option<i32>,
    pub sample_name: Option<String>,
    pub description: String,
    pub folder: String,
    pub status: String,
    pub size_bytes: i64,
    pub file_count: i64,
    pub public_from: Option<DateTimeUtc>,
    /// Parameter name → canonical value, denormalised for search.
    pub parameters: Json,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
