//! Work items of one step on several threads (native only; the browser's workers are
//! single-threaded, and there everything runs in order).

/// `f` of every item, in order: on a thread each when `threads > 1` (native), else one after
/// another on this thread. The results are the same either way; only the wall time differs.
pub fn map_on_threads<T: Send, R: Send>(
    items: Vec<T>,
    threads: usize,
    f: impl Fn(T) -> R + Sync,
) -> Vec<R> {
    if threads < 2 || items.len() < 2 || cfg!(target_family = "wasm") {
        return items.into_iter().map(f).collect();
    }
    let f = &f;
    std::thread::scope(|scope| {
        let mut items = items.into_iter();
        // The first item stays on this thread; the rest get one each.
        let first = items.next();
        let helpers: Vec<_> = items.map(|item| scope.spawn(move || f(item))).collect();
        let mut out: Vec<R> = first.into_iter().map(f).collect();
        out.extend(helpers.into_iter().map(|h| {
            h.join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        }));
        out
    })
}

/// `(a(), b())`: `b` on a second thread when `threads > 1` (native), else after `a` here.
pub fn join<A: Send, B: Send>(
    threads: usize,
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    if threads < 2 || cfg!(target_family = "wasm") {
        return (a(), b());
    }
    std::thread::scope(|scope| {
        let second = scope.spawn(b);
        let first = a();
        let second = second
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (first, second)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_give_the_serial_results_in_order() {
        let items: Vec<u64> = (0..5).collect();
        let square = |x: u64| (x * x, std::thread::current().id());
        let serial = map_on_threads(items.clone(), 1, square);
        let parallel = map_on_threads(items, 3, square);
        let values = |v: &[(u64, std::thread::ThreadId)]| v.iter().map(|p| p.0).collect::<Vec<_>>();
        assert_eq!(values(&serial), [0, 1, 4, 9, 16]);
        assert_eq!(values(&parallel), values(&serial));
        // Serially everything ran here; in parallel the helpers ran elsewhere.
        let here = std::thread::current().id();
        assert!(serial.iter().all(|p| p.1 == here));
        assert_eq!(parallel.iter().filter(|p| p.1 == here).count(), 1);
        let (a, b) = join(
            2,
            || std::thread::current().id(),
            || std::thread::current().id(),
        );
        assert!(a == here && b != here);
        let (a, b) = join(1, || 1, || 2);
        assert_eq!((a, b), (1, 2));
    }
}
