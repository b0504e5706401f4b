//! The Runway provider against the local fake, and a full online run (fake Gemini + fake Runway).

use crate::fakes;

use fakes::{assert_no_key, fixture, GeminiFake, RPlan, RunwayFake, GEMINI_KEY, RUNWAY_KEY};
use std::path::Path;
use std::time::Duration;
use video::online::{Gemini, GeminiConfig, Runway, RunwayConfig};
use video::providers::{Narrator, SceneRenderer, ScriptWriter};
use video::script::SceneKind;
use video::SceneAudio;

const POLL: Duration = Duration::from_millis(250);

fn runway(base: &str) -> Runway {
    Runway::new(RunwayConfig { base_url: base.into(), ..RunwayConfig::new(RUNWAY_KEY) })
        .with_poll_interval_for_tests(POLL)
}

fn audio(ms: u64) -> SceneAudio {
    SceneAudio { duration_ms: ms, words: vec![] }
}

fn probe(path: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new("ffprobe").args(["-v", "error"]).args(args).arg(path).output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn check_clip(path: &Path, frames: u64) {
    let v = probe(
        path,
        &[
            "-count_frames",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=codec_name,pix_fmt,width,height,r_frame_rate,nb_read_frames",
            "-of",
            "default=nw=1",
        ],
    );
    for want in [
        "codec_name=h264",
        "pix_fmt=yuv420p",
        "width=1080",
        "height=1920",
        "r_frame_rate=30/1",
        &format!("nb_read_frames={frames}"),
    ] {
        assert!(v.contains(want), "{want} not in {v}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn task_walks_through_throttled_and_the_clip_is_conformed() {
    let (paper, dir) = fixture("pone.0046493/paper.json");
    let script = video::write_offline(&paper).unwrap();
    let (fake, base) = RunwayFake::start().await;
    let work = tempfile::tempdir().unwrap();
    let r = runway(&base);
    // A text scene, 3 s of audio from a 2 s clip (slowed down).
    let out = work.path().join("scene-02.mp4");
    let info = SceneRenderer::Runway(r.clone()).render_scene(&script, 1, &audio(3000), &dir, &out).await.unwrap();
    assert_eq!(info.provider, "runway gen4.5");
    assert_eq!(info.cost_credits, Some(36.0), "3 s of gen4.5 at 12 credits/s, from the task's cost");
    check_clip(&out, 90);
    {
        let creates = fake.creates.lock().unwrap();
        let (endpoint, body) = &creates[0];
        assert_eq!(endpoint, "text_to_video");
        assert_eq!((body["ratio"].as_str(), body["duration"].as_u64()), (Some("720:1280"), Some(3)));
        let tasks = fake.tasks.lock().unwrap();
        let task = tasks.values().next().unwrap();
        assert_eq!(task.polls.len(), 4, "PENDING, THROTTLED, RUNNING, SUCCEEDED");
        for w in task.polls.windows(2) {
            let gap = w[1] - w[0];
            assert!(gap >= POLL - Duration::from_millis(10), "polled after {gap:?}");
        }
    }
    // A figure scene: image-to-video with the figure as a JPEG data URI; 6 s from a 2 s clip (looped).
    let fig =
        script.scenes.iter().position(|s| s.kind == SceneKind::Figure && s.figure.is_some()).expect("a figure scene");
    let out = work.path().join("scene-fig.mp4");
    let info = r.render_scene(&script, fig, &audio(6000), &dir, &out).await.unwrap();
    assert_eq!((info.provider.as_str(), info.cost_credits), ("runway gen4_turbo", Some(30.0)));
    check_clip(&out, 180);
    {
        let creates = fake.creates.lock().unwrap();
        let (endpoint, body) = &creates[1];
        assert_eq!(endpoint, "image_to_video");
        assert!(body["promptImage"].as_str().unwrap().starts_with("data:image/jpeg;base64,/9j/"));
    }
    // Shorter than the clip: trimmed; the duration asked for is at least 2 s.
    let out = work.path().join("scene-short.mp4");
    r.render_scene(&script, 0, &audio(1200), &dir, &out).await.unwrap();
    check_clip(&out, 36);
    assert_eq!(fake.creates.lock().unwrap()[2].1["duration"], 2);
    // Nothing but the clips is left behind.
    let mut left: Vec<String> = std::fs::read_dir(work.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["scene-02.mp4", "scene-fig.mp4", "scene-short.mp4"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_map_to_kinds() {
    let (paper, dir) = fixture("pone.0046493/paper.json");
    let script = video::write_offline(&paper).unwrap();
    let (fake, base) = RunwayFake::start().await;
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("scene-01.mp4");
    let r = runway(&base);
    let a = audio(2500);

    // Moderation: permanent, with a message a person can act on.
    fake.push([RPlan::Fail("SAFETY.INPUT.IMAGE".into())]);
    let e = r.render_scene(&script, 1, &a, &dir, &out).await.unwrap_err();
    assert_eq!((e.kind.as_str(), e.transient), ("runway-moderation", false), "{e:?}");
    assert!(e.message.contains("ffmpeg") && !e.message.contains("internal reason"), "{e:?}");
    assert_no_key(&e);

    // Internal failure: transient; the retry succeeds.
    fake.push([RPlan::Fail("INTERNAL".into())]);
    let e = r.render_scene(&script, 1, &a, &dir, &out).await.unwrap_err();
    assert_eq!((e.kind.as_str(), e.transient), ("runway-failed", true), "{e:?}");
    assert_no_key(&e);
    assert!(!out.exists());
    r.render_scene(&script, 1, &a, &dir, &out).await.unwrap();
    assert!(out.is_file());
    std::fs::remove_file(&out).unwrap();

    // The output URL expired before the download: transient, so the step creates the task again.
    fake.push([RPlan::Expired]);
    let e = r.render_scene(&script, 1, &a, &dir, &out).await.unwrap_err();
    assert_eq!((e.kind.as_str(), e.transient), ("runway-output-expired", true), "{e:?}");
    assert_no_key(&e);
    // And a URL is only good once (the fake expires it after the first fetch).
    let url = {
        let tasks = fake.tasks.lock().unwrap();
        let (id, _) = tasks.iter().find(|(_, t)| t.fetches == 1 && !t.expired).unwrap();
        format!("{base}/outputs/{id}.mp4")
    };
    assert_eq!(reqwest::get(&url).await.unwrap().status().as_u16(), 410);

    // 429 on create, with and without Retry-After.
    fake.push([RPlan::RateLimit(Some(7)), RPlan::RateLimit(None)]);
    let e = r.render_scene(&script, 1, &a, &dir, &out).await.unwrap_err();
    assert_eq!((e.kind.as_str(), e.transient, e.retry_after_ms), ("runway-rate-limited", true, Some(7000)), "{e:?}");
    let e = r.render_scene(&script, 1, &a, &dir, &out).await.unwrap_err();
    assert_eq!((e.kind.as_str(), e.retry_after_ms), ("runway-rate-limited", Some(60_000)));
    assert_no_key(&e);

    // Bad key: permanent.
    let bad = Runway::new(RunwayConfig { base_url: base.clone(), ..RunwayConfig::new("key_wrong_0000000000") })
        .with_poll_interval_for_tests(POLL);
    let e = bad.render_scene(&script, 1, &a, &dir, &out).await.unwrap_err();
    assert_eq!((e.kind.as_str(), e.transient), ("runway-rejected", false), "{e:?}");
    assert!(e.message.contains("API key") && !e.message.contains("key_wrong"));
    // A model that cannot do text-to-video: 400 with issues, permanent.
    let wrong = Runway::new(RunwayConfig {
        base_url: base.clone(),
        text_model: "gen4_turbo".into(),
        ..RunwayConfig::new(RUNWAY_KEY)
    })
    .with_poll_interval_for_tests(POLL);
    let e = wrong.render_scene(&script, 1, &a, &dir, &out).await.unwrap_err();
    assert_eq!((e.kind.as_str(), e.transient), ("runway-rejected", false), "{e:?}");
    assert!(e.message.contains("model"), "{e:?}");
    assert_no_key(&e);
    // Nothing listening: transient.
    let gone = Runway::new(RunwayConfig { base_url: "http://127.0.0.1:9".into(), ..RunwayConfig::new(RUNWAY_KEY) });
    let e = gone.render_scene(&script, 1, &a, &dir, &out).await.unwrap_err();
    assert_eq!((e.kind.as_str(), e.transient), ("runway-unavailable", true), "{e:?}");
    assert_no_key(&e);
    // A task that never finishes: cancelled at the deadline, transient.
    let slow = Runway::new(RunwayConfig {
        base_url: base.clone(),
        timeout: Duration::from_millis(600),
        ..RunwayConfig::new(RUNWAY_KEY)
    })
    .with_poll_interval_for_tests(POLL);
    let e = slow.render_scene(&script, 1, &a, &dir, &out).await.unwrap_err();
    assert_eq!((e.kind.as_str(), e.transient), ("runway-timeout", true), "{e:?}");
    assert!(!out.exists());
    assert!(!format!("{r:?}").contains(RUNWAY_KEY));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_online_run_makes_a_final_mp4() {
    let (paper, dir) = fixture("abstract-only.json");
    let (_g, gbase) = GeminiFake::start(paper.clone()).await;
    let (_r, rbase) = RunwayFake::start().await;
    let gemini = Gemini::new(GeminiConfig { base_url: gbase, ..GeminiConfig::new(GEMINI_KEY) });
    let writer = ScriptWriter::Gemini(gemini.clone());
    let narrator = Narrator::Gemini(gemini);
    let renderer = SceneRenderer::Runway(runway(&rbase));
    assert_eq!(renderer.name(), "runway gen4_turbo");

    let script = writer.write(&paper).await.unwrap();
    assert_eq!(script.provider, "gemini-3.8-flash");
    let work = tempfile::tempdir().unwrap();
    let n = script.scenes.len();
    let mut wavs = Vec::new();
    let mut audios = Vec::new();
    let mut clips = Vec::new();
    let mut credits = 0.0;
    for i in 0..n {
        let wav = work.path().join(format!("scene-{:02}.wav", i + 1));
        let a = narrator.speak(&script.scenes[i].narration, &wav).await.unwrap();
        let clip = work.path().join(format!("scene-{:02}.mp4", i + 1));
        let info = renderer.render_scene(&script, i, &a, &dir, &clip).await.unwrap();
        credits += info.cost_credits.unwrap();
        wavs.push(wav);
        audios.push(a);
        clips.push(clip);
    }
    assert!(credits > 0.0);
    let out = work.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let finished = video::finish(&script, &audios, &wavs, &clips, &out).await.unwrap();
    let final_mp4 = out.join("final.mp4");
    let v = probe(
        &final_mp4,
        &[
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=codec_name,width,height,r_frame_rate,pix_fmt",
            "-of",
            "default=nw=1",
        ],
    );
    for want in ["codec_name=h264", "pix_fmt=yuv420p", "width=1080", "height=1920", "r_frame_rate=30/1"] {
        assert!(v.contains(want), "{want} not in {v}");
    }
    let a = probe(
        &final_mp4,
        &["-select_streams", "a:0", "-show_entries", "stream=codec_name,sample_rate", "-of", "default=nw=1"],
    );
    assert!(a.contains("codec_name=aac") && a.contains("sample_rate=48000"), "{a}");
    let d: f64 =
        probe(&final_mp4, &["-show_entries", "format=duration", "-of", "default=nw=1:nk=1"]).trim().parse().unwrap();
    assert!((d * 1000.0 - finished.duration_ms as f64).abs() < 300.0, "{d} vs {}", finished.duration_ms);
    assert!(out.join("captions.vtt").is_file() && out.join("thumbnail.jpg").is_file());
    // Keep a copy for looking at.
    if let Ok(keep) = std::env::var("VIDEO_TEST_KEEP") {
        std::fs::create_dir_all(&keep).unwrap();
        std::fs::copy(&final_mp4, Path::new(&keep).join("online-final.mp4")).unwrap();
    }
}
