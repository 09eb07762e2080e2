//! SerialEM autodoc (`.mdoc`) files: the acquisition record SerialEM writes
//! beside a tilt series (`TS_01.mrc.mdoc` or `TS_01.mdoc`).
//!
//! `key = value` lines; those before the first `[...]` header describe the
//! whole stack, `[ZValue = N]` opens the keys of section N (0-based),
//! `[T = ...]` holds a title line, `[MontSection = N]` a montage section.
//! Blank lines and `#` comments are skipped; CRLF and spaces around `=` are
//! tolerated. A value that is one number becomes a JSON number, several
//! whitespace-separated numbers an array of numbers, anything else the
//! trimmed text.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::FrameError;

/// An autodoc read whole.
#[derive(Debug, Default)]
pub(crate) struct Mdoc {
    pub path: PathBuf,
    /// Keys before the first section header.
    pub global: Map<String, Value>,
    /// The text of each `[T = ...]` section, in order.
    pub titles: Vec<String>,
    /// `[ZValue = N]` sections by N, with the line of their header.
    pub sections: BTreeMap<usize, (usize, Map<String, Value>)>,
    /// `[MontSection = N]` sections, in order: `{"MontSection": N, keys…}`.
    pub montage_sections: Vec<Value>,
}

/// Where the keys of the current line go.
enum Target {
    Global,
    Z(usize),
    Montage(usize),
    /// Sections of kinds this reader does not keep (and title sections).
    Skip,
}

fn malformed(path: &Path, line: usize, reason: impl std::fmt::Display) -> FrameError {
    FrameError::Malformed {
        path: path.to_path_buf(),
        format: "SerialEM mdoc",
        reason: format!("line {line}: {reason}"),
    }
}

/// The autodoc beside an image stack: `<file>.mdoc`, else `<stem>.mdoc` for
/// `.mrc`, `.st` and `.ali` stacks.
pub(crate) fn beside(stack: &Path) -> Option<PathBuf> {
    let mut name = stack.file_name()?.to_os_string();
    name.push(".mdoc");
    let appended = stack.with_file_name(name);
    if appended.is_file() {
        return Some(appended);
    }
    let extension = stack.extension()?.to_string_lossy().to_lowercase();
    if ["mrc", "st", "ali"].contains(&extension.as_str()) {
        let replaced = stack.with_extension("mdoc");
        if replaced.is_file() {
            return Some(replaced);
        }
    }
    None
}

/// Reads and parses the autodoc at `path`.
pub(crate) fn read(path: &Path) -> Result<Mdoc, FrameError> {
    let bytes = std::fs::read(path).map_err(|source| FrameError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    // SerialEM writes ASCII; a stray Latin-1 byte in a title is not worth refusing.
    parse(path, &String::from_utf8_lossy(&bytes))
}

/// Parses autodoc `text`; `path` only names the file in errors.
pub(crate) fn parse(path: &Path, text: &str) -> Result<Mdoc, FrameError> {
    let mut doc = Mdoc {
        path: path.to_path_buf(),
        ..Mdoc::default()
    };
    let mut target = Target::Global;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    for (index, raw) in text.lines().enumerate() {
        let line_no = index + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(header) = line.strip_prefix('[') {
            let inner = header.strip_suffix(']').ok_or_else(|| {
                malformed(
                    path,
                    line_no,
                    format!("section header {line:?} lacks its ']'"),
                )
            })?;
            let (kind, value) = inner.split_once('=').ok_or_else(|| {
                malformed(
                    path,
                    line_no,
                    format!("section header {line:?} is not [Kind = Value]"),
                )
            })?;
            let (kind, value) = (kind.trim(), value.trim());
            let index = || {
                value.parse::<usize>().map_err(|_| {
                    malformed(
                        path,
                        line_no,
                        format!("{line}: {value:?} is not a section number"),
                    )
                })
            };
            target = match kind {
                "ZValue" => {
                    let z = index()?;
                    if let Some((first, _)) = doc.sections.get(&z) {
                        return Err(malformed(
                            path,
                            line_no,
                            format!("a second [ZValue = {z}] (the first is on line {first})"),
                        ));
                    }
                    doc.sections.insert(z, (line_no, Map::new()));
                    Target::Z(z)
                }
                "MontSection" => {
                    let n = index()?;
                    let mut keys = Map::new();
                    keys.insert("MontSection".into(), n.into());
                    doc.montage_sections.push(Value::Object(keys));
                    Target::Montage(doc.montage_sections.len() - 1)
                }
                "T" => {
                    doc.titles.push(value.to_string());
                    Target::Skip
                }
                _ => Target::Skip,
            };
            continue;
        }
        let (key, value) = line.split_once('=').ok_or_else(|| {
            malformed(
                path,
                line_no,
                format!("{line:?} is neither `key = value` nor a [section] header"),
            )
        })?;
        let key = key.trim();
        if key.is_empty() {
            return Err(malformed(path, line_no, format!("{line:?} has no key")));
        }
        let keys = match target {
            Target::Global => &mut doc.global,
            Target::Z(z) => match doc.sections.get_mut(&z) {
                Some((_, keys)) => keys,
                None => continue,
            },
            Target::Montage(i) => match doc.montage_sections[i].as_object_mut() {
                Some(keys) => keys,
                None => continue,
            },
            Target::Skip => continue,
        };
        keys.insert(key.to_string(), value_of(value.trim()));
    }
    Ok(doc)
}

/// One number, several numbers, or the text itself.
fn value_of(text: &str) -> Value {
    let numbers: Option<Vec<Value>> = text.split_whitespace().map(number).collect();
    match numbers {
        Some(mut numbers) if numbers.len() == 1 => numbers.remove(0),
        Some(numbers) if !numbers.is_empty() => Value::Array(numbers),
        _ => Value::String(text.to_string()),
    }
}

/// A decimal number (integer or float, finite); `nan`, `inf` and the like stay text.
fn number(token: &str) -> Option<Value> {
    if !token
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E'))
        || !token.bytes().any(|b| b.is_ascii_digit())
    {
        return None;
    }
    if let Ok(i) = token.parse::<i64>() {
        return Some(i.into());
    }
    let f = token.parse::<f64>().ok().filter(|f| f.is_finite())?;
    serde_json::Number::from_f64(f).map(Value::Number)
}

impl Mdoc {
    /// The whole-stack part: the global keys and `titles` (and `montage_sections` when any).
    pub(crate) fn stack_metadata(&self) -> Value {
        let mut out = self.global.clone();
        out.insert(
            "titles".into(),
            self.titles.iter().cloned().map(Value::String).collect(),
        );
        if !self.montage_sections.is_empty() {
            out.insert(
                "montage_sections".into(),
                Value::Array(self.montage_sections.clone()),
            );
        }
        Value::Object(out)
    }

    /// Refuses sections the stack does not have: an mdoc that lists
    /// `[ZValue = N]` with N ≥ the stack's `nz` describes another stack.
    pub(crate) fn check_sections(&self, stack: &Path, nz: usize) -> Result<(), FrameError> {
        match self.sections.range(nz..).next() {
            Some((z, (line, _))) => Err(FrameError::Inconsistent {
                path: self.path.clone(),
                expected: format!("a section [ZValue = {z}] (line {line})"),
                found: format!(
                    "{} holds {nz} sections (ZValue 0 to {})",
                    stack.display(),
                    nz.saturating_sub(1)
                ),
            }),
            None => Ok(()),
        }
    }

    /// Takes the keys of section `z` out, if the autodoc has that section.
    pub(crate) fn take_section(&mut self, z: usize) -> Option<Map<String, Value>> {
        self.sections.remove(&z).map(|(_, keys)| keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_are_numbers_arrays_or_text() {
        assert_eq!(value_of("-0.00"), json!(-0.0));
        assert_eq!(value_of("64000"), json!(64000));
        assert_eq!(value_of("12.3 -45.6"), json!([12.3, -45.6]));
        assert_eq!(value_of("4096 4096"), json!([4096, 4096]));
        assert_eq!(
            value_of("21-Nov-26  10:11:12"),
            json!("21-Nov-26  10:11:12")
        );
        assert_eq!(value_of("NaN"), json!("NaN"));
        assert_eq!(value_of("inf"), json!("inf"));
        assert_eq!(value_of("1e-3"), json!(0.001));
        assert_eq!(value_of("-"), json!("-"));
        assert_eq!(value_of(""), json!(""));
        assert_eq!(value_of("1 2 x"), json!("1 2 x"));
    }

    #[test]
    fn sections_titles_montages_crlf() {
        let text = "\u{feff}PixelSpacing = 1.35\r\nVoltage=300\r\n\r\n[T = SerialEM: Digitized on Krios = 1]\r\n\
                    [ZValue = 1]\r\nTiltAngle =  3.00 \r\n[MontSection = 0]\r\nPieceCoordinates = 0 0 0\r\n\
                    [FrameSet = 0]\r\nIgnored = 1\r\n[ZValue = 0]\r\nTiltAngle = -3\r\n";
        let mut doc = parse(Path::new("x.mdoc"), text).unwrap();
        assert_eq!(
            doc.stack_metadata(),
            json!({
                "PixelSpacing": 1.35, "Voltage": 300,
                "titles": ["SerialEM: Digitized on Krios = 1"],
                "montage_sections": [{"MontSection": 0, "PieceCoordinates": [0, 0, 0]}],
            })
        );
        assert_eq!(doc.take_section(0).unwrap()["TiltAngle"], json!(-3));
        assert_eq!(doc.take_section(1).unwrap()["TiltAngle"], json!(3.0));
        assert!(doc.take_section(2).is_none());
    }

    #[test]
    fn bad_lines_name_the_file_and_line() {
        for (text, line) in [
            ("A = 1\nno equals here\n", "line 2"),
            ("[ZValue = 0]\n[ZValue = -1]\n", "line 2"),
            ("[ZValue = 0\n", "line 1"),
            ("\n\n[ZValue = 0]\n[ZValue = 0]\n", "line 4"),
            (" = 3\n", "line 1"),
        ] {
            let err = parse(Path::new("dir/TS_01.mrc.mdoc"), text).unwrap_err();
            let message = err.to_string();
            assert!(
                message.contains("TS_01.mrc.mdoc") && message.contains(line),
                "{text:?}: {message}"
            );
        }
    }
}
