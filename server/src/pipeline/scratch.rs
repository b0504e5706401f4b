//! Workers' scratch folders: `{data_dir}/scratch/{job_id}.{claim}/`, one per run, named after
//! the claim that made it (`claim`: 12 hex digits of the SHA-256 of the claim's `lease_owner`),
//! so whether a folder is still in use is a question the jobs table answers: it is, exactly
//! while its job is running under a lease that has not run out and that this claim holds. A
//! worker killed mid-step leaves its folder behind; [`orphaned`] finds it (the start-up sweep
//! and `hidden-hill orphans` both ask it) and the next claim of the same job removes it too.
//! `uploads/` held uploads being received (they now stream straight into the object store);
//! what an older version left there is removed by age only.

use app::{backend::state::AppState, jobs::store};
use sha2::{Digest, Sha256};
use std::{
    path::{Path, PathBuf},
    time::Duration,
};

/// Where scratch folders live for this configuration.
pub fn root(config: &app::backend::config::Config) -> PathBuf {
    config.data_dir.join("scratch")
}

/// Where older versions kept uploads being received (`api::upload` now streams them to the store).
pub const UPLOADS: &str = "uploads";

/// An upload file untouched this long belongs to a request that died with its process.
const UPLOAD_MAX_AGE: Duration = Duration::from_secs(24 * 3600);

fn claim_tag(lease_owner: &str) -> String {
    Sha256::digest(lease_owner.as_bytes())[..6].iter().map(|b| format!("{b:02x}")).collect()
}

/// The run folder of `job_id` under the claim `lease_owner`.
pub fn run_folder(root: &Path, job_id: &str, lease_owner: &str) -> PathBuf {
    root.join(format!("{job_id}.{}", claim_tag(lease_owner)))
}

/// Removes the folders of `job_id`'s runs whose claim no longer holds it: a worker that claims
/// the job cleans up after the run that was killed before it. Errors are logged.
pub async fn remove_earlier_runs(state: &AppState, root: &Path, job_id: &str) {
    match orphaned_of(state, root, Some(job_id)).await {
        Ok(found) => found.iter().for_each(|path| remove(path)),
        Err(e) => tracing::warn!(job = %job_id, error = %e, "could not look for earlier runs' scratch folders"),
    }
}

/// Everything under `root` that no run is using: run folders whose claim no longer holds their
/// job (finished, deleted, re-claimed, or its lease ran out), anything else that is not a run
/// folder, and upload files untouched for a day. Sorted.
pub async fn orphaned(state: &AppState, root: &Path) -> anyhow::Result<Vec<PathBuf>> {
    orphaned_of(state, root, None).await
}

/// [`orphaned`], or only `job`'s run folders.
async fn orphaned_of(state: &AppState, root: &Path, job: Option<&str>) -> anyhow::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let entries = match std::fs::read_dir(root) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(found),
        Err(e) => return Err(e.into()),
    };
    for entry in entries {
        let entry = entry?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if job.is_some_and(|job| !name.starts_with(&format!("{job}."))) {
            continue;
        }
        if name == UPLOADS {
            for upload in std::fs::read_dir(&path)?.flatten() {
                let stale = upload
                    .metadata()
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| t.elapsed().ok())
                    .is_some_and(|age| age > UPLOAD_MAX_AGE);
                if stale {
                    found.push(upload.path());
                }
            }
            continue;
        }
        let in_use = match name.split_once('.') {
            Some((job_id, tag)) => store::live_lease_owner(state, job_id)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?
                .is_some_and(|owner| claim_tag(&owner) == tag),
            None => false,
        };
        if !in_use {
            found.push(path);
        }
    }
    found.sort();
    Ok(found)
}

/// Removes what [`orphaned`] finds; returns what it removed.
pub async fn sweep(state: &AppState, root: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let found = orphaned(state, root).await?;
    for path in &found {
        remove(path);
    }
    if !found.is_empty() {
        tracing::info!(count = found.len(), root = %root.display(), "removed scratch folders no run is using");
    }
    Ok(found)
}

fn remove(path: &Path) {
    let result = if path.is_dir() { std::fs::remove_dir_all(path) } else { std::fs::remove_file(path) };
    if let Err(e) = result {
        if e.kind() != std::io::ErrorKind::NotFound {
            tracing::warn!(path = %path.display(), error = %e, "could not remove a scratch folder");
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn run_folders_are_named_by_job_and_claim() {
        let root = std::path::Path::new("/data/scratch");
        let a = super::run_folder(root, "0190a1b2-0000-7000-8000-000000000001", "host-1-abc/0a1b2c");
        let b = super::run_folder(root, "0190a1b2-0000-7000-8000-000000000001", "host-1-abc/ffffff");
        assert_ne!(a, b, "each claim has its own folder");
        let name = a.file_name().unwrap().to_str().unwrap();
        assert!(name.starts_with("0190a1b2-0000-7000-8000-000000000001.") && name.len() == 36 + 1 + 12, "{name}");
    }
}
