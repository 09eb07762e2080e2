//! strata's HTTP layer: GraphQL at `/graphql` (GraphiQL on GET, served from
//! strata itself), the data endpoints, the built portal at `/portal/` when
//! configured, `/healthz`, and the middleware every request goes through.
//! Only this crate knows poem and async-graphql.

mod data;
mod doi;
pub mod error;
mod graphiql;
pub mod graphql;
mod landings;
pub mod oai;
mod request_id;

use async_graphql_poem::{GraphQLProtocol, GraphQLRequest, GraphQLResponse, GraphQLWebSocket};
use poem::endpoint::StaticFilesEndpoint;
use poem::http::{Method, StatusCode, header};
use poem::middleware::{Cors, SizeLimit};
use poem::web::websocket::WebSocket;
use poem::web::{Data, Json, Redirect};
use poem::{Endpoint, EndpointExt, IntoResponse, Request, Response, Route, get, handler};
use std::sync::Arc;

use strata_catalog::{Catalog, Scope};
use strata_ingest::Ingestor;
use strata_storage::ObjectStore;

pub use graphql::{StrataSchema, schema, sdl};
pub use landings::Landings;
pub use oai::OaiSettings;

/// How often the event log is read for datasets that landed (`datasetAdded`).
const LANDINGS_EVERY: std::time::Duration = std::time::Duration::from_millis(250);

/// Everything the server's handlers share.
#[derive(Clone)]
pub struct AppState {
    pub catalog: Catalog,
    pub store: Arc<dyn ObjectStore>,
    pub ingestor: Ingestor,
    pub schema: StrataSchema,
    verified: Arc<data::VerifiedObjects>,
    /// How `/oai` names itself.
    pub oai: OaiSettings,
    /// A built portal (`strata portal build`) served at `/portal/`.
    pub portal: Option<std::path::PathBuf>,
}

impl AppState {
    /// `staging` is where uploaded frames are assembled before they are stored.
    pub fn new(catalog: Catalog, store: Arc<dyn ObjectStore>, staging: std::path::PathBuf) -> Self {
        let ingestor = Ingestor::new(catalog.clone(), store.clone(), staging);
        let landings = Landings::watch(catalog.clone(), LANDINGS_EVERY);
        Self {
            catalog,
            store,
            ingestor,
            schema: graphql::schema_with(landings),
            verified: Arc::default(),
            oai: OaiSettings::default(),
            portal: None,
        }
    }

    /// Serves the static portal in `dir` at `/portal/`, with `/` sent there.
    pub fn with_portal(mut self, dir: std::path::PathBuf) -> Self {
        self.portal = Some(dir);
        self
    }

    /// The OAI-PMH provider's names (`[oai]`).
    pub fn with_oai(mut self, oai: OaiSettings) -> Self {
        self.oai = oai;
        self
    }
}

/// The whole application, ready to be served.
pub fn app(state: AppState) -> impl Endpoint {
    let mut route = Route::new()
        .at(
            "/graphql",
            get(graphiql::page)
                .post(graphql_endpoint.with(SizeLimit::new(graphql::MAX_BODY_BYTES))),
        )
        .at("/graphql/ws", get(graphql_ws))
        .nest("/graphiql", graphiql::assets())
        .at("/files/:identifier/*path", get(data::file))
        .at("/zarr/:identifier/*path", get(data::zarr))
        .at("/datasets/:identifier/upload", poem::post(data::upload))
        .at("/doi/*doi", get(doi::resolve))
        .at("/oai", get(oai::endpoint).post(oai::endpoint))
        .at("/healthz", get(healthz));
    if let Some(dir) = &state.portal {
        route = route
            .nest(
                "/portal",
                StaticFilesEndpoint::new(dir)
                    .index_file("index.html")
                    .redirect_to_slash_directory(),
            )
            .at("/", get(to_portal));
    }
    route.data(state).with(cors()).with(request_id::RequestId)
}

/// A portal or a collaborator's page hosted elsewhere (a bucket, a CDN)
/// reads GraphQL, `/files` and `/zarr` from here: any origin may, without
/// cookies (a token travels in `Authorization`, never implicitly), and the
/// viewers' ranged reads need `Content-Range` exposed.
fn cors() -> Cors {
    Cors::new()
        .allow_methods([Method::GET, Method::HEAD, Method::POST, Method::OPTIONS])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::RANGE])
        .expose_headers([
            header::CONTENT_RANGE,
            header::CONTENT_LENGTH,
            header::ACCEPT_RANGES,
            header::ETAG,
        ])
        .allow_credentials(false)
        .max_age(3600)
}

#[handler]
fn to_portal() -> Redirect {
    Redirect::see_other("/portal/")
}

/// The caller's scope from the `Authorization` header: anonymous without one.
async fn scope_of(catalog: &Catalog, req: &Request) -> Result<Scope, strata_catalog::CatalogError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(Scope::anonymous());
    };
    let bearer = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            strata_catalog::CatalogError::Unauthenticated(
                "the Authorization header must be 'Bearer <token>'".into(),
            )
        })?;
    catalog.authenticate(bearer).await
}

#[handler]
async fn graphql_endpoint(state: Data<&AppState>, req: &Request, gql: GraphQLRequest) -> Response {
    let scope = match scope_of(&state.catalog, req).await {
        Ok(scope) => scope,
        Err(err) => {
            let code = error::code_of(&err);
            let body = async_graphql::Response::from_errors(vec![
                error::graphql(err, None).into_server_error(Default::default()),
            ]);
            return (code.status(), Json(body)).into_response();
        }
    };
    let request = gql
        .0
        .data(graphql::RequestContext::new(state.catalog.clone(), scope))
        // Mutations that write bytes (restack) go through the server's ingestor.
        .data(state.ingestor.clone());
    GraphQLResponse::from(state.schema.execute(request).await).into_response()
}

/// GraphQL subscriptions over WebSocket (`graphql-transport-ws` or the older
/// `graphql-ws`). The caller is the `Authorization` header of the upgrade
/// request, or `{"Authorization": "Bearer …"}` in the connection_init payload
/// (browsers cannot set headers on a WebSocket).
#[handler]
async fn graphql_ws(
    state: Data<&AppState>,
    req: &Request,
    protocol: GraphQLProtocol,
    websocket: WebSocket,
) -> Response {
    let header_scope = match scope_of(&state.catalog, req).await {
        Ok(scope) => scope,
        Err(err) => return (error::code_of(&err).status(), err.to_string()).into_response(),
    };
    let (catalog, schema) = (state.catalog.clone(), state.schema.clone());
    websocket
        .protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |stream| {
            GraphQLWebSocket::new(stream, schema, protocol)
                .on_connection_init(move |payload| async move {
                    let token = payload
                        .get("Authorization")
                        .or_else(|| payload.get("authorization"))
                        .and_then(|v| v.as_str())
                        .map(str::to_owned);
                    let scope = match token {
                        None => header_scope,
                        Some(value) => {
                            let bearer =
                                value
                                    .strip_prefix("Bearer ")
                                    .map(str::trim)
                                    .ok_or_else(|| {
                                        async_graphql::Error::new(
                                            "Authorization must be 'Bearer <token>'",
                                        )
                                    })?;
                            catalog
                                .authenticate(bearer)
                                .await
                                .map_err(|e| async_graphql::Error::new(e.to_string()))?
                        }
                    };
                    let mut data = async_graphql::Data::default();
                    data.insert(graphql::RequestContext::new(catalog, scope));
                    Ok(data)
                })
                .serve()
        })
        .into_response()
}

#[handler]
async fn healthz(state: Data<&AppState>) -> Response {
    match state.catalog.ping().await {
        Ok(()) => (StatusCode::OK, "ok\n").into_response(),
        Err(err) => {
            tracing::error!(error = %err, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "catalog unreachable\n").into_response()
        }
    }
}
