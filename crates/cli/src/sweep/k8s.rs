//! A Kubernetes Indexed Job for a sweep: one pod per manifest line (`JOB_COMPLETION_INDEX`),
//! each running `overfit run --manifest` from the project's image against a volume that holds
//! the sweep directory, with the memory and time the cost model gives the longest run.

use std::path::Path;

use super::{manifest_of, read_manifest, task_id_short};

/// The Job's file name in the sweep directory.
pub const JOB_FILE: &str = "sweep-job.yaml";

/// How the Job is written.
pub struct K8sOptions {
    /// The image with `overfit` on its PATH (built from the repository's Dockerfile).
    pub image: String,
    /// The PersistentVolumeClaim holding the sweep directory (its manifest and its results).
    pub claim: String,
    /// Where the claim is mounted in each pod.
    pub mount: String,
    /// Pods at once.
    pub parallelism: usize,
    /// Retries of one index before it counts as failed.
    pub retries: usize,
}

/// A YAML scalar, double-quoted (JSON's quoting is YAML's).
fn q(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}

/// Writes `DIR/sweep-job.yaml`; returns its path and the number of indices.
pub fn k8s_job(dir: &Path, options: &K8sOptions) -> Result<(std::path::PathBuf, usize), String> {
    let tasks = read_manifest(&manifest_of(dir))?;
    if tasks.is_empty() {
        return Err("the manifest is empty".into());
    }
    let peak = tasks.iter().map(|t| t.cost.peak_bytes).fold(0.0, f64::max);
    let seconds = tasks.iter().map(|t| t.cost.cpu_seconds).fold(0.0, f64::max);
    let memory = super::slurm::memory_mb(peak);
    let deadline = super::slurm::task_seconds(seconds).ceil() as u64;
    let mount = options.mount.trim_end_matches('/');
    let name = format!("overfit-sweep-{}", task_id_short(&tasks));
    let job = format!(
        "# {count} runs of {manifest} (written by `overfit sweep k8s`). Each pod runs the\n\
         # manifest line JOB_COMPLETION_INDEX into {mount}/<id>/ on the claim {claim}; a finished\n\
         # id is skipped, so applying the Job again runs only what is not finished.\n\
         apiVersion: batch/v1\n\
         kind: Job\n\
         metadata:\n  \
           name: {name}\n  \
           labels:\n    \
             app.kubernetes.io/name: overfit-sweep\n\
         spec:\n  \
           completionMode: Indexed\n  \
           completions: {count}\n  \
           parallelism: {parallelism}\n  \
           backoffLimitPerIndex: {retries}\n  \
           maxFailedIndexes: {count}\n  \
           template:\n    \
             metadata:\n      \
               labels:\n        \
                 app.kubernetes.io/name: overfit-sweep\n    \
             spec:\n      \
               restartPolicy: Never\n      \
               activeDeadlineSeconds: {deadline}\n      \
               containers:\n        \
                 - name: overfit\n          \
                   image: {image}\n          \
                   command: [\"overfit\", \"run\", \"--manifest\", {manifest_in_pod}, \"--out\", {mount_q}, \"--jobs\", \"1\"]\n          \
                   resources:\n            \
                     requests:\n              \
                       cpu: \"1\"\n              \
                       memory: {memory}Mi\n            \
                     limits:\n              \
                       memory: {memory}Mi\n          \
                   volumeMounts:\n            \
                     - name: sweep\n              \
                       mountPath: {mount_q}\n      \
               volumes:\n        \
                 - name: sweep\n          \
                   persistentVolumeClaim:\n            \
                     claimName: {claim_q}\n",
        count = tasks.len(),
        manifest = manifest_of(dir).display(),
        claim = options.claim,
        parallelism = options.parallelism.max(1),
        retries = options.retries,
        image = q(&options.image),
        manifest_in_pod = q(&format!("{mount}/{}", super::MANIFEST)),
        mount_q = q(mount),
        claim_q = q(&options.claim),
    );
    let path = dir.join(JOB_FILE);
    crate::output::OutDir::prepare(dir, &[JOB_FILE])?.write(JOB_FILE, job.as_bytes())?;
    Ok((path, tasks.len()))
}
