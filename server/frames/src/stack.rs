//! A `FrameSource` over the pages of one TIFF file, following a plan made at
//! open: which page (or byte offset) holds which (position, t, c, z).

use ::tiff::tags::Tag;
use serde_json::{Map, Value};

use crate::micromanager::MM_TAG;
use crate::tiff::{TiffPages, ascii_tag};
use crate::{Frame, FrameError, FrameSource, StackInfo};

/// Where a frame's pixels are.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Loc {
    /// A page (IFD index) of the file.
    Page(usize),
    /// Uncompressed bytes at an offset (ImageJ stacks larger than 4 GiB keep one IFD).
    Raw(u64),
}

/// One frame of the plan, in storage order.
#[derive(Debug, Clone)]
pub(crate) struct Slot {
    pub loc: Loc,
    pub position: usize,
    pub t: usize,
    pub c: usize,
    pub z: usize,
    /// Metadata the plan knows of this frame (OME Plane attributes …).
    pub extra: Option<Map<String, Value>>,
}

impl Slot {
    pub fn page(page: usize, position: usize, t: usize, c: usize, z: usize) -> Self {
        Slot {
            loc: Loc::Page(page),
            position,
            t,
            c,
            z,
            extra: None,
        }
    }

    pub fn page_index(&self) -> Option<usize> {
        match self.loc {
            Loc::Page(p) => Some(p),
            Loc::Raw(_) => None,
        }
    }
}

/// What per-frame metadata is read from a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PageMeta {
    /// Page index and the tags worth keeping.
    Tags,
    /// MicroManager's per-image JSON (tag 51123), as it is.
    MicroManager,
}

pub(crate) struct TiffStack {
    pages: TiffPages,
    info: StackInfo,
    slots: Vec<Slot>,
    next: usize,
    meta: PageMeta,
    failed: bool,
}

impl TiffStack {
    pub fn new(pages: TiffPages, info: StackInfo, slots: Vec<Slot>, meta: PageMeta) -> Self {
        TiffStack {
            pages,
            info,
            slots,
            next: 0,
            meta,
            failed: false,
        }
    }

    /// The same plan, with per-frame metadata read as `meta` says.
    pub fn with_meta(mut self, meta: PageMeta) -> Self {
        self.meta = meta;
        self
    }

    pub fn info_mut(&mut self) -> &mut StackInfo {
        &mut self.info
    }

    fn read(&mut self, slot: Slot) -> Result<Frame, FrameError> {
        let dtype = self.info.dtype;
        let context = format!(
            "frame {} (position {}, t={}, c={}, z={})",
            self.next, slot.position, slot.t, slot.c, slot.z
        );
        let mut metadata = Map::new();
        let pixels = match slot.loc {
            Loc::Page(page) => {
                self.pages.seek(page)?;
                match self.meta {
                    PageMeta::MicroManager => {
                        if let Some(Value::Object(m)) =
                            ascii_tag(self.pages.decoder(), Tag::Unknown(MM_TAG))
                                .and_then(|s| serde_json::from_str(&s).ok())
                        {
                            metadata = m;
                        }
                    }
                    PageMeta::Tags => {}
                }
                if metadata.is_empty() {
                    metadata.insert("page".into(), page.into());
                    let tags = self.pages.frame_tags();
                    if !tags.is_empty() {
                        metadata.insert("tags".into(), Value::Object(tags));
                    }
                }
                self.pages
                    .read_current(page, dtype)
                    .map_err(|e| in_frame(e, &context))?
            }
            Loc::Raw(offset) => {
                metadata.insert("offset".into(), offset.into());
                let len = self.info.dims.x * self.info.dims.y * dtype.size();
                self.pages.read_raw(offset, len, dtype, &context)?
            }
        };
        if let Some(extra) = slot.extra {
            metadata.extend(extra);
        }
        Ok(Frame {
            position: slot.position,
            t: slot.t,
            c: slot.c,
            z: slot.z,
            pixels,
            metadata: Value::Object(metadata),
        })
    }
}

/// Names the frame in a page-level error.
fn in_frame(e: FrameError, context: &str) -> FrameError {
    match e {
        FrameError::Malformed {
            path,
            format,
            reason,
        } => FrameError::Malformed {
            path,
            format,
            reason: format!("{context}: {reason}"),
        },
        FrameError::Unsupported { path, reason } => FrameError::Unsupported {
            path,
            reason: format!("{context}: {reason}"),
        },
        other => other,
    }
}

impl FrameSource for TiffStack {
    fn info(&self) -> &StackInfo {
        &self.info
    }

    fn next_frame(&mut self) -> Option<Result<Frame, FrameError>> {
        if self.failed {
            return None;
        }
        let slot = self.slots.get(self.next)?.clone();
        let result = self.read(slot);
        self.next += 1;
        if result.is_err() {
            self.failed = true;
        }
        Some(result)
    }
}
