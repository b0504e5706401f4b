//! The offline script writer on every shared fixture paper, measured by `script-check`
//! (`../shared/tools/script-check`, skipped when absent). Prints one table row per paper.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn shared() -> PathBuf {
    std::env::var_os("HH_SHARED_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("../shared/fixtures/papers"))
}

fn tool() -> Option<PathBuf> {
    let p = repo().join("../shared/tools/script-check");
    p.is_file().then_some(p)
}

/// Every fixture paper: the crate's own copy when there is one, else the shared collection.
fn fixtures() -> Vec<(String, PathBuf)> {
    let local = repo().join("server/paper/tests/fixtures");
    let mut out = Vec::new();
    for dir in ["jats", "pdf", "docx"] {
        let Ok(entries) = std::fs::read_dir(shared().join(dir)) else { continue };
        let mut names: Vec<String> = entries.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        for n in names {
            let rel = format!("{dir}/{n}");
            let own = local.join(&rel);
            out.push((rel.clone(), if own.is_file() { own } else { shared().join(&rel) }));
        }
    }
    out
}

#[test]
fn offline_scripts_on_fixture_papers() {
    let Some(tool) = tool() else {
        println!("SKIPPED: script-check is not available");
        return;
    };
    let fx = fixtures();
    if fx.is_empty() {
        println!("SKIPPED: no fixture papers");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    // HH_FIXTURE_OUT keeps the work folders for a look with script-check.
    let out_dir = std::env::var_os("HH_FIXTURE_OUT").map(PathBuf::from).unwrap_or_else(|| tmp.path().to_path_buf());
    let mut failures: Vec<String> = Vec::new();
    println!("| paper | mean words/sentence | max | hook words | script-check failures |");
    println!("|---|---|---|---|---|");
    for (name, path) in fx {
        let bytes = std::fs::read(&path).unwrap();
        let paper = match paper::read(&bytes) {
            Ok(x) => x.paper,
            Err(e) => {
                println!("| {name} | – | – | – | not read: {} |", e.kind);
                continue;
            }
        };
        let script = match video::write_offline(&paper) {
            Ok(s) => s,
            Err(e) => {
                println!("| {name} | – | – | – | no script: {} |", e.kind);
                continue;
            }
        };
        let dir = out_dir.join(name.replace('/', "_"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("paper.json"), serde_json::to_string_pretty(&paper).unwrap()).unwrap();
        std::fs::write(dir.join("script.json"), serde_json::to_string_pretty(&script).unwrap()).unwrap();
        let voice_lang = if script.language == "en" { "en" } else { "any" };
        if std::env::var_os("HH_PRINT_SCRIPTS").is_some() {
            println!("\n## {name} [{}] {}", script.language, script.title);
            println!("hooks: {:?}", script.hooks);
            for s in &script.scenes {
                println!(
                    "- {:?} [{}] {} || on screen: {:?} key {:?}",
                    s.kind, s.label, s.narration, s.on_screen_text, s.key_number
                );
            }
            println!("post: {:?} {:?}\n", script.post_caption, script.hashtags);
        }
        let out = Command::new(&tool).arg(&dir).args(["--voice-lang", voice_lang, "--json"]).output().unwrap();
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let rule = |r: &str| report["results"].as_array().unwrap().iter().find(|x| x["rule"] == r).cloned().unwrap();
        let sent = rule("3 sentences")["value"].as_str().unwrap_or("").to_string();
        let mean = sent.split("mean ").nth(1).and_then(|x| x.split(' ').next()).unwrap_or("–").to_string();
        let max = sent.split("max ").nth(1).unwrap_or("–").to_string();
        let hook_words = script.hook.split_whitespace().count();
        let failed: Vec<String> =
            report["failed"].as_array().unwrap().iter().map(|f| f.as_str().unwrap().to_string()).collect();
        println!(
            "| {name} | {mean} | {max} | {hook_words} | {} |",
            if failed.is_empty() { "none".into() } else { failed.join(", ") }
        );
        // Every paper the quality gate lets through must pass (the lorem-ipsum template does not
        // get this far: `paper::read` refuses it).
        if !failed.is_empty() {
            failures.push(format!("{name}: {failed:?}"));
        }
        // The language rules: the narration is in the paper's language, with its labels and voice.
        if name.contains("ukrainian") {
            assert_eq!(script.language, "uk");
            assert_eq!(script.scenes[0].label, "Нове дослідження");
            assert!(script.voice_note.as_deref().is_some_and(|n| n.contains("uk")), "{:?}", script.voice_note);
            assert!(script.scenes.last().unwrap().narration.contains("Повна стаття"));
        }
        if script.language == "en" {
            assert!(script.voice_note.is_none());
        }
        assert!(!script.title.trim().is_empty() && !script.scenes.last().unwrap().on_screen_text.trim().is_empty());
        // No two scenes rest on one sentence or show the same number; no glossary, funding or
        // ethics statement is narrated; cards are whole phrases; the title card is short.
        assert_eq!(video::script::repeated_scenes(&script), Vec::<String>::new(), "{name}");
        for s in &script.scenes {
            assert!(!s.source_sentences.iter().any(|x| video::text::is_housekeeping(x)), "{name}: {s:?}");
            // A figure or table is never named in the narration (a Figure scene shows it instead).
            let words: Vec<&str> = s.narration.split_whitespace().collect();
            assert!(!words.iter().any(|w| ["Fig.", "Figs.", "Fig", "Table"].contains(w)), "{name}: {}", s.narration);
            if !matches!(s.kind, video::SceneKind::Title | video::SceneKind::Credits) {
                let t = &s.on_screen_text;
                assert!(!t.is_empty() && t.split_whitespace().count() <= 10, "{name}: {t:?}");
                assert!(!video::text::ends_dangling(t), "{name}: {t:?}");
                assert!(video::script::copy_share(t, &s.narration) < 0.6, "{name}: {t:?}");
            }
        }
        assert!(script.short_title.split_whitespace().count() <= 12, "{name}: {}", script.short_title);
    }
    assert!(failures.is_empty(), "script-check failures: {failures:#?}");
}
