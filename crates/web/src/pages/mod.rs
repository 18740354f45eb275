pub mod experiment;
pub mod home;
pub mod sweep;
pub mod sweep_file;
