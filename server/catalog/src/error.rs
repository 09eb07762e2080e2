use sea_orm::{DbErr, SqlErr};

/// Everything a catalog operation can refuse or fail with. Each variant is
/// mapped to one API error code in exactly one place (the API's `error.rs`).
///
/// `field` is the path of the offending input, relative to the operation's
/// input (`identifier`, `parameters[2].value`), when one is to blame.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    #[error("{message}")]
    NotFound {
        field: Option<String>,
        message: String,
    },
    #[error("{message}")]
    Conflict {
        field: Option<String>,
        message: String,
    },
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Unauthenticated(String),
    #[error("database error: {0}")]
    Database(DbErr),
    /// A project directory could not be read or written (a full disk, a
    /// permission, a vanished mount).
    #[error("{0}")]
    Filesystem(String),
    /// A service strata depends on (DataCite's REST API) refused or could
    /// not be reached; nothing was changed here.
    #[error("{0}")]
    Upstream(String),
}

impl CatalogError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn not_found(field: Option<&str>, message: impl Into<String>) -> Self {
        Self::NotFound {
            field: field.map(str::to_owned),
            message: message.into(),
        }
    }

    pub fn conflict(field: Option<&str>, message: impl Into<String>) -> Self {
        Self::Conflict {
            field: field.map(str::to_owned),
            message: message.into(),
        }
    }

    /// The input field to blame, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::Invalid { field, .. } => Some(field),
            Self::NotFound { field, .. } | Self::Conflict { field, .. } => field.as_deref(),
            _ => None,
        }
    }

    /// Prefixes the blamed field with the path of the enclosing input.
    pub fn within(self, prefix: &str) -> Self {
        let join = |f: String| format!("{prefix}.{f}");
        match self {
            Self::Invalid { field, message } => Self::Invalid {
                field: join(field),
                message,
            },
            Self::NotFound { field, message } => Self::NotFound {
                field: field.map(join),
                message,
            },
            Self::Conflict { field, message } => Self::Conflict {
                field: field.map(join),
                message,
            },
            other => other,
        }
    }
}

impl From<DbErr> for CatalogError {
    fn from(err: DbErr) -> Self {
        // A unique index refused a row that raced past the checks made before it.
        if let Some(SqlErr::UniqueConstraintViolation(detail)) = err.sql_err() {
            return Self::Conflict {
                field: None,
                message: format!("already exists ({detail})"),
            };
        }
        Self::Database(err)
    }
}
