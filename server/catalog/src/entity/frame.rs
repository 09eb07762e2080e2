use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "frame")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub frame_set_id: i64,
    pub t: i32,
    pub c: i32,
    pub z: i32,
    pub metadata: Json,
    pub sha256: String,
    pub parameters: Json,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
