#[cfg(feature = "ui")]
pub mod experiment;
#[cfg(feature = "ui")]
pub mod home;
#[cfg(feature = "ui")]
pub mod sweep;
pub mod sweep_file;
