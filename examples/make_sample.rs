//! Writes `examples/sample.pcap` from hark's own generator: `cargo run --example make_sample`.

use std::path::Path;

use hark::output::pcap_writer::PcapWriter;
use hark::source::LinkType;

fn main() -> std::io::Result<()> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/sample.pcap");
    let mut writer = PcapWriter::create(&path, LinkType::ETHERNET, None, false)?;
    for frame in hark::sample::lab_conversation() {
        writer.write(&frame.as_frame())?;
    }
    writer.flush()?;
    println!("wrote {}", path.display());
    Ok(())
}
