//! Cross-crate tests live in root.rs.
