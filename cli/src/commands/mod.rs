//! One module per subcommand.

pub mod bench;
pub mod catalogue_arg;
pub mod check;
pub mod consume;
pub mod demo;
pub mod dlq;
pub mod entries;
pub mod export;
pub mod fleet_lint;
pub mod generate;
pub mod inspect;
pub mod lint;
pub mod listen;
pub mod lock;
pub mod pending;
pub mod publish;
pub mod registry;
pub mod replay;
pub mod schema_dir;
pub mod stats;
pub mod tail;
pub mod ui;

use std::io::IsTerminal;

/// Whether to colour diagnostics: only on a terminal, and never when `NO_COLOR` is set.
pub fn use_color() -> bool {
    std::env::var_os("NO_COLOR").is_none() && std::io::stderr().is_terminal()
}
