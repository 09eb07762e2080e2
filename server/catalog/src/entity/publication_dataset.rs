use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "publication_dataset")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub publication_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub dataset_id: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
