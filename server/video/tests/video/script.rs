use paper::Paper;
use video::{numbers_not_in_paper, write_offline, SceneKind};

fn load(name: &str) -> Paper {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn no_markup(s: &str) {
    for bad in ["[", "]", "(", ")", "http", "www.", "**", "`", "#", "Fig.", "Figure 1", "Figure 2", "Table", " et al"] {
        assert!(!s.contains(bad), "{bad:?} in narration {s:?}");
    }
}

#[test]
fn full_paper_script() {
    let paper = load("pone.0046493/paper.json");
    let script = write_offline(&paper).unwrap();
    println!("{}", serde_json::to_string_pretty(&script).unwrap());
    let content: Vec<_> = script.scenes.iter().filter(|s| s.kind != SceneKind::Credits).collect();
    assert!((4..=8).contains(&content.len()), "{} scenes", content.len());
    let credits = script.scenes.last().unwrap();
    assert_eq!(credits.kind, SceneKind::Credits);
    for needle in ["Vincent Delorme et al.", "PLoS ONE", "2012", "10.1371/journal.pone.0046493"] {
        assert!(credits.on_screen_text.contains(needle), "{needle} missing from credits {:?}", credits.on_screen_text);
    }
    assert_eq!(script.scenes[0].kind, SceneKind::Title);
    for s in &script.scenes {
        no_markup(&s.narration);
        if s.kind != SceneKind::Credits {
            assert!(!s.source_sentences.is_empty() || s.kind == SceneKind::Title, "scene without sources: {s:?}");
        }
        for src in &s.source_sentences {
            assert!(paper.all_text().any(|t| t.contains(src.as_str())), "source sentence not verbatim: {src}");
        }
    }
    let words: usize = script.scenes.iter().map(|s| s.narration.split_whitespace().count()).sum();
    assert!((75..=200).contains(&words), "{words} words");
    assert!(numbers_not_in_paper(&script, &paper).is_empty(), "{:?}", numbers_not_in_paper(&script, &paper));
    let figures = script.scenes.iter().filter(|s| s.kind == SceneKind::Figure).count();
    assert!((1..=2).contains(&figures));
    assert!(script.scenes.iter().any(|s| s.kind == SceneKind::Number && s.key_number.is_some()));
    assert!(!script.hashtags.is_empty() && script.hashtags.iter().all(|h| h.starts_with('#')));
    assert!(script.post_caption.contains("10.1371/journal.pone.0046493"));
}

#[test]
fn invented_number_is_caught() {
    let paper = load("pone.0046493/paper.json");
    let mut script = write_offline(&paper).unwrap();
    script.scenes[1].narration.push_str(" It cut growth by 73.5% in 4,321 patients.");
    let bad = numbers_not_in_paper(&script, &paper);
    assert!(bad.contains(&"73.5".to_string()) && bad.contains(&"4321".to_string()), "{bad:?}");
    // A number that is in the paper, written differently, is not flagged.
    script.scenes[1].narration = "It held 8.8 million and 1.50 million, or 25 %.".into();
    assert!(numbers_not_in_paper(&script, &paper).is_empty(), "{:?}", numbers_not_in_paper(&script, &paper));
}

#[test]
fn abstract_only_paper_gives_a_script() {
    let paper = load("abstract-only.json");
    let script = write_offline(&paper).unwrap();
    println!("{}", serde_json::to_string_pretty(&script).unwrap());
    let content = script.scenes.iter().filter(|s| s.kind != SceneKind::Credits).count();
    assert!((4..=8).contains(&content), "{content}");
    assert!(script.scenes.last().unwrap().on_screen_text.contains("Michael S Fleming et al."));
    assert!(script.scenes.last().unwrap().on_screen_text.contains("eLife"));
    for s in &script.scenes {
        no_markup(&s.narration);
    }
    assert!(numbers_not_in_paper(&script, &paper).is_empty());
}

#[test]
fn too_little_text_is_a_permanent_error() {
    let paper = Paper {
        title: "Tiny".into(),
        abstract_paragraphs: vec!["We did a thing and it worked well.".into()],
        ..Default::default()
    };
    let err = write_offline(&paper).unwrap_err();
    assert_eq!(err.kind, "too-little-text");
    assert!(!err.transient);
    let empty = Paper { title: "Empty".into(), ..Default::default() };
    assert_eq!(write_offline(&empty).unwrap_err().kind, "too-little-text");
}
