//! The page's own SVG markup (charts, galleries) read back as a tree, and the few changes that
//! turn the drawing on screen into the next one.
//!
//! A chart is redrawn at every report while a run trains. Parsing its markup into fresh
//! elements each time (`innerHTML`) leaves the old elements to the browser's garbage
//! collector, which the page's small JavaScript heap rarely wakes: a training page held tens
//! of megabytes of dead chart elements. The page instead keeps its elements and changes what
//! changed: a curve's `points`, a tick's text, an element added or removed at the end.
//!
//! The reader takes the markup that `overfit_core::plot` and the galleries write: elements,
//! double-quoted attributes, text, and the entities `escape_markup` writes (and numeric
//! ones). Anything else (comments, processing instructions, unquoted attributes, nesting
//! deeper than [`MAX_DEPTH`]) is an error, and the page falls back to `innerHTML`.

/// The deepest nesting read; the page's drawings are 3 deep.
pub const MAX_DEPTH: usize = 32;

/// One node of a drawing.
#[derive(Clone, Debug, PartialEq)]
pub enum Node {
    Element(Element),
    Text(String),
}

/// An element: its name, its attributes in order, its children.
#[derive(Clone, Debug, PartialEq)]
pub struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Node>,
}

/// Reads one element (the drawing's root) from `markup`.
pub fn parse(markup: &str) -> Result<Element, String> {
    let mut reader = Reader { s: markup, at: 0 };
    let root = reader.element(0)?;
    if reader.at != markup.len() {
        return Err(format!(
            "markup after the root element at byte {}",
            reader.at
        ));
    }
    Ok(root)
}

struct Reader<'a> {
    s: &'a str,
    at: usize,
}

impl<'a> Reader<'a> {
    fn rest(&self) -> &'a str {
        &self.s[self.at..]
    }

    fn error<T>(&self, what: &str) -> Result<T, String> {
        Err(format!("{what} at byte {}", self.at))
    }

    fn eat(&mut self, prefix: &str) -> bool {
        let found = self.rest().starts_with(prefix);
        if found {
            self.at += prefix.len();
        }
        found
    }

    fn skip_space(&mut self) {
        let rest = self.rest();
        self.at += rest.len() - rest.trim_start_matches([' ', '\t', '\n', '\r']).len();
    }

    fn name(&mut self) -> Result<String, String> {
        let rest = self.rest();
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.')))
            .unwrap_or(rest.len());
        if len == 0 || !rest.starts_with(|c: char| c.is_ascii_alphabetic()) {
            return self.error("expected a name");
        }
        self.at += len;
        Ok(rest[..len].to_string())
    }

    fn element(&mut self, depth: usize) -> Result<Element, String> {
        if depth >= MAX_DEPTH {
            return self.error("nesting too deep");
        }
        if !self.eat("<") {
            return self.error("expected an element");
        }
        let name = self.name()?;
        let mut attrs = Vec::new();
        loop {
            let before = self.at;
            self.skip_space();
            if self.eat("/>") {
                return Ok(Element {
                    name,
                    attrs,
                    children: Vec::new(),
                });
            }
            if self.eat(">") {
                break;
            }
            if self.at == before {
                return self.error("expected a space before an attribute");
            }
            let key = self.name()?;
            if !self.eat("=\"") {
                return self.error("expected =\" after an attribute's name");
            }
            let Some(len) = self.rest().find('"') else {
                return self.error("unclosed attribute value");
            };
            let value = unescape(&self.rest()[..len]).map_err(|e| format!("{e} in {key}"))?;
            self.at += len + 1;
            attrs.push((key, value));
        }
        let mut children = Vec::new();
        loop {
            if self.eat("</") {
                let end = self.name()?;
                if end != name || !self.eat(">") {
                    return self.error(&format!("expected </{name}>"));
                }
                return Ok(Element {
                    name,
                    attrs,
                    children,
                });
            }
            if self.rest().starts_with('<') {
                children.push(Node::Element(self.element(depth + 1)?));
                continue;
            }
            let Some(len) = self.rest().find('<') else {
                return self.error(&format!("unclosed <{name}>"));
            };
            children.push(Node::Text(unescape(&self.rest()[..len])?));
            self.at += len;
        }
    }
}

/// Text with its entities read: the five `escape_markup` writes, and numeric ones.
fn unescape(text: &str) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let Some(semi) = rest[amp..].find(';') else {
            return Err("an unterminated entity".into());
        };
        let entity = &rest[amp + 1..amp + semi];
        let c = match entity {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = if let Some(hex) = entity.strip_prefix("#x") {
                    u32::from_str_radix(hex, 16).ok()
                } else if let Some(dec) = entity.strip_prefix('#') {
                    dec.parse().ok()
                } else {
                    None
                };
                code.and_then(char::from_u32)
                    .ok_or_else(|| format!("an unknown entity &{entity};"))?
            }
        };
        out.push(c);
        rest = &rest[amp + semi + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The element as markup, escaped as `escape_markup` escapes: the tests' check that a
/// drawing is read whole.
#[cfg(test)]
pub fn write(element: &Element, out: &mut String) {
    use overfit_core::plot::escape_markup;

    out.push('<');
    out.push_str(&element.name);
    for (key, value) in &element.attrs {
        out.push(' ');
        out.push_str(key);
        out.push_str("=\"");
        out.push_str(&escape_markup(value));
        out.push('"');
    }
    if element.children.is_empty() {
        out.push_str("/>");
        return;
    }
    out.push('>');
    for child in &element.children {
        match child {
            Node::Element(e) => write(e, out),
            Node::Text(t) => out.push_str(&escape_markup(t)),
        }
    }
    out.push_str("</");
    out.push_str(&element.name);
    out.push('>');
}

/// Where a change applies: child indices from the root (empty: the root itself).
pub type Path = Vec<usize>;

/// One child of an element after a [`Change::Children`]: an old child kept (by its index
/// before the change), or a new node made.
#[derive(Debug, PartialEq)]
pub enum Child<'a> {
    Keep(usize),
    Make(&'a Node),
}

/// One change to the drawing on screen. The changes are applied in order; a path given after
/// a [`Change::Children`] counts the children as they are after it.
#[derive(Debug, PartialEq)]
pub enum Change<'a> {
    /// The element at the path gets this attribute value.
    SetAttr(Path, &'a str, &'a str),
    /// The element at the path loses this attribute.
    RemoveAttr(Path, &'a str),
    /// The text node at the path reads this.
    SetText(Path, &'a str),
    /// The root is replaced by a new one made from this.
    ReplaceRoot(&'a Node),
    /// The element at the path gets these children, in this order; an old child not kept is
    /// removed.
    Children(Path, Vec<Child<'a>>),
}

/// The changes that turn `old` into `new`.
///
/// An element's children are matched by kind (element name and class, or text), in order: the
/// first new `line` of class `grid` keeps the first old one, and so on. A chart that gains a
/// tick adds that tick's two elements and moves nothing; everything else keeps its element
/// and changes only the attributes and text that differ.
pub fn changes<'a>(old: &'a Node, new: &'a Node) -> Vec<Change<'a>> {
    let mut out = Vec::new();
    match (old, new) {
        (Node::Element(a), Node::Element(b)) if a.name == b.name => {
            element_changes(a, b, &mut Vec::new(), &mut out);
        }
        (Node::Text(a), Node::Text(b)) if a == b => {}
        _ => out.push(Change::ReplaceRoot(new)),
    }
    out
}

/// What a child is matched by: its element name and class, or `None` for text.
type Kind<'a> = Option<(&'a str, Option<&'a str>)>;

fn kind(node: &Node) -> Kind<'_> {
    match node {
        Node::Text(_) => None,
        Node::Element(e) => Some((
            e.name.as_str(),
            e.attrs
                .iter()
                .find(|(k, _)| k == "class")
                .map(|(_, v)| v.as_str()),
        )),
    }
}

fn element_changes<'a>(
    old: &'a Element,
    new: &'a Element,
    path: &mut Path,
    out: &mut Vec<Change<'a>>,
) {
    let value = |attrs: &'a [(String, String)], key: &str| {
        attrs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    for (key, v) in &new.attrs {
        if value(&old.attrs, key) != Some(v.as_str()) {
            out.push(Change::SetAttr(path.clone(), key, v));
        }
    }
    for (key, _) in &old.attrs {
        if value(&new.attrs, key).is_none() {
            out.push(Change::RemoveAttr(path.clone(), key));
        }
    }
    // Each new child takes the first old child of its kind not yet taken: `next` holds, by
    // kind, where the search for the next one starts (a drawing has a dozen kinds at most).
    let mut next: Vec<(Kind, usize)> = Vec::new();
    let plan: Vec<Child> = new
        .children
        .iter()
        .map(|child| {
            let k = kind(child);
            let slot = match next.iter().position(|(kind, _)| *kind == k) {
                Some(slot) => slot,
                None => {
                    next.push((k, 0));
                    next.len() - 1
                }
            };
            let from = &mut next[slot].1;
            match (*from..old.children.len()).find(|&i| kind(&old.children[i]) == k) {
                Some(i) => {
                    *from = i + 1;
                    Child::Keep(i)
                }
                None => {
                    *from = old.children.len();
                    Child::Make(child)
                }
            }
        })
        .collect();
    let unchanged = plan.len() == old.children.len()
        && plan.iter().enumerate().all(|(i, c)| *c == Child::Keep(i));
    let kept: Vec<(usize, usize)> = plan
        .iter()
        .enumerate()
        .filter_map(|(at, c)| match c {
            Child::Keep(i) => Some((at, *i)),
            Child::Make(_) => None,
        })
        .collect();
    if !unchanged {
        out.push(Change::Children(path.clone(), plan));
    }
    for (at, i) in kept {
        path.push(at);
        match (&old.children[i], &new.children[at]) {
            (Node::Element(a), Node::Element(b)) => element_changes(a, b, path, out),
            (Node::Text(a), Node::Text(b)) if a != b => out.push(Change::SetText(path.clone(), b)),
            _ => {}
        }
        path.pop();
    }
}

/// Applies `changes` to a tree, as the page applies them to its elements: the native tests'
/// model of the page's drawing.
#[cfg(test)]
pub fn apply(tree: &mut Node, changes: &[Change]) {
    fn at<'t>(tree: &'t mut Node, path: &[usize]) -> &'t mut Node {
        path.iter().fold(tree, |node, &i| match node {
            Node::Element(e) => &mut e.children[i],
            Node::Text(_) => panic!("a path through text"),
        })
    }
    fn element<'t>(tree: &'t mut Node, path: &[usize]) -> &'t mut Element {
        match at(tree, path) {
            Node::Element(e) => e,
            Node::Text(_) => panic!("an element change to text"),
        }
    }
    for change in changes {
        match change {
            Change::SetAttr(p, k, v) => {
                let e = element(tree, p);
                match e.attrs.iter_mut().find(|(key, _)| key == k) {
                    Some((_, value)) => *value = (*v).to_string(),
                    None => e.attrs.push(((*k).to_string(), (*v).to_string())),
                }
            }
            Change::RemoveAttr(p, k) => element(tree, p).attrs.retain(|(key, _)| key != k),
            Change::SetText(p, t) => *at(tree, p) = Node::Text((*t).to_string()),
            Change::ReplaceRoot(n) => *tree = (*n).clone(),
            Change::Children(p, plan) => {
                let e = element(tree, p);
                let mut old: Vec<Option<Node>> = e.children.drain(..).map(Some).collect();
                e.children = plan
                    .iter()
                    .map(|c| match c {
                        Child::Keep(i) => old[*i].take().expect("each old child kept once"),
                        Child::Make(n) => (*n).clone(),
                    })
                    .collect();
            }
        }
    }
}

#[cfg(test)]
mod tests;
