//! `pkt.ip.ttl` in one call: the layer fields an `on_packet` body reads and writes through
//! its parameter, rewritten into the fields' paths on the packet.
//!
//! Rhai reads `pkt.ip.ttl` with two calls (the `ip` view, then its `ttl`) and writes it with
//! three (the view, its `ttl` setter, then the view handed back to `pkt`'s `ip` setter), at
//! some 900 instructions of its own a call: lowering the TTL of a packet cost about 4,000.
//! In the body, `pkt.ip.ttl` becomes one property of the packet named by the whole path
//! (`ip.ttl`, or `ip?.ttl` after `?.`), which `api_layers` registers to read and write
//! exactly what the view does; only the error for a missing layer says more.
//!
//! Only where the parameter can be nothing but the packet hark passes: a map there would
//! take a path for a key. A body that assigns the parameter, declares a variable of its name
//! anywhere, calls one of the script's own functions as its method (which may set `this`),
//! or takes it (`take`) is left as it is.

use std::sync::LazyLock;

use rhai::{
    AST, ASTFlags, Engine, Expr, FlowControl, FnCallExpr, ImmutableString, Module, Position,
    ScriptFuncDef, Stmt, StmtBlock,
};

use super::api_layers::{Writable, field_of};

/// Rewrites `param.layer.field` in `body` where that is sure to mean the same; `own` are the
/// names of the script's functions.
pub fn packet_fields(body: &mut StmtBlock, param: &str, own: &[ImmutableString]) {
    let mut stays = true;
    walk_block(body, &mut |node| stays &= keeps_packet(node, param, own));
    if stays {
        walk_block(body, &mut |node| {
            if let Node::Expr(expr, role) = node {
                flatten(expr, role, param);
            }
        });
    }
}

/// Where an expression stands.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Evaluated for its value.
    Value,
    /// Assigned to; `op` for `+=` and the like, which read it first.
    Target { op: bool },
    /// A link inside a chain (`.ip` of `a.ip.ttl`, or `p` of `a[p].x`), not an expression
    /// of its own.
    Link,
}

enum Node<'a> {
    Stmt(&'a Stmt),
    Expr(&'a mut Expr, Role),
}

fn is_param(expr: &Expr, param: &str) -> bool {
    matches!(expr, Expr::Variable(v, ..) if v.1 == param && v.2.is_empty())
}

/// Whether `node` leaves the parameter holding the packet.
fn keeps_packet(node: Node<'_>, param: &str, own: &[ImmutableString]) -> bool {
    let named = |name: &ImmutableString| name == param;
    match node {
        Node::Stmt(Stmt::Var(x, ..)) => !named(&x.0.name),
        Node::Stmt(Stmt::For(x, ..)) => {
            !named(&x.0.name) && !x.1.as_ref().is_some_and(|c| named(&c.name))
        }
        Node::Stmt(Stmt::TryCatch(x, ..)) => !is_param(&x.expr, param),
        Node::Stmt(Stmt::Assignment(x)) => !is_param(&x.1.lhs, param),
        Node::Stmt(Stmt::Share(..)) => false,
        Node::Stmt(Stmt::FnCall(call, ..)) => !takes(call, param),
        Node::Expr(Expr::FnCall(call, ..), _) => !takes(call, param),
        Node::Expr(Expr::Dot(x, ..), _) if is_param(&x.lhs, param) => {
            let method = match &x.rhs {
                Expr::MethodCall(call, ..) => Some(&call.name),
                Expr::Dot(rest, ..) | Expr::Index(rest, ..) => match &rest.lhs {
                    Expr::MethodCall(call, ..) => Some(&call.name),
                    _ => None,
                },
                _ => None,
            };
            !method.is_some_and(|name| name == "take" || name == "call" || own.contains(name))
        }
        Node::Expr(Expr::Custom(..), _) => false,
        Node::Stmt(_) | Node::Expr(..) => true,
    }
}

/// `take(param)`, which leaves `()` in its place.
fn takes(call: &FnCallExpr, param: &str) -> bool {
    call.name == "take" && call.args.first().is_some_and(|a| is_param(a, param))
}

/// Rewrites `param.layer.field…` at the head of a chain.
fn flatten(expr: &mut Expr, role: Role, param: &str) {
    if role == Role::Link {
        return;
    }
    let Expr::Dot(head, ..) = expr else { return };
    if !is_param(&head.lhs, param) {
        return;
    }
    let Expr::Dot(layer_dot, layer_flags, _) = &mut head.rhs else { return };
    let Expr::Property(layer, _) = &layer_dot.lhs else { return };
    let elvis = layer_flags.contains(ASTFlags::NEGATED);
    let layer = layer.2.clone();
    let fits = |field: &str| match (field_of(&layer, field), role) {
        (None, _) => false,
        (Some(writable), Role::Target { op }) => writable == Writable::Yes && !(elvis && op),
        (Some(_), _) => true,
    };
    let path = |field: &str| {
        if elvis { format!("{layer}?.{field}") } else { format!("{layer}.{field}") }
    };
    match &mut layer_dot.rhs {
        // pkt.ip.ttl
        Expr::Property(field, pos) if fits(&field.2) => {
            if let Some(whole) = property(&path(&field.2), *pos) {
                head.rhs = whole;
            }
        }
        // pkt.ip.ttl.… : the rest of the chain goes on from the field, unless `?.` would have
        // cut it short after a missing layer.
        Expr::Dot(rest, ..) if !elvis => {
            let Expr::Property(field, pos) = &rest.lhs else { return };
            if !fits(&field.2) {
                return;
            }
            if let Some(whole) = property(&path(&field.2), *pos) {
                rest.lhs = whole;
                head.rhs = layer_dot.rhs.take();
            }
        }
        _ => {}
    }
}

/// The property `path` of the packet, as Rhai's parser would make it for a name it cannot
/// parse.
fn property(path: &str, pos: Position) -> Option<Expr> {
    let getter = format!("get${path}");
    let setter = format!("set${path}");
    let hashes = (function_hash(&getter, 1)?, function_hash(&setter, 2)?);
    Some(Expr::Property(
        Box::new(((getter.into(), hashes.0), (setter.into(), hashes.1), path.into())),
        pos,
    ))
}

/// Rhai finds a property's getter and setter by a hash of the function's name and number of
/// parameters, which it computes without exporting how; a module gives back that hash for a
/// script function of the same name and number of parameters.
fn function_hash(name: &str, params: usize) -> Option<u64> {
    // Script functions of one and two parameters, compiled once, to be renamed.
    static TEMPLATES: LazyLock<Option<AST>> =
        LazyLock::new(|| Engine::new_raw().compile("fn f(a) {} fn f(a, b) {}").ok());
    let template = TEMPLATES.as_ref()?.iter_fn_def().find(|f| f.params.len() == params)?;
    let mut def = ScriptFuncDef::clone(template);
    def.name = name.into();
    Some(Module::new().set_script_fn(def))
}

fn walk_block(block: &mut StmtBlock, visit: &mut dyn FnMut(Node<'_>)) {
    for stmt in block.statements_mut().iter_mut() {
        walk_stmt(stmt, visit);
    }
}

fn walk_flow(flow: &mut FlowControl, visit: &mut dyn FnMut(Node<'_>)) {
    walk_expr(&mut flow.expr, Role::Value, visit);
    walk_block(&mut flow.body, visit);
    walk_block(&mut flow.branch, visit);
}

fn walk_stmt(stmt: &mut Stmt, visit: &mut dyn FnMut(Node<'_>)) {
    visit(Node::Stmt(stmt));
    match stmt {
        Stmt::Var(x, ..) => walk_expr(&mut x.1, Role::Value, visit),
        Stmt::If(x, ..) | Stmt::While(x, ..) | Stmt::Do(x, ..) | Stmt::TryCatch(x, ..) => {
            walk_flow(x, visit);
        }
        Stmt::For(x, ..) => walk_flow(&mut x.2, visit),
        Stmt::Switch(x, ..) => {
            walk_expr(&mut x.0, Role::Value, visit);
            for case in x.1.expressions.iter_mut() {
                walk_expr(&mut case.lhs, Role::Value, visit);
                walk_expr(&mut case.rhs, Role::Value, visit);
            }
        }
        Stmt::Assignment(x) => {
            let (op, pair) = &mut **x;
            walk_expr(&mut pair.lhs, Role::Target { op: op.is_op_assignment() }, visit);
            walk_expr(&mut pair.rhs, Role::Value, visit);
        }
        Stmt::FnCall(call, ..) => {
            for arg in call.args.iter_mut() {
                walk_expr(arg, Role::Value, visit);
            }
        }
        Stmt::Block(block) => walk_block(block, visit),
        Stmt::Expr(expr) => walk_expr(expr, Role::Value, visit),
        Stmt::BreakLoop(Some(expr), ..) | Stmt::Return(Some(expr), ..) => {
            walk_expr(expr, Role::Value, visit);
        }
        Stmt::Import(x, ..) => walk_expr(&mut x.0, Role::Value, visit),
        _ => {}
    }
}

fn walk_expr(expr: &mut Expr, role: Role, visit: &mut dyn FnMut(Node<'_>)) {
    visit(Node::Expr(expr, role));
    match expr {
        Expr::Stmt(block) => walk_block(block, visit),
        Expr::InterpolatedString(items, ..) | Expr::Array(items, ..) => {
            for item in items.iter_mut() {
                walk_expr(item, Role::Value, visit);
            }
        }
        Expr::Map(x, ..) => {
            for (_, value) in x.0.iter_mut() {
                walk_expr(value, Role::Value, visit);
            }
        }
        Expr::Dot(x, ..) | Expr::Index(x, ..) => {
            // The head's receiver is an expression of its own; what follows it is not.
            let receiver = if role == Role::Link { Role::Link } else { Role::Value };
            walk_expr(&mut x.lhs, receiver, visit);
            walk_expr(&mut x.rhs, Role::Link, visit);
        }
        Expr::And(items, ..) | Expr::Or(items, ..) | Expr::Coalesce(items, ..) => {
            for item in items.iter_mut() {
                walk_expr(item, Role::Value, visit);
            }
        }
        Expr::FnCall(call, ..) | Expr::MethodCall(call, ..) => {
            for arg in call.args.iter_mut() {
                walk_expr(arg, Role::Value, visit);
            }
        }
        Expr::Custom(x, ..) => {
            for input in x.inputs.iter_mut() {
                walk_expr(input, Role::Value, visit);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::super::api_packet::ScriptPacket;
    use super::super::runner::{Argument, Hook, Prepared, Runner};
    use rhai::{Dynamic, Engine, Scope};

    fn engine() -> Engine {
        let host = std::sync::Arc::new(std::sync::Mutex::new(super::super::host::Host::default()));
        super::super::engine::new(host, super::super::api_table::Clock::default())
    }

    /// Packets of every layer the paths reach, built by `packet()`.
    const PACKETS: [&str; 6] = [
        r#"#{ eth: #{}, ip: #{ src: "198.18.0.1", dst: "198.18.0.2", ttl: 64 }, tcp: #{ sport: 1000, dport: 22, flags: "S", seq: 7 } }"#,
        r#"#{ eth: #{}, ip: #{ src: "198.18.0.1", dst: "198.18.0.2" }, udp: #{ sport: 53, dport: 5353 }, payload: "hi" }"#,
        r#"#{ eth: #{}, ip: #{ src: "198.18.0.1", dst: "198.18.0.2" }, icmp: #{ type: 8, id: 3, seq: 4 } }"#,
        r#"#{ eth: #{}, ip6: #{ src: "2001:db8::1", dst: "2001:db8::2" }, udp: #{ sport: 1, dport: 2 } }"#,
        r#"#{ eth: #{}, ip6: #{ src: "2001:db8::1", dst: "2001:db8::2" }, icmp6: #{ type: 128, id: 1, seq: 2 } }"#,
        r#"#{ eth: #{ src: "02:00:00:00:00:01" }, arp: #{ op: 1, sender_ip: "198.18.0.1", target_ip: "198.18.0.2" } }"#,
    ];

    /// Bodies that read and write layer fields every way a chain can; each ends in what it
    /// found, so that the two ways of running it can be compared.
    const BODIES: [&str; 18] = [
        "pkt.ip.ttl = 9; pkt",
        "pkt.ip.ttl -= 1; pkt",
        "let ttl = pkt.ip.ttl; if ttl > 1 { pkt.ip.ttl = ttl - 1; } pkt",
        "pkt.tcp?.seq = 5; pkt.udp?.dport = 9; pkt.icmp?.seq = 3; pkt",
        "pkt.tcp.seq = 5; pkt",
        "pkt.udp?.dport += 1; pkt",
        r#"pkt.ip.src = "198.18.0.9"; pkt.ip.dst = "2001:db8::9"; pkt"#,
        "pkt.ip.ttl = 300; pkt",
        "[pkt.ip?.ttl, pkt.ip?.version, pkt.tcp?.flags, pkt.icmp?.type, pkt.eth.src, pkt.arp?.op, pkt.udp?.len]",
        r#"pkt.tcp.flags.contains("S")"#,
        "pkt.ip.version = 5; pkt",
        "let ip = pkt.ip; ip.ttl = 3; pkt.ip = ip; pkt",
        r#"pkt.eth.dst = "02:00:00:00:00:09"; pkt.arp?.target_ip = "198.18.0.7"; pkt"#,
        "pkt.ip.ttl.to_string()",
        "switch pkt.ip?.ttl { 64 => { pkt.ip.tos = 1; } _ => { pkt.eth.src = \"02:00:00:00:00:02\"; } } pkt",
        "let seen = []; for n in 0..2 { seen.push(pkt.ip?.ttl); pkt.ip?.ttl = 7; } seen",
        r#"pkt.tcp.flags = "SA"; pkt.tcp?.checksum = 0x1234; [pkt.tcp.checksum, pkt]"#,
        "pkt.icmp.type = 0; pkt.icmp.checksum",
    ];

    /// What a run gave, in a form two runs can be compared by: the bytes of packets.
    fn shown(result: Result<Dynamic, Box<rhai::EvalAltResult>>) -> String {
        fn value(v: &Dynamic) -> String {
            if let Some(p) = v.clone().try_cast::<ScriptPacket>() {
                return format!("packet {:?}", p.wire().1);
            }
            match v.as_array_ref() {
                Ok(items) => items.iter().map(value).collect::<Vec<_>>().join(", "),
                Err(_) => format!("{v:?}"),
            }
        }
        match result {
            Ok(v) => value(&v),
            Err(_) => "error".into(),
        }
    }

    #[test]
    fn a_flattened_body_does_what_the_chain_of_views_does() {
        let engine = engine();
        let mut flattened = 0;
        for body in BODIES {
            let source = format!("fn on_packet(pkt) {{ {body} }}");
            let ast = engine.compile(&source).unwrap();
            let mut runner = Runner::new(&engine, Prepared::new(ast.clone()));
            let text = runner.body_text(Hook::Packet);
            let paths = ["eth", "arp", "ip", "tcp", "udp", "icmp"].iter().any(|l| {
                text.contains(&format!("Property({l}."))
                    || text.contains(&format!("Property({l}?."))
            });
            flattened += usize::from(paths);
            for spec in PACKETS {
                let packet: ScriptPacket = engine.eval(&format!("packet({spec})")).unwrap();
                let mut lent = packet.copy();
                let fast = runner.call(&engine, Hook::Packet, Argument::Packet(&mut lent));
                let views: Result<Dynamic, _> =
                    engine.call_fn(&mut Scope::new(), &ast, "on_packet", (packet.copy(),));
                assert_eq!(shown(fast), shown(views), "{body} on {spec}");
            }
        }
        assert!(flattened >= 12, "{flattened} bodies flattened");
    }

    #[test]
    fn a_missing_layer_is_named_in_the_error() {
        let engine = engine();
        let udp: ScriptPacket = engine.eval(&format!("packet({})", PACKETS[1])).unwrap();
        for (body, said) in [
            ("pkt.tcp.seq", "pkt.tcp.seq: the packet has no TCP header (pkt.tcp?.seq reads ()"),
            ("pkt.tcp.seq = 5", "pkt.tcp.seq = 5: the packet has no TCP header"),
            (
                r#"pkt.arp.sender_ip = "198.18.0.1""#,
                r#"pkt.arp.sender_ip = "198.18.0.1": the packet has no ARP header"#,
            ),
        ] {
            let ast = engine.compile(format!("fn on_packet(pkt) {{ {body} }}")).unwrap();
            let mut runner = Runner::new(&engine, Prepared::new(ast));
            let mut lent = udp.copy();
            let err = runner.call(&engine, Hook::Packet, Argument::Packet(&mut lent)).unwrap_err();
            assert!(err.to_string().contains(said), "{body}: {err}");
        }
    }

    #[test]
    fn a_parameter_that_may_stop_being_the_packet_keeps_its_chains() {
        let engine = engine();
        for body in [
            "pkt = #{ ip: #{ ttl: 1 } }; pkt.ip.ttl = 5; pkt.ip.ttl",
            "if pkt.len > 0 { let pkt = #{ ip: #{ ttl: 1 } }; pkt.ip.ttl = 5; } pkt.ip.ttl",
            "for pkt in [#{ ip: #{ ttl: 1 } }] { pkt.ip.ttl = 5; } 0",
            "pkt.swap(); pkt.ip.ttl",
            "take(pkt); pkt.ip?.ttl",
        ] {
            let source = format!(
                "fn swap() {{ this = #{{ ip: #{{ ttl: 2 }} }}; }}\nfn on_packet(pkt) {{ {body} }}"
            );
            let ast = engine.compile(&source).unwrap();
            let runner = Runner::new(&engine, Prepared::new(ast));
            let text = runner.body_text(Hook::Packet);
            assert!(!text.contains("Property(ip.ttl)"), "{body}: {text}");
        }
        // And the chain there means what Rhai means: the map's own field.
        let ast = engine
            .compile("fn on_packet(pkt) { pkt = #{ ip: #{ ttl: 1 } }; pkt.ip.ttl = 5; pkt.ip.ttl }")
            .unwrap();
        let mut runner = Runner::new(&engine, Prepared::new(ast));
        let mut packet: ScriptPacket = engine.eval(&format!("packet({})", PACKETS[0])).unwrap();
        let r = runner.call(&engine, Hook::Packet, Argument::Packet(&mut packet));
        assert_eq!(r.unwrap().as_int(), Ok(5));
    }

    #[test]
    fn only_chain_heads_rooted_at_the_parameter_are_flattened() {
        let engine = engine();
        let source = "fn on_packet(pkt) { let a = [pkt]; let x = a[0].ip.ttl; let q = pkt; \
                      let y = q.ip.ttl; let z = pkt.ip.ttl; z }";
        let runner = Runner::new(&engine, Prepared::new(engine.compile(source).unwrap()));
        let text = runner.body_text(Hook::Packet);
        assert_eq!(text.matches("Property(ip.ttl)").count(), 1, "{text}");
        assert_eq!(text.matches("Property(ttl)").count(), 2, "{text}");
    }
}
