//! Spatial coverage. Coordinates keep their lexical form (`41.090`), since a float would
//! write back as `41.09` and the record would no longer round-trip.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GeoPoint {
    pub longitude: String,
    pub latitude: String,
}

impl GeoPoint {
    pub fn new(longitude: f64, latitude: f64) -> Self {
        GeoPoint {
            longitude: longitude.to_string(),
            latitude: latitude.to_string(),
        }
    }

    /// (longitude, latitude) as numbers, if both parse.
    pub fn degrees(&self) -> Option<(f64, f64)> {
        Some((
            self.longitude.trim().parse().ok()?,
            self.latitude.trim().parse().ok()?,
        ))
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GeoBox {
    pub west: String,
    pub east: String,
    pub south: String,
    pub north: String,
}

/// A closed polygon (first point repeated last; at least four points) and optionally a
/// point inside it, which disambiguates polygons that cross the antimeridian.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GeoPolygon {
    pub points: Vec<GeoPoint>,
    pub in_polygon_point: Option<GeoPoint>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GeoLocation {
    pub place: Option<String>,
    pub point: Option<GeoPoint>,
    #[serde(rename = "box")]
    pub bbox: Option<GeoBox>,
    pub polygons: Vec<GeoPolygon>,
}
