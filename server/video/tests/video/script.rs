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

// ---- the story, rule by rule ----

use std::collections::HashMap;
use video::script::{
    choose_language, hook_from, hook_problem, key_number, title_card, write_offline_with, LanguageChoice, Script,
    ScriptLength, ScriptOptions,
};
use video::text::{drop_statistics, drop_subordinate_clauses, split_long};

#[test]
fn statistics_detail_is_dropped() {
    assert_eq!(drop_statistics("Mortality fell by 8%, 95% CI 5.1–11.2, p < 0.001."), "Mortality fell by 8%.");
    assert_eq!(drop_statistics("Smokers had higher odds, OR = 1.52."), "Smokers had higher odds.");
    assert_eq!(drop_statistics("Reaction time was 337.3 ± 9.31 ms."), "Reaction time was 337.3 ms.");
}

#[test]
fn side_clauses_are_cut() {
    assert_eq!(
        drop_subordinate_clauses("Although the sample was small, screening reduced late-stage cancers by 8%."),
        "Screening reduced late-stage cancers by 8%."
    );
    assert_eq!(
        drop_subordinate_clauses("The drug, which was given daily, lowered blood pressure in most patients."),
        "The drug lowered blood pressure in most patients."
    );
    assert_eq!(
        drop_subordinate_clauses("Screening reduced late-stage cases by 8%, suggesting a benefit for older women."),
        "Screening reduced late-stage cases by 8%."
    );
    // Not when too little would remain.
    assert_eq!(drop_subordinate_clauses("While rare, it kills."), "While rare, it kills.");
}

#[test]
fn long_sentences_are_split_or_cut() {
    assert_eq!(
        split_long("Screening reduced late-stage cancers by 8% in women over fifty; however, the effect was smaller in younger women who were screened less often.", 20),
        vec!["Screening reduced late-stage cancers by 8% in women over fifty.", "But the effect was smaller in younger women who were screened less often."]
    );
    assert_eq!(
        split_long("The new test found tumours earlier than the old one in most women we followed, including those with dense breasts, small tumours, a family history of cancer and earlier benign lumps.", 20),
        vec!["The new test found tumours earlier than the old one in most women we followed, including those with dense breasts."]
    );
    // A cut never leaves a subordinate clause open.
    assert_eq!(
        split_long("Hotspots are favoured, because lacking sequence specificity they escape erosion by gene conversion over many generations of selection, drift and recombination.", 12),
        Vec::<String>::new()
    );
}

#[test]
fn hooks_follow_the_rules() {
    assert_eq!(hook_problem("However, screening works in older women."), Some("starts with \"however\"".into()));
    assert_eq!(hook_problem("This reduced deaths by a third in five years."), Some("starts with \"this\"".into()));
    assert_eq!(
        hook_problem("Figure 2 shows fewer deaths among screened women."),
        Some("names a figure or table".into())
    );
    assert_eq!(hook_problem("Screening cut late-stage cancers by 8%."), None);
    assert!(hook_problem(
        "One two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen."
    )
    .is_some());
    let none = HashMap::new();
    assert_eq!(
        hook_from(
            "Here, we show that screening for breast cancer reduced advanced-stage cases by 8% [12].",
            true,
            &none
        )
        .as_deref(),
        Some("Screening for breast cancer reduced advanced-stage cases by 8%.")
    );
    assert_eq!(
        hook_from("Alternatively, this figure represents an 8% reduction in the advanced stage cases of all 10 studied cancers.", true, &none),
        None,
        "a dangling opener that cannot be fixed gives no hook"
    );
    let mut abbr = HashMap::new();
    abbr.insert("BMI".to_string(), "body mass index".to_string());
    assert_eq!(
        hook_from("Our results suggest that a higher BMI (p < 0.01) doubled the risk.", true, &abbr).as_deref(),
        Some("A higher body mass index doubled the risk.")
    );
}

#[test]
fn the_key_number_is_a_result() {
    assert_eq!(
        key_number("This represents an 8% reduction in the advanced stage cases of all 10 studied cancers.").as_deref(),
        Some("8%")
    );
    assert_eq!(key_number("4 of the 10 cancers were screened in 2012."), None);
    assert_eq!(key_number("We enrolled 1,204 patients from 12 hospitals."), Some("1,204".into()));
    assert_eq!(key_number("As listed in Table 3, 12 genes changed."), None);
    assert_eq!(key_number("Binding fell 8-fold after the mutation."), Some("8-fold".into()));
}

#[test]
fn long_titles_get_a_short_card() {
    assert_eq!(title_card("Salt and blood pressure"), "Salt and blood pressure");
    assert_eq!(
        title_card("Salt intake and blood pressure in older adults: a randomised trial of reduced-salt bread in fourteen care homes across three countries"),
        "Salt intake and blood pressure in older adults"
    );
    let card = title_card("MmPPOX Inhibits Mycobacterium tuberculosis Lipolytic Enzymes Belonging to the Hormone-Sensitive Lipase Family and Alters Mycobacterial Growth");
    assert_eq!(card, "MmPPOX Inhibits Mycobacterium tuberculosis Lipolytic Enzymes Belonging to the Hormone-Sensitive Lipase Family…");
    assert!(card.split_whitespace().count() <= 12);
}

fn lang_paper(language: &str, translations: Vec<paper::Translation>) -> Paper {
    Paper { title: "T".into(), language: Some(language.into()), translations, ..Default::default() }
}

#[test]
fn the_language_is_the_papers_with_a_voice_that_speaks_it() {
    let en = vec!["en".to_string()];
    assert_eq!(
        choose_language(&lang_paper("en", vec![]), &en),
        LanguageChoice { language: "en".into(), translation: None, basic_voice: false }
    );
    // Portuguese without a translation: Portuguese, read by the basic voice.
    assert_eq!(
        choose_language(&lang_paper("pt", vec![]), &en),
        LanguageChoice { language: "pt".into(), translation: None, basic_voice: true }
    );
    // With an English translation of 40+ words, the good voice reads the translation.
    let t = paper::Translation {
        language: "en".into(),
        title: "Salt and blood pressure".into(),
        abstract_paragraphs: vec!["word ".repeat(45)],
        sections: vec![],
    };
    let short = paper::Translation { abstract_paragraphs: vec!["Too short.".into()], ..t.clone() };
    assert_eq!(choose_language(&lang_paper("pt", vec![t]), &en).translation, Some(0));
    assert_eq!(choose_language(&lang_paper("pt", vec![short]), &en).translation, None);
    // A voice that speaks Portuguese reads the original.
    let pt = vec!["pt".to_string()];
    assert!(!choose_language(&lang_paper("pt", vec![]), &pt).basic_voice);
}

#[test]
fn the_post_text_has_each_hashtag_once_and_no_hashtag_line() {
    let paper = load("pone.0046493/paper.json");
    let script = write_offline(&paper).unwrap();
    assert!(!script.post_caption.contains('#'), "{}", script.post_caption);
    let lines: Vec<&str> = script.post_caption.lines().collect();
    assert!((1..=3).contains(&lines.len()), "{lines:?}");
    assert_eq!(lines[0], script.hook);
    assert!(lines[1].starts_with("Paper: “MmPPOX Inhibits Mycobacterium tuberculosis"), "{}", lines[1]);
    assert_eq!(lines[2], "https://doi.org/10.1371/journal.pone.0046493");
    assert!((3..=6).contains(&script.hashtags.len()), "{:?}", script.hashtags);
    let mut seen = std::collections::HashSet::new();
    assert!(script.hashtags.iter().all(|h| seen.insert(h.to_lowercase())), "{:?}", script.hashtags);
}

#[test]
fn the_story_has_its_roles_and_three_hooks() {
    let paper = load("pone.0046493/paper.json");
    let script = write_offline(&paper).unwrap();
    assert_eq!(script.hooks.len(), 3, "{:?}", script.hooks);
    assert_eq!(script.hooks[0], script.hook);
    assert_eq!(script.scenes[0].narration, script.hook);
    for h in &script.hooks {
        assert_eq!(hook_problem(h), None, "{h}");
    }
    let labels: Vec<&str> = script.scenes.iter().map(|s| s.label.as_str()).collect();
    for want in
        ["New research", "Why it matters", "What they did", "What they found", "What it means", "Read the paper"]
    {
        assert!(labels.contains(&want), "{want} missing from {labels:?}");
    }
    assert_eq!(labels.iter().filter(|l| **l == "What they did").count(), 1);
    let words: usize = script.scenes.iter().map(|s| s.narration.split_whitespace().count()).sum();
    assert!((110..=170).contains(&words), "{words} words");
    assert_eq!(script.language, "en");
    assert_eq!(script.voice_note, None);
}

#[test]
fn the_length_setting_changes_the_length() {
    let paper = load("pone.0046493/paper.json");
    let words = |s: &Script| s.scenes.iter().map(|s| s.narration.split_whitespace().count()).sum::<usize>();
    let short =
        write_offline_with(&paper, &ScriptOptions { length: ScriptLength::Short, ..Default::default() }).unwrap();
    let standard = write_offline(&paper).unwrap();
    let long = write_offline_with(&paper, &ScriptOptions { length: ScriptLength::Long, ..Default::default() }).unwrap();
    assert!((55..=85).contains(&words(&short)), "{}", words(&short));
    // This paper's spoken sentences run out before 170 words; the long script still says more.
    assert!(words(&long) > words(&standard) && words(&long) <= 240, "{} vs {}", words(&long), words(&standard));
    assert!(long.scenes.len() <= 10);
    assert_eq!(ScriptLength::from_seconds(30), ScriptLength::Short);
    assert_eq!(ScriptLength::default().seconds(), 60);
}

#[test]
fn old_script_files_still_load() {
    let old = r##"{"title":"T","hook":"H.","scenes":[],"credits":{"authors":"","journal":null,"year":null,"doi":null,"pmcid":null,"license":null},
        "post_caption":"P","hashtags":["#a"],"provider":"offline-extractive"}"##;
    let s: Script = serde_json::from_str(old).unwrap();
    assert_eq!((s.language.as_str(), s.hooks.len(), s.usage), ("en", 0, None));
}
