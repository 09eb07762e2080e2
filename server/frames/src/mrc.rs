//! MRC2014 (cryo-EM maps, tilt series, movies): a 1024-byte header, an
//! extended header of `nsymbt` bytes, then nz sections of nx × ny pixels.
//! Every section is read as a z plane (t = c = 1).
//!
//! A SerialEM autodoc beside the stack (`TS_01.mrc.mdoc`, else `TS_01.mdoc`)
//! adds `mdoc` to the stack's metadata (its global keys and `titles`) and to
//! each frame whose section it describes (that `[ZValue = N]` section's keys).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use crate::convert::{f16_to_f32, swap_in_place};
use crate::mdoc::{self, Mdoc};
use crate::{Dims, Dtype, Frame, FrameError, FrameSource, StackInfo};

const HEADER: u64 = 1024;
/// IMOD's stamp at byte 152; its flags at 156 say whether mode-0 bytes are signed.
const IMOD_STAMP: i32 = 1_146_047_817;

pub(crate) struct Mrc {
    path: PathBuf,
    file: File,
    info: StackInfo,
    big_endian: bool,
    /// Bytes per stored sample (2 for mode 12, converted to 4-byte floats).
    stored_size: usize,
    half: bool,
    data_start: u64,
    /// FEI1/FEI2 extended header: bytes per section.
    fei_block: Option<(String, usize)>,
    /// The SerialEM autodoc beside the stack; its sections are taken as their frames are read.
    mdoc: Option<Mdoc>,
    next: usize,
    failed: bool,
}

fn malformed(path: &Path, reason: String) -> FrameError {
    FrameError::Malformed {
        path: path.to_path_buf(),
        format: "MRC",
        reason,
    }
}

/// True when `head` (the first 212+ bytes) carries MRC2014's `MAP ` stamp.
pub(crate) fn has_map_stamp(head: &[u8]) -> bool {
    head.get(208..212) == Some(b"MAP ".as_slice())
}

pub(crate) fn open(path: &Path) -> Result<Mrc, FrameError> {
    let io = |source| FrameError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = File::open(path).map_err(io)?;
    let file_len = file.metadata().map_err(io)?.len();
    let mut h = [0u8; HEADER as usize];
    if file_len < HEADER {
        return Err(malformed(
            path,
            format!("{file_len} bytes, shorter than the 1024-byte header"),
        ));
    }
    file.read_exact(&mut h).map_err(io)?;
    let big_endian = match h[212] {
        0x11 => true,
        0x44 | 0x41 => false,
        // No stamp (older writers): the byte order in which the mode makes sense.
        _ => {
            let le = i32::from_le_bytes([h[12], h[13], h[14], h[15]]);
            !(0..=16).contains(&le)
                && (0..=16).contains(&i32::from_be_bytes([h[12], h[13], h[14], h[15]]))
        }
    };
    let word = |at: usize| {
        let b = [h[at], h[at + 1], h[at + 2], h[at + 3]];
        if big_endian {
            i32::from_be_bytes(b)
        } else {
            i32::from_le_bytes(b)
        }
    };
    let real = |at: usize| f32::from_bits(word(at) as u32);
    let (nx, ny, nz, mode) = (word(0), word(4), word(8), word(12));
    if nx <= 0 || ny <= 0 || nz <= 0 {
        return Err(malformed(
            path,
            format!("header says nx={nx}, ny={ny}, nz={nz}: not positive"),
        ));
    }
    let imod_unsigned = word(152) == IMOD_STAMP && word(156) & 1 == 0;
    let (dtype, stored_size, half) = match mode {
        0 if imod_unsigned => (Dtype::U8, 1, false),
        0 => (Dtype::I8, 1, false),
        1 => (Dtype::I16, 2, false),
        2 => (Dtype::F32, 4, false),
        6 => (Dtype::U16, 2, false),
        12 => (Dtype::F32, 2, true),
        3 | 4 => return Err(unsupported(path, format!("mode {mode} (complex pixels)"))),
        101 => return Err(unsupported(path, "mode 101 (4-bit packed pixels)".into())),
        _ => return Err(unsupported(path, format!("mode {mode}"))),
    };
    let nsymbt = word(92);
    if nsymbt < 0 {
        return Err(malformed(
            path,
            format!("negative extended header size nsymbt={nsymbt}"),
        ));
    }
    let data_start = HEADER + nsymbt as u64;
    let frame_bytes = nx as u64 * ny as u64 * stored_size as u64;
    let data_bytes = frame_bytes * nz as u64;
    if data_start + data_bytes > file_len {
        return Err(FrameError::Inconsistent {
            path: path.to_path_buf(),
            expected: format!(
                "{nx}×{ny}×{nz} mode-{mode} pixels = {data_bytes} bytes after {data_start} header bytes"
            ),
            found: format!("a file of {file_len} bytes"),
        });
    }
    let exttyp = String::from_utf8_lossy(&h[104..108])
        .trim_end_matches(['\0', ' '])
        .to_string();
    let fei_block = if (exttyp == "FEI1" || exttyp == "FEI2") && nsymbt >= 4 {
        let mut first = [0u8; 4];
        file.read_exact(&mut first).map_err(io)?;
        let size = i32::from_le_bytes(first);
        (size > 0 && size as u64 * nz as u64 <= nsymbt as u64)
            .then(|| (exttyp.clone(), size as usize))
    } else {
        None
    };
    let (mx, my, mz) = (word(28), word(32), word(36));
    let (xlen, ylen, zlen) = (real(40), real(44), real(48));
    let per = |len: f32, m: i32| {
        (m > 0 && len.is_finite() && len > 0.0).then(|| f64::from(len) / f64::from(m) / 1e4)
    };
    let pixel_size_um = match (per(xlen, mx), per(ylen, my)) {
        (Some(x), Some(y)) => Some([x, y, per(zlen, mz).unwrap_or(1.0)]),
        _ => None,
    };
    let nlabl = word(220).clamp(0, 10) as usize;
    let labels: Vec<String> = (0..nlabl)
        .map(|i| {
            String::from_utf8_lossy(&h[224 + 80 * i..304 + 80 * i])
                .trim_end_matches(['\0', ' '])
                .to_string()
        })
        .collect();
    let num = |v: f32| if v.is_finite() { json!(v) } else { Value::Null };
    let mut metadata = json!({ "mrc": {
        "nx": nx, "ny": ny, "nz": nz, "mode": mode,
        "nxstart": word(16), "nystart": word(20), "nzstart": word(24),
        "mx": mx, "my": my, "mz": mz,
        "cella_angstrom": [num(xlen), num(ylen), num(zlen)],
        "cellb_degrees": [num(real(52)), num(real(56)), num(real(60))],
        "mapc": word(64), "mapr": word(68), "maps": word(72),
        "dmin": num(real(76)), "dmax": num(real(80)), "dmean": num(real(84)),
        "ispg": word(88), "nsymbt": nsymbt, "exttyp": exttyp, "nversion": word(108),
        "origin_angstrom": [num(real(196)), num(real(200)), num(real(204))],
        "map_stamp": has_map_stamp(&h),
        "byte_order": if big_endian { "big" } else { "little" },
        "rms": num(real(216)),
        "labels": labels,
    }});
    let mdoc = match mdoc::beside(path) {
        Some(mdoc_path) => {
            let doc = mdoc::read(&mdoc_path)?;
            doc.check_sections(path, nz as usize)?;
            metadata["mdoc"] = doc.stack_metadata();
            Some(doc)
        }
        None => None,
    };
    let info = StackInfo {
        format: "mrc".into(),
        dims: Dims {
            t: 1,
            c: 1,
            z: nz as usize,
            y: ny as usize,
            x: nx as usize,
        },
        dtype,
        positions: 1,
        channel_names: vec!["C0".into()],
        pixel_size_um,
        metadata,
    };
    Ok(Mrc {
        path: path.to_path_buf(),
        file,
        info,
        big_endian,
        stored_size,
        half,
        data_start,
        fei_block,
        mdoc,
        next: 0,
        failed: false,
    })
}

fn unsupported(path: &Path, what: String) -> FrameError {
    FrameError::Unsupported {
        path: path.to_path_buf(),
        reason: format!("MRC {what} is not read"),
    }
}

impl Mrc {
    fn read(&mut self, section: usize) -> Result<Frame, FrameError> {
        let dims = self.info.dims;
        let count = dims.x * dims.y;
        let mut raw = vec![0u8; count * self.stored_size];
        let offset = self.data_start + (section * raw.len()) as u64;
        let eof = |e: std::io::Error, path: &Path| {
            if e.kind() == std::io::ErrorKind::UnexpectedEof {
                malformed(
                    path,
                    format!("section {section}: the file ends before its pixels do (truncated?)"),
                )
            } else {
                FrameError::Io {
                    path: path.to_path_buf(),
                    source: e,
                }
            }
        };
        self.file
            .seek(SeekFrom::Start(offset))
            .and_then(|_| self.file.read_exact(&mut raw))
            .map_err(|e| eof(e, &self.path))?;
        if self.big_endian {
            swap_in_place(&mut raw, self.stored_size);
        }
        let pixels = if self.half {
            raw.chunks_exact(2)
                .flat_map(|b| f16_to_f32(u16::from_le_bytes([b[0], b[1]])).to_le_bytes())
                .collect()
        } else {
            raw
        };
        let mut metadata = Map::new();
        metadata.insert("section".into(), section.into());
        if let Some((kind, size)) = self.fei_block.clone() {
            let mut block = vec![0u8; size];
            self.file
                .seek(SeekFrom::Start(HEADER + (section * size) as u64))
                .and_then(|_| self.file.read_exact(&mut block))
                .map_err(|e| eof(e, &self.path))?;
            let version = block
                .get(4..8)
                .map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]));
            metadata.insert(
                "extended_header".into(),
                json!({ "type": kind, "version": version, "bytes": size, "hex": hex::encode(&block) }),
            );
        }
        if let Some(keys) = self.mdoc.as_mut().and_then(|m| m.take_section(section)) {
            metadata.insert("mdoc".into(), Value::Object(keys));
        }
        Ok(Frame {
            position: 0,
            t: 0,
            c: 0,
            z: section,
            pixels,
            metadata: Value::Object(metadata),
        })
    }
}

impl FrameSource for Mrc {
    fn info(&self) -> &StackInfo {
        &self.info
    }

    fn next_frame(&mut self) -> Option<Result<Frame, FrameError>> {
        if self.failed || self.next >= self.info.dims.z {
            return None;
        }
        let result = self.read(self.next);
        self.next += 1;
        self.failed = result.is_err();
        Some(result)
    }
}
