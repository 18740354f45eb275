//! Data: seeded generators (pure functions of their parameters and a seed) and one small real
//! data set embedded in the binary (the 8x8 digits). Nothing is downloaded. A reader may also
//! bring a CSV file of their own ([`table`]), read where it is picked and never sent anywhere.

pub mod augment;
pub mod digits;
pub mod labelled;
pub mod mnist1d;
pub mod modular;
pub mod pool;
pub mod table;
pub mod toy2d;
pub mod xor_clusters;

pub use labelled::Labelled;
