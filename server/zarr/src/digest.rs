//! SHA-256 digests of frames and of stored objects.
//!
//! A frame's digest is taken over its pixel bytes exactly as `strata-frames`
//! delivers them (little-endian, row-major), never over what is stored, so it
//! survives any change of codec or chunking and can be re-checked after a
//! read-back with the same function.

use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::error::{Result, ZarrError};

/// Lower-case hex SHA-256 of a frame's pixel bytes (little-endian, row-major).
pub fn frame_sha256(pixels: &[u8]) -> String {
    hex::encode(Sha256::digest(pixels))
}

/// Size and lower-case hex SHA-256 of a file, read in blocks so memory stays
/// small; with `sync`, flushed to disk first.
pub(crate) fn file_sha256(path: &Path, sync: bool) -> Result<(u64, String)> {
    let mut file = std::fs::File::open(path).map_err(|e| ZarrError::io(path, e))?;
    if sync {
        file.sync_all().map_err(|e| ZarrError::io(path, e))?;
    }
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buf).map_err(|e| ZarrError::io(path, e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    Ok((size, hex::encode(hasher.finalize())))
}
