//! Text of the paper, of a person's edited script or of a model's answer reaches three file
//! formats with syntax of their own: the ASS script libass burns into each scene, WebVTT and
//! SubRip. None of it may become syntax: an override tag, a line break, a new cue.

use video::{
    beats, captions,
    graphics::{scene_ass, thumbnail_ass},
    script::{Credits, Scene, SceneKind, Script},
    SceneAudio, Style, Word,
};

/// Every kind of trouble at once: ASS overrides and escapes, a lone backslash, a WebVTT arrow,
/// markup, a blank line, a control character.
const HOSTILE: &str = "Tumours{\\fs200\\c&HABCDEF&} shrank\\Nby 40% --> <b>x</b> & {\\an8}\\\\h\n\nthen\u{7}stopped";

fn hostile_scene(kind: SceneKind) -> Scene {
    Scene {
        kind,
        narration: HOSTILE.replace('\n', " "),
        on_screen_text: HOSTILE.into(),
        visual: String::new(),
        figure: None,
        figure_label: Some(HOSTILE.into()),
        key_number: Some("40%{\\fs1}".into()),
        source_sentences: vec![HOSTILE.into()],
        label: HOSTILE.into(),
        edit: None,
    }
}

fn hostile_script() -> Script {
    Script {
        title: HOSTILE.into(),
        short_title: HOSTILE.into(),
        hook: HOSTILE.into(),
        scenes: [SceneKind::Title, SceneKind::Point, SceneKind::Number, SceneKind::Quote, SceneKind::Credits]
            .into_iter()
            .map(hostile_scene)
            .collect(),
        credits: Credits { authors: HOSTILE.into(), journal: Some(HOSTILE.into()), ..Credits::default() },
        post_caption: String::new(),
        hashtags: vec![],
        provider: "test".into(),
        hooks: vec![HOSTILE.into()],
        language: "en".into(),
        voice_note: None,
        usage: None,
        style: Default::default(),
        pace: Default::default(),
    }
}

/// The narration's words, 300 ms each, as a voice would time them.
fn audio_of(narration: &str) -> SceneAudio {
    let words: Vec<Word> = narration
        .split_whitespace()
        .enumerate()
        .map(|(i, w)| Word { text: w.into(), start_ms: 200 + i as u64 * 300, end_ms: 200 + i as u64 * 300 + 250 })
        .collect();
    SceneAudio { duration_ms: 200 + words.len() as u64 * 300 + 800, words }
}

/// The overrides our own drawing uses; anything else inside `{…}` came from the text.
fn assert_no_injected_syntax(ass: &str) {
    let events = ass.split("[Events]").nth(1).expect("an events section");
    for line in events.lines().filter(|l| !l.is_empty()) {
        assert!(line.starts_with("Format:") || line.starts_with("Dialogue:"), "a line break got through: {line:?}");
    }
    for bad in ["\\fs200", "\\c&HABCDEF&", "\\an8}", "\\fs1}", "\\Nby", "\\\\h", "\u{7}"] {
        assert!(!ass.contains(bad), "{bad:?} reached the ASS script");
    }
    // The words themselves are still shown, in look-alike characters.
    assert!(ass.contains("∖Nby") || ass.contains("shrank∖Nby"), "the text is shown, not dropped");
}

#[test]
fn paper_text_never_becomes_ass_syntax() {
    let script = hostile_script();
    let look = Style::default().look();
    for (index, scene) in script.scenes.iter().enumerate() {
        let audio = audio_of(&scene.narration);
        let plan = beats::plan(&script, index, &audio, None);
        let cues = captions::cues(std::slice::from_ref(&audio));
        assert_no_injected_syntax(&scene_ass(&script, index, &plan, &cues, audio.duration_ms, &look));
    }
    let thumbnail = thumbnail_ass(&script, &look);
    assert!(!thumbnail.contains("\\fs200") && !thumbnail.contains("\\an8}"), "{thumbnail}");
}

#[test]
fn caption_words_stay_words_in_vtt_and_srt() {
    let mut audio = audio_of(&HOSTILE.replace('\n', " "));
    // A voice could hand back a word with a line break or nothing printable in it.
    audio.words.push(Word { text: "\n\n".into(), start_ms: audio.duration_ms - 500, end_ms: audio.duration_ms - 400 });
    let cues = captions::cues(std::slice::from_ref(&audio));

    let vtt = captions::vtt(&cues);
    let blocks: Vec<&str> = vtt.trim_end().split("\n\n").collect();
    assert_eq!(blocks[0], "WEBVTT");
    assert!(blocks.len() >= 3, "{vtt}");
    for (i, block) in blocks[1..].iter().enumerate() {
        // Numbered in order, a timing line, then text: no cue was split or emptied by a blank line.
        let lines: Vec<&str> = block.lines().collect();
        assert!(lines.len() >= 3 && lines[0] == (i + 1).to_string() && lines[1].contains(" --> "), "{block:?}");
        for text in &lines[2..] {
            assert!(!text.contains("-->") && !text.contains('<') && !text.trim().is_empty(), "{text:?}");
            assert!(!text.chars().any(char::is_control), "{text:?}");
        }
    }
    for written in ["--&gt;", "&lt;b&gt;x&lt;/b&gt;", "&amp;"] {
        assert!(vtt.contains(written), "markup is written as text ({written}):\n{vtt}");
    }

    let srt = captions::srt(&cues);
    let blocks: Vec<&str> = srt.trim_end().split("\n\n").collect();
    assert!(blocks.len() >= 2, "{srt}");
    for (i, block) in blocks.iter().enumerate() {
        let lines: Vec<&str> = block.lines().collect();
        assert!(lines.len() >= 3 && lines[0] == (i + 1).to_string() && lines[1].contains(" --> "), "{block:?}");
        for text in &lines[2..] {
            assert!(
                !text.contains("-->") && !text.contains("<b") && !text.contains("</") && !text.contains('{'),
                "{text:?}"
            );
        }
    }
    assert!(srt.contains('→') && srt.contains("‹b>x‹/b>"), "{srt}");

    let karaoke = captions::caption_events(&cues, &Style::default().look());
    assert!(karaoke.lines().all(|l| l.starts_with("Dialogue:")), "{karaoke}");
    assert!(!karaoke.contains("\\fs200") && !karaoke.contains("\\an8"), "{karaoke}");
}

/// Paths reach ffmpeg only as arguments or quoted concat entries, never inside a filtergraph:
/// a work folder and a figure named with every filtergraph metacharacter still render.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filtergraph_metacharacters_in_paths_and_text_are_inert() {
    let work = tempfile::tempdir().unwrap();
    let odd = work.path().join("it's [a]; b,c:d\\e=f");
    let paper_dir = odd.join("paper");
    let figure = "figures/fig'1 [x];y,z:w\\v.png";
    std::fs::create_dir_all(paper_dir.join("figures")).unwrap();
    let status = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-f", "lavfi", "-i", "testsrc2=s=640x480:d=1", "-frames:v", "1", "-y"])
        .arg(paper_dir.join(figure))
        .status()
        .unwrap();
    assert!(status.success());
    let mut script = hostile_script();
    script.scenes.truncate(2);
    script.scenes[1].kind = SceneKind::Figure;
    script.scenes[1].figure = Some(figure.into());
    let (mut wavs, mut audios, mut clips) = (vec![], vec![], vec![]);
    for i in 0..script.scenes.len() {
        let wav = odd.join(format!("scene-{i}.wav"));
        audios.push(video::speak(&video::Voice::espeak(), "A short scene, said quickly.", &wav).await.unwrap());
        wavs.push(wav);
        let clip = odd.join(format!("scene-{i}.mp4"));
        video::render_scene(&script, i, &audios[i], &paper_dir, &clip).await.unwrap();
        clips.push(clip);
    }
    let out = odd.join("out");
    video::finish(&script, &audios, &wavs, &clips, &out).await.unwrap();
    assert!(std::fs::metadata(out.join("final.mp4")).unwrap().len() > 1000);
}
