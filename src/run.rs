//! `hark run SCRIPT [-i IFACE --inject] [-w FILE] [-- ARG...]`: a script's `main()` run
//! once, with no capture, to craft packets as one would with Scapy. What it sends goes out
//! of IFACE (where `send_recv` waits for answers) and is written to FILE.

use std::path::PathBuf;

use clap::Parser;

use crate::app::script_output;
use crate::error::Error;
use crate::inject::wire::LiveWire;
use crate::output::eve::AlertPlace;
use crate::output::pcap_writer::PcapWriter;
use crate::output::{self, Mode, Outputs};
use crate::script::Chain;
use crate::source::LinkType;

/// Runs a script's main() once, with no capture: crafting packets, sending them, talking to servers over TCP and UDP.
#[derive(Debug, Parser)]
#[command(
    name = "hark run",
    bin_name = "hark run",
    disable_help_subcommand = true,
    max_term_width = 100
)]
pub struct RunArgs {
    /// The script whose main() runs (main(args) gets the words after --)
    #[arg(value_name = "SCRIPT")]
    pub script: PathBuf,

    /// Write the packets the script sends as a pcap file (pcapng if FILE ends in .pcapng)
    #[arg(short = 'w', value_name = "FILE")]
    pub write: Option<PathBuf>,

    /// The interface send() puts packets on and send_recv() listens on (with --inject)
    #[arg(short = 'i', value_name = "IFACE")]
    pub interface: Option<String>,

    /// Let the script put packets on the wire of -i IFACE
    #[arg(long = "inject")]
    pub inject: bool,

    /// What the script may hold in memory (e.g. 64M, 1G)
    #[arg(long = "script-memory", value_name = "SIZE", default_value = "256M", value_parser = crate::cli::size::parse_budget)]
    pub script_memory: usize,

    /// Words handed to main(args), after --
    #[arg(last = true, value_name = "ARG")]
    pub args: Vec<String>,
}

/// Runs `main()`; an error in it is a runtime error (exit 1).
pub fn run(args: RunArgs) -> Result<(), Error> {
    if !args.script.is_file() {
        return Err(Error::Usage(format!(
            "run: {}: no such script file (check the path)",
            args.script.display()
        )));
    }
    let wire = match (&args.interface, args.inject) {
        (Some(interface), true) => Some(LiveWire::open(interface)?),
        (None, false) => None,
        (Some(_), false) => {
            return Err(Error::Usage(
                "run: -i IFACE puts packets on the wire only with --inject (or write them with -w FILE)".into(),
            ));
        }
        (None, true) => {
            return Err(Error::Usage(
                "run: --inject needs the interface to send on: -i IFACE".into(),
            ));
        }
    };
    let mut chain = Chain::load(std::slice::from_ref(&args.script), Some(LinkType::ETHERNET), 1.0)
        .map_err(Error::Scripts)?;
    chain.set_memory_budget(args.script_memory, args.script_memory);
    if let Some(wire) = wire {
        chain.set_wire(Box::new(wire));
    }
    let mut outputs = Outputs::new(Mode::Quiet, output::raw_stdout(), None);
    if let Some(path) = &args.write {
        let writer = PcapWriter::create(path, LinkType::ETHERNET, None, false)
            .map_err(|e| Error::output(path, e))?;
        outputs.replies_to(writer);
        chain.allow_sending();
    }
    let outcome = chain.run_main(args.args);
    let events = script_output(&mut chain);
    outputs.events(&events, AlertPlace::Time(output::now()))?;
    outputs.finish()?;
    outcome.map_err(Error::Script)
}
