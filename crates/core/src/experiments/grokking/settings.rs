//! Settings only some runs read, a struct per group (the spec holds them side by side, so a
//! link or a page that switches the model or the comparison keeps the preset's settings of
//! each; which knobs a spec uses follows from the groups its model and comparison read, see
//! [`super::GrokkingSpec::uses`]).

use serde::{Deserialize, Serialize};

use super::AttentionInit;

crate::fields! {
    /// The transformer's own shape (`model=transformer`; `d_model` is the MLP's embedding size
    /// too).
    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    pub struct Transformer {
        pub attention_init: AttentionInit,
        pub heads: usize,
        pub layers: usize,
    }
}

crate::fields! {
    /// Grokfast-EMA: the filter's decay and gain, and the weight decay it trains with.
    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    pub struct Ema {
        pub ema_alpha: f64,
        pub ema_lambda: f64,
        pub ema_weight_decay: f64,
    }
}

crate::fields! {
    /// Grokfast-MA: the filter's window and gain, and the weight decay it trains with.
    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    pub struct Ma {
        pub ma_window: usize,
        pub ma_lambda: f64,
        pub ma_weight_decay: f64,
    }
}

crate::fields! {
    /// `compare=fractions`: the training fractions swept.
    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    pub struct FractionGrid {
        pub fraction_min: f64,
        pub fraction_max: f64,
        pub fractions: usize,
    }
}
