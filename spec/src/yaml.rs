//! A located YAML tree built from saphyr's event stream.
//!
//! We build our own tree instead of deserializing with serde so that every node, key and scalar keeps its
//! span, duplicate keys are errors (not "last one wins"), and one bad value does not stop the rest of the
//! file from being checked.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Span as YSpan};

use crate::diag::Diagnostic;
use crate::source::{FileId, Span};

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
    b.root.take().or_else(|| {
        // An empty file is an empty mapping: callers then report the missing required keys.
        Some(Node { value: Value::Map(Vec::new()), span: Span { file, start: 0, end: 0, line: 1, col: 1 } })
    })
}

enum Frame {
    Map { start: Span, entries: Vec<Entry>, key: Option<(String, Span)>, anchor: usize },
    Seq { start: Span, items: Vec<Node>, anchor: usize },
}

struct Builder<'d> {
    file: FileId,
    text: &'d str,
    offsets: Vec<usize>,
    len: usize,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
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
                self.push(Node { value, span }, anchor);
            }
            Event::MappingStart(anchor, _) => {
                self.stack.push(Frame::Map { start: span, entries: Vec::new(), key: None, anchor })
            }
            Event::SequenceStart(anchor, _) => self.stack.push(Frame::Seq { start: span, items: Vec::new(), anchor }),
            Event::MappingEnd => {
                if let Some(Frame::Map { start, entries, anchor, .. }) = self.stack.pop() {
                    let last =
                        entries.last().map(|e| if e.value.value == Value::Null { e.key_span } else { e.value.span });
                    let span = Span { end: self.close(start, span, last), ..start };
                    self.push(Node { value: Value::Map(entries), span }, anchor);
                }
            }
            Event::SequenceEnd => {
                if let Some(Frame::Seq { start, items, anchor }) = self.stack.pop() {
                    let span = Span { end: self.close(start, span, items.last().map(|n| n.span)), ..start };
                    self.push(Node { value: Value::Seq(items), span }, anchor);
                }
            }
            Event::Alias(id) => match self.anchors.get(&id).cloned() {
                Some(node) => self.push(Node { span, ..node }, 0),
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

    fn push(&mut self, node: Node, anchor: usize) {
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                None => match &node.value {
                    Value::Scalar { text, .. } => *key = Some((text.clone(), node.span)),
                    Value::Null => *key = Some((String::new(), node.span)),
                    _ => {
                        self.diags.push(
                            Diagnostic::error("yaml-complex-key", node.span, "mapping keys must be plain names")
                                .label("this key is a collection"),
                        );
                        *key = Some((String::new(), node.span));
                    }
                },
                Some((k, key_span)) => {
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
            },
        }
    }

    fn syntax_error(&mut self, err: &ScanError) {
        let m = err.marker();
        let start = self.byte(m.index());
        // One character, not one byte: a span must end on a char boundary (`é`, a zero-width space).
        let end = self.text[start..].chars().next().map_or(start, |c| start + c.len_utf8());
        let span = Span { file: self.file, start, end, line: m.line() as u32, col: m.col() as u32 + 1 };
        let mut d = Diagnostic::error("yaml-syntax", span, format!("invalid YAML: {}", err.info())).label("here");
        // Inside `{ .. }` or `[ .. ]` the parser notices a missing bracket only at a later token, often on a
        // later line: show where the open one starts.
        let open = self.stack.last().map(|f| match f {
            Frame::Map { start, .. } | Frame::Seq { start, .. } => *start,
        });
        if let Some(open) = open
            && let Some(bracket @ ('{' | '[')) = self.text[open.start..].chars().next()
        {
            d = d.related(Span { end: open.start + 1, ..open }, format!("this `{bracket}` is still open"));
        }
        self.diags.push(d);
    }
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
