//! A small element tree over quick-xml's pull parser, for the lenient frab XML importer: real
//! schedule files are a few MB, so holding them as a tree is cheap and makes "look for this
//! child wherever it is" easy. Keeps each element's line for warnings. Pure: no I/O.

use quick_xml::events::Event;
use quick_xml::reader::Reader;

use crate::ImportError;

/// One element: name (without namespace prefix), attributes, children and text content.
#[derive(Debug, Default)]
pub(crate) struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Element>,
    text: String,
    /// 1-based line of the start tag.
    pub line: usize,
}

impl Element {
    /// An attribute value.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first child with this name.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// All children with this name.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The trimmed text content.
    pub fn text(&self) -> String {
        self.text.trim().to_owned()
    }

    /// The trimmed text content, `None` when empty.
    pub fn text_opt(&self) -> Option<String> {
        Some(self.text()).filter(|t| !t.is_empty())
    }

    /// The trimmed text of the first child with this name, `None` when absent or empty.
    pub fn child_text(&self, name: &str) -> Option<String> {
        self.child(name).and_then(Element::text_opt)
    }
}

/// Turns byte offsets into 1-based lines; offsets are asked for in increasing order, so each
/// byte is counted once (a fresh count per element would be quadratic on multi-MB files).
struct Lines<'a> {
    xml: &'a [u8],
    pos: usize,
    line: usize,
}

impl Lines<'_> {
    fn at(&mut self, pos: u64) -> usize {
        let pos = usize::try_from(pos)
            .unwrap_or(usize::MAX)
            .min(self.xml.len());
        if pos < self.pos {
            self.pos = 0;
            self.line = 1;
        }
        self.line += self.xml[self.pos..pos]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        self.pos = pos;
        self.line
    }
}

fn local(name: &str) -> String {
    name.rsplit(':').next().unwrap_or(name).to_owned()
}

/// Parses a whole document into its root element, with warnings for unknown entities.
/// The deepest element nesting accepted.
const MAX_DEPTH: usize = 64;

pub(crate) fn parse(xml: &str) -> Result<(Element, Vec<String>), ImportError> {
    let xml = xml.strip_prefix('\u{feff}').unwrap_or(xml);
    let mut reader = Reader::from_str(xml);
    let mut warnings = Vec::new();
    let mut stack: Vec<Element> = vec![Element::default()];
    let mut lines = Lines {
        xml: xml.as_bytes(),
        pos: 0,
        line: 1,
    };
    loop {
        let pos = reader.buffer_position();
        let event = reader.read_event().map_err(|source| ImportError::Xml {
            line: lines.at(reader.error_position()),
            source,
        })?;
        match event {
            Event::Start(e) => {
                // Real schedules nest about six deep; a hostile file nested millions deep would
                // otherwise exhaust memory and the stack when the tree is dropped.
                if stack.len() > MAX_DEPTH {
                    return Err(ImportError::NotASchedule(format!(
                        "line {}: elements nest deeper than {MAX_DEPTH} levels",
                        lines.at(pos)
                    )));
                }
                stack.push(open(&e, lines.at(pos), &mut warnings));
            }
            Event::Empty(e) => {
                let el = open(&e, lines.at(pos), &mut warnings);
                if let Some(parent) = stack.last_mut() {
                    parent.children.push(el);
                }
            }
            Event::End(_) => {
                if stack.len() > 1
                    && let Some(el) = stack.pop()
                    && let Some(parent) = stack.last_mut()
                {
                    parent.children.push(el);
                }
            }
            Event::Text(t) => {
                if let Some(el) = stack.last_mut() {
                    el.text.push_str(&t.xml10_content());
                }
            }
            Event::CData(t) => {
                if let Some(el) = stack.last_mut() {
                    el.text.push_str(&t.into_inner());
                }
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => Some(c.to_string()),
                    _ => match r.xml10_content().as_ref() {
                        "amp" => Some("&".into()),
                        "lt" => Some("<".into()),
                        "gt" => Some(">".into()),
                        "quot" => Some("\"".into()),
                        "apos" => Some("'".into()),
                        _ => None,
                    },
                };
                let text = resolved.unwrap_or_else(|| {
                    let name = r.xml10_content();
                    warnings.push(format!(
                        "line {}: unknown entity &{name}; kept as text",
                        lines.at(pos)
                    ));
                    format!("&{name};")
                });
                if let Some(el) = stack.last_mut() {
                    el.text.push_str(&text);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    // Unclosed elements at the end: fold them into their parents.
    while stack.len() > 1 {
        if let Some(el) = stack.pop() {
            warnings.push(format!("line {}: <{}> is never closed", el.line, el.name));
            if let Some(parent) = stack.last_mut() {
                parent.children.push(el);
            }
        }
    }
    let mut doc = stack.pop().unwrap_or_default();
    let root = doc
        .children
        .drain(..)
        .next()
        .ok_or_else(|| ImportError::NotASchedule("the document has no root element".into()))?;
    Ok((root, warnings))
}

fn open(e: &quick_xml::events::BytesStart<'_>, line: usize, warnings: &mut Vec<String>) -> Element {
    let name = local(e.name().as_ref());
    let mut attrs = Vec::new();
    for a in e.attributes().with_checks(false) {
        match a {
            Ok(a) => {
                let value = a
                    .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .map(|v| v.into_owned())
                    .unwrap_or_else(|_| a.value.clone().into_owned());
                attrs.push((local(a.key.as_ref()), value));
            }
            Err(err) => warnings.push(format!("line {line}: <{name}>: bad attribute: {err}")),
        }
    }
    Element {
        name,
        attrs,
        children: Vec::new(),
        text: String::new(),
        line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_nesting_is_refused_without_blowing_the_stack() {
        let xml = format!(
            "<schedule>{}{}</schedule>",
            "<a>".repeat(200_000),
            "</a>".repeat(200_000)
        );
        let err = parse(&xml).unwrap_err().to_string();
        assert!(err.contains("elements nest deeper than 64 levels"), "{err}");
    }

    #[test]
    fn entities_are_never_expanded() {
        let xml = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY ext SYSTEM "file:///etc/passwd">]>
<schedule><title>&lol2; &ext;</title></schedule>"#;
        let (root, warnings) = parse(xml).unwrap();
        assert_eq!(root.child_text("title").as_deref(), Some("&lol2; &ext;"));
        assert_eq!(warnings.len(), 2, "{warnings:?}");
    }
}
