//! `witgis synth`: synthetic resources around European cities, for benchmarks.

use super::CliError;
use crate::config::SynthArgs;
use crate::formats;

pub(super) fn run(args: SynthArgs) -> Result<(), CliError> {
    let resources = crate::synth::resources(args.count, args.seed);
    let stdout = std::io::stdout().lock();
    formats::write(std::io::BufWriter::new(stdout), &resources, args.format.format())
        .map_err(|e| CliError::Io(format!("cannot write: {e}")))
}
