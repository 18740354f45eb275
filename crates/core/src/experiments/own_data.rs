//! A reader's own CSV file: which specs train on one, and fitting a spec to the file picked.

use super::*;

/// Whether `spec` trains on the reader's own data (`dataset=local`), which a link cannot carry.
pub fn trains_on_own_data(spec: &AnySpec) -> bool {
    use ensemble::Dataset;
    match spec {
        AnySpec::Toy2d(s) => s.dataset == crate::data::toy2d::Source::Local,
        AnySpec::Dropout(s) => s.dataset == Dataset::Local,
        AnySpec::Augmentation(s) => s.dataset == Dataset::Local,
        AnySpec::DoubleDescent(s) => s.dataset == double_descent::Source::Local,
        AnySpec::Grokking(_) | AnySpec::BenignOverfitting(_) => false,
    }
}

/// Sets `spec` to train on the reader's own `table` (`dataset=local`), checked against what
/// the experiment takes ([`Info::own_data`]). Sizes the file cannot hold shrink to what it
/// can: `points` is the file's rows (toy2d); training sets fit beside the quarter of its
/// rows held out to test, with a fifth of the rest left to validate (augmentation); double
/// descent sweeps features (its mode that fits data) across the training rows.
pub fn use_own_data(
    spec: &mut AnySpec,
    table: &crate::data::table::Table,
) -> Result<(), SpecError> {
    let experiment = spec.experiment();
    let Some(limits) = experiment.info().own_data else {
        return Err(SpecError::Inconsistent(format!(
            "{} does not train on a data file",
            experiment.id()
        )));
    };
    limits
        .check(table, experiment.id())
        .map_err(SpecError::Inconsistent)?;
    // What a model of the ensemble experiments may train on: the file less its test quarter.
    let max_train = table.rows() - crate::data::table::test_rows(table.rows());
    match spec {
        AnySpec::Toy2d(s) => {
            s.dataset = crate::data::toy2d::Source::Local;
            s.points = table.rows();
        }
        AnySpec::Dropout(s) => {
            s.dataset = ensemble::Dataset::Local;
            s.n_train = s.n_train.min(max_train);
        }
        AnySpec::Augmentation(s) => {
            s.dataset = ensemble::Dataset::Local;
            if !matches!(s.kind, Kind::All | Kind::Noise) {
                s.kind = Kind::Noise;
            }
            let cap = max_train * 4 / 5;
            if s.n_large > cap {
                let scale = |n: usize| (n as f64 * cap as f64 / s.n_large as f64).round() as usize;
                let medium = scale(s.n_medium).clamp(11, cap - 1);
                s.n_small = scale(s.n_small).clamp(10, medium - 1);
                s.n_medium = medium;
                s.n_large = cap;
            }
        }
        AnySpec::DoubleDescent(s) => {
            // The feature sweep, its test set a quarter of the file, its threshold n the rest
            // (or less).
            s.mode = double_descent::Mode::Features;
            s.dataset = double_descent::Source::Local;
            s.n_test = crate::data::table::test_rows(table.rows());
            s.n_train = s.n_train.min(max_train);
        }
        AnySpec::Grokking(_) | AnySpec::BenignOverfitting(_) => {
            return Err(SpecError::Inconsistent(format!(
                "{} cannot take a data file yet",
                experiment.id()
            )));
        }
    }
    spec.validate()
}
