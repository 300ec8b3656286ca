//! The two JSON trees extraction reads: serde_json's `&Value` and the scanner's [`Tape`],
//! behind one trait, [`Node`].

use std::borrow::Cow;

use serde_json::{Map, Number, Value};

use crate::json::scan::{self, Scanner};

/// `null`, `a boolean`, `a number`, `a string`, `an array` or `an object`: a JSON value's
/// type, as messages name it.
pub fn json_type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The JSON trees extraction reads, as cheap handles: `&Value` and [`At`], a slot of a
/// [`Tape`]. Both answer alike for the same text (objects keep their first key order, a
/// repeated key keeps its last value), so one extraction serves both.
pub(super) trait Node<'t>: Copy + 't {
    /// An object's field (`None` for other types).
    fn get(self, key: &str) -> Option<Self>;
    fn entries(self) -> Option<impl Iterator<Item = (&'t str, Self)> + 't>;
    fn items(self) -> Option<impl ExactSizeIterator<Item = Self> + 't>;
    fn as_str(self) -> Option<&'t str>;
    fn as_number(self) -> Option<&'t Number>;
    fn as_bool(self) -> Option<bool>;
    fn is_object(self) -> bool;
    fn type_name(self) -> &'static str;
    fn to_value(self) -> Value;
    /// Compact JSON text.
    fn to_json_text(self) -> String;
}

impl<'t> Node<'t> for &'t Value {
    fn get(self, key: &str) -> Option<Self> {
        self.as_object()?.get(key)
    }
    fn entries(self) -> Option<impl Iterator<Item = (&'t str, Self)> + 't> {
        Some(self.as_object()?.iter().map(|(k, v)| (k.as_str(), v)))
    }
    fn items(self) -> Option<impl ExactSizeIterator<Item = Self> + 't> {
        Some(self.as_array()?.iter())
    }
    fn as_str(self) -> Option<&'t str> {
        Value::as_str(self)
    }
    fn as_number(self) -> Option<&'t Number> {
        match self {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }
    fn as_bool(self) -> Option<bool> {
        Value::as_bool(self)
    }
    fn is_object(self) -> bool {
        Value::is_object(self)
    }
    fn type_name(self) -> &'static str {
        json_type_name(self)
    }
    fn to_value(self) -> Value {
        self.clone()
    }
    fn to_json_text(self) -> String {
        self.to_string()
    }
}

/// A parsed JSON text as one vector, in document order: a container's slot comes first and
/// records where its slots end, then its children (an object's as key, value, key, value,
/// ...; a nested container with all of its own). Each value is written once, where it
/// belongs. Strings borrow from the text when they hold no escape. One allocation per body
/// instead of one per container.
pub(super) type Tape<'a> = Vec<Slot<'a>>;

#[derive(Debug)]
#[repr(C, u64)]
pub(super) enum Slot<'a> {
    Null,
    Bool(bool),
    Number(Number),
    Str(Cow<'a, str>),
    /// `len` items, in the slots up to `end` (exclusive).
    Array {
        len: usize,
        end: usize,
    },
    /// `len` key, value pairs, in the slots up to `end` (exclusive).
    Object {
        len: usize,
        end: usize,
    },
}

/// A handle on one slot of a tape.
#[derive(Clone, Copy)]
pub(super) struct At<'t, 'a> {
    tape: &'t [Slot<'a>],
    i: usize,
}

impl<'t, 'a> At<'t, 'a> {
    pub(super) fn root(tape: &'t [Slot<'a>]) -> Self {
        At { tape, i: 0 }
    }

    fn slot(self) -> &'t Slot<'a> {
        self.tape.get(self.i).unwrap_or(&Slot::Null)
    }

    fn at(self, i: usize) -> Self {
        At { tape: self.tape, i }
    }

    /// The slot after this value (and after all of its children).
    fn after(self) -> usize {
        match *self.slot() {
            Slot::Array { end, .. } | Slot::Object { end, .. } => end,
            _ => self.i + 1,
        }
    }

    /// A container's children, in order (an object's keys and values alternate).
    fn children(self, len: usize) -> Children<'t, 'a> {
        Children {
            next: self.at(self.i + 1),
            left: len,
        }
    }

    /// An object's keys and value handles.
    fn pairs(self) -> Option<impl Iterator<Item = (&'t str, Self)> + 't> {
        let Slot::Object { len, .. } = *self.slot() else {
            return None;
        };
        let mut children = self.children(2 * len);
        Some(std::iter::from_fn(move || {
            let key = children.next()?;
            Some((key_of(key.slot()), children.next()?))
        }))
    }
}

/// The next `left` values from `next`, each skipped over whole.
struct Children<'t, 'a> {
    next: At<'t, 'a>,
    left: usize,
}

impl<'t, 'a> Iterator for Children<'t, 'a> {
    type Item = At<'t, 'a>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let this = self.next;
        self.next = this.at(this.after());
        Some(this)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for Children<'_, '_> {}

/// An object key's text (keys are always strings on a tape).
fn key_of<'t>(slot: &'t Slot<'_>) -> &'t str {
    match slot {
        Slot::Str(key) => key,
        _ => "",
    }
}

impl<'t, 'a: 't> Node<'t> for At<'t, 'a> {
    fn get(self, key: &str) -> Option<Self> {
        let key = key.as_bytes();
        let (_, value) = self.pairs()?.find(|(k, _)| {
            let k = k.as_bytes();
            k.len() == key.len() && k.first() == key.first() && k == key
        })?;
        Some(value)
    }
    fn entries(self) -> Option<impl Iterator<Item = (&'t str, Self)> + 't> {
        self.pairs()
    }
    fn items(self) -> Option<impl ExactSizeIterator<Item = Self> + 't> {
        let Slot::Array { len, .. } = *self.slot() else {
            return None;
        };
        Some(self.children(len))
    }
    fn as_str(self) -> Option<&'t str> {
        match self.slot() {
            Slot::Str(s) => Some(s),
            _ => None,
        }
    }
    fn as_number(self) -> Option<&'t Number> {
        match self.slot() {
            Slot::Number(n) => Some(n),
            _ => None,
        }
    }
    fn as_bool(self) -> Option<bool> {
        match self.slot() {
            Slot::Bool(b) => Some(*b),
            _ => None,
        }
    }
    fn is_object(self) -> bool {
        matches!(self.slot(), Slot::Object { .. })
    }
    fn type_name(self) -> &'static str {
        match self.slot() {
            Slot::Null => "null",
            Slot::Bool(_) => "a boolean",
            Slot::Number(_) => "a number",
            Slot::Str(_) => "a string",
            Slot::Array { .. } => "an array",
            Slot::Object { .. } => "an object",
        }
    }
    fn to_value(self) -> Value {
        match self.slot() {
            Slot::Null => Value::Null,
            Slot::Bool(b) => Value::Bool(*b),
            Slot::Number(n) => Value::Number(n.clone()),
            Slot::Str(s) => Value::String(s.to_string()),
            Slot::Array { .. } => Value::Array(
                self.items()
                    .into_iter()
                    .flatten()
                    .map(Node::to_value)
                    .collect(),
            ),
            Slot::Object { len, .. } => {
                let mut map = Map::with_capacity(*len);
                for (k, v) in self.pairs().into_iter().flatten() {
                    map.insert(k.to_string(), v.to_value());
                }
                Value::Object(map)
            }
        }
    }
    fn to_json_text(self) -> String {
        self.to_value().to_string()
    }
}

/// A whole text read by the [`Scanner`] into a tape holding what serde_json would read, or
/// `None` (a float, deep nesting, a repeated key, an error): serde_json then reads it.
pub(super) fn tape_fast(text: &str) -> Option<Tape<'_>> {
    let mut scan = Scanner::new(text, 0);
    let mut builder = TapeBuilder {
        // About one slot per eight bytes of compact JSON (a webhook body of 220 bytes holds
        // 26); a small first guess stays on the allocator's fast path.
        tape: Vec::with_capacity(text.len() / 8 + 4),
    };
    scan.ws();
    builder.value(&mut scan, 0)?;
    scan.ws();
    if scan.pos() != text.len() {
        return None;
    }
    Some(builder.tape)
}

struct TapeBuilder<'a> {
    tape: Tape<'a>,
}

impl<'a> TapeBuilder<'a> {
    /// Read one value onto the tape.
    fn value(&mut self, scan: &mut Scanner<'a>, depth: u32) -> Option<()> {
        let slot = match scan.peek()? {
            b'"' => Slot::Str(scan.string()?),
            b'{' if depth < scan::MAX_DEPTH => {
                scan.eat(b'{')?;
                scan.ws();
                let at = self.tape.len();
                self.tape.push(Slot::Null);
                let mut len = 0;
                // Where the first keys are, to look for a repeated one without walking back.
                let mut keys = [0usize; FEW_KEYS];
                if scan.eat(b'}').is_none() {
                    loop {
                        let key = scan.string()?;
                        scan.ws();
                        scan.eat(b':')?;
                        scan.ws();
                        if let Some(slot) = keys.get_mut(len) {
                            *slot = self.tape.len();
                        }
                        self.tape.push(Slot::Str(key));
                        self.value(scan, depth + 1)?;
                        len += 1;
                        if !scan.next_item(b'}')? {
                            break;
                        }
                    }
                }
                let end = self.tape.len();
                self.tape[at] = Slot::Object { len, end };
                // serde_json keeps a repeated key's first place and its last value; rather
                // than move slots about for what real payloads never do, let it read those.
                let repeated = match len {
                    0 | 1 => false,
                    2..=FEW_KEYS => repeated_among(&self.tape, &keys[..len]),
                    _ => repeated_key(At {
                        tape: &self.tape,
                        i: at,
                    }),
                };
                if repeated {
                    return None;
                }
                return Some(());
            }
            b'[' if depth < scan::MAX_DEPTH => {
                scan.eat(b'[')?;
                scan.ws();
                let at = self.tape.len();
                self.tape.push(Slot::Null);
                let mut len = 0;
                if scan.eat(b']').is_none() {
                    loop {
                        self.value(scan, depth + 1)?;
                        len += 1;
                        if !scan.next_item(b']')? {
                            break;
                        }
                    }
                }
                let end = self.tape.len();
                self.tape[at] = Slot::Array { len, end };
                return Some(());
            }
            b'n' => scan.word("null").map(|()| Slot::Null)?,
            b't' => scan.word("true").map(|()| Slot::Bool(true))?,
            b'f' => scan.word("false").map(|()| Slot::Bool(false))?,
            b'-' | b'0'..=b'9' => Slot::Number(scan.integer()?),
            _ => return None,
        };
        self.tape.push(slot);
        Some(())
    }
}

/// Objects with up to this many keys are checked for a repeated one pair by pair.
const FEW_KEYS: usize = 16;

/// Whether the keys in these slots repeat one. Most keys differ in length or at either
/// end, which is checked before their bytes are compared.
fn repeated_among(tape: &[Slot<'_>], keys: &[usize]) -> bool {
    let key = |i: usize| key_of(&tape[keys[i]]).as_bytes();
    (1..keys.len()).any(|i| {
        let a = key(i);
        (0..i).any(|j| {
            let b = key(j);
            a.len() == b.len() && a.first() == b.first() && a.last() == b.last() && a == b
        })
    })
}

/// Whether an object has a key more than once (for many keys: sorted, then compared).
fn repeated_key(object: At<'_, '_>) -> bool {
    let Some(pairs) = object.pairs() else {
        return false;
    };
    let mut keys: Vec<&str> = pairs.map(|(key, _)| key).collect();
    keys.sort_unstable();
    keys.windows(2).any(|w| w[0] == w[1])
}
