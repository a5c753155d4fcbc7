//! A located YAML tree built from saphyr's event stream.
//!
//! We build our own tree instead of deserializing with serde so that every node, key and scalar keeps its
//! span, duplicate keys are errors (not "last one wins"), and one bad value does not stop the rest of the
//! file from being checked.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Span as YSpan};

use crate::diag::Diagnostic;
use crate::source::{FileId, Span};

/// Aliases copy their anchor's value, so a few kB of nested aliases can stand for billions of nodes (the
/// "billion laughs"). A spec uses aliases for small shared pieces; these bounds are far above that and
/// far below what would exhaust memory or time (about 30 MB of nodes at most). Like serde-saphyr's and
/// libyaml's budgets, they count alias uses and the nodes the aliases copy, per file.
pub const MAX_ALIASES: usize = 10_000;
pub const MAX_ALIAS_NODES: usize = 250_000;
/// Nesting deeper than any spec needs; the tree (and every pass over it) recurses, so unbounded nesting
/// (`- - - - ...`) would overflow the stack.
pub const MAX_DEPTH: usize = 100;

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    /// A scalar's text; `quoted` scalars are always strings (`"1"` is not a number).
    Scalar {
        text: String,
        quoted: bool,
    },
    Map(Vec<Entry>),
    Seq(Vec<Node>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: String,
    pub key_span: Span,
    pub value: Node,
}

impl Node {
    pub fn kind(&self) -> &'static str {
        match &self.value {
            Value::Null => "null",
            Value::Scalar { .. } => "a scalar",
            Value::Map(_) => "a mapping",
            Value::Seq(_) => "a list",
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    pub fn is_quoted(&self) -> bool {
        matches!(self.value, Value::Scalar { quoted: true, .. })
    }
}

/// Parses one file. Syntax errors end the file (YAML cannot be resynchronized reliably); duplicate keys
/// are reported and the first occurrence kept.
pub fn parse(file: FileId, text: &str, diags: &mut Vec<Diagnostic>) -> Option<Node> {
    let mut b = Builder {
        file,
        text,
        offsets: char_offsets(text),
        len: text.len(),
        stack: Vec::new(),
        anchors: HashMap::new(),
        aliases: 0,
        alias_nodes: 0,
        alias_limit_reported: false,
        too_deep: false,
        root: None,
        diags,
        docs: 0,
    };
    for item in Parser::new_from_str(text) {
        match item {
            Ok((event, span)) => {
                if !b.event(event, span) {
                    break;
                }
            }
            Err(err) => {
                b.syntax_error(&err);
                return None;
            }
        }
    }
    if b.too_deep {
        return None;
    }
    b.root.take().or_else(|| {
        // An empty file is an empty mapping: callers then report the missing required keys.
        Some(Node { value: Value::Map(Vec::new()), span: Span { file, start: 0, end: 0, line: 1, col: 1 } })
    })
}

/// A key waiting for its value; `skip` drops the entry (a merge key, already reported).
struct PendingKey {
    text: String,
    span: Span,
    skip: bool,
}

enum Frame {
    Map { start: Span, entries: Vec<Entry>, key: Option<PendingKey>, anchor: usize, size: usize },
    Seq { start: Span, items: Vec<Node>, anchor: usize, size: usize },
}

struct Builder<'d> {
    file: FileId,
    text: &'d str,
    offsets: Vec<usize>,
    len: usize,
    stack: Vec<Frame>,
    /// Each anchor's value and its size in nodes.
    anchors: HashMap<usize, (Node, usize)>,
    aliases: usize,
    alias_nodes: usize,
    alias_limit_reported: bool,
    /// Reading stopped inside the tree: what was built is not the file.
    too_deep: bool,
    root: Option<Node>,
    diags: &'d mut Vec<Diagnostic>,
    docs: usize,
}

impl Builder<'_> {
    fn span(&self, s: YSpan) -> Span {
        let start = self.byte(s.start.index());
        let end = self.byte(s.end.index()).max(start);
        Span { file: self.file, start, end, line: s.start.line() as u32, col: s.start.col() as u32 + 1 }
    }

    fn byte(&self, char_index: usize) -> usize {
        self.offsets.get(char_index).copied().unwrap_or(self.len)
    }

    /// Returns false to stop reading the stream.
    fn event(&mut self, event: Event<'_>, yspan: YSpan) -> bool {
        let span = self.span(yspan);
        match event {
            Event::DocumentStart(_) => {
                self.docs += 1;
                if self.docs > 1 {
                    self.diags.push(
                        Diagnostic::error("yaml-multiple-documents", span, "a spec file holds one YAML document")
                            .label("second document starts here")
                            .help("split the documents into separate files"),
                    );
                    return false;
                }
            }
            Event::Scalar(text, style, anchor, tag) => {
                let quoted = !matches!(style, ScalarStyle::Plain) || tag.is_some();
                let value = if !quoted && matches!(text.as_ref(), "" | "~" | "null" | "Null" | "NULL") {
                    Value::Null
                } else {
                    Value::Scalar { text: text.into_owned(), quoted }
                };
                self.push(Node { value, span }, anchor, 1);
            }
            Event::MappingStart(..) | Event::SequenceStart(..) if self.stack.len() >= MAX_DEPTH => {
                self.diags.push(
                    Diagnostic::error("yaml-depth", span, format!("YAML nested more than {MAX_DEPTH} levels deep"))
                        .label("too deep")
                        .help("a spec needs a handful of levels; the rest of this file is not read"),
                );
                self.too_deep = true;
                return false;
            }
            Event::MappingStart(anchor, _) => {
                self.stack.push(Frame::Map { start: span, entries: Vec::new(), key: None, anchor, size: 1 })
            }
            Event::SequenceStart(anchor, _) => {
                self.stack.push(Frame::Seq { start: span, items: Vec::new(), anchor, size: 1 })
            }
            Event::MappingEnd => {
                if let Some(Frame::Map { start, entries, anchor, size, .. }) = self.stack.pop() {
                    let last =
                        entries.last().map(|e| if e.value.value == Value::Null { e.key_span } else { e.value.span });
                    let span = Span { end: self.close(start, span, last), ..start };
                    self.push(Node { value: Value::Map(entries), span }, anchor, size);
                }
            }
            Event::SequenceEnd => {
                if let Some(Frame::Seq { start, items, anchor, size }) = self.stack.pop() {
                    let span = Span { end: self.close(start, span, items.last().map(|n| n.span)), ..start };
                    self.push(Node { value: Value::Seq(items), span }, anchor, size);
                }
            }
            Event::Alias(id) => match self.anchors.get(&id) {
                Some((node, size)) => {
                    let size = *size;
                    self.aliases += 1;
                    self.alias_nodes += size;
                    if self.aliases > MAX_ALIASES || self.alias_nodes > MAX_ALIAS_NODES {
                        self.alias_limit(span, size);
                        self.push(Node { value: Value::Null, span }, 0, 1);
                    } else {
                        let node = node.clone();
                        self.push(Node { span, ..node }, 0, size);
                    }
                }
                None => self
                    .diags
                    .push(Diagnostic::error("yaml-alias", span, "unknown alias").label("no anchor with this name")),
            },
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentEnd => {}
        }
        true
    }

    /// Where a collection ends: after its `}` or `]` in flow style; after its last item in block style, whose
    /// end event sits on the next token, often lines (and comments) later.
    fn close(&self, start: Span, end_event: Span, last: Option<Span>) -> usize {
        let end = match self.text.as_bytes().get(end_event.start) {
            Some(b'}' | b']') => end_event.end,
            _ => last.map_or(start.end, |s| s.end),
        };
        end.max(start.end)
    }

    /// One diagnostic per file: past the limit every further alias is cut too, and saying so each time
    /// would bury the one that matters.
    fn alias_limit(&mut self, span: Span, size: usize) {
        if std::mem::replace(&mut self.alias_limit_reported, true) {
            return;
        }
        let name = &self.text[span.start..span.end];
        let (what, limit) = if self.aliases > MAX_ALIASES {
            (format!("is one more than the {MAX_ALIASES} aliases"), "alias uses")
        } else {
            (format!("would copy more than the {MAX_ALIAS_NODES} nodes"), "copied nodes")
        };
        self.diags.push(
            Diagnostic::error("yaml-alias-limit", span, format!("alias `{name}` {what} a file may use"))
                .label(format!("copies {size} node{}", if size == 1 { "" } else { "s" }))
                .note(format!(
                    "a file may use at most {MAX_ALIASES} aliases copying {MAX_ALIAS_NODES} nodes in all; \
                     nested aliases multiply (an \"alias bomb\"), so the {limit} are bounded"
                ))
                .help("write the repeated values out, or alias a smaller value"),
        );
    }

    /// `size`: the node's count of nodes, what an alias to it copies.
    fn push(&mut self, node: Node, anchor: usize, size: usize) {
        if anchor > 0 {
            self.anchors.insert(anchor, (node.clone(), size));
        }
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { items, size: total, .. }) => {
                *total += size;
                items.push(node)
            }
            Some(Frame::Map { entries, key, size: total, .. }) => {
                *total += size;
                match key.take() {
                    None => match &node.value {
                        Value::Scalar { text, quoted: false } if text == "<<" => {
                            self.diags.push(
                                Diagnostic::error(
                                    "yaml-merge-key",
                                    node.span,
                                    "YAML merge keys (`<<`) are not supported",
                                )
                                .label("merge key")
                                .note("merge keys were dropped from YAML 1.2, and where they apply is easy to misread")
                                .help("write the keys out, or alias a whole value (`key: *anchor`)"),
                            );
                            *key = Some(PendingKey { text: text.clone(), span: node.span, skip: true });
                        }
                        Value::Scalar { text, .. } => {
                            *key = Some(PendingKey { text: text.clone(), span: node.span, skip: false })
                        }
                        Value::Null => *key = Some(PendingKey { text: String::new(), span: node.span, skip: false }),
                        _ => {
                            self.diags.push(
                                Diagnostic::error("yaml-complex-key", node.span, "mapping keys must be plain names")
                                    .label("this key is a collection"),
                            );
                            *key = Some(PendingKey { text: String::new(), span: node.span, skip: false });
                        }
                    },
                    Some(PendingKey { skip: true, .. }) => {}
                    Some(PendingKey { text: k, span: key_span, .. }) => {
                        if let Some(first) = entries.iter().find(|e| e.key == k) {
                            let first_span = first.key_span;
                            self.diags.push(
                                Diagnostic::error("duplicate-key", key_span, format!("duplicate key `{k}`"))
                                    .label("defined again here")
                                    .related(first_span, "first defined here")
                                    .help("a key may appear once per mapping; remove one of them"),
                            );
                        } else {
                            entries.push(Entry { key: k, key_span, value: node });
                        }
                    }
                }
            }
        }
    }

    fn syntax_error(&mut self, err: &ScanError) {
        let m = err.marker();
        let start = self.byte(m.index());
        // One character, not one byte: a span must end on a char boundary (`é`, a zero-width space).
        let end = self.text[start..].chars().next().map_or(start, |c| start + c.len_utf8());
        let noticed = Span { file: self.file, start, end, line: m.line() as u32, col: m.col() as u32 + 1 };
        // Inside `{ .. }` or `[ .. ]` the parser notices a missing bracket only at a later token, often on a
        // later line: show where the open one starts.
        let open = self.stack.last().map(|f| match f {
            Frame::Map { start, .. } | Frame::Seq { start, .. } => *start,
        });
        let in_flow = open.is_some_and(|o| matches!(self.text.as_bytes().get(o.start), Some(b'{' | b'[')));
        let message = format!("invalid YAML: {}", err.info());
        let mut d = match self.missing_at_line_end(start, in_flow) {
            Some(at) => Diagnostic::error("yaml-syntax", at, message)
                .label("here, at the end of this line")
                .related(noticed, "where the parser noticed"),
            None => Diagnostic::error("yaml-syntax", noticed, message).label("here"),
        };
        if let Some(open) = open
            && let Some(bracket @ ('{' | '[')) = self.text[open.start..].chars().next()
        {
            d = d.related(Span { end: open.start + 1, ..open }, format!("this `{bracket}` is still open"));
        }
        self.diags.push(d);
    }
}

impl Builder<'_> {
    /// Where the mistake is when the parser notices it a line late. A missing `:` (`models` alone on its
    /// line) or a missing `,` `}` `]` makes the next line's key part of a longer scalar, and the parser stops
    /// at that key's `:`; a flow collection left open is noticed at the next token, or at the end of the
    /// file. In those cases the mistake is at the end of the last line with content before. None when the
    /// error is where the parser stopped.
    fn missing_at_line_end(&self, marker: usize, in_flow: bool) -> Option<Span> {
        let text = self.text;
        let line_start = text[..marker].rfind('\n').map_or(0, |i| i + 1);
        // A comment after the key (`models  # ...`) is where the parser stops: the key is the mistake.
        if text[marker..].starts_with('#') && !text[line_start..marker].trim().is_empty() {
            return Some(self.last_char(line_start, text[..marker].trim_end().len()));
        }
        let before = text[..marker][line_start..].trim();
        let at_colon = text[marker..].starts_with(':') && !before.is_empty() && !before.contains(char::is_whitespace);
        let at_line_start_in_flow = (in_flow || marker >= text.len()) && before.is_empty();
        if !at_colon && !at_line_start_in_flow {
            return None;
        }
        let mut end = line_start.checked_sub(1)?;
        loop {
            let start = text[..end].rfind('\n').map_or(0, |i| i + 1);
            let content = without_comment(&text[start..end]).trim_end();
            if !content.is_empty() {
                return Some(self.last_char(start, start + content.len()));
            }
            end = start.checked_sub(1)?;
        }
    }

    /// The span of the last character before `end`, on the line starting at `line_start`.
    fn last_char(&self, line_start: usize, end: usize) -> Span {
        let text = self.text;
        let len = text[..end].chars().next_back().map_or(0, char::len_utf8);
        let at = end - len;
        let line = text[..at].matches('\n').count() as u32 + 1;
        let col = text[line_start..at].chars().count() as u32 + 1;
        Span { file: self.file, start: at, end, line, col }
    }
}

/// A line without its `# comment` (a `#` at the start or after a space; inside quotes it is rare enough in
/// a line the parser could not read to be worth the simplicity).
fn without_comment(line: &str) -> &str {
    let bytes = line.as_bytes();
    let hash = (0..bytes.len()).find(|&i| bytes[i] == b'#' && (i == 0 || bytes[i - 1].is_ascii_whitespace()));
    hash.map_or(line, |i| &line[..i])
}

fn char_offsets(text: &str) -> Vec<usize> {
    text.char_indices().map(|(i, _)| i).chain(std::iter::once(text.len())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(text: &str) -> (Option<Node>, Vec<Diagnostic>) {
        let mut d = Vec::new();
        let n = parse(FileId(0), text, &mut d);
        (n, d)
    }

    #[test]
    fn keeps_locations_and_rejects_duplicates() {
        let (node, diags) = parse_ok("a: 1\nb:\n  c: x\na: 2\n");
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].code, "duplicate-key");
        assert_eq!((diags[0].span.line, diags[0].span.col), (4, 1));
        let Value::Map(entries) = node.unwrap().value else { panic!("map") };
        assert_eq!(entries.len(), 2);
        let Value::Map(inner) = &entries[1].value.value else { panic!("inner map") };
        assert_eq!((inner[0].value.span.line, inner[0].value.span.col), (3, 6));
        assert_eq!(entries[0].value.as_str(), Some("1"));
    }

    #[test]
    fn syntax_errors_are_located() {
        let (node, diags) = parse_ok("a: [1, 2\nb: 3\n");
        assert!(node.is_none());
        assert_eq!(diags[0].code, "yaml-syntax");
    }

    /// Where the mistake is, not the next line where the parser noticed it.
    #[test]
    fn syntax_errors_noticed_a_line_late_point_at_the_line_before() {
        fn at(text: &str) -> (u32, u32, &str) {
            let (_, diags) = parse_ok(text);
            let d = &diags[0];
            (d.span.line, d.span.col, &text[d.span.start..d.span.end])
        }
        // A key without `:`.
        assert_eq!(at("app: core\nmodels  # all of them\n  User:\n    fields: {}\n"), (2, 6, "s"));
        // A flow mapping or list left open.
        assert_eq!(at("a:\n  b: { type: string, max: 2\n  c: { type: int }\n"), (2, 27, "2"));
        assert_eq!(at("a: [1, 2\n\n# comment\nb: 3\n"), (1, 8, "2"));
        assert_eq!(at("a: {x: 1\n"), (1, 8, "1"));
        // Where the parser stops is the mistake: kept.
        assert_eq!(at("a: b: c\n"), (1, 5, ":"));
        assert_eq!(at("a:\n  b: 1\n c: 2\n"), (3, 2, "c"));
        assert_eq!(at("a:\n  - 1\n  b: 2\n"), (3, 3, "b"));
    }

    #[test]
    fn an_alias_bomb_is_cut_at_the_limit() {
        let mut text = String::from("a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (prev, name) in "abcdefghi".chars().zip("bcdefghij".chars()) {
            text.push_str(&format!("{name}: &{name} [{}]\n", vec![format!("*{prev}"); 9].join(", ")));
        }
        let started = std::time::Instant::now();
        let (node, diags) = parse_ok(&text);
        assert!(started.elapsed() < std::time::Duration::from_secs(5), "took {:?}", started.elapsed());
        let limits: Vec<_> = diags.iter().filter(|d| d.code == "yaml-alias-limit").collect();
        assert_eq!(limits.len(), 1, "{diags:?}");
        assert_eq!(&text[limits[0].span.start..limits[0].span.end], "*e");
        // What was kept is within the budget.
        fn size(n: &Node) -> usize {
            1 + match &n.value {
                Value::Map(e) => e.iter().map(|e| 1 + size(&e.value)).sum(),
                Value::Seq(i) => i.iter().map(size).sum(),
                _ => 0,
            }
        }
        assert!(size(&node.unwrap()) < MAX_ALIAS_NODES + text.len());
    }

    #[test]
    fn many_small_aliases_are_fine_until_the_count_limit() {
        let mut text = String::from("a: &a 1\nb:\n");
        for _ in 0..MAX_ALIASES {
            text.push_str("  - *a\n");
        }
        let (_, diags) = parse_ok(&text);
        assert!(diags.is_empty(), "{diags:?}");
        text.push_str("  - *a\n");
        let (_, diags) = parse_ok(&text);
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].code, "yaml-alias-limit");
        assert!(diags[0].message.contains("aliases a file may use"), "{}", diags[0].message);
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let text = format!("{}x\n", "- ".repeat(100_000));
        let (_, diags) = parse_ok(&text);
        assert_eq!(diags.iter().map(|d| d.code).collect::<Vec<_>>(), ["yaml-depth"]);
        let text = format!("a: {}{}\n", "[".repeat(250), "]".repeat(250));
        let (_, diags) = parse_ok(&text);
        assert_eq!(diags.len(), 1, "{diags:?}");
    }

    #[test]
    fn merge_keys_are_rejected_not_unknown() {
        let (node, diags) = parse_ok("a: &x { b: 1 }\nc:\n  <<: *x\n  d: 2\n\"<<\": 3\n");
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(diags[0].code, "yaml-merge-key");
        assert_eq!((diags[0].span.line, diags[0].span.col), (3, 3));
        let Value::Map(entries) = node.unwrap().value else { panic!() };
        // The merge key is dropped; a quoted `"<<"` is an ordinary key.
        let Value::Map(c) = &entries[1].value.value else { panic!() };
        assert_eq!(c.iter().map(|e| e.key.as_str()).collect::<Vec<_>>(), ["d"]);
        assert_eq!(entries[2].key, "<<");
    }

    #[test]
    fn collections_end_at_their_last_item_or_bracket() {
        let text = "a:\n  b: 1\n  c: [x, y]\n\n# comment\nd: { e: 2 }\n";
        let (node, _) = parse_ok(text);
        let Value::Map(entries) = node.unwrap().value else { panic!() };
        let a = entries[0].value.span;
        assert_eq!(&text[a.start..a.end], "b: 1\n  c: [x, y]");
        let d = entries[1].value.span;
        assert_eq!(&text[d.start..d.end], "{ e: 2 }");
    }

    #[test]
    fn spans_are_bytes_with_unicode() {
        let (node, _) = parse_ok("é: ünï\n");
        let Value::Map(entries) = node.unwrap().value else { panic!() };
        let s = entries[0].value.span;
        assert_eq!(&"é: ünï\n"[s.start..s.end], "ünï");
    }
}
