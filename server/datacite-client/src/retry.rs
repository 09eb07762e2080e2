//! One HTTP attempt's outcome, and the policy of trying again.

use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};

use crate::config::RetryPolicy;
use crate::error::Operation;

/// A 2xx answer.
pub(crate) struct Reply {
    pub status: StatusCode,
    pub body: Vec<u8>,
}

/// Anything but a 2xx answer, kept raw so the retry loop can judge it before it is
/// turned into an [`crate::Error`].
#[derive(Debug)]
pub(crate) enum Failure {
    Transport(reqwest::Error),
    Status {
        status: StatusCode,
        retry_after: Option<Duration>,
        body: Vec<u8>,
    },
}

impl Failure {
    pub fn from_status(status: StatusCode, headers: &HeaderMap, body: Vec<u8>) -> Self {
        Self::Status {
            status,
            retry_after: retry_after(headers),
            body,
        }
    }

    /// Worth another try: the request may not have reached DataCite, or DataCite
    /// said so (429) or failed itself (5xx). Other 4xx answers will not change.
    fn is_transient(&self) -> bool {
        match self {
            Self::Transport(e) => e.is_connect() || e.is_timeout() || e.is_request() || e.is_body(),
            Self::Status { status, .. } => {
                *status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error()
            }
        }
    }

    fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Status { retry_after, .. } => *retry_after,
            Self::Transport(_) => None,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Transport(e) if e.is_timeout() => write!(f, "timed out: {e}"),
            Self::Transport(e) => write!(f, "{e}"),
            Self::Status {
                status,
                retry_after: Some(after),
                ..
            } => write!(f, "HTTP {status}, Retry-After {}s", after.as_secs()),
            Self::Status { status, .. } => write!(f, "HTTP {status}"),
        }
    }
}

/// Only the delay-seconds form; an HTTP-date falls back to the normal backoff.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// Runs `attempt` until it succeeds, fails for good, or the policy's attempts are
/// used up. Also returns how many attempts were made.
pub(crate) async fn run<F, Fut>(
    policy: &RetryPolicy,
    operation: Operation,
    doi: &str,
    mut attempt: F,
) -> (Result<Reply, Failure>, u32)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Reply, Failure>>,
{
    let attempts = AtomicU32::new(0);
    let backoff = ExponentialBuilder::default()
        .with_min_delay(policy.initial_backoff)
        .with_max_delay(policy.max_backoff)
        .with_max_times(policy.max_attempts.saturating_sub(1) as usize)
        .with_jitter();
    let result = (|| {
        attempts.fetch_add(1, Ordering::Relaxed);
        attempt()
    })
    .retry(backoff)
    .sleep(tokio::time::sleep)
    .when(Failure::is_transient)
    // `delay` is None once the backoff is exhausted; keep it None so we stop.
    .adjust(|failure, delay| {
        delay.map(|d| {
            failure
                .retry_after()
                .map_or(d, |after| after.min(policy.max_retry_after))
        })
    })
    .notify(|failure, delay| {
        tracing::warn!(
            %operation,
            doi,
            attempt = attempts.load(Ordering::Relaxed),
            max_attempts = policy.max_attempts,
            delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
            error = %failure,
            "DataCite request failed; retrying"
        );
    })
    .await;
    (result, attempts.load(Ordering::Relaxed))
}

/// Whether a failure that ended the loop was transient, i.e. the attempts ran out.
pub(crate) fn exhausted(failure: &Failure) -> bool {
    failure.is_transient()
}
