//! hark's integration tests: one binary, a module per area, each running the real `hark`.

// Shared helpers: running hark, the corpus, schemas, honest skips.
mod util;

// The command line: exit codes, error lines, -c, -w, -r - from a pipe.
mod cli;

// Every shared corpus capture decoded by hark and compared with Wireshark's decode.
mod decode_corpus;
