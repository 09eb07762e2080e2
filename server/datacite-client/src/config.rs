use std::fmt;
use std::time::Duration;

/// DataCite's test environment. Test and production are separate systems with
/// separate accounts, passwords and prefixes.
pub const TEST_ENDPOINT: &str = "https://api.test.datacite.org";
/// DataCite's production environment: DOIs made findable here are public and permanent.
pub const PRODUCTION_ENDPOINT: &str = "https://api.datacite.org";

/// How to reach DataCite and as whom.
#[derive(Clone)]
pub struct ClientConfig {
    /// Base URL of the REST API, without `/dois` (e.g. [`TEST_ENDPOINT`]).
    pub endpoint: String,
    /// The repository account (DataCite calls it the repository ID, e.g. `STRATA.TEST`);
    /// only repository accounts may create and update DOIs.
    pub repository_id: String,
    pub password: String,
    /// The DOI prefix assigned to the repository (e.g. `10.80000`); used for
    /// auto-generated suffixes and named in errors when DataCite refuses a prefix.
    pub prefix: String,
    /// Kept short so an unreachable DataCite fails over to a retry quickly.
    pub connect_timeout: Duration,
    /// Bounds one attempt (connect + request + response); retries get a fresh budget.
    pub request_timeout: Duration,
    pub retry: RetryPolicy,
}

impl ClientConfig {
    /// A configuration with default timeouts and retry policy.
    pub fn new(
        endpoint: impl Into<String>,
        repository_id: impl Into<String>,
        password: impl Into<String>,
        prefix: impl Into<String>,
    ) -> Self {
        Self {
            endpoint: endpoint.into(),
            repository_id: repository_id.into(),
            password: password.into(),
            prefix: prefix.into(),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
        }
    }
}

/// The password must not end up in logs or error reports.
impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("endpoint", &self.endpoint)
            .field("repository_id", &self.repository_id)
            .field("password", &"<redacted>")
            .field("prefix", &self.prefix)
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("retry", &self.retry)
            .finish()
    }
}

/// When to try a request again. Only transient failures are retried (connection
/// errors, timeouts, HTTP 429 and 5xx); every other answer is final.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total tries, the first included; 1 disables retrying.
    pub max_attempts: u32,
    /// Delay before the first retry; doubles (with jitter) up to `max_backoff`.
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
    /// Upper bound on a `Retry-After` we honour, so one answer cannot park a
    /// request for hours; longer values are clamped to it.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(10),
            max_retry_after: Duration::from_secs(60),
        }
    }
}
