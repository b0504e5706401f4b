//! Administration from the command line.

use app::{
    accounts::{check_new_password, normalize_email, password, store, User},
    backend::db::Db,
};

/// Creates `email` as an admin, or promotes it and sets this password.
pub async fn ensure_admin(db: &Db, email: &str, password_text: &str) -> anyhow::Result<User> {
    let email = normalize_email(email).map_err(|e| anyhow::anyhow!("{e}"))?;
    check_new_password(password_text, &email).map_err(|e| anyhow::anyhow!("{e}"))?;
    let hash =
        password::PasswordChecks::default().hash(password_text.to_owned()).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    store::upsert_admin(db, &email, &hash).await.map_err(|e| anyhow::anyhow!("{e}"))
}

/// Job folders in the object store that no job row owns (a delete that failed half-way, or a
/// worker that wrote after its job was deleted). Removes them when `delete` is set.
pub async fn orphans(state: &app::backend::state::AppState, delete: bool) -> anyhow::Result<Vec<String>> {
    let ids = state.media.job_ids().await?;
    let orphans = app::jobs::store::missing(&state.db, &ids).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    if delete {
        for id in &orphans {
            state.media.delete_prefix(&app::storage::Key::job_prefix(id)?).await?;
        }
    }
    Ok(orphans)
}

/// Scratch folders under the data folder that no running job's worker is using (a worker killed
/// mid-step leaves its run folder behind); the same rule every process sweeps by at start-up
/// ([`crate::pipeline::scratch::orphaned`]). Removes them when `delete` is set.
pub async fn scratch_orphans(
    state: &app::backend::state::AppState,
    delete: bool,
) -> anyhow::Result<Vec<std::path::PathBuf>> {
    let root = crate::pipeline::scratch::root(&state.config);
    if delete {
        crate::pipeline::scratch::sweep(state, &root).await
    } else {
        crate::pipeline::scratch::orphaned(state, &root).await
    }
}
