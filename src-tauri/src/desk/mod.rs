//! This installation: connecting at start, the desk's settings file, and the window commands.

pub mod commands;
pub mod startup;
