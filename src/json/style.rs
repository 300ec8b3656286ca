//! JSON written the way other serializers write it: JavaScript's `JSON.stringify`, Python's
//! `json.dumps` (its separators, `ensure_ascii` and float `repr`), pretty-printers. The
//! signature diagnosis tries these to name a re-serialization; lint sends one to tell a
//! re-serializing endpoint from a wrong secret.

/// How a serializer lays JSON out: the styles real senders and frameworks produce.
#[derive(Debug, Clone, Copy)]
pub struct JsonStyle {
    /// Spaces per level; 0 means all on one line.
    pub indent: usize,
    pub item_sep: &'static str,
    pub key_sep: &'static str,
    /// Escape every non-ASCII character (and DEL) as `\uXXXX`.
    pub ascii: bool,
    pub escape_slash: bool,
    /// Python number formatting (`1.0`, `1e-05`) instead of JavaScript's (`1`, `1e-7`).
    pub python: bool,
}

/// JavaScript's `JSON.stringify(value)`.
pub const JS_COMPACT: JsonStyle = JsonStyle {
    indent: 0,
    item_sep: ",",
    key_sep: ":",
    ascii: false,
    escape_slash: false,
    python: false,
};

/// Python's `json.dumps(value)` with its defaults: `", "` and `": "`, every non-ASCII
/// character (and DEL) as `\uXXXX`, `/` left alone, floats as `repr` writes them.
pub const PYTHON_DUMPS: JsonStyle = JsonStyle {
    indent: 0,
    item_sep: ", ",
    key_sep: ": ",
    ascii: true,
    escape_slash: false,
    python: true,
};

/// `value` written in `style`.
pub fn serialize(value: &serde_json::Value, style: JsonStyle) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    write_json(value, &style, 0, &mut out);
    out
}

fn write_json(value: &serde_json::Value, style: &JsonStyle, depth: usize, out: &mut Vec<u8>) {
    use serde_json::Value;
    let newline = |depth: usize, out: &mut Vec<u8>| {
        if style.indent > 0 {
            out.push(b'\n');
            out.resize(out.len() + style.indent * depth, b' ');
        }
    };
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Number(n) => out.extend_from_slice(format_number(n, style.python).as_bytes()),
        Value::String(s) => write_json_str(s, style, out),
        Value::Array(items) if items.is_empty() => out.extend_from_slice(b"[]"),
        Value::Object(map) if map.is_empty() => out.extend_from_slice(b"{}"),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(style.item_sep.as_bytes());
                }
                newline(depth + 1, out);
                write_json(item, style, depth + 1, out);
            }
            newline(depth, out);
            out.push(b']');
        }
        Value::Object(map) => {
            out.push(b'{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(style.item_sep.as_bytes());
                }
                newline(depth + 1, out);
                write_json_str(key, style, out);
                out.extend_from_slice(style.key_sep.as_bytes());
                write_json(item, style, depth + 1, out);
            }
            newline(depth, out);
            out.push(b'}');
        }
    }
}

fn write_json_str(s: &str, style: &JsonStyle, out: &mut Vec<u8>) {
    out.push(b'"');
    for c in s.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\r' => out.extend_from_slice(b"\\r"),
            '\t' => out.extend_from_slice(b"\\t"),
            '\u{8}' => out.extend_from_slice(b"\\b"),
            '\u{c}' => out.extend_from_slice(b"\\f"),
            '/' if style.escape_slash => out.extend_from_slice(b"\\/"),
            c if c < ' ' || (style.ascii && c == '\u{7f}') => push_u_escapes(c, out),
            c if c.is_ascii() => out.push(c as u8),
            c if style.ascii => push_u_escapes(c, out),
            c => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    out.push(b'"');
}

/// A number as JavaScript's `String(n)` or Python's `repr` writes it.
fn format_number(n: &serde_json::Number, python: bool) -> String {
    const JS_SAFE: u64 = 1 << 53;
    if let Some(u) = n.as_u64() {
        if python || u <= JS_SAFE {
            return u.to_string();
        }
        return js_float(u as f64);
    }
    if let Some(i) = n.as_i64() {
        if python || i.unsigned_abs() <= JS_SAFE {
            return i.to_string();
        }
        return js_float(i as f64);
    }
    let f = n.as_f64().unwrap_or(0.0);
    if python {
        py_float(f)
    } else {
        js_float(f)
    }
}

/// Shortest round-trip digits of `f` (no sign) and the decimal point position `n`: the value
/// is `0.DIGITS × 10^n`.
fn shortest_digits(f: f64) -> (String, i32) {
    let sci = format!("{:e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    (digits, exp.parse::<i32>().unwrap_or(0) + 1)
}

fn js_float(f: f64) -> String {
    if f == 0.0 {
        return "0".into();
    }
    let sign = if f < 0.0 { "-" } else { "" };
    let (d, n) = shortest_digits(f);
    let k = d.len() as i32;
    let body = if k <= n && n <= 21 {
        format!("{d}{}", "0".repeat((n - k) as usize))
    } else if 0 < n && n <= 21 {
        format!("{}.{}", &d[..n as usize], &d[n as usize..])
    } else if -6 < n && n <= 0 {
        format!("0.{}{d}", "0".repeat((-n) as usize))
    } else {
        scientific(&d, n, 1)
    };
    format!("{sign}{body}")
}

/// `d` (shortest digits, decimal point after `n` of them) as `D.DDDe±X`, the exponent padded
/// to `exp_width` digits (JavaScript: 1, Python: 2).
fn scientific(d: &str, n: i32, exp_width: usize) -> String {
    let e = n - 1;
    let esign = if e < 0 { '-' } else { '+' };
    let mantissa = if d.len() == 1 {
        d.to_string()
    } else {
        format!("{}.{}", &d[..1], &d[1..])
    };
    format!("{mantissa}e{esign}{:0exp_width$}", e.abs())
}

fn py_float(f: f64) -> String {
    let sign = if f.is_sign_negative() { "-" } else { "" };
    if f == 0.0 {
        return format!("{sign}0.0");
    }
    let (d, n) = shortest_digits(f);
    let k = d.len() as i32;
    let body = if -4 < n && n <= 16 {
        if n <= 0 {
            format!("0.{}{d}", "0".repeat((-n) as usize))
        } else if n >= k {
            format!("{d}{}.0", "0".repeat((n - k) as usize))
        } else {
            format!("{}.{}", &d[..n as usize], &d[n as usize..])
        }
    } else {
        scientific(&d, n, 2)
    };
    format!("{sign}{body}")
}

/// `c` as `\uXXXX` escapes (two for a character outside the Basic Multilingual Plane).
pub fn push_u_escapes(c: char, out: &mut Vec<u8>) {
    let mut units = [0u16; 2];
    for unit in c.encode_utf16(&mut units) {
        out.extend_from_slice(format!("\\u{unit:04x}").as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_formats() {
        for (f, js, py) in [
            (1.0, "1", "1.0"),
            (-0.5, "-0.5", "-0.5"),
            (0.0, "0", "0.0"),
            (-0.0, "0", "-0.0"),
            (37.483307, "37.483307", "37.483307"),
            (1e21, "1e+21", "1e+21"),
            (1e20, "100000000000000000000", "1e+20"),
            (1e16, "10000000000000000", "1e+16"),
            (1e15, "1000000000000000", "1000000000000000.0"),
            (1e-7, "1e-7", "1e-07"),
            (1.5e-7, "1.5e-7", "1.5e-07"),
            (0.000001, "0.000001", "1e-06"),
            (0.0001, "0.0001", "0.0001"),
            (1.5e300, "1.5e+300", "1.5e+300"),
            (123.456, "123.456", "123.456"),
        ] {
            assert_eq!(js_float(f), js, "js {f}");
            assert_eq!(py_float(f), py, "py {f}");
        }
        let big: serde_json::Value =
            serde_json::from_str("[9007199254740993, -9007199254740993, 12]").unwrap();
        assert_eq!(
            String::from_utf8(serialize(&big, JS_COMPACT)).unwrap(),
            "[9007199254740992,-9007199254740992,12]"
        );
    }
}
