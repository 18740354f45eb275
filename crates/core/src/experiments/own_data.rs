//! A reader's own CSV file: which specs train on one, and fitting a spec to the file picked
//! (what each experiment does with a file is its
//! [`Declaration::fit_to`](super::Declaration::fit_to)).

use super::AnySpec;
use crate::spec::SpecError;

/// Whether `spec` trains on the reader's own data (`dataset=local`), which a link cannot carry.
pub fn trains_on_own_data(spec: &AnySpec) -> bool {
    spec.declared().on_own_data()
}

/// Sets `spec` to train on the reader's own `table` (`dataset=local`), checked against what
/// the experiment takes ([`super::Info::own_data`]). Sizes the file cannot hold shrink to what it
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
    spec.declared_mut().fit_to(table)?;
    spec.validate()
}
