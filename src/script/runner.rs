//! Runs one script's hooks with Rhai's runtime state and function caches kept from call to
//! call.
//!
//! `Engine::call_fn` starts every call from a new runtime state and empty function caches,
//! so each getter and operator a hook uses is looked up anew on every packet; that lookup
//! and the state's setup were most of a call. A runner evaluates the hook's body itself, in
//! an evaluation context that keeps one runtime state and one set of caches for the
//! script's life, with the argument in a scope laid out as Rhai lays out a call (the
//! parameter alone), at the call level a call would have, and `this` bound to the script's
//! map.
//!
//! Rhai does not hand out a function's body, so it is rebuilt from a walk of the AST: the
//! top-level statements that lie inside the function's braces. The rebuilt body must print
//! exactly as Rhai prints the original (statements, positions, spans); a hook for which it
//! does not (one that holds a closure, say) is called through `call_fn` as before. In
//! `on_packet`'s body, `pkt.ip.ttl` is then made one call instead of three (`flatten`).

use super::api_packet::ScriptPacket;
use super::flatten;
use rhai::{
    AST, ASTNode, Caches, CallFnOptions, Dynamic, Engine, EvalAltResult, EvalContext, Expr,
    Expression, GlobalRuntimeState, ImmutableString, Position, Scope, Stmt, StmtBlock,
};

/// The hooks a script may define.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hook {
    Start,
    Packet,
    Tick,
    Stop,
    Reload,
}

impl Hook {
    pub const ALL: [Hook; 5] = [Hook::Start, Hook::Packet, Hook::Tick, Hook::Stop, Hook::Reload];

    pub fn name(self) -> &'static str {
        match self {
            Hook::Start => "on_start",
            Hook::Packet => "on_packet",
            Hook::Tick => "on_tick",
            Hook::Stop => "on_stop",
            Hook::Reload => "on_reload",
        }
    }

    pub fn params(self) -> usize {
        match self {
            Hook::Start | Hook::Stop | Hook::Reload => 0,
            Hook::Packet | Hook::Tick => 1,
        }
    }
}

/// How a hook is called.
enum Call {
    /// The script does not define it.
    Absent,
    /// Its body, evaluated in place; with the name its argument goes by.
    InPlace { body: Expr, param: Option<ImmutableString> },
    /// Through `Engine::call_fn`.
    Ordinary,
}

/// A compiled script and how each of its hooks is called: what can be worked out before
/// the script runs, on any thread.
pub struct Prepared {
    ast: AST,
    calls: [Call; 5],
}

impl Prepared {
    pub fn new(ast: AST) -> Prepared {
        Prepared { calls: Hook::ALL.map(|hook| call_for(&ast, hook)), ast }
    }
}

/// One script's compiled form, `this`, runtime state, caches and hooks.
pub struct Runner {
    ast: AST,
    /// The script's own map, kept across calls and reloads.
    this: Dynamic,
    global: GlobalRuntimeState,
    caches: Caches,
    scope: Scope<'static>,
    /// The hook whose parameter is the scope's first entry.
    bound: Option<Hook>,
    calls: [Call; 5],
}

fn place(pos: Position) -> Option<(usize, usize)> {
    Some((pos.line()?, pos.position().unwrap_or(0)))
}

/// How to call `hook` of the script compiled as `ast`.
fn call_for(ast: &AST, hook: Hook) -> Call {
    let Some(def) =
        ast.iter_fn_def().find(|f| f.name == hook.name() && f.params.len() == hook.params())
    else {
        return Call::Absent;
    };
    let (start, end) = (def.body.start_position(), def.body.end_position());
    let (Some(first), Some(last)) = (place(start), place(end)) else {
        return Call::Ordinary;
    };
    let mut statements: Vec<Stmt> = Vec::new();
    ast.walk(&mut |path: &[ASTNode]| {
        if let [ASTNode::Stmt(stmt)] = path {
            if place(stmt.position()).is_some_and(|p| first < p && p < last) {
                statements.push((*stmt).clone());
            }
        }
        true
    });
    let mut block = StmtBlock::new(statements, start, end);
    if format!("{:?}", def.body) != format!("Statements({block:?})") {
        return Call::Ordinary;
    }
    if let (Hook::Packet, Some(param)) = (hook, def.params.first()) {
        let own: Vec<ImmutableString> = ast.iter_fn_def().map(|f| f.name.clone()).collect();
        flatten::packet_fields(&mut block, param, &own);
    }
    Call::InPlace { body: Expr::Stmt(Box::new(block)), param: def.params.first().cloned() }
}

/// The runtime state a script's hooks run in.
fn global_state(engine: &Engine, ast: &AST) -> GlobalRuntimeState {
    let mut global = engine.new_global_runtime_state();
    global.lib.push(ast.shared_lib().clone());
    // A hook's body runs one call level down, as it does under `call_fn`.
    global.level = 1;
    global
}

impl Runner {
    /// A runner for a prepared script, its `this` an empty map.
    pub fn new(engine: &Engine, prepared: Prepared) -> Runner {
        let Prepared { ast, calls } = prepared;
        Runner {
            global: global_state(engine, &ast),
            calls,
            ast,
            this: Dynamic::from_map(rhai::Map::new()),
            caches: Caches::new(),
            scope: Scope::new(),
            bound: None,
        }
    }

    /// Runs another version of the script from now on, with the same `this`. The runtime
    /// state and caches start anew: they name the old version's functions.
    pub fn replace(&mut self, engine: &Engine, prepared: Prepared) {
        let Prepared { ast, calls } = prepared;
        self.global = global_state(engine, &ast);
        self.caches = Caches::new();
        self.scope.clear();
        self.bound = None;
        self.calls = calls;
        self.ast = ast;
    }

    /// Lets go of everything the script holds (`this`, its tables, what its hooks keep
    /// between calls); its code stays, and a later version may run again.
    pub fn release(&mut self, engine: &Engine) {
        self.this = Dynamic::from_map(rhai::Map::new());
        self.scope = Scope::new();
        self.bound = None;
        self.caches = Caches::new();
        self.global = global_state(engine, &self.ast);
    }

    /// Calls the script's `main`, with `args` when it takes a parameter; `None` when the
    /// script has no `main`.
    pub fn call_main(
        &mut self,
        engine: &Engine,
        args: rhai::Array,
    ) -> Option<Result<Dynamic, Box<EvalAltResult>>> {
        let params = self.ast.iter_fn_def().find(|f| f.name == "main")?.params.len();
        let options = CallFnOptions::new().eval_ast(false).bind_this_ptr(&mut self.this);
        let scope = &mut Scope::new();
        Some(if params == 0 {
            engine.call_fn_with_options(options, scope, &self.ast, "main", ())
        } else {
            engine.call_fn_with_options(options, scope, &self.ast, "main", (args,))
        })
    }

    /// Whether the script defines `hook`.
    pub fn has(&self, hook: Hook) -> bool {
        !matches!(self.calls[hook as usize], Call::Absent)
    }

    /// Whether `hook` runs in place (for the tests).
    #[cfg(test)]
    fn in_place(&self, hook: Hook) -> bool {
        matches!(self.calls[hook as usize], Call::InPlace { .. })
    }

    /// How `hook`'s body reads, as it is evaluated in place (for the tests).
    #[cfg(test)]
    pub(super) fn body_text(&self, hook: Hook) -> String {
        match &self.calls[hook as usize] {
            Call::InPlace { body, .. } => format!("{body:?}"),
            Call::Absent | Call::Ordinary => String::new(),
        }
    }

    /// The script's `this` (for the tests).
    #[cfg(test)]
    fn this(&self) -> &Dynamic {
        &self.this
    }

    /// Calls `hook` with `argument` (ignored by hooks that take none). Each call has the
    /// whole operation budget.
    pub fn call(
        &mut self,
        engine: &Engine,
        hook: Hook,
        argument: Argument<'_>,
    ) -> Result<Dynamic, Box<EvalAltResult>> {
        let (body, param) = match &self.calls[hook as usize] {
            Call::InPlace { body, param } => (body, param),
            Call::Absent | Call::Ordinary => {
                let options = CallFnOptions::new()
                    .eval_ast(false)
                    .rewind_scope(true)
                    .bind_this_ptr(&mut self.this);
                let (scope, ast) = (&mut Scope::new(), &self.ast);
                return if hook.params() == 0 {
                    engine.call_fn_with_options(options, scope, ast, hook.name(), ())
                } else {
                    let args = (argument.into_value(),);
                    engine.call_fn_with_options(options, scope, ast, hook.name(), args)
                };
            }
        };
        self.global.num_operations = 0;
        let mut lent = None;
        // The scope is laid out as Rhai lays out a call: the parameter, then the body's own
        // variables. The parameter's entry stays from call to call of the same hook.
        match param {
            Some(param) => {
                if self.bound != Some(hook) {
                    self.scope.rewind(0);
                    self.scope.push_dynamic(param.as_str(), Dynamic::UNIT);
                    self.bound = Some(hook);
                }
                if let Some(slot) = self.scope.get_mut(param) {
                    lent = argument.put(slot);
                }
            }
            None => {
                self.scope.rewind(0);
                self.bound = None;
            }
        }
        let result = EvalContext::new(
            engine,
            &mut self.global,
            &mut self.caches,
            &mut self.scope,
            Some(&mut self.this),
        )
        .eval_expression_tree(&Expression::from(body));
        self.scope.rewind(usize::from(param.is_some()));
        if let Some(slot) = param.as_ref().and_then(|param| self.scope.get_mut(param)) {
            Argument::take_back(slot, lent);
        }
        result.or_else(|err| match *err {
            EvalAltResult::Return(value, _) | EvalAltResult::Exit(value, _) => Ok(value),
            other => Err(Box::new(other)),
        })
    }
}

/// What a hook is called with.
pub enum Argument<'a> {
    /// Nothing (`on_start`, `on_stop`), or a plain value.
    Value(Dynamic),
    /// A packet, lent to the hook: it is swapped into the parameter, whose boxed value stays
    /// from call to call, and swapped back out after the call, so that neither an allocation
    /// nor a reference count change is made for it. Whatever packet the parameter holds when
    /// the hook returns comes back (the one lent, edited or not, or another the hook put
    /// there). If the parameter holds something else, the packet is lost: `*packet` is then
    /// a copy kept of an edited packet, or an empty packet.
    Packet(&'a mut ScriptPacket),
}

/// A packet lent to a hook: where it goes back to, and a copy of it if edits made it
/// something the frame cannot give back.
struct Lent<'a> {
    home: &'a mut ScriptPacket,
    backup: Option<ScriptPacket>,
}

impl<'a> Argument<'a> {
    fn into_value(self) -> Dynamic {
        match self {
            Argument::Value(value) => value,
            Argument::Packet(packet) => Dynamic::from(packet.clone()),
        }
    }

    fn put(self, slot: &mut Dynamic) -> Option<Lent<'a>> {
        match self {
            Argument::Value(value) => {
                *slot = value;
                None
            }
            Argument::Packet(home) => {
                let backup = home.is_edited().then(|| home.copy());
                if let Some(mut held) = slot.write_lock::<ScriptPacket>() {
                    std::mem::swap(&mut *held, home);
                    return Some(Lent { home, backup });
                }
                *slot = Dynamic::from(std::mem::replace(home, ScriptPacket::idle()));
                Some(Lent { home, backup })
            }
        }
    }

    /// Takes a lent packet back, or lets go of a plain value; the parameter keeps a boxed
    /// packet for the next call.
    fn take_back(slot: &mut Dynamic, lent: Option<Lent<'_>>) {
        if let Some(mut held) = slot.write_lock::<ScriptPacket>() {
            match lent {
                Some(lent) => std::mem::swap(&mut *held, lent.home),
                None => *held = ScriptPacket::idle(),
            }
            return;
        }
        if let Some(lent) = lent {
            *lent.home = lent.backup.unwrap_or_else(ScriptPacket::idle);
        }
        *slot = Dynamic::UNIT;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runner(source: &str) -> (Engine, Runner) {
        let host = std::sync::Arc::new(std::sync::Mutex::new(super::super::host::Host::default()));
        let engine = super::super::engine::new(host, super::super::api_table::Clock::default());
        let runner = Runner::new(&engine, Prepared::new(engine.compile(source).unwrap()));
        (engine, runner)
    }

    #[test]
    fn hooks_run_in_place_and_keep_this() {
        let (engine, mut runner) = runner(
            "fn on_start() { this.n = 0; }
             fn on_packet(x) { this.n += x; if x > 2 { return -1; } this.n }",
        );
        assert!(runner.in_place(Hook::Start) && runner.in_place(Hook::Packet));
        assert!(!runner.has(Hook::Tick) && !runner.has(Hook::Stop));
        let _ = runner.call(&engine, Hook::Start, Argument::Value(Dynamic::UNIT)).unwrap();
        let results: Vec<i64> = (1..=4_i64)
            .map(|x| {
                let r = runner.call(&engine, Hook::Packet, Argument::Value(Dynamic::from(x)));
                r.unwrap().as_int().unwrap()
            })
            .collect();
        assert_eq!(results, [1, 3, -1, -1]);
        assert_eq!(runner.this().as_map_ref().unwrap()["n"].as_int().unwrap(), 10);
    }

    #[test]
    fn a_hook_with_a_closure_is_called_the_ordinary_way_and_agrees() {
        let (engine, mut runner) =
            runner("fn on_packet(x) { let k = 2; [1, 2, 3, 4].filter(|v| v > k).map(|v| v * x) }");
        assert!(runner.has(Hook::Packet) && !runner.in_place(Hook::Packet));
        let r = runner.call(&engine, Hook::Packet, Argument::Value(Dynamic::from(10_i64)));
        let values: Vec<i64> =
            r.unwrap().into_array().unwrap().into_iter().map(|v| v.as_int().unwrap()).collect();
        assert_eq!(values, [30, 40]);
    }

    #[test]
    fn a_packet_argument_is_let_go_after_the_call_even_when_reassigned_or_shadowed() {
        let (engine, mut runner) = runner(
            "fn on_packet(pkt) { let n = pkt.len; if n == 3 { pkt = 0; } let pkt = n; pkt }",
        );
        for len in [2_u32, 3, 4] {
            let data = vec![0u8; len as usize];
            let frame = crate::source::Frame {
                ts: crate::source::Timestamp::default(),
                link: crate::source::LinkType::ETHERNET,
                orig_len: len,
                data: &data,
                iface: None,
            };
            let mut packet = ScriptPacket::new(&frame, 1);
            let id = packet.id();
            let argument = Argument::Packet(&mut packet);
            let r = runner.call(&engine, Hook::Packet, argument);
            assert_eq!(r.unwrap().as_int(), Ok(i64::from(len)));
            if len == 3 {
                // The hook replaced its parameter: the packet went with it.
                assert_ne!(packet.id(), id);
            } else {
                assert_eq!(packet.id(), id);
                assert_eq!(packet.holders(), 1, "held after the call of length {len}");
            }
        }
    }

    #[test]
    fn every_shipped_on_packet_runs_in_place() {
        let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts");
        let mut seen = 0;
        for entry in std::fs::read_dir(folder).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|x| x == "rhai") {
                let (_, runner) = runner(&std::fs::read_to_string(&path).unwrap());
                if runner.has(Hook::Packet) {
                    assert!(runner.in_place(Hook::Packet), "{}", path.display());
                    seen += 1;
                }
            }
        }
        assert!(seen >= 8, "{seen} scripts with on_packet");
    }

    #[test]
    fn helper_functions_and_errors_keep_their_places() {
        let (engine, mut runner) = runner(
            "fn half(v) { v / 2 }
             fn on_packet(x) {
                 let h = half(x);
                 h.no_such_method()
             }",
        );
        assert!(runner.in_place(Hook::Packet));
        let err =
            runner.call(&engine, Hook::Packet, Argument::Value(Dynamic::from(8_i64))).unwrap_err();
        assert_eq!((err.position().line(), err.position().position()), (Some(4), Some(20)));
        assert!(err.to_string().contains("no_such_method (i64)"), "{err}");
    }
}
