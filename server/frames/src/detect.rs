//! Which reader understands a path, and `open`.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::imagej::ImageJDescription;
use crate::micromanager;
use crate::stack::{PageMeta, TiffStack};
use crate::tiff::{TiffPages, open_plain};
use crate::{FrameError, FrameSource, mrc, ome};

/// The format a caller says a source is in, or `Auto` to tell by name and content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FramesFormat {
    /// By extension and content: a folder with `metadata.txt` is MicroManager;
    /// a TIFF is MicroManager, OME-TIFF, ImageJ or plain by what its first page says;
    /// `MAP ` at byte 208 or an MRC extension is MRC.
    #[default]
    Auto,
    /// Multi-page TIFF; an ImageJ hyperstack description is honoured.
    Tiff,
    OmeTiff,
    /// An MMStack TIFF, or a MicroManager 1.4 folder (or its `metadata.txt`).
    MicroManager,
    Mrc,
}

const MRC_EXTENSIONS: &[&str] = &["mrc", "mrcs", "st", "ali", "rec", "map", "preali"];

/// Opens `path` as a stream of frames.
pub fn open(path: &Path, format: FramesFormat) -> Result<Box<dyn FrameSource>, FrameError> {
    match format {
        FramesFormat::Auto => open_auto(path),
        FramesFormat::Mrc => Ok(Box::new(mrc::open(path)?)),
        FramesFormat::MicroManager => {
            if path.is_dir() || path.file_name().is_some_and(|n| n == "metadata.txt") {
                Ok(Box::new(micromanager::open_folder(path)?))
            } else {
                Ok(Box::new(micromanager::open_tiff(TiffPages::open(
                    path,
                    |_, _| Ok(()),
                )?)?))
            }
        }
        FramesFormat::OmeTiff => {
            let pages = TiffPages::open(path, |_, _| Ok(()))?;
            match pages
                .first
                .description
                .clone()
                .filter(|d| ome::is_ome_xml(d))
            {
                Some(xml) => Ok(Box::new(open_ome(pages, &xml)?)),
                None => Err(FrameError::Malformed {
                    path: path.to_path_buf(),
                    format: "OME-TIFF",
                    reason: "the first page's ImageDescription holds no OME-XML".into(),
                }),
            }
        }
        FramesFormat::Tiff => {
            let pages = TiffPages::open(path, |_, _| Ok(()))?;
            Ok(Box::new(open_tiff_or_imagej(pages)?))
        }
    }
}

fn open_ome(pages: TiffPages, xml: &str) -> Result<TiffStack, FrameError> {
    let (info, slots) = ome::plan(&pages, xml)?;
    Ok(TiffStack::new(pages, info, slots, PageMeta::Tags))
}

pub(crate) fn open_tiff_or_imagej(pages: TiffPages) -> Result<TiffStack, FrameError> {
    match pages
        .first
        .description
        .as_deref()
        .and_then(ImageJDescription::parse)
    {
        Some(desc) => crate::imagej::open(pages, desc),
        None => open_plain(pages),
    }
}

fn open_auto(path: &Path) -> Result<Box<dyn FrameSource>, FrameError> {
    if path.is_dir() {
        if path.join("metadata.txt").is_file() {
            return Ok(Box::new(micromanager::open_folder(path)?));
        }
        return Err(FrameError::Unsupported {
            path: path.to_path_buf(),
            reason: "a folder without metadata.txt (only MicroManager folders are read)".into(),
        });
    }
    if path.file_name().is_some_and(|n| n == "metadata.txt") {
        return Ok(Box::new(micromanager::open_folder(path)?));
    }
    let mut head = Vec::with_capacity(1024);
    File::open(path)
        .and_then(|f| f.take(1024).read_to_end(&mut head))
        .map_err(|source| FrameError::Io {
            path: path.to_path_buf(),
            source,
        })?;
    let tiff_magic = matches!(
        head.get(..4),
        Some(b"II*\0" | b"MM\0*" | b"II+\0" | b"MM\0+")
    );
    if tiff_magic {
        let pages = TiffPages::open(path, |_, _| Ok(()))?;
        let description = pages.first.description.clone().unwrap_or_default();
        let mm = pages.first.micromanager.is_some() || micromanager::header_summary(path).is_some();
        return if mm {
            Ok(Box::new(micromanager::open_tiff(pages)?))
        } else if ome::is_ome_xml(&description) {
            Ok(Box::new(open_ome(pages, &description)?))
        } else {
            Ok(Box::new(open_tiff_or_imagej(pages)?))
        };
    }
    let extension = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    if mrc::has_map_stamp(&head) || MRC_EXTENSIONS.contains(&extension.as_str()) {
        return Ok(Box::new(mrc::open(path)?));
    }
    Err(FrameError::Unsupported {
        path: path.to_path_buf(),
        reason: "neither a TIFF, an MRC file nor a MicroManager folder".into(),
    })
}
