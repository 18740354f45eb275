pub mod chart;
pub mod controls;
pub mod problems;
pub mod surface;
