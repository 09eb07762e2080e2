//! Object storage for strata: keys and bytes, on local disk or S3, behind one small trait.
//!
//! Storage knows nothing of the catalog. It stores bytes under validated [`ObjectKey`]s and
//! reports, for every object it writes, the SHA-256 of exactly the bytes it stored.
//!
//! # Guarantees of every [`ObjectStore`]
//!
//! - **Keys are checked before any I/O.** [`ObjectKey::parse`] refuses absolute keys, `.`/`..`
//!   and empty segments, backslashes, NUL and keys over 1024 bytes, so a key can never
//!   escape a local root or alias another key.
//! - **Atomic visibility.** An object appears under its key only once all its bytes are
//!   stored: locally, uploads are written to `<root>/.strata-tmp/<uuid>`, fsynced, renamed
//!   into place and the directory fsynced; on S3, the object exists only once PutObject or
//!   CompleteMultipartUpload succeeded, and a failed multipart upload is aborted. A put that
//!   fails (source error, full disk, server error) or is cancelled leaves neither an object
//!   nor a temp file; an overwrite that fails leaves the previous object.
//! - **Hash in the same pass.** `put_*` compute SHA-256 while the bytes flow into the store;
//!   there is no second read, and the digest is of exactly what was stored. `link_file`
//!   hashes the file it registers in place (nothing is copied).
//! - **Bounded memory.** Uploads stream in 1 MiB chunks (local) or parts of `part_size`
//!   (S3, default 8 MiB, two parts in flight); nothing holds a whole object in memory except
//!   `get_range` and `put_bytes`, which are for small reads and writes.
//! - **Verified reads.** [`verify()`], [`fetch_verified`], [`copy_verified`] and
//!   [`VerifyingReader`] check an object against its recorded digest and fail with
//!   [`StorageError::Corrupt`] naming both digests; [`fetch_verified`] and [`verify()`] never
//!   hand out bytes of a corrupt object (see [`verify`](mod@verify) for the streaming trade-off).
//! - **Errors name the key** (and the path, locally) and what went wrong; S3 errors carry the
//!   service's code and message after the SDK's own retries with backoff.

mod error;
mod key;
mod local;
mod s3;
mod s3_config;
mod store;
pub mod verify;

pub use error::{Result, StorageError};
pub use key::{MAX_KEY_LEN, ObjectKey};
pub use local::LocalStore;
pub use s3::{MAX_PART_SIZE, MIN_PART_SIZE, S3Config, S3Store};
pub use store::{ObjectMeta, ObjectReader, ObjectStore, StoredObject};
pub use verify::{VerifyingReader, copy_verified, fetch_verified, open_verified, verify};
