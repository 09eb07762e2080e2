//! The strata binary's library: configuration, logging, the application
//! built from its state, and the commands. `main.rs` only parses and dispatches.

pub mod cli;
pub mod commands;
pub mod config;
pub mod startup;
pub mod telemetry;

pub use config::Config;
pub use startup::Application;
