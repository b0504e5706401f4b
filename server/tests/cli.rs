//! The operator's commands, run as the real binary: `migrate`, `create-admin` and `render`.

#[macro_use]
mod common;

use common::{Engine, TestApp, PASSWORD};
use reqwest::StatusCode;
use std::{
    io::Write,
    process::{Command, Stdio},
};

fn hidden_hill(database_url: &str, args: &[&str], stdin: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hidden-hill"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn migrate_creates_the_sqlite_file_and_its_folder() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/nested/hh.db?mode=rwc", dir.path().display());
    let out = hidden_hill(&url, &["migrate"], "");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("up to date"));
    assert!(dir.path().join("nested/hh.db").exists());
    // Running it again is harmless.
    assert!(hidden_hill(&url, &["migrate"], "").status.success());
}

#[test]
fn a_bad_database_url_is_a_clear_error_not_a_panic() {
    let out = hidden_hill("mysql://nope", &["migrate"], "");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("DATABASE_URL") && !stderr.contains("panicked"), "{stderr}");
}

on_both_engines!(create_admin_makes_an_admin_who_can_log_in);

async fn create_admin_makes_an_admin_who_can_log_in(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    // An account that registered normally is promoted...
    app.register(&app.other_browser(), "chief@example.org").await;
    let url = app.database_url.clone();
    let out = tokio::task::spawn_blocking(move || {
        hidden_hill(&url, &["create-admin", "Chief@Example.org"], &format!("{PASSWORD}\n"))
    })
    .await
    .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("chief@example.org is an admin"));
    let response = app.login(&app.client, "chief@example.org", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK);
    let user: serde_json::Value = response.json().await.unwrap();
    assert_eq!(user["role"], "admin");

    // ...and a weak password is refused with the reason, creating nothing.
    let url = app.database_url.clone();
    let out =
        tokio::task::spawn_blocking(move || hidden_hill(&url, &["create-admin", "second@example.org"], "short\n"))
            .await
            .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 10 characters"));
    assert_eq!(app.login(&app.client, "second@example.org", "short").await.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[test]
fn render_makes_a_video_with_its_captions_and_thumbnail_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    let paper = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("paper/tests/fixtures/jats/elife_poa_abstract-only_e06828.xml");
    let out = dir.path().join("short.mp4");
    let run = hidden_hill("sqlite://unused.db", &["render", paper.to_str().unwrap(), "-o", out.to_str().unwrap()], "");
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    for file in ["short.mp4", "short.vtt", "short.srt", "short.jpg"] {
        let size = std::fs::metadata(dir.path().join(file)).map(|m| m.len()).unwrap_or(0);
        assert!(size > 0, "{file} was written");
    }
    assert!(String::from_utf8_lossy(&run.stdout).contains("short.mp4"));

    // Neither a file nor an identifier: said so, no panic, nothing written.
    let nonsense = dir.path().join("nothing.mp4");
    let run = hidden_hill("sqlite://unused.db", &["render", "not a paper", "-o", nonsense.to_str().unwrap()], "");
    assert!(!run.status.success());
    assert!(
        String::from_utf8_lossy(&run.stderr).contains("neither a file nor an identifier"),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(!nonsense.exists());
}
