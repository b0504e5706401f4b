//! Instance settings the application keeps in the database itself.

use super::{db::Db, random_hex};

/// The access code needed to register: the configured one, or else one generated on first
/// start and kept in the database so it stays the same across restarts.
pub async fn access_code(db: &Db, configured: Option<&str>) -> Result<String, sqlx::Error> {
    if let Some(code) = configured {
        return Ok(code.to_owned());
    }
    let generated = format!("hh-{}", &random_hex(6));
    // Insert-if-absent then read back: two processes starting at once agree on one code.
    sqlx::query("INSERT INTO settings (key, value) VALUES ('access_code', $1) ON CONFLICT (key) DO NOTHING")
        .bind(&generated)
        .execute(db.pool())
        .await?;
    sqlx::query_scalar("SELECT value FROM settings WHERE key = 'access_code'").fetch_one(db.pool()).await
}
