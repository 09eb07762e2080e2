//! Ingest benchmark: a 150 MiB uint16 stack (512×512, t=2, c=3, z=50, 300
//! frames) of realistic noisy 12-bit content delivered in ImageJ order (c
//! fastest, then z, then t), written as OME-Zarr; then a partial read (one
//! channel × 10 z at t=0, level 0). Prints wall time, MiB/s, peak RSS,
//! bytes and objects on disk, stored/raw; then the same stack with other
//! codecs, preview factors and tile sizes for comparison (with the CPU time
//! each took, which a busy machine distorts less than wall time).
//!
//! `cargo bench -p strata-zarr --bench ingest`
//! Env: `STRATA_BENCH_T` (default 2) scales the stack along t, to show peak
//! memory does not grow with it; `STRATA_BENCH_CODECS=0` skips the comparison;
//! `STRATA_BENCH_ONLY=TEXT` keeps the comparison rows whose label
//! (`Pcodec { level: 4 } /4 t256`) contains TEXT.

use std::path::Path;
use std::time::{Duration, Instant};

use strata_frames::{Dims, Dtype, Frame, StackInfo};
use strata_zarr::{
    Compression, ImageReader, ImageWriter, Selection, WriterOptions, WrittenImage, frame_sha256,
};

const MIB: f64 = (1u64 << 20) as f64;

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
    /// Approximately N(0, 1): Irwin–Hall sum of four 16-bit uniforms from one draw.
    fn normal(&mut self) -> f32 {
        let r = self.next();
        let s = (r & 0xFFFF) + ((r >> 16) & 0xFFFF) + ((r >> 32) & 0xFFFF) + (r >> 48);
        (s as f32 - 2.0 * 65535.0) / (65536.0 * (4.0f32 / 12.0).sqrt())
    }
}

/// (cy, cx, sigma, amplitude in ADU, z focus).
type Blob = (f32, f32, f32, f32, f32);

/// A fluorescence-like scene per channel: ~40 Gaussian cells/puncta of random
/// size and brightness on a dim uneven background, each focused at its own z.
struct Scene {
    y: usize,
    x: usize,
    /// Per channel, its blobs.
    blobs: Vec<Vec<Blob>>,
}

impl Scene {
    fn new(dims: &Dims) -> Self {
        let mut rng = Rng(0x5EED_1234_ABCD_0001);
        let blobs = (0..dims.c)
            .map(|_| {
                (0..40)
                    .map(|_| {
                        (
                            rng.unit() * dims.y as f32,
                            rng.unit() * dims.x as f32,
                            4.0 + rng.unit() * 30.0,
                            200.0 + rng.unit() * 2200.0,
                            rng.unit() * dims.z as f32,
                        )
                    })
                    .collect()
            })
            .collect();
        Scene {
            y: dims.y,
            x: dims.x,
            blobs,
        }
    }

    /// One camera frame: offset 100 ADU + background + blobs (defocused with
    /// distance from their focal plane, drifting 3 px per t), with shot noise
    /// (variance 2 ADU² per ADU of signal) and 3 ADU read noise, clipped to 12 bits.
    fn frame(&self, t: usize, c: usize, z: usize, rng: &mut Rng) -> Vec<u8> {
        let mut signal = vec![0f32; self.y * self.x];
        for (yy, row) in signal.chunks_exact_mut(self.x).enumerate() {
            let bg = 40.0 + 30.0 * (yy as f32 / self.y as f32);
            row.fill(bg);
        }
        for &(cy, cx, sigma, amp, zf) in &self.blobs[c] {
            let dz = (z as f32 - zf) / 6.0;
            let s = sigma * (1.0 + dz * dz).sqrt();
            let a = amp / (1.0 + dz * dz);
            let cx = cx + 3.0 * t as f32;
            let r = (3.0 * s) as isize;
            let (y0, y1) = (
                (cy as isize - r).max(0),
                (cy as isize + r).min(self.y as isize - 1),
            );
            let (x0, x1) = (
                (cx as isize - r).max(0),
                (cx as isize + r).min(self.x as isize - 1),
            );
            let k = -0.5 / (s * s);
            // Separable Gaussian: exp over rows and columns once, products inside.
            let gx: Vec<f32> = (x0..=x1)
                .map(|x| (k * (x as f32 - cx).powi(2)).exp())
                .collect();
            for yy in y0..=y1 {
                let gy = a * (k * (yy as f32 - cy).powi(2)).exp();
                let row = &mut signal[yy as usize * self.x..][..self.x];
                for (v, g) in row[x0 as usize..=x1 as usize].iter_mut().zip(&gx) {
                    *v += gy * g;
                }
            }
        }
        let mut out = Vec::with_capacity(signal.len() * 2);
        for s in signal {
            let sd = (2.0 * s + 9.0).sqrt();
            let v = (100.0 + s + sd * rng.normal()).round().clamp(0.0, 4095.0) as u16;
            out.extend_from_slice(&v.to_le_bytes());
        }
        out
    }
}

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// CPU time (user + system) of this process so far: a codec's cost that a
/// busy machine does not distort as much as wall time.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<f64> = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|v| v.parse().ok())
        .collect();
    f.iter().sum::<f64>() / 100.0
}

struct Run {
    image: WrittenImage,
    wall: Duration,
    generate: Duration,
    write: Duration,
    finish: Duration,
}

fn ingest(dir: &Path, info: &StackInfo, options: WriterOptions) -> Run {
    let scene = Scene::new(&info.dims);
    let mut rng = Rng(0xC0FF_EE00_D15E_A5E5);
    let start = Instant::now();
    let mut writer = ImageWriter::create(dir, info, 0, options).expect("create");
    let (mut generate, mut write) = (Duration::ZERO, Duration::ZERO);
    let d = info.dims;
    // ImageJ order: c fastest, then z, then t.
    for t in 0..d.t {
        for z in 0..d.z {
            for c in 0..d.c {
                let g = Instant::now();
                let pixels = scene.frame(t, c, z, &mut rng);
                generate += g.elapsed();
                let frame = Frame {
                    position: 0,
                    t,
                    c,
                    z,
                    pixels,
                    metadata: serde_json::Value::Null,
                };
                let w = Instant::now();
                writer.write_frame(&frame).expect("write_frame");
                write += w.elapsed();
            }
        }
    }
    let f = Instant::now();
    let image = writer.finish().expect("finish");
    let finish = f.elapsed();
    Run {
        image,
        wall: start.elapsed(),
        generate,
        write,
        finish,
    }
}

fn main() {
    let t: usize = std::env::var("STRATA_BENCH_T")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2);
    let dims = Dims {
        t,
        c: 3,
        z: 50,
        y: 512,
        x: 512,
    };
    let info = StackInfo {
        format: "bench".into(),
        dims,
        dtype: Dtype::U16,
        positions: 1,
        channel_names: vec!["DAPI".into(), "GFP".into(), "mCherry".into()],
        pixel_size_um: Some([0.108, 0.108, 0.3]),
        metadata: serde_json::Value::Null,
    };
    let raw = (dims.frames() * dims.y * dims.x * 2) as f64;
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_default();
    println!(
        "machine: {} cores ({cpu}), rayon threads {}, load average at start: {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        rayon::current_num_threads(),
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );
    println!(
        "stack: uint16 {}×{}, t={} c={} z={} ({} frames, {:.1} MiB raw), ImageJ order",
        dims.y,
        dims.x,
        dims.t,
        dims.c,
        dims.z,
        dims.frames(),
        raw / MIB
    );

    let base = Path::new(env!("CARGO_TARGET_TMPDIR"));
    std::fs::create_dir_all(base).unwrap();
    let tmp = tempfile::tempdir_in(base).unwrap();
    let dir = tmp.path().join("bench.ome.zarr");
    let run = ingest(&dir, &info, WriterOptions::default());
    let rss = peak_rss_mib();
    let image = &run.image;
    let ingest_time = run.write + run.finish;
    let pixel_objects: Vec<_> = image.pixel_objects().collect();
    let pixel_bytes: u64 = pixel_objects.iter().map(|o| o.size).sum();
    let level0_bytes: u64 = pixel_objects
        .iter()
        .filter(|o| o.path.starts_with("0/"))
        .map(|o| o.size)
        .sum();
    println!(
        "\n== ingest ({:?}, preview factor {}) ==",
        Compression::default(),
        WriterOptions::default().preview_factor
    );
    println!(
        "levels: {:?}",
        image
            .levels
            .iter()
            .map(|l| l.layout.shape)
            .collect::<Vec<_>>()
    );
    println!(
        "shard {:?}, chunk {:?}",
        image.shard_shape, image.chunk_shape
    );
    println!(
        "writer time (write_frame + finish): {:.3} s → {:.0} MiB/s   [write_frame {:.3} s, finish {:.3} s]",
        ingest_time.as_secs_f64(),
        raw / MIB / ingest_time.as_secs_f64(),
        run.write.as_secs_f64(),
        run.finish.as_secs_f64()
    );
    println!(
        "wall incl. generating the frames on the same thread: {:.3} s → {:.0} MiB/s   [generation {:.3} s]",
        run.wall.as_secs_f64(),
        raw / MIB / run.wall.as_secs_f64(),
        run.generate.as_secs_f64()
    );
    println!("peak RSS (VmHWM): {rss:.1} MiB");
    println!(
        "on disk: {} objects ({} pixel objects, {} metadata), {:.1} MiB total, pixels {:.1} MiB",
        image.objects.len(),
        pixel_objects.len(),
        image.objects.len() - pixel_objects.len(),
        image.stored_bytes() as f64 / MIB,
        pixel_bytes as f64 / MIB
    );
    for o in &image.objects {
        println!("  {:<24} {:>12} B", o.path, o.size);
    }
    println!(
        "stored / raw: {:.1}% (all objects, all levels) ; level 0 alone {:.1}%",
        100.0 * image.stored_bytes() as f64 / raw,
        100.0 * level0_bytes as f64 / raw
    );

    // Partial read: one channel × 10 z at t=0, level 0, verified against the digests.
    let selection = Selection {
        t: 0..1,
        c: vec![1],
        z: 20..30,
    };
    let mut times = Vec::new();
    for _ in 0..5 {
        let start = Instant::now();
        let reader = ImageReader::open(&dir).unwrap();
        let frames: Vec<Frame> = reader
            .read_frames(&selection, 0)
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        times.push(start.elapsed());
        assert_eq!(frames.len(), 10);
        for f in &frames {
            let i = (f.t * dims.c + f.c) * dims.z + f.z;
            assert_eq!(
                frame_sha256(&f.pixels),
                image.frames[i].sha256,
                "read-back digest"
            );
        }
    }
    println!(
        "\npartial read (t=0, c=1, z=20..30, level 0, 5 MiB; open + decode; page cache warm): first {:.1} ms, median of 5 {:.1} ms; digests verified",
        times[0].as_secs_f64() * 1e3,
        {
            let mut s = times.clone();
            s.sort();
            s[2].as_secs_f64() * 1e3
        }
    );
    drop(tmp);

    if std::env::var("STRATA_BENCH_CODECS").as_deref() == Ok("0") {
        return;
    }
    println!("\n== codec comparison (same stack; writer time and CPU exclude frame generation) ==");
    println!(
        "{:<36} {:>9} {:>7} {:>8} {:>8} {:>7}",
        "compression", "preview", "MiB/s", "stored%", "level0%", "CPU s"
    );
    // (compression, preview factor, tile side)
    let mut runs = vec![
        (Compression::BloscZstdBitshuffle { level: 1 }, 2, 256),
        (Compression::BloscZstdBitshuffle { level: 1 }, 4, 256),
        (Compression::BloscZstdBitshuffle { level: 3 }, 4, 256),
        (Compression::BloscZstdShuffle { level: 1 }, 4, 256),
        (Compression::BloscLz4Bitshuffle { level: 5 }, 4, 256),
        (Compression::Zstd { level: 1 }, 4, 256),
        (Compression::Pcodec { level: 4 }, 2, 256),
        (Compression::PcodecAutoDelta { level: 4 }, 4, 256),
        (Compression::Pcodec { level: 4 }, 4, 512),
    ];
    for level in [0, 2, 3, 4, 5, 6, 8] {
        runs.push((Compression::Pcodec { level }, 4, 256));
    }
    if let Ok(only) = std::env::var("STRATA_BENCH_ONLY") {
        runs.retain(|(c, f, t)| format!("{c:?} /{f} t{t}").contains(&only));
    }
    for (compression, preview_factor, tile) in runs {
        let tmp = tempfile::tempdir_in(base).unwrap();
        let options = WriterOptions {
            compression,
            preview_factor,
            tile,
            ..WriterOptions::default()
        };
        let cpu = cpu_seconds();
        let run = ingest(&tmp.path().join("x"), &info, options);
        let cpu = cpu_seconds() - cpu - run.generate.as_secs_f64();
        let time = (run.write + run.finish).as_secs_f64();
        let level0: u64 = run
            .image
            .pixel_objects()
            .filter(|o| o.path.starts_with("0/"))
            .map(|o| o.size)
            .sum();
        println!(
            "{:<36} {:>9} {:>7.0} {:>7.1}% {:>7.1}% {:>7.2}",
            format!("{compression:?}"),
            format!("/{preview_factor} t{tile}"),
            raw / MIB / time,
            100.0 * run.image.stored_bytes() as f64 / raw,
            100.0 * level0 as f64 / raw,
            cpu
        );
    }
}
