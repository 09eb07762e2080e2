use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "dataset_link")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub dataset_id: i64,
    pub kind: String,
    pub target_identifier: String,
    pub target_dataset_id: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
