//! A drawing that stays on screen while its markup changes: the page's charts and galleries.
//! Each new markup is read ([`markup::parse`]) and compared with the drawing on screen; only
//! what differs is changed ([`markup::changes`]), so a run's reports move a curve's points
//! rather than making the chart's elements anew (see [`markup`] for why that matters).

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, Node as DomNode};

use super::markup::{self, Change, Child, Node};

const SVG_NS: &str = "http://www.w3.org/2000/svg";

/// `markup` (one SVG element) drawn inside a `div` of `class`.
#[component]
pub fn LiveSvg(
    #[prop(into)] markup: Signal<String>,
    #[prop(optional)] class: Option<&'static str>,
) -> impl IntoView {
    let host = NodeRef::<leptos::html::Div>::new();
    // The drawing on screen, as read: what the next markup is compared with.
    let drawn = StoredValue::new_local(None::<Node>);
    Effect::new(move |_| {
        let text = markup.get();
        if let Some(host) = host.get() {
            drawn.update_value(|drawn| draw(&host, &text, drawn));
        }
    });
    view! { <div node_ref=host class=class></div> }
}

/// Makes `host`'s drawing `text`, changing the drawing on screen (`drawn`) where it can.
fn draw(host: &Element, text: &str, drawn: &mut Option<Node>) {
    let Ok(root) = markup::parse(text) else {
        // Markup the reader does not take: drawn as the browser reads it.
        host.set_inner_html(text);
        *drawn = None;
        return;
    };
    let new = Node::Element(root);
    let changed = match (drawn.as_ref(), host.first_element_child()) {
        (Some(old), Some(root)) if host.child_element_count() == 1 => {
            apply(host, &root, &markup::changes(old, &new)).is_some()
        }
        _ => false,
    };
    if !changed {
        // The first drawing, or one the page could not change: made whole.
        match window().document().and_then(|d| make(&d, &new)) {
            Some(node) => {
                host.set_inner_html("");
                let _ = host.append_child(&node);
            }
            None => host.set_inner_html(text),
        }
    }
    *drawn = Some(new);
}

/// The DOM node at `path` below `root`.
fn at(root: &Element, path: &[usize]) -> Option<DomNode> {
    let mut node: DomNode = root.clone().into();
    for &i in path {
        node = node.child_nodes().item(u32::try_from(i).ok()?)?;
    }
    Some(node)
}

fn element_at(root: &Element, path: &[usize]) -> Option<Element> {
    at(root, path)?.dyn_into().ok()
}

/// Applies `changes` to the drawing whose root element is `root`; `None` where the drawing on
/// screen is not the one they were found against.
fn apply(host: &Element, root: &Element, changes: &[Change]) -> Option<()> {
    let document = window().document()?;
    for change in changes {
        match change {
            Change::SetAttr(path, key, value) => {
                element_at(root, path)?.set_attribute(key, value).ok()?;
            }
            Change::RemoveAttr(path, key) => element_at(root, path)?.remove_attribute(key).ok()?,
            Change::SetText(path, text) => at(root, path)?.set_node_value(Some(text)),
            Change::ReplaceRoot(node) => {
                host.replace_child(&make(&document, node)?, root).ok()?;
            }
            Change::Children(path, plan) => {
                let parent = at(root, path)?;
                let list = parent.child_nodes();
                let old: Vec<DomNode> = (0..list.length()).filter_map(|i| list.item(i)).collect();
                // The old children not kept go first, so the kept ones stand in their order
                // and a new node is the only one that moves anything.
                let mut kept = vec![false; old.len()];
                for child in plan {
                    if let Child::Keep(i) = child {
                        *kept.get_mut(*i)? = true;
                    }
                }
                for (node, kept) in old.iter().zip(&kept) {
                    if !kept {
                        parent.remove_child(node).ok()?;
                    }
                }
                for (at, child) in plan.iter().enumerate() {
                    let node = match child {
                        Child::Keep(i) => old.get(*i)?.clone(),
                        Child::Make(n) => make(&document, n)?,
                    };
                    let here = list.item(u32::try_from(at).ok()?);
                    if here.as_ref() != Some(&node) {
                        parent.insert_before(&node, here.as_ref()).ok()?;
                    }
                }
            }
        }
    }
    Some(())
}

/// A DOM node for `node`, in SVG's namespace.
fn make(document: &Document, node: &Node) -> Option<DomNode> {
    match node {
        Node::Text(text) => Some(document.create_text_node(text).into()),
        Node::Element(e) => {
            let el = document.create_element_ns(Some(SVG_NS), &e.name).ok()?;
            for (key, value) in &e.attrs {
                el.set_attribute(key, value).ok()?;
            }
            for child in &e.children {
                el.append_child(&make(document, child)?).ok()?;
            }
            Some(el.into())
        }
    }
}
