pub mod chart;
pub mod chart_box;
pub mod controls;
pub mod embed_builder;
pub mod gallery;
pub mod own_data;
pub mod problems;
pub mod surface;
