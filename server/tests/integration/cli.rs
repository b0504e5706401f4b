//! The operator's commands, run as the real binary: `migrate`, `create-admin` and `render`
//! (the workers' pipeline in a work folder: every artifact kept, resumed from checkpoints,
//! an edited scene made again alone).

use crate::common;

use common::{Engine, TestApp, PASSWORD};
use reqwest::StatusCode;
use std::{
    collections::BTreeMap,
    io::Write,
    path::Path,
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

/// Every file under `dir`, by path relative to it, with its SHA-256: what changed between runs.
pub fn file_hashes(dir: &Path) -> BTreeMap<String, String> {
    use sha2::{Digest, Sha256};
    let mut files = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        for entry in std::fs::read_dir(&current).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let name = path.strip_prefix(dir).unwrap().to_string_lossy().replace('\\', "/");
                let hash = Sha256::digest(std::fs::read(&path).unwrap()).iter().map(|b| format!("{b:02x}")).collect();
                files.insert(name, hash);
            }
        }
    }
    files
}

fn render(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let out = Command::new(env!("CARGO_BIN_EXE_hidden-hill"))
        .arg("render")
        .args(args)
        .env("RUST_LOG", "warn")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .expect("the binary runs");
    assert!(
        out.status.success(),
        "render {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn probe(path: &Path, args: &[&str]) -> String {
    let out = Command::new("ffprobe").args(["-v", "error"]).args(args).arg(path).output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn changed(before: &BTreeMap<String, String>, after: &BTreeMap<String, String>) -> Vec<String> {
    after.iter().filter(|(name, hash)| before.get(*name) != Some(hash)).map(|(name, _)| name.clone()).collect()
}

#[test]
fn render_keeps_every_artifact_resumes_and_remakes_only_an_edited_scene() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    let work_arg = work.to_str().unwrap();
    let paper = short_paper_path();
    let out = dir.path().join("short.mp4");
    let out_arg = out.to_str().unwrap();

    // First run: every step runs, one line each (stderr is not a terminal), every artifact kept.
    let first = render(&[paper.to_str().unwrap(), "--work-dir", work_arg, "-o", out_arg], &[]);
    let log = String::from_utf8_lossy(&first.stderr);
    for step in ["Read the paper", "Write the script", "Record the voice", "Make the visuals", "Add captions"] {
        assert!(log.lines().any(|l| l.starts_with('✓') && l.contains(step)), "{step} reported done: {log}");
    }
    let files = file_hashes(&work);
    for name in [
        "upload",
        "paper.json",
        "script.json",
        "audio/scene-01.wav",
        "audio/scene-01.json",
        "audio/timings.json",
        "clips/scene-01.mp4",
        "clips/scene-01.json",
        "clips/index.json",
        "captions.vtt",
        "captions.srt",
        "thumbnail.jpg",
        "final.mp4",
        "final.json",
    ] {
        assert!(files.contains_key(name), "{name} kept in the work folder: {:?}", files.keys());
    }
    for file in ["short.mp4", "short.vtt", "short.srt", "short.jpg"] {
        assert!(std::fs::metadata(dir.path().join(file)).map(|m| m.len()).unwrap_or(0) > 0, "{file} was written");
    }
    assert!(String::from_utf8_lossy(&first.stdout).contains("short.mp4"));
    // The format every platform takes.
    let stream = "stream=codec_name,profile,pix_fmt,width,height,r_frame_rate";
    let v = probe(&out, &["-select_streams", "v:0", "-show_entries", stream, "-of", "default=nw=1"]);
    for want in ["codec_name=h264", "profile=High", "pix_fmt=yuv420p", "width=1080", "height=1920", "r_frame_rate=30/1"]
    {
        assert!(v.contains(want), "{want} not in {v}");
    }
    let a = probe(
        &out,
        &["-select_streams", "a:0", "-show_entries", "stream=codec_name,sample_rate", "-of", "default=nw=1"],
    );
    assert!(a.contains("codec_name=aac") && a.contains("sample_rate=48000"), "{a}");
    let bytes = std::fs::read(&out).unwrap();
    let find = |tag: &[u8]| bytes.windows(4).position(|w| w == tag).unwrap();
    assert!(find(b"moov") < find(b"mdat"), "faststart: moov before mdat");
    assert!(std::fs::read_to_string(work.join("captions.vtt")).unwrap().starts_with("WEBVTT"));
    // The craft rules of ../shared/QUALITY.md on the real render: format, loudness, and the
    // longest still stretch above the captions.
    video_check(&out);

    // Second run on the same folder, paper left out: nothing is made again.
    let second = render(&["--work-dir", work_arg, "-o", out_arg, "--quiet"], &[]);
    let log = String::from_utf8_lossy(&second.stderr);
    assert_eq!(log.lines().filter(|l| l.contains("already done")).count(), 5, "{log}");
    assert_eq!(changed(&files, &file_hashes(&work)), Vec::<String>::new(), "nothing redone");

    // Edit one scene's narration by hand: only that scene's voice and clip, and the final, are made again.
    let mut script: serde_json::Value =
        serde_json::from_slice(&std::fs::read(work.join("script.json")).unwrap()).unwrap();
    let scenes = script["scenes"].as_array().unwrap().len();
    assert!(scenes >= 3, "{script}");
    script["scenes"][1]["narration"] = "Here the narration was edited by hand for a new take.".into();
    std::fs::write(work.join("script.json"), serde_json::to_vec_pretty(&script).unwrap()).unwrap();
    let before = file_hashes(&work);
    let third = render(&["--work-dir", work_arg, "-o", out_arg], &[]);
    let log = String::from_utf8_lossy(&third.stderr);
    assert!(log.contains("Write the script: already done"), "the edited script is kept: {log}");
    let mut remade = changed(&before, &file_hashes(&work));
    remade.retain(|name| name.starts_with("audio/scene-") || name.starts_with("clips/scene-"));
    assert_eq!(
        remade,
        vec!["audio/scene-02.json", "audio/scene-02.wav", "clips/scene-02.json", "clips/scene-02.mp4"],
        "exactly the edited scene was voiced and drawn again"
    );
    let after = file_hashes(&work);
    assert_ne!(before["final.mp4"], after["final.mp4"], "a new final video");
    let vtt = std::fs::read_to_string(work.join("captions.vtt")).unwrap();
    assert!(vtt.contains("edited") && vtt.contains("take"), "the captions carry the edit: {vtt}");

    // Another paper in the same folder is refused, not mixed in.
    let other = Command::new(env!("CARGO_BIN_EXE_hidden-hill"))
        .args(["render", "PMC7096066", "--work-dir", work_arg, "-o", out_arg])
        .output()
        .unwrap();
    assert!(!other.status.success());
    assert!(String::from_utf8_lossy(&other.stderr).contains("already holds the work for"));
}

#[test]
fn render_refuses_what_is_neither_a_file_nor_an_identifier() {
    let dir = tempfile::tempdir().unwrap();
    let nonsense = dir.path().join("nothing.mp4");
    let run = Command::new(env!("CARGO_BIN_EXE_hidden-hill"))
        .args(["render", "not a paper", "-o", nonsense.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!run.status.success());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("neither a file nor an identifier") && !stderr.contains("panicked"), "{stderr}");
    assert!(!nonsense.exists());
}

/// Runs `../shared/tools/video-check` on `mp4` and fails with its report when a rule fails;
/// skipped (with a note) where the shared tools are not beside the repository.
pub fn video_check(mp4: &Path) {
    let tool = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/tools/video-check");
    if !tool.is_file() {
        eprintln!("video-check not found at {}: skipped", tool.display());
        return;
    }
    let run = Command::new("python3").arg(&tool).arg(mp4).output().expect("video-check runs");
    let report = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "video-check failed on {}:\n{report}{}",
        mp4.display(),
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(report.lines().any(|l| l.starts_with("PASS") && l.contains("longest still")), "{report}");
}

fn short_paper_path() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("paper/tests/fixtures/jats/elife_poa_abstract-only_e06828.xml")
}
