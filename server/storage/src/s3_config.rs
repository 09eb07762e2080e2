//! How to reach an S3 bucket, and S3's limits on parts.

use std::fmt;
use std::time::Duration;

/// S3 refuses parts (other than the last) under 5 MiB.
pub const MIN_PART_SIZE: usize = 5 << 20;
/// S3's largest part.
pub const MAX_PART_SIZE: usize = 5 << 30;
/// S3's largest part number.
pub(crate) const MAX_PARTS: i32 = 10_000;

/// Where and how to reach the bucket.
#[derive(Clone)]
pub struct S3Config {
    pub bucket: String,
    pub region: String,
    /// `None` for AWS itself; e.g. `http://127.0.0.1:9000` for a local S3-compatible server.
    pub endpoint_url: Option<String>,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
    /// `bucket` in the path rather than the host name; most non-AWS servers need this.
    pub force_path_style: bool,
    /// Attempts per request, including the first (SDK standard retry with backoff).
    pub max_attempts: u32,
    /// First retry delay; the SDK doubles it (with jitter) on each further attempt.
    pub initial_backoff: Duration,
    pub connect_timeout: Duration,
    /// Multipart part size and read buffer; between 5 MiB and 5 GiB. Memory per upload is
    /// about twice this. Streams are limited to 10,000 parts of this size (`put_file` grows the
    /// part size to fit the file).
    pub part_size: usize,
    /// Keys per ListObjectsV2 page (at most 1000 on AWS).
    pub list_page_size: i32,
}

impl S3Config {
    /// A configuration with the defaults: 8 MiB parts, 5 attempts, path-style off.
    pub fn new(
        bucket: impl Into<String>,
        region: impl Into<String>,
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<String>,
    ) -> Self {
        S3Config {
            bucket: bucket.into(),
            region: region.into(),
            endpoint_url: None,
            access_key_id: access_key_id.into(),
            secret_access_key: secret_access_key.into(),
            session_token: None,
            force_path_style: false,
            max_attempts: 5,
            initial_backoff: Duration::from_millis(200),
            connect_timeout: Duration::from_secs(10),
            part_size: 8 << 20,
            list_page_size: 1000,
        }
    }
}

// Hand-written so that the secret never reaches a log.
impl fmt::Debug for S3Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Config")
            .field("bucket", &self.bucket)
            .field("region", &self.region)
            .field("endpoint_url", &self.endpoint_url)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field("force_path_style", &self.force_path_style)
            .field("max_attempts", &self.max_attempts)
            .field("initial_backoff", &self.initial_backoff)
            .field("part_size", &self.part_size)
            .field("list_page_size", &self.list_page_size)
            .finish_non_exhaustive()
    }
}
