use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "publication")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub project_id: i32,
    pub doi: Option<String>,
    pub state: String,
    pub title: String,
    pub datacite: Json,
    pub landing_page: Option<String>,
    pub version: String,
    pub release_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub number: i32,
    pub previous_id: Option<i32>,
    pub registered_at: Option<DateTimeUtc>,
    pub published_at: Option<DateTimeUtc>,
    pub deposit: Option<String>,
    pub withdrawn_at: Option<DateTimeUtc>,
    pub withdrawal_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
