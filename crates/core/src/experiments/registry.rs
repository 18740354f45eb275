//! The registry: every experiment Overfit Lab ships, one line each (its name and its spec
//! type, which implements [`Declaration`]). The lines make [`Experiment`] and [`AnySpec`]; all
//! that differs between experiments is read through the declaration, so adding one is its
//! module and a line here.

use serde::Serialize;
use serde_json::{Map, Value};

use super::{Comparison, Declaration, Info};
use crate::report::Report;
use crate::spec::{Knob, Preset};
use crate::terms::Metric;

macro_rules! registry {
    ($($(#[$doc:meta])* $name:ident($spec:ty),)+) => {
        /// Every experiment Overfit Lab ships, in the order the CLI and the home page list
        /// them.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Experiment {
            $($(#[$doc])* $name,)+
        }

        /// A spec of any registered experiment: serialised as its own flat object (the keys
        /// of its knobs).
        #[derive(Clone, Debug, PartialEq, Serialize)]
        #[serde(untagged)]
        pub enum AnySpec {
            $($name($spec),)+
        }

        impl Experiment {
            pub const ALL: &'static [Experiment] = &[$(Experiment::$name,)+];

            pub fn info(self) -> &'static Info {
                match self {
                    $(Experiment::$name => <$spec as Declaration>::info(),)+
                }
            }

            pub fn knobs(self) -> &'static [Knob] {
                match self {
                    $(Experiment::$name => <$spec as Declaration>::knobs(),)+
                }
            }

            /// The words of the keys only this experiment reports.
            pub fn words(self) -> &'static [Metric] {
                match self {
                    $(Experiment::$name => <$spec as Declaration>::words(),)+
                }
            }

            /// How the parts of this experiment's run labels read as words.
            pub fn run_words(self) -> &'static [(&'static str, &'static str)] {
                match self {
                    $(Experiment::$name => <$spec as Declaration>::run_words(),)+
                }
            }

            pub fn preset(self, preset: Preset) -> AnySpec {
                match self {
                    $(Experiment::$name => AnySpec::$name(<$spec as Declaration>::preset(preset)),)+
                }
            }

            /// The paper's numbers to show beside the user's, where the experiment has them.
            pub fn comparison(self) -> Option<&'static Comparison> {
                match self {
                    $(Experiment::$name => <$spec as Declaration>::comparison(),)+
                }
            }

            /// Adds what a report's runs say together, once every run is in it (see
            /// [`Declaration::add_joint_runs`]).
            pub fn add_joint_runs(self, report: &mut Report) {
                match self {
                    $(Experiment::$name => <$spec as Declaration>::add_joint_runs(report),)+
                }
            }

            /// What a finished report says beyond each run's verdict (see
            /// [`Declaration::notes`]).
            pub fn notes(self, report: &Report) -> Vec<String> {
                match self {
                    $(Experiment::$name => <$spec as Declaration>::notes(report),)+
                }
            }

            /// The spec whose fields are `map`'s (every knob present, as
            /// [`AnySpec::to_json`] writes them).
            pub(crate) fn spec_from_json(
                self,
                map: Map<String, Value>,
            ) -> Result<AnySpec, serde_json::Error> {
                let value = Value::Object(map);
                Ok(match self {
                    $(Experiment::$name => AnySpec::$name(serde_json::from_value(value)?),)+
                })
            }
        }

        impl AnySpec {
            pub fn experiment(&self) -> Experiment {
                match self {
                    $(AnySpec::$name(_) => Experiment::$name,)+
                }
            }

            /// The spec's own declaration.
            pub fn declared(&self) -> &dyn Declaration {
                match self {
                    $(AnySpec::$name(s) => s,)+
                }
            }

            pub(crate) fn declared_mut(&mut self) -> &mut dyn Declaration {
                match self {
                    $(AnySpec::$name(s) => s,)+
                }
            }
        }
    };
}

registry! {
    /// Grokking, and Grokfast's speed-up of it (Power et al.; Lee et al.).
    Grokking(super::grokking::GrokkingSpec),
    /// Double descent of test error in model size and samples (Belkin et al.; Nakkiran et al.).
    DoubleDescent(super::double_descent::DoubleDescentSpec),
    /// Benign overfitting of noisy labels (Bartlett et al.; Xu et al.).
    BenignOverfitting(super::benign::BenignSpec),
    /// Dropout against overfitting (Hinton et al.; Srivastava et al.).
    Dropout(super::dropout::DropoutSpec),
    /// Data augmentation against overfitting (Simard, Steinkraus & Platt).
    Augmentation(super::augmentation::AugmentationSpec),
    /// A small network on a 2-D data set, its decision surface drawn live (TensorFlow
    /// Playground).
    Toy2d(super::toy2d::Toy2dSpec),
    /// Training in random subspaces of a network's parameters (Li, Farkhoor, Liu & Yosinski).
    IntrinsicDimension(super::intrinsic_dimension::IntrinsicDimensionSpec),
    /// Grokking with corrupted training answers: coexistence, inversion, forgetting (Doshi,
    /// Das, He & Gromov).
    CorruptedLabels(super::corrupted_labels::CorruptedLabelsSpec),
    /// Grokking on images: a large start, weight decay and the weight norm (Liu, Michaud &
    /// Tegmark, Omnigrok).
    GrokkingImages(super::grokking_images::GrokkingImagesSpec),
    /// Grokking stopped by the softmax rounding to one-hot, and its fixes (Prieto, Barsbey,
    /// Mediano & Birdal).
    SoftmaxCollapse(super::softmax_collapse::SoftmaxCollapseSpec),
    /// Grokking as the transition from lazy to rich training (Kumar, Bordelon, Gershman &
    /// Pehlevan).
    LazyToRich(super::lazy_rich::LazyRichSpec),
    /// Forgetting of a first task after a second, by similarity and overparameterisation
    /// (Goldfarb, Evron, Weinberger, Soudry & Hand).
    Forgetting(super::forgetting::ForgettingSpec),
    /// Sparse subnetworks that train as well as the whole, by iterative magnitude pruning
    /// (Frankle & Carbin; Frankle, Dziugaite, Roy & Carbin).
    LotteryTickets(super::lottery::LotterySpec),
    /// Test loss as a power law of model and data size: a solvable model, and MLPs trained
    /// against compute (Maloney, Roberts & Sully; Kaplan et al.; Hoffmann et al.).
    ScalingLaws(super::scaling_laws::ScalingLawsSpec),
}
