//! Shared test helpers: deterministic random bytes, digests, and a real S3 protocol server
//! (s3s + s3s-fs) on 127.0.0.1:0 with signed requests, optionally failing chosen requests.
#![allow(dead_code)] // each test binary uses a different subset

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder as ConnBuilder;
use s3s::auth::SimpleAuth;
use s3s::service::S3ServiceBuilder;
use sha2::{Digest, Sha256};
use strata_storage::{S3Config, S3Store};
use tempfile::TempDir;

pub const ACCESS_KEY: &str = "strata-test-access";
pub const SECRET_KEY: &str = "strata-test-secret-0123456789";
pub const BUCKET: &str = "strata-test";
pub const MIB: usize = 1 << 20;

/// Deterministic pseudo-random bytes (xorshift64*), so failures reproduce.
pub fn random_bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        out.extend_from_slice(&state.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes());
    }
    out.truncate(len);
    out
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Flips every bit of the byte at `offset` of the file, returning the new file's SHA-256.
pub fn flip_byte(path: &Path, offset: usize) -> String {
    let mut bytes =
        std::fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    bytes[offset] ^= 0xff;
    std::fs::write(path, &bytes).unwrap();
    sha256_hex(&bytes)
}

/// Which requests the server saw: (method, query string). Lets tests prove that a multipart
/// upload or several list pages really happened, or that no request was made at all.
#[derive(Default)]
pub struct RequestLog(Mutex<Vec<(Method, String)>>);

impl RequestLog {
    pub fn count(&self, pred: impl Fn(&Method, &str) -> bool) -> usize {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|(m, q)| pred(m, q))
            .count()
    }
    pub fn total(&self) -> usize {
        self.0.lock().unwrap().len()
    }
    pub fn upload_parts(&self) -> usize {
        self.count(|m, q| m == Method::PUT && q.contains("partNumber="))
    }
    pub fn list_pages(&self) -> usize {
        self.count(|m, q| m == Method::GET && q.contains("list-type=2"))
    }
    pub fn aborts(&self) -> usize {
        self.count(|m, q| m == Method::DELETE && q.contains("uploadId="))
    }
}

/// Decides, per request, whether to answer 500 InternalError instead of serving it.
pub type FailWhen = Arc<dyn Fn(&Method, &str) -> bool + Send + Sync>;

pub struct S3Server {
    pub root: TempDir,
    pub addr: SocketAddr,
    pub log: Arc<RequestLog>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for S3Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl S3Server {
    /// Starts s3s-fs over a fresh directory holding one empty bucket.
    pub async fn start(fail_when: Option<FailWhen>) -> S3Server {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join(BUCKET)).unwrap();
        let fs = s3s_fs::FileSystem::new(root.path()).unwrap();
        let mut builder = S3ServiceBuilder::new(fs);
        builder.set_auth(SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
        let s3 = builder.build();

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let log = Arc::new(RequestLog::default());
        let task_log = log.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    return;
                };
                let s3 = s3.clone();
                let log = task_log.clone();
                let fail_when = fail_when.clone();
                let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                    let query = req.uri().query().unwrap_or("").to_owned();
                    let method = req.method().clone();
                    log.0.lock().unwrap().push((method.clone(), query.clone()));
                    let fail = fail_when.as_ref().is_some_and(|f| f(&method, &query));
                    let s3 = s3.clone();
                    async move {
                        if fail {
                            return Ok(internal_error());
                        }
                        s3.call(req.map(s3s::Body::from)).await
                    }
                });
                tokio::spawn(async move {
                    let _ = ConnBuilder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(socket), service)
                        .await;
                });
            }
        });
        S3Server {
            root,
            addr,
            log,
            task,
        }
    }

    pub fn config(&self) -> S3Config {
        let mut config = S3Config::new(BUCKET, "us-east-1", ACCESS_KEY, SECRET_KEY);
        config.endpoint_url = Some(format!("http://{}", self.addr));
        config.force_path_style = true;
        config.part_size = 5 * MIB; // the smallest S3 allows, to get many parts cheaply
        config.list_page_size = 2; // forces several pages
        config.max_attempts = 3;
        config.initial_backoff = Duration::from_millis(10);
        config
    }

    pub fn store(&self) -> S3Store {
        S3Store::new(self.config()).unwrap()
    }

    /// The file in which s3s-fs keeps the object.
    pub fn object_path(&self, key: &str) -> PathBuf {
        self.root.path().join(BUCKET).join(key)
    }

    /// Parts of unfinished multipart uploads that s3s-fs still holds.
    pub fn leftover_parts(&self) -> Vec<String> {
        std::fs::read_dir(self.root.path())
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|name| name.starts_with(".upload_id-"))
            .collect()
    }
}

fn internal_error() -> Response<s3s::Body> {
    let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
        <Error><Code>InternalError</Code><Message>injected failure for the test</Message></Error>";
    let mut response = Response::new(s3s::Body::from(body.to_owned()));
    *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/xml"),
    );
    response
}
