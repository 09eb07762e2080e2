use std::path::Path;

use anyhow::Context as _;

/// Prints the SDL, or writes it (what `schema/strata.graphql` holds).
pub fn run(out: Option<&Path>) -> anyhow::Result<()> {
    let sdl = strata_api::sdl();
    match out {
        None => print!("{sdl}"),
        Some(path) => {
            std::fs::write(path, sdl).with_context(|| format!("writing {}", path.display()))?
        }
    }
    Ok(())
}
