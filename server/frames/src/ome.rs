//! OME-TIFF: the OME-XML of the first page's ImageDescription says which page
//! holds which (image, t, c, z). Each OME `Image` is a position.

use std::collections::HashMap;
use std::path::Path;

use roxmltree::{Document, Node};
use serde_json::{Map, Value, json};

use crate::imagej::um_per_unit;
use crate::stack::Slot;
use crate::tiff::{TiffPages, common_shape};
use crate::{Dims, Dtype, FrameError, StackInfo};

/// True when `text` looks like OME-XML.
pub(crate) fn is_ome_xml(text: &str) -> bool {
    let head = text.trim_start();
    (head.starts_with("<?xml") || head.starts_with('<')) && text.contains("<OME")
}

/// One OME `Image` element, as far as strata reads it.
struct OmeImage {
    dims: Dims,
    dtype: String,
    order: String,
    physical: [Option<f64>; 3],
    channel_names: Vec<Option<String>>,
    tiff_data: Vec<TiffData>,
    /// Plane attributes by (t, c, z).
    planes: HashMap<(usize, usize, usize), Map<String, Value>>,
    summary: Value,
}

struct TiffData {
    ifd: usize,
    first: (usize, usize, usize),
    count: Option<usize>,
}

/// The OME attribute values as JSON, numbers as numbers.
fn attrs_json(node: Node) -> Map<String, Value> {
    node.attributes()
        .map(|a| {
            let v = match a.value().parse::<f64>() {
                Ok(n) if n.is_finite() => json!(n),
                _ => json!(a.value()),
            };
            (a.name().to_string(), v)
        })
        .collect()
}

fn child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.children()
        .find(|n| n.is_element() && n.tag_name().name() == name)
}

fn children<'a, 'i: 'a>(
    node: Node<'a, 'i>,
    name: &'a str,
) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
    node.children()
        .filter(move |n| n.is_element() && n.tag_name().name() == name)
}

fn parse_image(path: &Path, image: Node) -> Result<OmeImage, FrameError> {
    let bad = |reason: String| FrameError::Malformed {
        path: path.to_path_buf(),
        format: "OME-TIFF",
        reason,
    };
    let id = image.attribute("ID").unwrap_or("?").to_string();
    let pixels = child(image, "Pixels").ok_or_else(|| bad(format!("Image {id} has no Pixels")))?;
    let size = |name: &str| -> Result<usize, FrameError> {
        pixels
            .attribute(name)
            .and_then(|v| v.trim().parse::<usize>().ok())
            .filter(|&n| n >= 1)
            .ok_or_else(|| {
                bad(format!(
                    "Image {id}: Pixels {name} missing or not a positive integer"
                ))
            })
    };
    let dims = Dims {
        t: size("SizeT")?,
        c: size("SizeC")?,
        z: size("SizeZ")?,
        y: size("SizeY")?,
        x: size("SizeX")?,
    };
    let order = pixels
        .attribute("DimensionOrder")
        .unwrap_or("XYZCT")
        .to_string();
    if order.len() != 5
        || !order.starts_with("XY")
        || !["Z", "C", "T"].iter().all(|d| order[2..].contains(d))
    {
        return Err(bad(format!(
            "Image {id}: DimensionOrder {order:?} is none of XY + a permutation of ZCT"
        )));
    }
    let physical_size = |axis: &str| -> Option<f64> {
        let v: f64 = pixels
            .attribute(format!("PhysicalSize{axis}").as_str())?
            .parse()
            .ok()?;
        let unit = pixels
            .attribute(format!("PhysicalSize{axis}Unit").as_str())
            .unwrap_or("µm");
        Some(v * um_per_unit(unit)?).filter(|x| x.is_finite() && *x > 0.0)
    };
    let mut channel_names = Vec::new();
    let mut channels = Vec::new();
    for channel in children(pixels, "Channel") {
        if channel
            .attribute("SamplesPerPixel")
            .is_some_and(|s| s.trim() != "1")
        {
            return Err(FrameError::Unsupported {
                path: path.to_path_buf(),
                reason: format!(
                    "Image {id}: channels of several samples per pixel (RGB) are not read"
                ),
            });
        }
        channel_names.push(channel.attribute("Name").map(str::to_string));
        channels.push(Value::Object(attrs_json(channel)));
    }
    let own_name = path.file_name().map(|n| n.to_string_lossy().to_string());
    let mut tiff_data = Vec::new();
    for td in children(pixels, "TiffData") {
        if let Some(uuid) = child(td, "UUID") {
            let file = uuid.attribute("FileName");
            if file.is_some_and(|f| Some(f.to_string()) != own_name) {
                return Err(FrameError::Unsupported {
                    path: path.to_path_buf(),
                    reason: format!(
                        "Image {id}: planes in another file ({}); multi-file OME-TIFF sets are not read",
                        file.unwrap_or_default()
                    ),
                });
            }
        }
        let num = |name: &str| -> Result<Option<usize>, FrameError> {
            td.attribute(name)
                .map(|v| {
                    v.trim()
                        .parse::<usize>()
                        .map_err(|_| bad(format!("Image {id}: TiffData {name}={v:?}")))
                })
                .transpose()
        };
        let ifd = num("IFD")?;
        let count = match num("PlaneCount")? {
            Some(n) => Some(n),
            None if ifd.is_some() => Some(1),
            None => None,
        };
        tiff_data.push(TiffData {
            ifd: ifd.unwrap_or(0),
            first: (
                num("FirstT")?.unwrap_or(0),
                num("FirstC")?.unwrap_or(0),
                num("FirstZ")?.unwrap_or(0),
            ),
            count,
        });
    }
    let mut planes = HashMap::new();
    for plane in children(pixels, "Plane") {
        let at = |name| {
            plane
                .attribute(name)
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0)
        };
        planes.insert((at("TheT"), at("TheC"), at("TheZ")), attrs_json(plane));
    }
    let mut summary = attrs_json(image);
    if let Some(date) = child(image, "AcquisitionDate").and_then(|d| d.text()) {
        summary.insert("AcquisitionDate".into(), json!(date));
    }
    summary.insert("Pixels".into(), Value::Object(attrs_json(pixels)));
    summary.insert("Channels".into(), Value::Array(channels));
    Ok(OmeImage {
        dims,
        dtype: pixels.attribute("Type").unwrap_or("").to_string(),
        order,
        physical: [physical_size("X"), physical_size("Y"), physical_size("Z")],
        channel_names,
        tiff_data,
        planes,
        summary: Value::Object(summary),
    })
}

fn ome_dtype(name: &str) -> Option<Dtype> {
    Some(match name {
        "uint8" => Dtype::U8,
        "int8" => Dtype::I8,
        "uint16" => Dtype::U16,
        "int16" => Dtype::I16,
        "uint32" => Dtype::U32,
        "int32" => Dtype::I32,
        "float" => Dtype::F32,
        "double" => Dtype::F64,
        _ => return None,
    })
}

impl OmeImage {
    /// (t, c, z) of the plane at `index` in DimensionOrder.
    fn coords(&self, index: usize) -> (usize, usize, usize) {
        let (mut t, mut c, mut z) = (0, 0, 0);
        let mut rest = index;
        for axis in self.order[2..].chars() {
            let (n, slot) = match axis {
                'Z' => (self.dims.z, &mut z),
                'C' => (self.dims.c, &mut c),
                _ => (self.dims.t, &mut t),
            };
            *slot = rest % n;
            rest /= n;
        }
        (t, c, z)
    }

    fn index(&self, (t, c, z): (usize, usize, usize)) -> usize {
        let mut index = 0;
        for axis in self.order[2..].chars().rev() {
            let (n, v) = match axis {
                'Z' => (self.dims.z, z),
                'C' => (self.dims.c, c),
                _ => (self.dims.t, t),
            };
            index = index * n + v;
        }
        index
    }
}

/// The stack an OME-XML describes over `pages`, and its frames in page order.
pub(crate) fn plan(pages: &TiffPages, xml: &str) -> Result<(StackInfo, Vec<Slot>), FrameError> {
    let path = pages.path.as_path();
    let bad = |reason: String| FrameError::Malformed {
        path: path.to_path_buf(),
        format: "OME-TIFF",
        reason,
    };
    let doc = Document::parse(xml).map_err(|e| bad(format!("the OME-XML does not parse: {e}")))?;
    let root = doc.root_element();
    let images = children(root, "Image")
        .map(|i| parse_image(path, i))
        .collect::<Result<Vec<_>, _>>()?;
    let first = images
        .first()
        .ok_or_else(|| bad("the OME-XML has no Image".into()))?;
    if let Some(other) = images
        .iter()
        .find(|i| i.dims != first.dims || i.dtype != first.dtype)
    {
        return Err(FrameError::Unsupported {
            path: path.to_path_buf(),
            reason: format!(
                "Images of different shapes or types ({:?} {} and {:?} {}): only files whose Images are positions of one shape are read",
                first.dims, first.dtype, other.dims, other.dtype
            ),
        });
    }
    let dims = first.dims;
    let per_image = dims.frames();
    let n_pages = pages.shapes.len();
    let mut slots = Vec::with_capacity(per_image * images.len());
    for (position, image) in images.iter().enumerate() {
        let mut seen = vec![false; per_image];
        let mut map = |ifd: usize, index: usize, slots: &mut Vec<Slot>| {
            if index < per_image && !seen[index] {
                seen[index] = true;
                let (t, c, z) = image.coords(index);
                let mut slot = Slot::page(ifd, position, t, c, z);
                if let Some(plane) = image.planes.get(&(t, c, z)) {
                    slot.extra = Some(Map::from_iter([(
                        "plane".to_string(),
                        Value::Object(plane.clone()),
                    )]));
                }
                slots.push(slot);
            }
        };
        if image.tiff_data.is_empty() {
            let start = position * per_image;
            for index in 0..per_image {
                map(start + index, index, &mut slots);
            }
        }
        for td in &image.tiff_data {
            let start = image.index(td.first);
            let count = td
                .count
                .unwrap_or(n_pages.saturating_sub(td.ifd))
                .min(per_image.saturating_sub(start));
            for k in 0..count {
                map(td.ifd + k, start + k, &mut slots);
            }
        }
        let mapped = seen.iter().filter(|s| **s).count();
        if mapped != per_image {
            return Err(FrameError::Inconsistent {
                path: path.to_path_buf(),
                expected: format!(
                    "{per_image} planes in Image {position} (SizeT={} × SizeC={} × SizeZ={})",
                    dims.t, dims.c, dims.z
                ),
                found: format!("{mapped} planes placed by its TiffData"),
            });
        }
    }
    if let Some((p, beyond)) = slots
        .iter()
        .filter_map(|s| Some((s.page_index()?, s)))
        .find(|(p, _)| *p >= n_pages)
    {
        let mut found = format!("{n_pages} pages");
        if let Some(broken) = &pages.broken {
            found.push_str(&format!(" ({broken})"));
        }
        return Err(FrameError::Inconsistent {
            path: path.to_path_buf(),
            expected: format!("page {p} (TiffData of Image {})", beyond.position),
            found,
        });
    }
    if n_pages > slots.len() {
        return Err(FrameError::Inconsistent {
            path: path.to_path_buf(),
            expected: format!(
                "{} pages ({} Images of {per_image} planes)",
                slots.len(),
                images.len()
            ),
            found: format!("{n_pages} pages"),
        });
    }
    slots.sort_by_key(|s| s.page_index());
    let used = slots.iter().filter_map(Slot::page_index);
    let (dtype, _, _) = common_shape(
        pages,
        used,
        Some((dims.x as u32, dims.y as u32)),
        "the OME-XML's SizeX × SizeY",
    )?;
    match ome_dtype(&first.dtype) {
        Some(d) if d == dtype => {}
        Some(d) => {
            return Err(FrameError::Inconsistent {
                path: path.to_path_buf(),
                expected: format!("{d:?} pixels (Pixels Type={})", first.dtype),
                found: format!("{dtype:?} pages"),
            });
        }
        None => {
            return Err(FrameError::Unsupported {
                path: path.to_path_buf(),
                reason: format!("Pixels Type={:?} is not read", first.dtype),
            });
        }
    }
    let [px, py, pz] = first.physical;
    let pixel_size_um = match (px, py) {
        (Some(x), Some(y)) => Some([x, y, pz.unwrap_or(1.0)]),
        _ => None,
    };
    let channel_names = (0..dims.c)
        .map(|i| {
            first
                .channel_names
                .get(i)
                .cloned()
                .flatten()
                .unwrap_or_else(|| format!("C{i}"))
        })
        .collect();
    let mut ome = Map::new();
    ome.extend(
        attrs_json(root)
            .into_iter()
            .filter(|(k, _)| k == "Creator" || k == "UUID"),
    );
    ome.insert(
        "images".into(),
        Value::Array(images.iter().map(|i| i.summary.clone()).collect()),
    );
    let info = StackInfo {
        format: "ome-tiff".into(),
        dims,
        dtype,
        positions: images.len(),
        channel_names,
        pixel_size_um,
        metadata: json!({ "ome": ome }),
    };
    Ok((info, slots))
}
