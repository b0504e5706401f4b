//! Instance settings the application keeps in the database itself.

use super::{
    config::{Config, ExposeSecret},
    db::Db,
    random_hex,
};

/// The access code needed to register: `HH_ACCESS_CODE` when `config` has it, or else one
/// generated on first start and kept in the database so it stays the same across restarts (and
/// the same in every process; an admin may replace it with [`new_access_code`]).
pub async fn access_code(db: &Db, config: &Config) -> Result<String, sqlx::Error> {
    if let Some(code) = &config.access_code {
        return Ok(code.expose_secret().to_owned());
    }
    kept(db, "access_code", &format!("hh-{}", &random_hex(6))).await
}

/// Replaces the generated access code with a new one (the admin's "New access code"); codes
/// given before stop working at once, in every process (registration reads the code from here).
pub async fn new_access_code(db: &Db) -> Result<String, sqlx::Error> {
    let code = format!("hh-{}", &random_hex(6));
    sqlx::query(
        "INSERT INTO settings (key, value) VALUES ('access_code', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(&code)
    .execute(db.pool())
    .await?;
    Ok(code)
}

/// The key that signs what the server hands to a page through its URL (see
/// `security::sign`): made on first start and kept, so every process and restart agrees.
pub async fn signing_key(db: &Db) -> Result<String, sqlx::Error> {
    kept(db, "signing_key", &random_hex(32)).await
}

/// The value kept under `key`, storing `generated` first if there is none.
async fn kept(db: &Db, key: &str, generated: &str) -> Result<String, sqlx::Error> {
    // Insert-if-absent then read back: two processes starting at once agree on one value.
    sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
        .bind(key)
        .bind(generated)
        .execute(db.pool())
        .await?;
    sqlx::query_scalar("SELECT value FROM settings WHERE key = $1").bind(key).fetch_one(db.pool()).await
}
