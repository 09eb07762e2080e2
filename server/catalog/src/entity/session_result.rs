use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "session_result")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub session_id: i32,
    pub name: String,
    pub path: String,
    pub kind: String,
    pub state: String,
    pub size_bytes: i64,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
