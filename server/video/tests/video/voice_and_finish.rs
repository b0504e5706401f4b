use video::script::{Credits, Scene, SceneKind, Script};
use video::{finish, speak, Voice};

fn check_timings(narration: &str, audio: &video::SceneAudio) {
    let words: Vec<&str> = narration.split_whitespace().collect();
    assert_eq!(
        audio.words.iter().map(|w| w.text.as_str()).collect::<Vec<_>>(),
        words,
        "caption words keep the narration's spelling"
    );
    let mut last = 0;
    for w in &audio.words {
        assert!(w.start_ms >= last && w.end_ms >= w.start_ms && w.end_ms <= audio.duration_ms, "{:?}", audio.words);
        last = w.end_ms;
    }
    // Lead silence before the first word, speech reaching near the end.
    assert!(audio.words[0].start_ms >= video::voice::LEAD_MS);
    assert!(audio.words.last().unwrap().end_ms + video::voice::TAIL_MS + 1500 >= audio.duration_ms, "{audio:?}");
    // Whole video frames.
    assert!((audio.duration_ms * 30) % 1000 < 30 || (audio.duration_ms * 30) % 1000 > 970, "{}", audio.duration_ms);
}

const NARRATION: &str = "At 37°C, about 25% of α-cells grew by 2 µm, e.g. in mice (p < 0.05).";

#[tokio::test]
async fn espeak_gives_monotonic_word_timings() {
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("a.wav");
    let audio = speak(&Voice::espeak(), NARRATION, &wav).await.unwrap();
    check_timings(NARRATION, &audio);
    let ms = video::voice::wav_duration_ms(&wav).await.unwrap();
    assert_eq!(ms, audio.duration_ms);
    assert!(audio.duration_ms > 3000, "{}", audio.duration_ms);
    // Only the WAV is left behind.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[tokio::test]
async fn a_ukrainian_narration_is_read_by_the_ukrainian_voice() {
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("uk.wav");
    let narration = "Тривога є однією із найбільш частих причин звернень пацієнтів до лікаря.";
    let english = Voice::espeak();
    assert_eq!(english.for_language("uk").unwrap().name(), "espeak-ng uk");
    let audio = speak(&english, narration, &wav).await.unwrap();
    check_timings(narration, &audio);
    assert!(audio.duration_ms > 2000, "{}", audio.duration_ms);
}

#[tokio::test]
async fn offline_voice_works() {
    let voice = Voice::offline();
    assert!(!voice.name().is_empty());
    let dir = tempfile::tempdir().unwrap();
    let audio = speak(&voice, "Lipid metabolism plays an important role in tuberculosis.", &dir.path().join("b.wav"))
        .await
        .unwrap();
    check_timings("Lipid metabolism plays an important role in tuberculosis.", &audio);
}

#[test]
fn pronunciation_list_applies_to_speech_only() {
    let s = video::text::spoken(NARRATION);
    for want in ["degrees Celsius", "percent", "alpha", "micrometres", "for example", "p less than 0.05"] {
        assert!(s.contains(want), "{want} not in {s}");
    }
}

fn tiny_script() -> Script {
    let scene = |kind| Scene {
        kind,
        narration: NARRATION.into(),
        on_screen_text: "Text".into(),
        visual: String::new(),
        figure: None,
        figure_label: None,
        key_number: None,
        source_sentences: vec![],
        label: String::new(),
        edit: None,
    };
    Script {
        title: "A title".into(),
        short_title: "A title".into(),
        hook: "Hook.".into(),
        scenes: vec![scene(SceneKind::Title), scene(SceneKind::Credits)],
        credits: Credits::default(),
        post_caption: String::new(),
        hashtags: vec![],
        provider: "test".into(),
        hooks: vec!["Hook.".into()],
        language: "en".into(),
        voice_note: None,
        usage: None,
        style: Default::default(),
        pace: Default::default(),
    }
}

#[tokio::test]
async fn failed_finish_leaves_no_final_and_no_temp_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let wavs = vec![dir.path().join("1.wav"), dir.path().join("2.wav")];
    let mut audios = Vec::new();
    for w in &wavs {
        audios.push(speak(&Voice::espeak(), "Short scene here.", w).await.unwrap());
    }
    let clips = vec![dir.path().join("missing-1.mp4"), dir.path().join("missing-2.mp4")];
    let err = match finish(&tiny_script(), &audios, &wavs, &clips, &out).await {
        Err(e) => e,
        Ok(_) => panic!("finish succeeded without clips"),
    };
    assert_eq!(err.kind, "encode-failed");
    assert!(!err.message.is_empty());
    let left: Vec<_> = std::fs::read_dir(&out).unwrap().flatten().map(|e| e.file_name()).collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn cues_stay_inside_their_scene_with_two_lines_at_most() {
    let mk = |n: usize, dur: u64| video::SceneAudio {
        duration_ms: dur,
        words: (0..n)
            .map(|i| video::Word {
                text: format!("word{i}"),
                start_ms: 250 + i as u64 * 200,
                end_ms: 250 + i as u64 * 200 + 180,
            })
            .collect(),
    };
    let audios = vec![mk(20, 4500), mk(5, 1600)];
    let spans = video::captions::scene_spans(&audios);
    let cues = video::captions::cues(&audios);
    let mut last = 0;
    for c in &cues {
        assert!(c.lines.len() <= 2 && c.start_ms >= last && c.end_ms > c.start_ms);
        let (s, e) = spans[c.scene];
        assert!(c.start_ms >= s && c.end_ms <= e, "{c:?} outside {s}-{e}");
        last = c.end_ms;
    }
    let words: usize = cues.iter().map(|c| c.words.len()).sum();
    assert_eq!(words, 25);
    let look = video::Style::Dark.look();
    let events = video::captions::caption_events(&cues, &look);
    assert!(events.contains("\\1c&H4BC2FF&"), "the spoken word is highlighted in the accent");
    assert_eq!(events.lines().count(), 25, "one event per spoken word");
    assert!(video::captions::caption_style(&look, "Noto Sans").starts_with("Style: Caption,Noto Sans,"));
}

/// A session speaks a job's scenes one after the other with one loaded Piper model; a scene in
/// another language is still read by that language's voice, and the session goes on after it.
#[tokio::test]
async fn a_session_speaks_every_scene_with_one_loaded_voice() {
    let Some(piper) = Voice::piper() else {
        eprintln!("skipped: Piper is not installed");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut session = piper.session();
    let narrations = [
        "Lipid metabolism plays an important role in tuberculosis.",
        "Тривога є однією із найбільш частих причин звернень пацієнтів до лікаря.",
        NARRATION,
        "The bacterium stores fat in droplets inside its host's cells.",
    ];
    for (i, narration) in narrations.iter().enumerate() {
        let wav = dir.path().join(format!("scene-{i}.wav"));
        let audio = session.speak_at(narration, video::voice::Pace::Normal, &wav).await.unwrap();
        check_timings(narration, &audio);
        assert_eq!(video::voice::wav_duration_ms(&wav).await.unwrap(), audio.duration_ms);
    }
    // Only the four WAVs are left behind.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), narrations.len());
}
