//! Objects in an S3 bucket (AWS or any S3-compatible service).
//!
//! Uploads of at most one part go up as one PutObject; larger ones as a multipart upload whose
//! parts are read (and hashed) while the previous part uploads, so memory stays at two parts.
//! An object becomes visible only when PutObject or CompleteMultipartUpload succeeds; a failed
//! or cancelled multipart upload is aborted so its parts do not linger (and cost) on the server.
//! Retries with exponential backoff are the SDK's: `max_attempts` configures them.

use std::fmt;
use std::ops::Range;
use std::path::Path;

use async_trait::async_trait;
use aws_sdk_s3::Client;
use aws_sdk_s3::config::retry::RetryConfig;
use aws_sdk_s3::config::timeout::TimeoutConfig;
use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region, ResponseChecksumValidation};
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
use bytes::{Bytes, BytesMut};
use sha2::{Digest, Sha256};
use tokio::io::AsyncRead;

use crate::error::{Result, StorageError};
use crate::key::{ObjectKey, check_prefix};
use crate::s3_config::MAX_PARTS;
pub use crate::s3_config::{MAX_PART_SIZE, MIN_PART_SIZE, S3Config};
use crate::store::{ObjectMeta, ObjectReader, ObjectStore, StoredObject, fill_hashing, hex_digest};

/// A store in one S3 bucket.
#[derive(Clone)]
pub struct S3Store {
    client: Client,
    bucket: String,
    part_size: usize,
    list_page_size: i32,
}

impl fmt::Debug for S3Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Store")
            .field("bucket", &self.bucket)
            .field("part_size", &self.part_size)
            .finish()
    }
}

impl S3Store {
    /// Builds the client. No request is made here.
    pub fn new(config: S3Config) -> Result<Self> {
        if !(MIN_PART_SIZE..=MAX_PART_SIZE).contains(&config.part_size) {
            return Err(StorageError::Config(format!(
                "S3 part size {} is outside {MIN_PART_SIZE}..={MAX_PART_SIZE} bytes",
                config.part_size
            )));
        }
        if config.max_attempts == 0 {
            return Err(StorageError::Config(
                "S3 max_attempts must be at least 1".into(),
            ));
        }
        if !(1..=1000).contains(&config.list_page_size) {
            return Err(StorageError::Config(
                "S3 list_page_size must be within 1..=1000".into(),
            ));
        }
        // hyper 1 + rustls on ring: the only HTTP/TLS stack in the build (no aws-lc-sys).
        let http_client = aws_smithy_http_client::Builder::new()
            .tls_provider(Provider::Rustls(CryptoMode::Ring))
            .build_https();
        let credentials = Credentials::new(
            config.access_key_id,
            config.secret_access_key,
            config.session_token,
            None,
            "strata-config",
        );
        let mut builder = aws_sdk_s3::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .http_client(http_client)
            .region(Region::new(config.region))
            .credentials_provider(credentials)
            .force_path_style(config.force_path_style)
            .retry_config(
                RetryConfig::standard()
                    .with_max_attempts(config.max_attempts)
                    .with_initial_backoff(config.initial_backoff),
            )
            // Integrity is the SHA-256 recorded at write time and checked by `verify`; the SDK's
            // own CRC check on downloads would turn corruption into an opaque stream error
            // without the digests. Uploads keep the SDK's checksums (the server rejects a
            // damaged part).
            .response_checksum_validation(ResponseChecksumValidation::WhenRequired)
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(config.connect_timeout)
                    .build(),
            );
        if let Some(url) = config.endpoint_url {
            builder = builder.endpoint_url(url);
        }
        Ok(S3Store {
            client: Client::from_conf(builder.build()),
            bucket: config.bucket,
            part_size: config.part_size,
            list_page_size: config.list_page_size,
        })
    }

    /// Uploads `reader` with parts of `part_size` bytes.
    async fn put_reader(
        &self,
        key: &ObjectKey,
        reader: &mut (dyn AsyncRead + Send + Unpin),
        part_size: usize,
    ) -> Result<StoredObject> {
        let mut hasher = Sha256::new();
        let mut first = BytesMut::with_capacity(part_size);
        fill_hashing(reader, &mut first, part_size, &mut hasher)
            .await
            .map_err(|e| StorageError::from_io(key, "reading the source for", None, e))?;
        if first.len() < part_size {
            // Fits in one request: PutObject is atomic by itself.
            let size = first.len() as u64;
            let body = first.freeze();
            self.client
                .put_object()
                .bucket(&self.bucket)
                .key(key.as_str())
                .content_length(body.len() as i64)
                .body(ByteStream::from(body))
                .send()
                .await
                .map_err(|e| backend(key, "PutObject", e))?;
            return Ok(StoredObject {
                key: key.clone(),
                size,
                sha256: hex_digest(hasher),
            });
        }

        let created = self
            .client
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(key.as_str())
            .send()
            .await
            .map_err(|e| backend(key, "CreateMultipartUpload", e))?;
        let Some(upload_id) = created
            .upload_id()
            .filter(|id| !id.is_empty())
            .map(str::to_owned)
        else {
            return Err(StorageError::Backend {
                key: key.to_string(),
                op: "CreateMultipartUpload",
                message: "the service returned no upload id".to_owned(),
            });
        };
        let mut guard = AbortOnDrop {
            client: self.client.clone(),
            bucket: self.bucket.clone(),
            key: key.to_string(),
            upload_id: upload_id.clone(),
            armed: true,
        };
        let result = match self
            .upload_parts(
                key,
                &upload_id,
                reader,
                first.freeze(),
                part_size,
                &mut hasher,
            )
            .await
        {
            Ok((parts, size)) => self
                .client
                .complete_multipart_upload()
                .bucket(&self.bucket)
                .key(key.as_str())
                .upload_id(&upload_id)
                .multipart_upload(
                    CompletedMultipartUpload::builder()
                        .set_parts(Some(parts))
                        .build(),
                )
                .send()
                .await
                .map(|_| size)
                .map_err(|e| backend(key, "CompleteMultipartUpload", e)),
            Err(e) => Err(e),
        };
        guard.armed = false;
        match result {
            Ok(size) => Ok(StoredObject {
                key: key.clone(),
                size,
                sha256: hex_digest(hasher),
            }),
            Err(err) => {
                // Awaited here (not left to the drop guard) so the parts are gone when we return.
                if let Err(abort) = guard.request().send().await {
                    tracing::warn!(key = %key, upload_id, error = %DisplayErrorContext(&abort), "could not abort multipart upload");
                }
                Err(err)
            }
        }
    }

    /// Uploads `first` and then the rest of `reader` as parts, reading part n+1 while part n
    /// uploads. Returns the completed parts and the total size.
    async fn upload_parts(
        &self,
        key: &ObjectKey,
        upload_id: &str,
        reader: &mut (dyn AsyncRead + Send + Unpin),
        first: Bytes,
        part_size: usize,
        hasher: &mut Sha256,
    ) -> Result<(Vec<CompletedPart>, u64)> {
        let mut parts = Vec::new();
        let mut current = first;
        let mut size = current.len() as u64;
        let mut number: i32 = 1;
        loop {
            let mut next = BytesMut::with_capacity(part_size);
            let upload = self.upload_part(key, upload_id, number, current);
            let read = fill_hashing(reader, &mut next, part_size, hasher);
            let (uploaded, read) = tokio::join!(upload, read);
            parts.push(uploaded?);
            let n =
                read.map_err(|e| StorageError::from_io(key, "reading the source for", None, e))?;
            if n == 0 {
                return Ok((parts, size));
            }
            if number == MAX_PARTS {
                return Err(StorageError::Backend {
                    key: key.to_string(),
                    op: "UploadPart",
                    message: format!(
                        "object exceeds {MAX_PARTS} parts of {part_size} bytes; raise the part size"
                    ),
                });
            }
            size += n as u64;
            number += 1;
            current = next.freeze();
        }
    }

    async fn upload_part(
        &self,
        key: &ObjectKey,
        upload_id: &str,
        number: i32,
        body: Bytes,
    ) -> Result<CompletedPart> {
        let out = self
            .client
            .upload_part()
            .bucket(&self.bucket)
            .key(key.as_str())
            .upload_id(upload_id)
            .part_number(number)
            .content_length(body.len() as i64)
            .body(ByteStream::from(body))
            .send()
            .await
            .map_err(|e| backend(key, "UploadPart", e))?;
        Ok(CompletedPart::builder()
            .set_e_tag(out.e_tag)
            .part_number(number)
            .build())
    }
}

/// Aborts a multipart upload whose future was dropped mid-way (a cancelled request), so the
/// server frees its parts. Errors take the awaited path in `put_reader` instead.
struct AbortOnDrop {
    client: Client,
    bucket: String,
    key: String,
    upload_id: String,
    armed: bool,
}

impl AbortOnDrop {
    fn request(
        &self,
    ) -> aws_sdk_s3::operation::abort_multipart_upload::builders::AbortMultipartUploadFluentBuilder
    {
        self.client
            .abort_multipart_upload()
            .bucket(&self.bucket)
            .key(&self.key)
            .upload_id(&self.upload_id)
    }
}

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if self.armed
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            let request = self.request();
            runtime.spawn(async move {
                let _ = request.send().await;
            });
        }
    }
}

/// Turns an SDK error into `Backend`, keeping the service's code, message and HTTP status.
fn backend<E>(key: impl ToString, op: &'static str, err: SdkError<E>) -> StorageError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let mut message = match (err.code(), err.message()) {
        (Some(code), Some(msg)) => format!("{code}: {msg}"),
        (Some(code), None) => code.to_owned(),
        // No S3 error code: say what kind of failure it was without dumping the raw response.
        _ => match &err {
            SdkError::ServiceError(_) => {
                "the service answered with an error but no S3 error code".to_owned()
            }
            SdkError::TimeoutError(_) => "the request timed out".to_owned(),
            SdkError::DispatchFailure(failure) => match failure.as_connector_error() {
                Some(connector) => format!(
                    "the request could not be sent: {}",
                    DisplayErrorContext(connector)
                ),
                None => "the request could not be sent".to_owned(),
            },
            other => DisplayErrorContext(other).to_string(),
        },
    };
    if let Some(response) = err.raw_response() {
        message.push_str(&format!(" (HTTP {})", response.status().as_u16()));
    }
    StorageError::Backend {
        key: key.to_string(),
        op,
        message,
    }
}

fn invalid_range(key: &ObjectKey, range: &Range<u64>, size: Option<u64>) -> StorageError {
    StorageError::InvalidRange {
        key: key.to_string(),
        start: range.start,
        end: range.end,
        size,
    }
}

#[async_trait]
impl ObjectStore for S3Store {
    fn backend(&self) -> &'static str {
        "s3"
    }

    async fn put_stream(
        &self,
        key: &ObjectKey,
        reader: &mut (dyn AsyncRead + Send + Unpin),
    ) -> Result<StoredObject> {
        self.put_reader(key, reader, self.part_size).await
    }

    async fn put_file(&self, key: &ObjectKey, path: &Path) -> Result<StoredObject> {
        let mut file = tokio::fs::File::open(path)
            .await
            .map_err(|e| StorageError::io(key, "opening the source file for", Some(path), e))?;
        let len = file
            .metadata()
            .await
            .map_err(|e| StorageError::io(key, "inspecting the source file for", Some(path), e))?
            .len();
        // Known size: grow the part size (in whole MiB) so the file fits in the part limit.
        let needed = len.div_ceil(MAX_PARTS as u64).div_ceil(1 << 20) << 20;
        let part_size = usize::try_from(needed)
            .unwrap_or(MAX_PART_SIZE)
            .clamp(self.part_size, MAX_PART_SIZE);
        self.put_reader(key, &mut file, part_size).await
    }

    async fn get(&self, key: &ObjectKey) -> Result<ObjectReader> {
        let out = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .send()
            .await
            .map_err(|e| match e.as_service_error() {
                Some(service) if service.is_no_such_key() => StorageError::Missing {
                    key: key.to_string(),
                },
                _ => backend(key, "GetObject", e),
            })?;
        Ok(Box::pin(out.body.into_async_read()))
    }

    async fn get_range(&self, key: &ObjectKey, range: Range<u64>) -> Result<Bytes> {
        if range.start > range.end {
            return Err(invalid_range(key, &range, None));
        }
        if range.start == range.end {
            // HTTP cannot ask for zero bytes; still say whether the object and range exist.
            let meta = self.head(key).await?.ok_or_else(|| StorageError::Missing {
                key: key.to_string(),
            })?;
            if range.end > meta.size {
                return Err(invalid_range(key, &range, Some(meta.size)));
            }
            return Ok(Bytes::new());
        }
        let out = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .range(format!("bytes={}-{}", range.start, range.end - 1))
            .send()
            .await
            .map_err(|e| match e.as_service_error() {
                Some(service) if service.is_no_such_key() => StorageError::Missing {
                    key: key.to_string(),
                },
                _ if e.raw_response().is_some_and(|r| r.status().as_u16() == 416) => {
                    invalid_range(key, &range, None)
                }
                _ => backend(key, "GetObject", e),
            })?;
        // "bytes 0-9/1234": the total after the slash.
        let total = out
            .content_range()
            .and_then(|r| r.rsplit('/').next())
            .and_then(|t| t.parse().ok());
        let bytes = out
            .body
            .collect()
            .await
            .map_err(|e| StorageError::Backend {
                key: key.to_string(),
                op: "GetObject",
                message: DisplayErrorContext(&e).to_string(),
            })?
            .into_bytes();
        // S3 shortens a range that runs past the end; the contract is to refuse it.
        if bytes.len() as u64 != range.end - range.start {
            return Err(invalid_range(key, &range, total));
        }
        Ok(bytes)
    }

    async fn head(&self, key: &ObjectKey) -> Result<Option<ObjectMeta>> {
        match self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .send()
            .await
        {
            Ok(out) => {
                let size = out
                    .content_length()
                    .and_then(|n| u64::try_from(n).ok())
                    .unwrap_or(0);
                Ok(Some(ObjectMeta {
                    key: key.clone(),
                    size,
                }))
            }
            Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => Ok(None),
            Err(e) => Err(backend(key, "HeadObject", e)),
        }
    }

    async fn list(&self, prefix: &str) -> Result<Vec<ObjectMeta>> {
        check_prefix(prefix)?;
        let mut pages = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(prefix)
            .max_keys(self.list_page_size)
            .into_paginator()
            .send();
        let mut out = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| backend(prefix, "ListObjectsV2", e))?;
            for object in page.contents() {
                let Some(raw) = object.key() else { continue };
                match ObjectKey::parse(raw) {
                    Ok(key) => {
                        let size = object
                            .size()
                            .and_then(|n| u64::try_from(n).ok())
                            .unwrap_or(0);
                        out.push(ObjectMeta { key, size });
                    }
                    // Written by something else: not addressable through this API, so skip it.
                    Err(err) => {
                        tracing::warn!(%err, bucket = %self.bucket, "skipping object with an invalid key")
                    }
                }
            }
        }
        out.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(out)
    }

    async fn delete(&self, key: &ObjectKey) -> Result<()> {
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .send()
            .await
            .map_err(|e| backend(key, "DeleteObject", e))?;
        Ok(())
    }

    async fn link_file(&self, key: &ObjectKey, _target: &Path) -> Result<StoredObject> {
        Err(StorageError::Unsupported {
            key: key.to_string(),
            op: "linking a file in place",
            backend: "s3",
        })
    }
}
