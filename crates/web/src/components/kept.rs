//! Lists whose items stay on screen while a run's reports change them: chart boxes, galleries,
//! the summary's rows and cells, the verdicts. An item is kept by its position and reads its
//! own memo, so a report changes its text and attributes in place rather than making its
//! elements anew (see `live_svg` for why that matters).
//!
//! Every list goes through one [`by_position`], so the page's module carries one list's code
//! rather than one per kind of item.

use std::sync::Arc;

use leptos::prelude::*;

/// What draws the item at a position.
pub type Item = Arc<dyn Fn(usize) -> AnyView + Send + Sync>;

/// `len` items, the one at position `i` drawn by `item(i)` and kept while the length stays.
/// A change of length (a run that starts reporting, a chart added) draws the list again:
/// rare, and it spares the page leptos's keyed `For`.
pub fn by_position(len: Memo<usize>, item: Item) -> AnyView {
    (move || (0..len.get()).map(|i| item(i)).collect_view()).into_any()
}

/// Each item of `list`, drawn by `item` from a memo of its own (`None` once the item is gone,
/// before the list's length catches up).
pub fn each<T, V>(
    list: impl Into<Signal<Vec<T>>>,
    item: impl Fn(Memo<Option<T>>) -> V + Send + Sync + 'static,
) -> AnyView
where
    T: Clone + PartialEq + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let list = list.into();
    let len = Memo::new(move |_| list.with(Vec::len));
    by_position(
        len,
        Arc::new(move |i| item(Memo::new(move |_| list.with(|l| l.get(i).cloned()))).into_any()),
    )
}

/// Text read from an item (none once the item is gone), as a signal: every text and attribute
/// of every list renders through this one type.
pub fn field<T>(item: Memo<Option<T>>, read: fn(&T) -> String) -> Signal<Option<String>>
where
    T: Send + Sync + 'static,
{
    Signal::derive(move || item.with(|t| t.as_ref().map(read)))
}
