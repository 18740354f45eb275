//! glibc's allocator, told to keep what a run frees for the run's next step.
//!
//! By default glibc serves a large allocation with its own mapping unless a freed one of that
//! size came before (it raises its threshold as it goes), and hands the top of its heap back
//! to the system whenever twice that threshold lies free there. A run's step allocates and
//! frees tensors of the same sizes again and again: the stacked models' parameters, moments
//! and gradients (10 MB each for the augmentation comparison). Where no larger block was ever
//! freed, every step handed its memory back and faulted it in again: 3 s of system time in a
//! 17 s run (BENCHMARKS.md, "Memory"). Fixed thresholds keep those blocks in the heap.

/// Allocations up to 32 MB (glibc's largest threshold) come from the heap, and up to 128 MB
/// free at its top stays with the process. Once per process; elsewhere than glibc, nothing.
pub fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            // SAFETY: mallopt only sets two of the allocator's tunables; it takes the
            // allocator's own lock and touches no memory of the caller's.
            #[allow(unsafe_code)]
            unsafe {
                libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
                libc::mallopt(libc::M_TRIM_THRESHOLD, 128 << 20);
            }
        });
    }
}
