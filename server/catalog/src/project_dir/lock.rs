//! The lock file: which instance a project directory is attached to.
//! Created with `O_EXCL`, so of two instances attaching the same directory at
//! once exactly one wins, whatever their databases.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{LOCK_FILE, write_atomic};
use crate::Instance;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lock {
    pub format_version: u32,
    pub instance_id: Uuid,
    pub instance_name: String,
    pub host: String,
    pub pid: u32,
    pub attached_at: DateTime<Utc>,
    /// Refreshed by the running instance; a stale heartbeat hints at a dead one.
    pub heartbeat_at: DateTime<Utc>,
}

impl Lock {
    pub(crate) fn new(instance: &Instance) -> Self {
        let now = Utc::now();
        Lock {
            format_version: 1,
            instance_id: instance.id,
            instance_name: instance.name.clone(),
            host: crate::instance::host_name(),
            pid: std::process::id(),
            attached_at: now,
            heartbeat_at: now,
        }
    }

    /// `"strata@host (instance 1b2c…), heartbeat 2026-11-21T10:00:00Z"`.
    pub fn holder(&self) -> String {
        format!(
            "{} on {} (instance {}), last heartbeat {}",
            self.instance_name,
            self.host,
            self.instance_id,
            self.heartbeat_at.to_rfc3339()
        )
    }
}

#[derive(Debug)]
pub(crate) enum Taken {
    /// Another lock is there.
    Held(Box<Lock>),
    /// A lock file that cannot be read as one.
    Unreadable(String),
    Io(std::io::Error),
}

pub(crate) fn path(dir: &Path) -> PathBuf {
    dir.join(LOCK_FILE)
}

pub(crate) fn read(dir: &Path) -> Result<Option<Lock>, Taken> {
    match std::fs::read(path(dir)) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| Taken::Unreadable(format!("{}: {e}", path(dir).display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Taken::Io(e)),
    }
}

/// Creates the lock, failing if any lock is there. The lock is written whole
/// under a temporary name and hard-linked into place: the link is atomic and
/// refuses an existing name, so a competing instance either finds no lock or
/// a complete one, never a half-written file.
pub(crate) fn acquire(dir: &Path, lock: &Lock) -> Result<(), Taken> {
    let tmp = dir.join(format!(".{LOCK_FILE}.tmp-{}", Uuid::new_v4()));
    let written = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(&serde_json::to_vec_pretty(lock).expect("a lock serialises"))?;
        file.sync_all()
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(Taken::Io(e));
    }
    let linked = std::fs::hard_link(&tmp, path(dir));
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(Taken::Io),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => match read(dir)? {
            Some(held) => Err(Taken::Held(Box::new(held))),
            None => Err(Taken::Io(e)),
        },
        Err(e) => Err(Taken::Io(e)),
    }
}

/// Rewrites the heartbeat of a lock this instance holds; `false` when the lock
/// is gone or someone else's (the directory was moved or rescued).
pub(crate) fn refresh(dir: &Path, instance: &Instance) -> std::io::Result<bool> {
    match read(dir) {
        Ok(Some(mut lock)) if lock.instance_id == instance.id => {
            lock.heartbeat_at = Utc::now();
            write_atomic(
                &path(dir),
                &serde_json::to_vec_pretty(&lock).expect("a lock serialises"),
            )?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// Removes the lock if it is this instance's.
pub(crate) fn release(dir: &Path, instance: &Instance) -> std::io::Result<()> {
    if let Ok(Some(lock)) = read(dir)
        && lock.instance_id == instance.id
    {
        std::fs::remove_file(path(dir))?;
    }
    Ok(())
}

/// Moves a dead instance's lock aside (`strata.lock.rescued-<time>`), kept
/// for whoever wants to know where the project was.
pub(crate) fn set_aside(dir: &Path) -> std::io::Result<PathBuf> {
    let aside = dir.join(format!(
        "{LOCK_FILE}.rescued-{}",
        Utc::now().format("%Y%m%dT%H%M%S%.3fZ")
    ));
    std::fs::rename(path(dir), &aside)?;
    Ok(aside)
}
