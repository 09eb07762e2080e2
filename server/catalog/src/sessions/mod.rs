//! Sessions: streaming acquisitions with on-the-fly preprocessing
//! (CryoSPARC Live, seed 001). A pipeline reports a session, records what it
//! writes into the session's folder (motion-corrected micrographs, CTF fits,
//! particle stacks, particle locations, manual picks) and completes it;
//! compaction then removes what preprocessing can reproduce, and a restore
//! marks it for reprocessing.
//!
//! The life of a session:
//!
//! ```text
//! active ──complete──► completed ──compact──► compacted ──restore──► restoring
//!                          ▲                                            │
//!                          └──── every removed result written again ────┘
//! ```
//!
//! A compacted session cannot be modified until it is restored: its
//! parameters, results and status are frozen, so that a restore reproduces
//! exactly what was removed.

mod compaction;
mod record;

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use compaction::SessionCompacted;

/// Where a session is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionStatus {
    /// Acquiring and preprocessing.
    Active,
    /// Done: may be compacted.
    Completed,
    /// Preprocessing outputs and particle stacks removed; frozen until restored.
    Compacted,
    /// Restored: the removed results wait for the pipeline to write them again.
    Restoring,
}

/// What a session result holds, which decides whether compaction removes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionResultKind {
    /// Motion-corrected micrographs: removed by compaction.
    Micrographs,
    /// CTF estimates: removed by compaction.
    Ctf,
    /// Extracted particle stacks: removed by compaction.
    Particles,
    /// Where the particles are: kept, so that a restore re-extracts them.
    ParticleLocations,
    /// Picks made by a person: kept (they cannot be reproduced).
    ManualPicks,
    /// Anything else the session wrote: kept.
    Other,
}

/// Whether a result's bytes are on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionResultState {
    Present,
    /// Removed by compaction.
    Compacted,
    /// Restored: waiting for the pipeline to write it again.
    Reprocessing,
}

macro_rules! names {
    ($ty:ident, $what:literal, $($variant:ident => $name:literal),+ $(,)?) => {
        impl $ty {
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $name),+ }
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $ty {
            type Err = crate::jobs::plan::UnknownName;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == s)
                    .ok_or_else(|| crate::jobs::plan::UnknownName {
                        kind: $what,
                        name: s.to_owned(),
                        expected: Self::ALL.iter().map(|v| v.as_str()).collect(),
                    })
            }
        }
    };
}

names!(SessionStatus, "session status",
    Active => "active", Completed => "completed", Compacted => "compacted", Restoring => "restoring");
names!(SessionResultKind, "session result kind",
    Micrographs => "micrographs", Ctf => "ctf", Particles => "particles",
    ParticleLocations => "particle_locations", ManualPicks => "manual_picks", Other => "other");
names!(SessionResultState, "session result state",
    Present => "present", Compacted => "compacted", Reprocessing => "reprocessing");

impl SessionResultKind {
    /// What preprocessing reproduces from the raw data, the parameters and
    /// the particle locations (seed 001: compaction "will clear
    /// pre-processing and extraction stages").
    pub fn removed_by_compaction(self) -> bool {
        matches!(self, Self::Micrographs | Self::Ctf | Self::Particles)
    }
}

/// A session as a pipeline reports it.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub title: String,
    /// A JSON object.
    pub parameters: serde_json::Value,
    /// The workspace (by name) the session belongs to; created on first use.
    pub workspace: Option<String>,
}

/// No title, no parameters (`{}`), no workspace.
impl Default for NewSession {
    fn default() -> Self {
        Self {
            title: String::new(),
            parameters: serde_json::json!({}),
            workspace: None,
        }
    }
}

/// A result a session wrote into its folder.
#[derive(Debug, Clone)]
pub struct NewSessionResult {
    pub name: String,
    /// Relative to the session's folder.
    pub path: String,
    pub kind: SessionResultKind,
}

/// A session as the catalog knows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub uid: String,
    pub title: String,
    pub workspace: Option<String>,
    pub status: SessionStatus,
    pub parameters: serde_json::Value,
    /// Bytes of the results on disk, as recorded.
    pub size_bytes: i64,
    pub created_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    pub compacted_at: Option<DateTime<Utc>>,
    pub results: Vec<SessionResultRecord>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionResultRecord {
    pub name: String,
    pub path: String,
    pub kind: SessionResultKind,
    pub state: SessionResultState,
    pub size_bytes: i64,
}
