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

// ---- the gaps found by reading real scripts ----

use video::script::{copy_share, key_phrase, number_label, repeated_scenes, same_quantity, short_title};

#[test]
fn key_numbers_are_results_not_levels_settings_or_positions() {
    // Confidence and significance levels are never the key number.
    assert_eq!(key_number("Risk fell by 12% (95% CI 8–16%)."), Some("12%".into()));
    assert_eq!(key_number("We report 95% CI for every estimate."), None);
    assert_eq!(key_number("Ризик знизився, 95% довірливий інтервал 1,2–2,3."), None);
    assert_eq!(key_number("Power was set at 80% power to detect a change."), None);
    // Masses and instrument settings are measurements, not results.
    assert_eq!(key_number("The adduct had a mass shift of +284.0 Da."), None);
    assert_eq!(key_number("The protein migrated at 45 kDa on the gel."), None);
    assert_eq!(key_number("Cells were grown at 37 °C in 10% FBS."), None);
    assert_eq!(key_number("Samples were fixed in 4% paraformaldehyde."), None);
    assert_eq!(key_number("Purification gave proteins with purities of 90%."), None);
    // Years, pages, references, p-values and category counts are not results.
    assert_eq!(key_number("The survey ran from 2008 to 2012."), None);
    assert_eq!(key_number("See pages 12 and 34 of the report."), None);
    assert_eq!(key_number("The difference was significant, p = 0.03."), None);
    assert_eq!(key_number("Screening reduced 4 of the 10 cancers, and 3 of 12 patients."), None);
    // Results: percentages, fold changes, counts of people, quantities that changed.
    assert_eq!(key_number("Vaccination was linked to 30% fewer infections."), Some("30%".into()));
    assert_eq!(key_number("Survival was 4.5 months longer with the drug."), Some("4.5 months".into()));
    assert_eq!(key_number("Patients were followed for 10 years."), None);
    assert_eq!(key_number("Half inactivation times were shorter than 1 min."), Some("1 min".into()));
    // Time points and thresholds of the method are not results either.
    assert_eq!(key_number("Uptake 10 min after loading was higher in hepatocytes."), None);
    assert_eq!(key_number("When added 55 min after induction, the delay was shorter."), None);
    assert_eq!(key_number("Values outside the 99.9 % boundary are flagged."), None);
    assert_eq!(key_number("A total of 6 freelancers scored 85% or better, and were recruited."), None);
    assert_eq!(key_number("Patients who lost 5% or more of their weight were excluded."), None);
    assert_eq!(key_number("Workers needed a 90%+ approval rating."), None);
    assert_eq!(key_number("Annotators got faster after the first 20% units."), None);
    assert_eq!(key_number("The inhibitor reached an IC50 of 2.5 µM."), Some("2.5 µM".into()));
    assert_eq!(key_number("Cases fell among 2,300 women in the screened group."), Some("2,300".into()));
}

#[test]
fn near_equal_key_numbers_are_the_same_quantity() {
    assert!(same_quantity("284.0 Da", "284.1 Da"));
    assert!(same_quantity("8%", "8.0%"));
    assert!(!same_quantity("8%", "8-fold"));
    assert!(!same_quantity("8%", "12%"));
    assert!(same_quantity("1,204", "1204"));
}

#[test]
fn no_two_scenes_repeat_a_sentence_or_a_key_number() {
    let paper = load("pone.0046493/paper.json");
    let mut script = write_offline(&paper).unwrap();
    assert_eq!(repeated_scenes(&script), Vec::<String>::new());
    // The guard sees a repeat when one is made.
    let mut twin = script.scenes[1].clone();
    twin.key_number = Some("284.1 Da".into());
    script.scenes[1].key_number = Some("284.0 Da".into());
    script.scenes.insert(2, twin);
    let found = repeated_scenes(&script);
    assert!(found.iter().any(|r| r.contains("same sentence")), "{found:?}");
    assert!(found.iter().any(|r| r.contains("same number")), "{found:?}");
}

#[test]
fn the_key_phrase_is_a_whole_phrase_and_not_the_narration() {
    let n = "Lysogenic cells in controlled environments varied widely in lysis times.";
    assert_eq!(key_phrase(n), "Lysogenic cells");
    // The head noun is kept when a phrase is longer than the card allows.
    let n = "The Mycobacterium tuberculosis hormone-sensitive lipase family controls lipid use.";
    assert_eq!(key_phrase(n), "Lipase family");
    let n = "Vaccination was associated with an 8% reduction in advanced cancers.";
    assert_eq!(key_phrase(n), "Advanced cancers");
    // A name with digits is part of the phrase; a number is not (it is the key number's).
    let n = "Binding of compound 33RE to N-domain angiotensin-1-converting enzyme.";
    assert_eq!(key_phrase(n), "Compound 33RE");
    let n = "The ATP5SL alternative alignment was found to have evidence of positive selection.";
    assert_eq!(key_phrase(n), "ATP5SL alternative alignment");
    let n = "The AMT Sandbox annotation interface used for FINE evaluation of summaries.";
    assert!(key_phrase(n).ends_with("annotation interface"), "{}", key_phrase(n));
    let n = "Treatment gave a 10-fold rise in 1990s cohorts.";
    assert!(!key_phrase(n).contains("10-fold") && !key_phrase(n).contains("1990s"), "{}", key_phrase(n));
    for n in [
        "Lysogenic cells in controlled environments varied widely in lysis times.",
        "Screening for breast cancer reduced advanced-stage cases by 8% in women over fifty.",
        "Cells treated with the inhibitor grew more slowly than untreated cells.",
    ] {
        let k = key_phrase(n);
        assert!(!k.is_empty() && k.split_whitespace().count() <= 10, "{k:?}");
        assert!(copy_share(&k, n) < 0.6, "{k:?} copies {n:?}");
        let last = k.split_whitespace().last().unwrap().to_lowercase();
        assert!(!["of", "the", "a", "an", "in", "and", "or", "with", "to", "for"].contains(&last.as_str()), "{k:?}");
    }
    assert!(
        copy_share("controlled environments varied widely", "Cells in controlled environments varied widely.") >= 0.6
    );
    assert_eq!(copy_share("Lysis times", "Cells varied in lysis times."), 0.0);
}

#[test]
fn every_on_screen_text_of_a_fixture_script_is_a_phrase() {
    let paper = load("pone.0046493/paper.json");
    let script = write_offline(&paper).unwrap();
    for s in script.scenes.iter().filter(|s| !matches!(s.kind, SceneKind::Title | SceneKind::Credits)) {
        let t = &s.on_screen_text;
        assert!(t.split_whitespace().count() <= 10, "{t:?}");
        assert!(copy_share(t, &s.narration) < 0.6, "{t:?} repeats {:?}", s.narration);
        assert!(!video::text::ends_dangling(t), "{t:?}");
    }
}

#[test]
fn short_titles_cut_at_a_natural_break() {
    assert_eq!(short_title("Salt and blood pressure"), "Salt and blood pressure");
    assert_eq!(
        short_title("Complications related to deep venous thrombosis prophylaxis in trauma: a systematic review of the literature"),
        "Complications related to deep venous thrombosis prophylaxis in trauma"
    );
    assert_eq!(
        short_title("MmPPOX Inhibits Mycobacterium tuberculosis Lipolytic Enzymes Belonging to the Hormone-Sensitive Lipase Family and Alters Mycobacterial Growth"),
        "MmPPOX Inhibits Mycobacterium tuberculosis Lipolytic Enzymes Belonging to the Hormone-Sensitive Lipase Family"
    );
    let t = short_title("Long-term effects of a community programme on physical activity and body weight among older adults living alone in rural districts of three countries");
    assert!(t.split_whitespace().count() <= 12 && !t.ends_with('…'), "{t}");
    assert!(!video::text::ends_dangling(&t), "{t}");
    // The script carries it beside the full title, and the title card shows it.
    let paper = load("pone.0046493/paper.json");
    let script = write_offline(&paper).unwrap();
    assert!(script.title.split_whitespace().count() > 12);
    assert_eq!(script.short_title, short_title(&script.title));
    assert_eq!(script.scenes[0].on_screen_text, script.short_title);
    assert_eq!(script.card_title(), script.short_title);
}

#[test]
fn hooks_state_a_finding_not_background() {
    let paper = Paper {
        title: "Vaccination and advanced cancer".into(),
        abstract_paragraphs: vec![
            "Cancer is a leading cause of death worldwide and remains a major public health burden. \
             Vaccines are known to play an important role in prevention. \
             We analysed the records of 120,000 adults in a national registry. \
             Vaccinated adults had 8% fewer advanced cancers than unvaccinated adults. \
             These findings suggest that vaccination may prevent advanced disease."
                .into(),
        ],
        ..Default::default()
    };
    let script = write_offline(&paper).unwrap();
    assert_eq!(script.hook, "Vaccinated adults had 8% fewer advanced cancers than unvaccinated adults.");
    for h in &script.hooks {
        assert!(!h.starts_with("Cancer is"), "background hook {h:?}");
        assert_eq!(hook_problem(h), None, "{h}");
    }
}

#[test]
fn a_reviews_title_becomes_the_question_it_answers() {
    use video::script::review_question;
    let text =
        "Vitamin A is needed for vision, and vitamin A metabolism is tightly regulated. Alzheimer disease and its complications are common.";
    assert_eq!(
        review_question("Vitamin A Metabolism: An Update.", text).as_deref(),
        Some("What do we now know about vitamin A metabolism?")
    );
    // A name the paper always capitalises keeps its capital.
    assert_eq!(
        review_question("A systematic review of Alzheimer Disease", text).as_deref(),
        Some("What do we now know about Alzheimer disease?")
    );
    assert_eq!(
        review_question("Recent advances in tuberculosis drug discovery", text).as_deref(),
        Some("What do we now know about tuberculosis drug discovery?")
    );
    assert_eq!(
        review_question("Complications of prophylaxis in trauma: a systematic review of the literature", text)
            .as_deref(),
        Some("What do we now know about complications of prophylaxis in trauma?")
    );
    // Not a review's title, or a hyphen inside a word: no question.
    assert_eq!(review_question("Screening cut late-stage cancers by 8%", text), None);
    assert_eq!(review_question("Self-review in medical students", text), None);
    // A topic too long for a hook.
    assert_eq!(
        review_question(
            "The many roles of retinoic acid in the development of the vertebrate nervous system: a review",
            text
        ),
        None
    );

    // An English review with no stated finding opens on its question.
    let paper = Paper {
        title: "Vitamin A Metabolism: An Update".into(),
        abstract_paragraphs: vec![
            "Retinoids are required for the maintenance of many essential physiological processes. \
             Vitamin A is taken up from the diet and stored in the liver. \
             Several enzymes that convert retinol into retinoic acid have been characterised. \
             This review summarises current knowledge of vitamin A metabolism and its regulation."
                .into(),
        ],
        ..Default::default()
    };
    let script = write_offline(&paper).unwrap();
    assert_eq!(script.hook, "What do we now know about vitamin A metabolism?");
}

#[test]
fn glossaries_and_statements_are_never_narrated() {
    let mut paper = load("pone.0046493/paper.json");
    let glossary = "OR, odds ratio; CI, confidence interval; HR, hazard ratio; BMI, body mass index.";
    let funding = "This work was supported by the National Research Agency grant ANR-09-BLAN-0142.";
    let conflict = "The authors declare that they have no competing interests and no conflict of interest.";
    paper.abstract_paragraphs.push(format!("{glossary} {funding} {conflict}"));
    let script = write_offline(&paper).unwrap();
    for s in &script.scenes {
        for bad in [glossary, funding, conflict] {
            assert!(!s.source_sentences.iter().any(|x| x == bad), "{bad} used in {s:?}");
        }
        assert!(!s.narration.contains("odds ratio;") && !s.narration.contains("competing interests"), "{s:?}");
    }
}

#[test]
fn old_script_files_load_with_a_card_title() {
    let old = r##"{"title":"Salt intake and blood pressure in older adults: a randomised trial of reduced-salt bread in care homes","hook":"H.","scenes":[],"credits":{"authors":"","journal":null,"year":null,"doi":null,"pmcid":null,"license":null},
        "post_caption":"P","hashtags":["#a"],"provider":"offline-extractive"}"##;
    let s: Script = serde_json::from_str(old).unwrap();
    assert_eq!(s.short_title, "");
    assert_eq!(s.card_title(), "Salt intake and blood pressure in older adults");
}

/// Evenly spaced word timings for `narration`, 380 ms a word: a voice without a voice.
fn timed(narration: &str) -> video::SceneAudio {
    let words: Vec<video::Word> = narration
        .split_whitespace()
        .enumerate()
        .map(|(i, w)| video::Word { text: w.into(), start_ms: i as u64 * 380, end_ms: i as u64 * 380 + 330 })
        .collect();
    video::SceneAudio { duration_ms: words.len() as u64 * 380 + 200, words }
}

#[test]
fn a_paper_with_a_figure_shows_it_at_every_length() {
    use video::beats::{plan, BeatKind};
    let paper = load("pone.0046493/paper.json");
    // 60 s: a Figure scene of its own, about one of the paper's figures.
    let standard = write_offline(&paper).unwrap();
    let figure_scene = standard.scenes.iter().find(|s| s.kind == SceneKind::Figure).expect("a Figure scene");
    assert!(paper.figures.iter().any(|f| f.image == figure_scene.figure), "{figure_scene:?}");

    // 30 s: no room for that scene, so a finding ends on the figure, labelled as the paper does.
    let short =
        write_offline_with(&paper, &ScriptOptions { length: ScriptLength::Short, ..Default::default() }).unwrap();
    assert!(!short.scenes.iter().any(|s| s.kind == SceneKind::Figure));
    let (i, finding) =
        short.scenes.iter().enumerate().find(|(_, s)| s.figure.is_some()).expect("a scene with the figure");
    let label = finding.figure_label.clone().expect("the figure's label");
    assert!(paper.figures.iter().any(|f| f.image == finding.figure && f.label.as_deref() == Some(label.as_str())));
    let audio = timed(&finding.narration);
    let beats = plan(&short, i, &audio, finding.figure.as_deref());
    assert!(beats.len() >= 2, "{beats:?}");
    match &beats.last().unwrap().kind {
        BeatKind::Figure { image, label: shown, caption, .. } => {
            assert_eq!(Some(image.as_str()), finding.figure.as_deref());
            assert_eq!(shown, &label);
            assert!(caption.starts_with(&label), "the caption names the figure: {caption:?}");
        }
        other => panic!("the finding ends on {other:?}, not the figure"),
    }
    // Its first beat is still the finding itself (the key number or phrase).
    assert!(!matches!(beats[0].kind, BeatKind::Figure { .. }));
    // Without the image on disk the renderer passes no figure, and no figure beat is planned.
    assert!(plan(&short, i, &audio, None).iter().all(|b| !matches!(b.kind, BeatKind::Figure { .. })));
}

/// The line under a key number says what the number measures, not the sentence's subject.
#[test]
fn a_key_number_is_labelled_with_what_it_measures() {
    let n = "At inhibitor-to-enzyme molar excess of 20, all Lip-HSL enzymes tested were found to be \
             strongly inhibited with half inactivation times shorter than 1 min.";
    assert_eq!(number_label(n, "1 min"), "Half inactivation times");
    // At most three words' worth, the head noun kept (a longer one would copy the narration).
    assert_eq!(number_label(n, "20"), "Molar excess");
    assert_eq!(
        number_label("One mutation results in a 90% reduction in enzyme activity in the lab.", "90%"),
        "Reduction"
    );
    assert_eq!(number_label("The prevalence of asthma was 12% in the cohort.", "12%"), "Prevalence of asthma");
    // A comparison after the number is kept, and says which way.
    let n = "The molecule was 927-fold more selective for the N-domain than the C-domain.";
    assert_eq!(number_label(n, "927-fold"), "More selective");
    assert_eq!(number_label("Smokers had a 20% higher risk of stroke.", "20%"), "Higher risk");
    let label = number_label("Costs rose 20% more than in the controls.", "20%");
    assert!(!label.starts_with("More"), "a comparison with nothing compared: {label}");
    // Nothing measured before it: the rest of its clause says it.
    assert_eq!(number_label("In 2019, 45% of the patients reported severe pain.", "45%"), "Patients");
    // Nothing measured on either side: who did what to reach it, not another phrase of the sentence.
    let n = "A total of 6 freelancers scored 85% or better, and were recruited for the main set of experiments.";
    assert_eq!(number_label(n, "85%"), "Freelancers scored");
}

/// A paper whose conclusion lists its findings in one sentence, whose results hold a setting of
/// the method with a number, whose discussion cites others' work and releases its data, and
/// whose introduction describes the paper itself.
fn paper_with_listed_findings() -> Paper {
    let section =
        |heading: &str, text: &str| paper::Section { heading: heading.into(), level: 1, paragraphs: vec![text.into()] };
    Paper {
        title: "Guidelines for judging long summaries".into(),
        abstract_paragraphs: vec![
            "Judging long summaries by hand is slow and costly for the people who annotate them. \
             We asked twelve trained annotators to judge summaries of novels and of medical articles."
                .into(),
        ],
        sections: vec![
            section(
                "Introduction",
                "Human judgement remains the standard way to check whether a summary is faithful to its source. \
                 Long summaries make that judgement slow, subjective and expensive for every annotator involved. \
                 We provide an overview of our research questions and findings and enumerate them here.",
            ),
            section(
                "Methods",
                "We recruited twelve annotators with editing experience through a freelancing platform. \
                 Each annotator judged every summary twice, one week apart, in a random order.",
            ),
            section(
                "Results",
                "For half the summaries we block long phrases from being copied from the source, reducing copying to 54%. \
                 Annotators disagreed less when they judged single sentences than when they judged whole summaries.",
            ),
            section(
                "Discussion",
                "We release our annotations, our templates and our software for future research. \
                 Some prior work has suggested highlighting the sentences of the source that match the summary. \
                 Fine-grained judgements may make human evaluation cheaper for the whole research community.",
            ),
            section(
                "Conclusion",
                "Overall, we find that (1) judging single sentences lowers the disagreement between annotators; \
                 (2) judging part of a summary saves annotators time while keeping scores accurate; and \
                 (3) highlighted hints in the source rarely help annotators find errors.",
            ),
        ],
        ..Default::default()
    }
}

#[test]
fn listed_findings_make_scenes_and_settings_and_others_work_do_not() {
    let paper = paper_with_listed_findings();
    let listed = &paper.sections[4].paragraphs[0];
    let script = write_offline(&paper).unwrap();
    let said = |scene: &video::Scene| scene.narration.to_lowercase();
    // Two items of the list are told, by two scenes that quote the list as printed.
    let telling_items: Vec<&video::Scene> =
        script.scenes.iter().filter(|s| s.source_sentences.iter().any(|x| x == listed)).collect();
    assert!(telling_items.len() >= 2, "{:#?}", script.scenes);
    assert!(telling_items.iter().all(|s| !said(s).contains("(1)") && !said(s).contains("(2)")));
    assert_ne!(said(telling_items[0]), said(telling_items[1]));
    assert_eq!(repeated_scenes(&script), Vec::<String>::new());
    // A setting they chose is not what they found, and others' work is not what it means.
    for scene in &script.scenes {
        assert!(!said(scene).contains("we block"), "a setting told as a finding: {:?}", scene.narration);
        assert!(!said(scene).contains("prior work"), "others' work told as this paper's: {:?}", scene.narration);
        // Nor is what they release, or what the paper says of itself.
        assert!(!said(scene).contains("we release"), "{:?}", scene.narration);
        assert!(!said(scene).contains("overview"), "{:?}", scene.narration);
    }
    assert!(script.scenes.iter().all(|s| s.key_number.as_deref() != Some("54%")));
}

#[test]
fn a_venue_as_long_as_a_sentence_is_shown_not_read_out() {
    let mut paper = paper_with_listed_findings();
    paper.authors = vec!["Ana Silva".into(), "Rui Costa".into(), "Eva Lima".into()];
    paper.published = Some("2023".into());
    let venue =
        "Proceedings of the 17th Conference of the European Chapter of the Association for Computational Linguistics";
    paper.journal = Some(venue.into());
    let script = write_offline(&paper).unwrap();
    let credits = script.scenes.last().unwrap();
    assert_eq!(credits.kind, SceneKind::Credits);
    assert_eq!(credits.narration, "Research by Ana Silva and colleagues in 2023. Read the full paper via the link.");
    assert!(credits.on_screen_text.contains(venue), "{:?}", credits.on_screen_text);
    // A journal's name of a few words is read out.
    paper.journal = Some("Clinical Science".into());
    let script = write_offline(&paper).unwrap();
    assert!(script.scenes.last().unwrap().narration.contains("published in Clinical Science in 2023"));
}
