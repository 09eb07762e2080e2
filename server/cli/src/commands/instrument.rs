use anyhow::Context as _;
use strata_catalog::Scope;
use strata_domain::Technique;

use crate::Config;
use crate::cli::InstrumentCommand;
use crate::startup::open_catalog;

pub async fn run(config: &Config, cmd: InstrumentCommand) -> anyhow::Result<()> {
    let catalog = open_catalog(config).await?;
    match cmd {
        InstrumentCommand::Add {
            name,
            facility,
            techniques,
        } => {
            let techniques = techniques
                .iter()
                .map(|t| t.parse::<Technique>())
                .collect::<Result<Vec<_>, _>>()
                .context("--technique")?;
            let added = catalog
                .create_instrument(&Scope::system(), &name, &facility, &techniques)
                .await?;
            eprintln!("instrument {} added", added.name);
        }
    }
    Ok(())
}
