use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "frame_set")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub dataset_id: i64,
    pub position: i32,
    pub shape: Json,
    pub dtype: String,
    pub chunking: Json,
    pub channel_names: Json,
    pub metadata: Json,
    pub array_path: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
