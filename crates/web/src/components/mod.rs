pub mod chart;
pub mod controls;
pub mod gallery;
pub mod problems;
pub mod surface;
