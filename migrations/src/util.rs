use sea_orm_migration::prelude::*;

/// `CREATE [UNIQUE] INDEX idx_<table>_<cols> ON table (cols…)`.
pub async fn index<T: Iden + Copy + 'static, C: Iden + Copy + 'static>(
    manager: &SchemaManager<'_>,
    table: T,
    columns: &[C],
    unique: bool,
) -> Result<(), DbErr> {
    let mut name = format!("idx_{}", table.to_string());
    for c in columns {
        name.push('_');
        name.push_str(&c.to_string());
    }
    let mut stmt = Index::create();
    stmt.name(name).table(table);
    for c in columns {
        stmt.col(*c);
    }
    if unique {
        stmt.unique();
    }
    manager.create_index(stmt).await
}

/// A foreign key that follows its parent on delete.
pub fn fk_cascade<T: Iden + 'static, C: Iden + 'static, PT: Iden + 'static, PC: Iden + 'static>(
    table: T,
    column: C,
    parent: PT,
    parent_column: PC,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(parent, parent_column)
        .on_delete(ForeignKeyAction::Cascade)
        .take()
}
