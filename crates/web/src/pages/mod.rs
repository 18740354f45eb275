pub mod experiment;
pub mod home;
pub mod sweep;
