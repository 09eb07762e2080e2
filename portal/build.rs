//! Rebuilds the crate when anything under `assets/` changes (new viewer
//! files included), since the assets are embedded in the binary.

fn main() {
    println!("cargo:rerun-if-changed=assets");
}
