//! The one place where catalog errors become API errors: a GraphQL error with
//! `extensions.code` (and `extensions.field`, the path of the offending input),
//! or an HTTP status for the plain endpoints.

use async_graphql::ErrorExtensions;
use poem::http::StatusCode;
use strata_catalog::CatalogError;

/// The codes clients branch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    BadUserInput,
    NotFound,
    Forbidden,
    Unauthenticated,
    Conflict,
    /// DataCite (or another service strata calls) failed; retry later.
    Upstream,
    Internal,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::BadUserInput => "BAD_USER_INPUT",
            Code::NotFound => "NOT_FOUND",
            Code::Forbidden => "FORBIDDEN",
            Code::Unauthenticated => "UNAUTHENTICATED",
            Code::Conflict => "CONFLICT",
            Code::Upstream => "UPSTREAM_FAILED",
            Code::Internal => "INTERNAL",
        }
    }

    pub fn status(self) -> StatusCode {
        match self {
            Code::BadUserInput => StatusCode::BAD_REQUEST,
            Code::NotFound => StatusCode::NOT_FOUND,
            Code::Forbidden => StatusCode::FORBIDDEN,
            Code::Unauthenticated => StatusCode::UNAUTHORIZED,
            Code::Conflict => StatusCode::CONFLICT,
            Code::Upstream => StatusCode::BAD_GATEWAY,
            Code::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

pub fn code_of(err: &CatalogError) -> Code {
    match err {
        CatalogError::Invalid { .. } => Code::BadUserInput,
        CatalogError::NotFound { .. } => Code::NotFound,
        CatalogError::Conflict { .. } => Code::Conflict,
        CatalogError::Forbidden(_) => Code::Forbidden,
        CatalogError::Unauthenticated(_) => Code::Unauthenticated,
        CatalogError::Upstream(_) => Code::Upstream,
        CatalogError::Database(_) | CatalogError::Filesystem(_) => Code::Internal,
    }
}

/// An error the API itself finds in a request, before the catalog sees it.
pub fn bad_input(
    field: impl Into<String>,
    message: impl std::fmt::Display,
) -> async_graphql::Error {
    let field = field.into();
    async_graphql::Error::new(format!("{field}: {message}")).extend_with(|_, e| {
        e.set("code", Code::BadUserInput.as_str());
        e.set("field", field.clone());
    })
}

/// A catalog error as GraphQL sees it. `input` is the argument the catalog's
/// field paths are relative to (`input`, `filter`), if any.
pub fn graphql(err: CatalogError, input: Option<&str>) -> async_graphql::Error {
    let err = match input {
        Some(prefix) => err.within(prefix),
        None => err,
    };
    let code = code_of(&err);
    let message = match &err {
        // Internal details stay in the log, not in the answer.
        CatalogError::Database(db) => {
            tracing::error!(error = %db, "catalog failure");
            "internal error; the server log has the details".to_owned()
        }
        other => other.to_string(),
    };
    let field = err.field().map(str::to_owned);
    async_graphql::Error::new(message).extend_with(|_, e| {
        e.set("code", code.as_str());
        if let Some(f) = &field {
            e.set("field", f.clone());
        }
    })
}

/// Maps catalog results into GraphQL results, naming the input argument.
pub trait IntoGraphql<T> {
    fn gql(self) -> async_graphql::Result<T>;
    fn gql_in(self, input: &str) -> async_graphql::Result<T>;
}

impl<T> IntoGraphql<T> for Result<T, CatalogError> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(|e| graphql(e, None))
    }
    fn gql_in(self, input: &str) -> async_graphql::Result<T> {
        self.map_err(|e| graphql(e, Some(input)))
    }
}

/// A catalog error as a plain HTTP response.
pub fn http(err: CatalogError) -> poem::Error {
    let code = code_of(&err);
    let message = match &err {
        CatalogError::Database(db) => {
            tracing::error!(error = %db, "catalog failure");
            "internal error".to_owned()
        }
        other => other.to_string(),
    };
    poem::Error::from_string(message, code.status())
}
