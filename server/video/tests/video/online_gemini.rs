//! The Gemini provider against the local fake.

use crate::fakes;

use fakes::{assert_no_key, fixture, GStep, GeminiFake, GEMINI_KEY};
use std::time::Duration;
use video::online::{Gemini, GeminiConfig};
use video::providers::{Narrator, ScriptWriter};
use video::script::SceneKind;

fn client(base: &str) -> Gemini {
    Gemini::new(GeminiConfig { base_url: base.into(), ..GeminiConfig::new(GEMINI_KEY) })
}

#[tokio::test]
async fn script_is_structured_checked_and_credited_from_metadata() {
    let (paper, _) = fixture("pone.0046493/paper.json");
    let (fake, base) = GeminiFake::start(paper.clone()).await;
    let script = client(&base).write_script(&paper).await.unwrap();
    assert_eq!(script.provider, "gemini-3.8-flash");
    let content: Vec<_> = script.scenes.iter().filter(|s| s.kind != SceneKind::Credits).collect();
    assert!((4..=8).contains(&content.len()), "{}", content.len());
    assert_eq!(script.scenes[0].kind, SceneKind::Title);
    let credits = script.scenes.last().unwrap();
    assert_eq!(credits.kind, SceneKind::Credits);
    for needle in ["Vincent Delorme et al.", "PLoS ONE", "2012", "10.1371/journal.pone.0046493"] {
        assert!(credits.on_screen_text.contains(needle), "{needle} missing from {:?}", credits.on_screen_text);
    }
    assert_eq!(script.credits.doi.as_deref(), Some("10.1371/journal.pone.0046493"));
    assert!(script
        .scenes
        .iter()
        .any(|s| s.kind == SceneKind::Figure && s.figure.as_deref() == Some("figures/fig-2.png")));
    assert!(video::numbers_not_in_paper(&script, &paper).is_empty());
    assert!(script.post_caption.contains("https://doi.org/10.1371/journal.pone.0046493"));
    assert!(script.hashtags.contains(&"#Tuberculosis".to_string()), "{:?}", script.hashtags);
    for s in &script.scenes {
        assert!(!s.narration.contains('[') && !s.narration.contains("http"), "{}", s.narration);
    }
    // The request: key in the header only, structured output asked for, the paper's text inside.
    let reqs = fake.requests.lock().unwrap();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].key_header.as_deref(), Some(GEMINI_KEY));
    assert!(!reqs[0].uri.contains(GEMINI_KEY) && !reqs[0].uri.contains("key="));
    assert_eq!(reqs[0].model, "gemini-3.8-flash");
    let gc = &reqs[0].body["generationConfig"];
    assert_eq!(gc["responseMimeType"], "application/json");
    assert!(gc.get("responseJsonSchema").is_some() && gc.get("responseSchema").is_none());
    let prompt = reqs[0].body.pointer("/contents/0/parts/0/text").unwrap().as_str().unwrap();
    assert!(prompt.contains(&paper.abstract_paragraphs[0][..80]) && prompt.contains("figures/fig-2.png"));
}

#[tokio::test]
async fn rate_limit_gives_retry_delay_then_success() {
    let (paper, _) = fixture("pone.0046493/paper.json");
    let (fake, base) = GeminiFake::start(paper.clone()).await;
    fake.push([GStep::RateLimited]);
    let g = client(&base);
    let e = g.write_script(&paper).await.unwrap_err();
    assert_no_key(&e);
    assert_eq!((e.kind.as_str(), e.transient, e.retry_after_ms), ("gemini-rate-limited", true, Some(2000)), "{e:?}");
    assert!(g.write_script(&paper).await.is_ok());
}

#[tokio::test]
async fn daily_quota_waits_an_hour() {
    let (paper, _) = fixture("pone.0046493/paper.json");
    let (fake, base) = GeminiFake::start(paper.clone()).await;
    fake.push([GStep::PerDay]);
    let e = client(&base).write_script(&paper).await.unwrap_err();
    assert_no_key(&e);
    assert_eq!((e.kind.as_str(), e.transient), ("gemini-quota", false));
    assert!(e.retry_after_ms.unwrap() >= 3_600_000 && e.message.contains("waits"), "{e:?}");
    // The job waits for the quota to renew (the worker parks it): no fallback to offline here.
    fake.push([GStep::PerDay]);
    let e = ScriptWriter::Gemini(client(&base)).write(&paper).await.unwrap_err();
    assert_eq!(e.kind, "gemini-quota");
}

#[tokio::test]
async fn server_errors_and_timeouts_are_transient() {
    let (paper, _) = fixture("pone.0046493/paper.json");
    let (fake, base) = GeminiFake::start(paper.clone()).await;
    fake.push([GStep::Internal500, GStep::Unavailable503]);
    let g = client(&base);
    for _ in 0..2 {
        let e = g.write_script(&paper).await.unwrap_err();
        assert_no_key(&e);
        assert_eq!((e.kind.as_str(), e.transient), ("gemini-unavailable", true), "{e:?}");
    }
    assert!(g.write_script(&paper).await.is_ok());
    fake.push([GStep::Slow(Duration::from_secs(3))]);
    let slow = Gemini::new(GeminiConfig {
        base_url: base.clone(),
        timeout: Duration::from_millis(300),
        ..GeminiConfig::new(GEMINI_KEY)
    });
    let e = slow.write_script(&paper).await.unwrap_err();
    assert_eq!((e.kind.as_str(), e.transient), ("gemini-unavailable", true), "{e:?}");
    assert_no_key(&e);
    // Nothing listening.
    let gone = client("http://127.0.0.1:9");
    let e = gone.write_script(&paper).await.unwrap_err();
    assert_eq!((e.kind.as_str(), e.transient), ("gemini-unavailable", true), "{e:?}");
    assert_no_key(&e);
}

#[tokio::test]
async fn bad_answers_are_retried_once_then_permanent() {
    let (paper, _) = fixture("pone.0046493/paper.json");
    let (fake, base) = GeminiFake::start(paper.clone()).await;
    let g = client(&base);
    // Once: retried inside the call.
    fake.push([GStep::Malformed]);
    assert!(g.write_script(&paper).await.is_ok());
    assert_eq!(fake.count(), 2);
    for pair in [
        [GStep::Malformed, GStep::Malformed],
        [GStep::BlockedCandidate, GStep::BlockedCandidate],
        [GStep::PromptBlocked, GStep::Malformed],
    ] {
        fake.push(pair);
        let e = g.write_script(&paper).await.unwrap_err();
        assert_no_key(&e);
        assert_eq!((e.kind.as_str(), e.transient), ("gemini-bad-answer", false), "{e:?}");
    }
    // The provider falls back to the offline writer.
    fake.push([GStep::Malformed, GStep::Malformed]);
    let s = ScriptWriter::Gemini(g).write(&paper).await.unwrap();
    assert!(
        s.provider.starts_with("offline-extractive (fallback from gemini-3.8-flash: gemini-bad-answer"),
        "{}",
        s.provider
    );
}

#[tokio::test]
async fn bad_key_and_unknown_model_are_rejected() {
    let (paper, _) = fixture("pone.0046493/paper.json");
    let (_fake, base) = GeminiFake::start(paper.clone()).await;
    let wrong =
        Gemini::new(GeminiConfig { base_url: base.clone(), ..GeminiConfig::new("AIzaWRONGkey-not-valid-0000") });
    let e = wrong.write_script(&paper).await.unwrap_err();
    assert_eq!((e.kind.as_str(), e.transient), ("gemini-rejected", false));
    assert!(e.message.contains("API key") && !e.message.contains("AIzaWRONGkey"), "{e:?}");
    let retired = Gemini::new(GeminiConfig {
        base_url: base.clone(),
        script_model: "gemini-retired-1".into(),
        ..GeminiConfig::new(GEMINI_KEY)
    });
    let e = retired.write_script(&paper).await.unwrap_err();
    assert_eq!((e.kind.as_str(), e.transient), ("gemini-rejected", false));
    assert!(e.message.contains("gemini-retired-1"), "{e:?}");
    assert_no_key(&e);
    let s = ScriptWriter::Gemini(wrong).write(&paper).await.unwrap();
    assert!(s.provider.starts_with("offline-extractive (fallback"), "{}", s.provider);
    // The key never shows in Debug output.
    assert!(!format!("{:?}", client(&base)).contains(GEMINI_KEY));
}

#[tokio::test]
async fn unfaithful_scripts_fall_back_to_offline() {
    let (paper, _) = fixture("pone.0046493/paper.json");
    let (fake, base) = GeminiFake::start(paper.clone()).await;
    let g = client(&base);
    fake.push([GStep::InventedNumber]);
    let e = g.write_script(&paper).await.unwrap_err();
    assert_eq!((e.kind.as_str(), e.transient), ("unfaithful-script", false));
    assert!(e.message.contains("97.31") && e.message.contains("offline"), "{e:?}");
    fake.push([GStep::NotVerbatim]);
    let e = g.write_script(&paper).await.unwrap_err();
    assert_eq!(e.kind, "unfaithful-script");
    assert!(e.message.contains("not a sentence of the paper"), "{e:?}");
    assert_no_key(&e);
    fake.push([GStep::InventedNumber]);
    let s = ScriptWriter::Gemini(g.clone()).write(&paper).await.unwrap();
    assert_eq!(s.provider, "offline-extractive (fallback from gemini-3.8-flash: unfaithful-script)");
    assert!(video::numbers_not_in_paper(&s, &paper).is_empty());
    // The failed answer's tokens are still the script's cost.
    let usage = s.usage.expect("the failed attempt's tokens");
    assert_eq!((usage.prompt_tokens, usage.completion_tokens), (5120, 812));
    assert_eq!(ScriptWriter::Gemini(g).name(), "gemini-3.8-flash");
    assert_eq!(ScriptWriter::Offline.write(&paper).await.unwrap().provider, "offline-extractive");
}

fn check_audio(narration: &str, audio: &video::SceneAudio, wav: &std::path::Path) {
    let words: Vec<&str> = narration.split_whitespace().collect();
    assert_eq!(audio.words.iter().map(|w| w.text.as_str()).collect::<Vec<_>>(), words);
    let mut last = 0;
    for w in &audio.words {
        assert!(w.start_ms >= last && w.end_ms >= w.start_ms && w.end_ms <= audio.duration_ms, "{:?}", audio.words);
        last = w.end_ms;
    }
    assert!(audio.words[0].start_ms >= video::voice::LEAD_MS);
    let bytes = std::fs::read(wav).unwrap();
    assert_eq!(&bytes[0..4], b"RIFF");
    assert_eq!(u32::from_le_bytes(bytes[24..28].try_into().unwrap()), 48_000, "48 kHz like the offline voice");
    assert_eq!(u16::from_le_bytes(bytes[22..24].try_into().unwrap()), 1, "mono");
    // Whole video frames: 1600 samples each.
    let data = bytes.windows(4).position(|w| w == b"data").unwrap();
    let len = u32::from_le_bytes(bytes[data + 4..data + 8].try_into().unwrap()) as usize;
    assert_eq!(len % (1600 * 2), 0, "{len}");
}

#[tokio::test]
async fn tts_raw_pcm_and_wav_answers_give_the_same_kind_of_wav() {
    let (paper, _) = fixture("pone.0046493/paper.json");
    let (fake, base) = GeminiFake::start(paper.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let narration = "Lipid metabolism plays an important role in tuberculosis, at 37°C.";
    // Legacy model: raw L16 PCM at 24 kHz.
    let pcm = Gemini::new(GeminiConfig {
        base_url: base.clone(),
        tts_model: "gemini-2.5-flash-preview-tts".into(),
        ..GeminiConfig::new(GEMINI_KEY)
    });
    let a = Narrator::Gemini(pcm.clone()).speak(narration, &dir.path().join("a.wav")).await.unwrap();
    check_audio(narration, &a, &dir.path().join("a.wav"));
    // Current model: a complete WAV file.
    let b = client(&base).speak(narration, &dir.path().join("b.wav")).await.unwrap();
    check_audio(narration, &b, &dir.path().join("b.wav"));
    assert!((a.duration_ms as i64 - b.duration_ms as i64).abs() < 100, "{} vs {}", a.duration_ms, b.duration_ms);
    assert!(a.duration_ms > 2500);
    // Only the WAVs are left.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    let reqs = fake.requests.lock().unwrap();
    assert_eq!(reqs[0].body["generationConfig"]["responseModalities"][0], "AUDIO");
    assert_eq!(
        reqs[0].body.pointer("/generationConfig/speechConfig/voiceConfig/prebuiltVoiceConfig/voiceName").unwrap(),
        "Kore"
    );
    assert!(
        reqs[0].body.pointer("/contents/0/parts/0/text").unwrap().as_str().unwrap().contains("degrees Celsius"),
        "spoken form is sent"
    );
    assert_eq!(Narrator::Gemini(pcm).name(), "gemini gemini-2.5-flash-preview-tts Kore");
}

#[tokio::test]
async fn tts_failures() {
    let (paper, _) = fixture("pone.0046493/paper.json");
    let (fake, base) = GeminiFake::start(paper.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let g = client(&base);
    let narration = "Lipid metabolism plays an important role in tuberculosis.";
    fake.push([GStep::TruncatedAudio]);
    g.speak(narration, &dir.path().join("a.wav")).await.unwrap();
    fake.push([GStep::TruncatedAudio, GStep::TruncatedAudio]);
    let e = g.speak(narration, &dir.path().join("b.wav")).await.unwrap_err();
    assert_eq!((e.kind.as_str(), e.transient), ("gemini-bad-answer", false), "{e:?}");
    fake.push([GStep::RateLimited]);
    let e = g.speak(narration, &dir.path().join("c.wav")).await.unwrap_err();
    assert_eq!((e.kind.as_str(), e.retry_after_ms), ("gemini-rate-limited", Some(2000)));
    assert_no_key(&e);
    assert!(!dir.path().join("b.wav").exists() && !dir.path().join("c.wav").exists());
}
