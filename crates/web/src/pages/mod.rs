pub mod experiment;
pub mod home;
