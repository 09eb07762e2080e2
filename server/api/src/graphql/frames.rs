//! A dataset's frame sets and frames, selectable by the frames' own
//! parameters (a tilt's angle, an image's focus position).

use async_graphql::{ComplexObject, Context, SimpleObject};
use strata_domain::records;

use super::context::request;
use super::filter::ParameterCondition;
use super::parameter::FrameParameter;
use super::scalars::ParameterValue;
use crate::error::IntoGraphql;

/// One position's frames, stored as an OME-Zarr image (served under `/zarr`).
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct FrameSet {
    #[graphql(skip)]
    pub dataset: String,
    pub position: i32,
    /// (t, c, z, y, x).
    pub shape: Vec<u64>,
    /// The Zarr data type (`uint16`, `float32`, …).
    pub dtype: String,
    pub channel_names: Vec<String>,
    /// The image's path inside the dataset folder (and under `/zarr/{identifier}/`).
    pub array_path: String,
}

impl FrameSet {
    pub fn new(dataset: &str, s: records::FrameSet) -> Self {
        Self {
            dataset: dataset.to_owned(),
            position: s.position,
            shape: s.shape,
            dtype: s.dtype,
            channel_names: s.channel_names,
            array_path: s.array_path,
        }
    }
}

#[ComplexObject]
impl FrameSet {
    /// The frames whose own parameters meet every condition (numeric
    /// conditions on per-frame parameters), in (t, c, z) order.
    async fn frames(
        &self,
        ctx: &Context<'_>,
        #[graphql(name = "where", default)] conditions: Vec<ParameterCondition>,
        #[graphql(default = 100)] first: u64,
        #[graphql(default = 0)] offset: u64,
    ) -> async_graphql::Result<Vec<Frame>> {
        let conditions = conditions
            .iter()
            .enumerate()
            .map(|(i, c)| c.to_catalog(&format!("where[{i}]")))
            .collect::<async_graphql::Result<Vec<_>>>()?;
        let r = request(ctx);
        Ok(r.catalog
            .frames(
                &r.scope,
                &self.dataset,
                self.position,
                &conditions,
                first,
                offset,
            )
            .await
            .gql()?
            .into_iter()
            .map(Frame::from)
            .collect())
    }
}

/// One 2D frame.
#[derive(SimpleObject)]
pub struct Frame {
    pub t: i32,
    pub c: i32,
    pub z: i32,
    /// SHA-256 of the frame's pixel bytes (little-endian), whatever the storage.
    pub sha256: String,
    /// The frame's own parameter values, in their definitions' units.
    pub parameters: Vec<FrameParameter>,
}

impl From<records::Frame> for Frame {
    fn from(f: records::Frame) -> Self {
        Self {
            t: f.t,
            c: f.c,
            z: f.z,
            sha256: f.sha256,
            parameters: f
                .parameters
                .into_iter()
                .map(|(name, value)| FrameParameter {
                    name,
                    value: ParameterValue(value),
                })
                .collect(),
        }
    }
}
