//! Partial download benchmark: a 150 MiB uint16 stack (512×512, t=2, c=3,
//! z=50) of realistic noisy 12-bit content is written as an ImageJ TIFF,
//! ingested with strata-ingest into a temporary SQLite catalog + LocalStore,
//! then one channel × 10 z (both t: 20 frames) is downloaded as OME-TIFF 20
//! times. Prints the median, min and max wall time, what was fetched, and a
//! whole download for comparison.
//!
//! `cargo bench -p strata-download --bench partial`

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::{ID, world, write_imagej};
use strata_catalog::Scope;
use strata_download::{ChannelRef, DownloadOptions};
use strata_ingest::UploadType;

const MIB: f64 = (1u64 << 20) as f64;
const RUNS: usize = 20;

/// xorshift64*.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }
    /// Approximately N(0, 1) (Irwin–Hall of four 16-bit uniforms).
    fn normal(&mut self) -> f32 {
        let r = self.next();
        let s = (r & 0xFFFF) + ((r >> 16) & 0xFFFF) + ((r >> 32) & 0xFFFF) + (r >> 48);
        (s as f32 - 2.0 * 65535.0) / (65536.0 * (4.0f32 / 12.0).sqrt())
    }
}

/// A fluorescence-like frame: offset + uneven background + ~40 Gaussian
/// blobs per channel focused at their own z, shot and read noise, 12 bits.
struct Scene {
    y: usize,
    x: usize,
    blobs: Vec<Vec<[f32; 5]>>,
    rng: Rng,
}

impl Scene {
    fn new(c: usize, z: usize, y: usize, x: usize) -> Self {
        let mut rng = Rng(0x5EED_1234_ABCD_0001);
        let blobs = (0..c)
            .map(|_| {
                (0..40)
                    .map(|_| {
                        [
                            rng.unit() * y as f32,
                            rng.unit() * x as f32,
                            4.0 + rng.unit() * 30.0,
                            200.0 + rng.unit() * 2200.0,
                            rng.unit() * z as f32,
                        ]
                    })
                    .collect()
            })
            .collect();
        Scene {
            y,
            x,
            blobs,
            rng: Rng(0xC0FF_EE00_D15E_A5E5),
        }
    }

    fn frame(&mut self, t: usize, c: usize, z: usize) -> Vec<u16> {
        let (ny, nx) = (self.y, self.x);
        let mut signal: Vec<f32> = (0..ny * nx)
            .map(|i| 40.0 + 30.0 * ((i / nx) as f32 / ny as f32))
            .collect();
        for &[cy, cx, sigma, amp, zf] in &self.blobs[c] {
            let dz = (z as f32 - zf) / 6.0;
            let s = sigma * (1.0 + dz * dz).sqrt();
            let a = amp / (1.0 + dz * dz);
            let cx = cx + 3.0 * t as f32;
            let r = (3.0 * s) as isize;
            let (y0, y1) = (
                (cy as isize - r).max(0),
                (cy as isize + r).min(ny as isize - 1),
            );
            let (x0, x1) = (
                (cx as isize - r).max(0),
                (cx as isize + r).min(nx as isize - 1),
            );
            let k = -0.5 / (s * s);
            let gx: Vec<f32> = (x0..=x1)
                .map(|x| (k * (x as f32 - cx).powi(2)).exp())
                .collect();
            for yy in y0..=y1 {
                let gy = a * (k * (yy as f32 - cy).powi(2)).exp();
                let row = &mut signal[yy as usize * nx..][..nx];
                for (v, g) in row[x0 as usize..=x1 as usize].iter_mut().zip(&gx) {
                    *v += gy * g;
                }
            }
        }
        signal
            .into_iter()
            .map(|s| {
                let sd = (2.0 * s + 9.0).sqrt();
                (100.0 + s + sd * self.rng.normal())
                    .round()
                    .clamp(0.0, 4095.0) as u16
            })
            .collect()
    }
}

/// The process's peak resident memory (VmHWM), in MiB.
fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let (t, c, z, y, x) = (2, 3, 50, 512, 512);
    let w = world().await;

    let start = Instant::now();
    let mut scene = Scene::new(c, z, y, x);
    let source = w.sources.join("stack.tif");
    write_imagej(&source, (t, c, z, y, x), |tt, cc, zz| {
        scene.frame(tt, cc, zz)
    });
    let raw = std::fs::metadata(&source).unwrap().len();
    println!(
        "fixture: {t}×{c}×{z} of {y}×{x} uint16, {:.1} MiB ImageJ TIFF, written in {:.1} s",
        raw as f64 / MIB,
        start.elapsed().as_secs_f64()
    );

    let start = Instant::now();
    let ingest = w.ingest(ID, "stack.tif", UploadType::Frames).await;
    let (_, records) = w
        .catalog
        .stored_objects(&Scope::system(), ID)
        .await
        .unwrap();
    let stored: u64 = records.iter().map(|r| r.size_bytes as u64).sum();
    let seconds = start.elapsed().as_secs_f64();
    let pixels = (t * c * z * y * x * 2) as f64;
    println!(
        "ingest (strata-ingest, TIFF on disk → OME-Zarr in the local store → catalog): {} frames, {} objects ({} holding pixels), {:.1} MiB stored = {:.1} % of the pixels, in {:.2} s = {:.0} MiB/s; peak RSS so far {:.1} MiB",
        ingest.frames,
        records.len(),
        records
            .iter()
            .filter(|r| !r.path.ends_with("zarr.json"))
            .count(),
        stored as f64 / MIB,
        100.0 * stored as f64 / pixels,
        seconds,
        pixels / MIB / seconds,
        peak_rss_mib(),
    );

    let options = DownloadOptions {
        channels: Some(vec![ChannelRef::Index(1)]),
        z: Some(20..30),
        ..DownloadOptions::default()
    };
    let mut times = Vec::with_capacity(RUNS);
    let mut last = None;
    for run in 0..RUNS {
        let dest = w.root.join(format!("partial-{run}"));
        let start = Instant::now();
        let report = strata_download::download(
            &w.catalog,
            w.store.as_ref(),
            &Scope::system(),
            ID,
            &dest,
            &options,
            &indicatif::ProgressBar::hidden(),
        )
        .await
        .unwrap();
        times.push(start.elapsed());
        assert_eq!(report.frames, 2 * 10);
        last = Some(report);
    }
    times.sort();
    let report = last.unwrap();
    let tiff = std::fs::metadata(report.path.join("0.ome.tif"))
        .unwrap()
        .len();
    println!(
        "partial download (c=1, z=20..30, both t: {} frames, OME-TIFF {:.1} MiB), {RUNS} runs: median {:.1} ms, min {:.1} ms, max {:.1} ms",
        report.frames,
        tiff as f64 / MIB,
        ms(times[RUNS / 2]),
        ms(times[0]),
        ms(times[RUNS - 1]),
    );
    println!(
        "  fetched {:.2} MiB of {:.1} MiB stored ({:.1} %) from {} objects",
        report.bytes as f64 / MIB,
        stored as f64 / MIB,
        100.0 * report.bytes as f64 / stored as f64,
        report.objects
    );

    let dest = w.root.join("whole");
    let start = Instant::now();
    let whole = strata_download::download(
        &w.catalog,
        w.store.as_ref(),
        &Scope::system(),
        ID,
        &dest,
        &DownloadOptions::default(),
        &indicatif::ProgressBar::hidden(),
    )
    .await
    .unwrap();
    println!(
        "whole download (for comparison): {} frames, fetched {:.1} MiB from {} objects in {:.0} ms",
        whole.frames,
        whole.bytes as f64 / MIB,
        whole.objects,
        ms(start.elapsed())
    );
}
