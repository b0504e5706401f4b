use paper::Paper;
use std::path::{Path, PathBuf};
use std::time::Instant;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn probe(path: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new("ffprobe").args(["-v", "error"]).args(args).arg(path).output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_render_end_to_end() {
    let paper_dir = fixtures().join("pone.0046493");
    let paper: Paper = serde_json::from_str(&std::fs::read_to_string(paper_dir.join("paper.json")).unwrap()).unwrap();
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("out/video.mp4");
    let started = Instant::now();
    let steps = std::sync::Mutex::new(Vec::<String>::new());
    let finished = video::render(&paper, &paper_dir, work.path(), &out, &|step, frac, detail| {
        assert!((0.0..=1.0).contains(&frac));
        eprintln!("{:>7.2}s {step} {frac:.2} {detail}", started.elapsed().as_secs_f64());
        steps.lock().unwrap().push(format!("{step} {frac:.2} {detail}"));
    })
    .await
    .unwrap();
    let elapsed = started.elapsed();
    eprintln!("render took {elapsed:?} for {} ms of video", finished.duration_ms);
    let steps = steps.into_inner().unwrap();
    for s in ["generate-script", "generate-audio", "generate-videos", "add-captions"] {
        assert!(steps.iter().any(|x| x.starts_with(s)), "{s} not reported: {steps:?}");
    }
    assert!((30_000..=90_000).contains(&finished.duration_ms), "{} ms", finished.duration_ms);

    let final_mp4 = work.path().join("final.mp4");
    assert!(out.is_file() && final_mp4.is_file());
    let v = probe(
        &out,
        &[
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=codec_name,profile,pix_fmt,width,height,r_frame_rate",
            "-of",
            "default=nw=1",
        ],
    );
    for want in ["codec_name=h264", "profile=High", "pix_fmt=yuv420p", "width=1080", "height=1920", "r_frame_rate=30/1"]
    {
        assert!(v.contains(want), "{want} not in {v}");
    }
    let a = probe(
        &out,
        &["-select_streams", "a:0", "-show_entries", "stream=codec_name,sample_rate", "-of", "default=nw=1"],
    );
    assert!(a.contains("codec_name=aac") && a.contains("sample_rate=48000"), "{a}");
    let d: f64 = probe(&out, &["-show_entries", "format=duration", "-of", "default=nw=1:nk=1"]).trim().parse().unwrap();
    assert!((30.0..=90.0).contains(&d), "duration {d}");
    assert!((d * 1000.0 - finished.duration_ms as f64).abs() < 300.0, "{d} vs {}", finished.duration_ms);
    // faststart: the moov atom comes before mdat.
    let bytes = std::fs::read(&out).unwrap();
    let find = |tag: &[u8]| bytes.windows(4).position(|w| w == tag).unwrap();
    assert!(find(b"moov") < find(b"mdat"), "moov after mdat");

    // Captions: in order, each inside its scene, at most two lines.
    let audios: Vec<video::SceneAudio> =
        serde_json::from_slice(&std::fs::read(work.path().join("audio.json")).unwrap()).unwrap();
    let spans = video::captions::scene_spans(&audios);
    assert_eq!(spans.last().unwrap().1, finished.duration_ms);
    for a in &audios {
        let mut last = 0;
        for w in &a.words {
            assert!(w.start_ms >= last && w.end_ms >= w.start_ms && w.end_ms <= a.duration_ms, "{w:?}");
            last = w.end_ms;
        }
    }
    let vtt = std::fs::read_to_string(work.path().join("captions.vtt")).unwrap();
    let srt = std::fs::read_to_string(work.path().join("captions.srt")).unwrap();
    assert!(vtt.starts_with("WEBVTT"));
    check_cues(&vtt, '.', &spans);
    check_cues(&srt, ',', &spans);
    for bad in ["[", "](", "http", "Fig.", "Table"] {
        assert!(!vtt.contains(bad), "{bad} in captions");
    }
    let thumb =
        probe(&work.path().join("thumbnail.jpg"), &["-show_entries", "stream=width,height", "-of", "default=nw=1"]);
    assert!(thumb.contains("width=1080") && thumb.contains("height=1920"), "{thumb}");
    // No temporary files left.
    let leftovers: Vec<_> = std::fs::read_dir(work.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // Keep a copy for looking at.
    if let Ok(dir) = std::env::var("VIDEO_TEST_KEEP") {
        std::fs::create_dir_all(&dir).unwrap();
        for f in ["final.mp4", "captions.vtt", "thumbnail.jpg", "script.json"] {
            std::fs::copy(work.path().join(f), Path::new(&dir).join(f)).unwrap();
        }
        std::fs::write(Path::new(&dir).join("timing.txt"), format!("{elapsed:?} {}", finished.duration_ms)).unwrap();
    }
}

fn parse_ts(s: &str, sep: char) -> u64 {
    let (hms, ms) = s.trim().split_once(sep).unwrap();
    let p: Vec<u64> = hms.split(':').map(|x| x.parse().unwrap()).collect();
    (p[0] * 3600 + p[1] * 60 + p[2]) * 1000 + ms.parse::<u64>().unwrap()
}

fn check_cues(text: &str, sep: char, spans: &[(u64, u64)]) {
    let mut last_end = 0;
    let mut n = 0;
    for block in text.split("\n\n") {
        let lines: Vec<&str> = block.lines().collect();
        let Some(i) = lines.iter().position(|l| l.contains(" --> ")) else { continue };
        let (a, b) = lines[i].split_once(" --> ").unwrap();
        let (a, b) = (parse_ts(a, sep), parse_ts(b, sep));
        assert!(a < b && a >= last_end, "cue {a}-{b} after {last_end}");
        assert!(spans.iter().any(|&(s, e)| a >= s && b <= e), "cue {a}-{b} crosses a scene cut {spans:?}");
        let body = &lines[i + 1..];
        assert!(!body.is_empty() && body.len() <= 2, "{body:?}");
        last_end = b;
        n += 1;
    }
    assert!(n > 10);
}
