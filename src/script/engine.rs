//! The one place a Rhai `Engine` is made: limits always on, nothing that reaches files,
//! processes or the network, and `print`/`debug` routed to hark's log.

use std::sync::{Arc, Mutex};

use rhai::{Dynamic, Engine};

use super::api_table::{self, Clock, Table};
use super::host::Host;
use super::{api_bounded, api_build, api_dns, api_edit, api_host, api_layers, api_net, api_packet};

/// Operations one hook call may run before it is stopped.
pub const MAX_OPERATIONS: u64 = 100_000;
/// Operations `hark run` gives a script's `main()`: it runs once, so it may do more.
pub const RUN_OPERATIONS: u64 = 100 * MAX_OPERATIONS;
/// Nested function calls a script may make.
pub const MAX_CALL_LEVELS: usize = 64;
/// What one script may hold unless `--script-memory` says otherwise.
pub const SCRIPT_MEMORY: usize = 256 << 20;

/// Builds the engine every script runs on; `clock` is the packet time tables expire on.
pub fn new(host: Arc<Mutex<Host>>, clock: Clock) -> Engine {
    // `Engine::new` brings only the language's core packages: strings, maths, arrays and
    // maps. Rhai has no file, process or network access unless the host registers it, and
    // hark registers none; modules cannot be loaded (no resolver) and `eval` is off.
    let mut engine = Engine::new();
    engine.set_max_operations(MAX_OPERATIONS);
    engine.set_max_call_levels(MAX_CALL_LEVELS);
    engine.set_max_expr_depths(128, 64);
    // Not Rhai's per-value size limits: it checks them by walking the whole assigned-to
    // value after each indexed write, so a write into a large `this` cost its size. The
    // allocator bounds each value (no block past `alloc::MAX_VALUE`) and each script (its
    // budget) instead, read here before each operation as two flags (`sys::alloc`); the
    // functions that allocate a size they are told ask the budget first (`api_bounded`).
    // The chain reads which bound was hit from the same flags: the token carries nothing.
    // It is made only when needed: a token made and dropped cost a call every operation.
    engine.on_progress(|_| {
        use crate::sys::alloc;
        if alloc::over_budget().is_some() || alloc::value_too_large() {
            Some(Dynamic::UNIT)
        } else {
            None
        }
    });
    engine.set_module_resolver(rhai::module_resolvers::DummyModuleResolver::new());
    engine.disable_symbol("eval");
    let print_host = Arc::clone(&host);
    engine.on_print(move |text| {
        if let Ok(mut h) = print_host.lock() {
            h.log(text.to_string());
        }
    });
    let debug_host = Arc::clone(&host);
    engine.on_debug(move |text, _source, _pos| {
        if let Ok(mut h) = debug_host.lock() {
            h.log(text.to_string());
        }
    });
    api_bounded::register(&mut engine);
    api_packet::register(&mut engine);
    api_layers::register(&mut engine);
    api_edit::register(&mut engine);
    api_dns::register(&mut engine);
    api_build::register(&mut engine);
    let table_host = Arc::clone(&host);
    let table_clock = clock.clone();
    api_table::register(&mut engine, move |options| {
        let evictions = table_host.lock().map(|mut h| h.evictions()).unwrap_or_default();
        Table::new(options, table_clock.clone(), evictions)
    });
    api_net::register(&mut engine, Arc::clone(&host));
    api_host::register(&mut engine, host, clock);
    engine
}
