use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261121_000003_create_datasets::Dataset;
use crate::util::{fk_cascade, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum ParameterType {
    Table,
    Id,
    /// NeXus-style name, e.g. `EM.voltage` or `MX.wavelength`.
    Name,
    Unit,
    ValueType,
    Technique,
    Description,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Parameter {
    Table,
    Id,
    DatasetId,
    ParameterTypeId,
    /// Canonical numeric value (numbers, integers, booleans as 0/1), indexed for range search.
    ValueNumber,
    /// Canonical text value, for string parameters.
    ValueText,
    /// The value exactly as the depositor gave it, returned unchanged.
    ValueAsGiven,
    UnitAsGiven,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ParameterType::Table)
                    .col(pk_auto(ParameterType::Id))
                    .col(string_len_uniq(ParameterType::Name, 128))
                    .col(string_len_null(ParameterType::Unit, 32))
                    .col(string_len(ParameterType::ValueType, 16))
                    .col(string_len_null(ParameterType::Technique, 32))
                    .col(text(ParameterType::Description))
                    .col(timestamp_with_time_zone(ParameterType::CreatedAt))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Parameter::Table)
                    .col(big_pk_auto(Parameter::Id))
                    .col(big_integer(Parameter::DatasetId))
                    .col(integer(Parameter::ParameterTypeId))
                    .col(double_null(Parameter::ValueNumber))
                    .col(string_len_null(Parameter::ValueText, 1024))
                    .col(json(Parameter::ValueAsGiven))
                    .col(string_len_null(Parameter::UnitAsGiven, 32))
                    .foreign_key(&mut fk_cascade(
                        Parameter::Table,
                        Parameter::DatasetId,
                        Dataset::Table,
                        Dataset::Id,
                    ))
                    .foreign_key(&mut fk_cascade(
                        Parameter::Table,
                        Parameter::ParameterTypeId,
                        ParameterType::Table,
                        ParameterType::Id,
                    ))
                    .take(),
            )
            .await?;
        // One value per dataset and type; this index also serves the per-dataset probe
        // of a parameter condition when the search is driven by the dataset side.
        index(
            manager,
            Parameter::Table,
            &[Parameter::DatasetId, Parameter::ParameterTypeId],
            true,
        )
        .await?;
        // Range and equality search driven by the parameter side.
        index(
            manager,
            Parameter::Table,
            &[Parameter::ParameterTypeId, Parameter::ValueNumber],
            false,
        )
        .await?;
        index(
            manager,
            Parameter::Table,
            &[Parameter::ParameterTypeId, Parameter::ValueText],
            false,
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Parameter::Table).take())
            .await?;
        manager
            .drop_table(Table::drop().table(ParameterType::Table).take())
            .await
    }
}
