//! `alert()`, `log()`, `send()` and `send_recv()`: how a script speaks. `send()` queues a
//! packet; where it goes (`--replies`, `-w`, `--inject`) is the outputs' business, except in
//! `hark run -i IFACE --inject`, where it goes out at once, in order with `send_recv()`.

use std::sync::{Arc, Mutex};

use rhai::{Dynamic, Engine, EvalAltResult, Map};
use serde_json::Value;

use super::api_packet::ScriptPacket;
use super::api_table::Clock;
use super::host::Host;
use crate::event::{Alert, signature_id};

/// Registers the host functions.
pub fn register(engine: &mut Engine, host: Arc<Mutex<Host>>, clock: Clock) {
    let h = Arc::clone(&host);
    engine.register_fn("alert", move |signature: &str| raise(&h, signature, Map::new()));
    let h = Arc::clone(&host);
    engine.register_fn("alert", move |signature: &str, details: Map| raise(&h, signature, details));
    let h = Arc::clone(&host);
    engine.register_fn("log", move |text: Dynamic| {
        if let Ok(mut host) = h.lock() {
            host.log(text.to_string());
        }
    });
    let h = Arc::clone(&host);
    engine.register_fn(
        "send",
        move |packet: &mut ScriptPacket| -> Result<(), Box<EvalAltResult>> {
            let (link, data) = packet.wire();
            if let Ok(mut host) = h.lock() {
                host.send(link, data, clock.now()).map_err(|e| format!("send: {e}"))?;
            }
            Ok(())
        },
    );
    let h = host;
    engine.register_fn(
        "send_recv",
        move |packet: &mut ScriptPacket, timeout_ms: i64| -> Result<Dynamic, Box<EvalAltResult>> {
            let Ok(timeout) = u64::try_from(timeout_ms) else {
                return Err(format!("send_recv: timeout {timeout_ms} ms: must be 0 or more").into());
            };
            let (link, data) = packet.wire();
            let Ok(mut host) = h.lock() else { return Ok(Dynamic::UNIT) };
            let Some(wire) = host.wire.as_mut() else {
                return Err("send_recv: needs the wire (hark run SCRIPT -i IFACE --inject)".into());
            };
            let answer = wire
                .send_recv(link, &data, std::time::Duration::from_millis(timeout))
                .map_err(|e| format!("send_recv: {e}"))?;
            Ok(answer.map_or(Dynamic::UNIT, |frame| Dynamic::from(ScriptPacket::captured(frame))))
        },
    );
}

/// Builds an alert: `severity` and `category` go to the alert, the rest to its metadata.
fn raise(host: &Arc<Mutex<Host>>, signature: &str, details: Map) {
    let Ok(mut host) = host.lock() else { return };
    let mut severity = 3;
    let mut category = String::new();
    let mut metadata = serde_json::Map::new();
    for (key, value) in details {
        match key.as_str() {
            "severity" => severity = value.as_int().unwrap_or(3),
            "category" => category = value.to_string(),
            _ => {
                metadata.insert(key.to_string(), metadata_value(key.as_str(), value));
            }
        }
    }
    let alert = Alert {
        signature: signature.to_string(),
        signature_id: signature_id(&host.script, signature),
        rev: host.rev,
        severity,
        category,
        metadata,
        script: host.script.to_string(),
        script_sha256: host.script_sha256.to_string(),
    };
    host.alert(alert);
}

/// Suricata's schema gives some metadata keys a fixed shape (arrays of strings); a
/// script's value for one of those is made to fit, so every alert validates.
const LIST_KEYS: [&str; 10] = [
    "affected_product",
    "attack_target",
    "created_at",
    "deployment",
    "former_category",
    "malware_family",
    "policy",
    "signature_severity",
    "tag",
    "updated_at",
];

fn metadata_value(key: &str, value: Dynamic) -> Value {
    let json = to_json(value);
    if !LIST_KEYS.contains(&key) {
        return json;
    }
    let items: Vec<Value> = match json {
        Value::Array(items) => items,
        other => vec![other],
    };
    let strings: Vec<Value> = items
        .into_iter()
        .map(|v| match v {
            Value::String(s) => Value::String(s),
            other => Value::String(other.to_string()),
        })
        .collect();
    if strings.is_empty() {
        Value::Array(vec![Value::String(String::new())])
    } else {
        Value::Array(strings)
    }
}

/// A Rhai value as JSON.
pub fn to_json(value: Dynamic) -> Value {
    if value.is_unit() {
        Value::Null
    } else if let Some(b) = value.clone().try_cast::<bool>() {
        Value::Bool(b)
    } else if let Some(i) = value.clone().try_cast::<i64>() {
        Value::from(i)
    } else if let Some(f) = value.clone().try_cast::<f64>() {
        serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)
    } else if value.is_array() {
        Value::Array(value.into_array().unwrap_or_default().into_iter().map(to_json).collect())
    } else if value.is_map() {
        let map = value.try_cast::<Map>().unwrap_or_default();
        Value::Object(map.into_iter().map(|(k, v)| (k.to_string(), to_json(v))).collect())
    } else {
        Value::String(value.to_string())
    }
}
