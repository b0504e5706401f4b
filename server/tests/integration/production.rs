//! The real pipeline, end to end: an uploaded paper becomes a video that plays with Range
//! requests; a server restart and a SIGKILLed worker process lose nothing and redo no finished
//! step; uploads are checked before any job exists.

use crate::common;

use common::{ffprobe, follow_until, kinds_of, logged_in, relogin, upload, upload_ok, Engine, TestApp};
use reqwest::{header, multipart, StatusCode};
use serde_json::Value;

#[tokio::test]
async fn an_uploaded_paper_becomes_a_video_that_plays_with_ranges() {
    let app = TestApp::spawn_with(Engine::Sqlite, &[("HH_WORKERS", "1")]).await;
    let owner = logged_in(&app, "owner@example.org").await;
    // The person's choices come before the file, as the home page's form sends them.
    let form = multipart::Form::new()
        .text("style", "paper")
        .text("length", "30")
        .text("pace", "faster")
        .part("file", multipart::Part::bytes(common::short_paper()).file_name("elife.xml"));
    let response = owner.post(app.url("/api/jobs")).multipart(form).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let job: Value = response.json().await.unwrap();
    assert_eq!(
        job["options"],
        serde_json::json!({"style": "paper", "length_seconds": 30, "pace": "faster", "review": false})
    );
    let id = job["id"].as_str().unwrap().to_owned();

    let events = follow_until(&app, &owner, &id, 0, |e| e["kind"] == "succeeded" || e["kind"] == "failed").await;
    let last = &events.last().unwrap().1;
    assert_eq!(last["kind"], "succeeded", "the job ended with {last}");
    for step in ["fetch-paper", "generate-script", "generate-audio", "generate-videos", "add-captions"] {
        assert_eq!(kinds_of(&events, step), ["step-started", "step-done"], "{step} ran once");
    }
    let sequence: Vec<i64> = events.iter().map(|(s, _)| *s).collect();
    assert!(sequence.windows(2).all(|w| w[1] == w[0] + 1), "events in order, none missing: {sequence:?}");
    assert!(
        events.iter().any(|(_, e)| e["message"].as_str().unwrap().contains("Recording scene 1 of")),
        "sub-progress is reported"
    );

    let job: Value = owner.get(app.url(&format!("/api/jobs/{id}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(job["status"], "succeeded");
    assert_eq!(job["percent"], 100);
    assert!(job["title"].as_str().unwrap().len() > 10, "the paper's title is on the job: {job}");
    let duration_ms = job["video"]["duration_ms"].as_i64().unwrap();
    assert!((10_000..=120_000).contains(&duration_ms), "a short video: {duration_ms} ms");
    assert!(job["video"]["scenes"].as_i64().unwrap() >= 3);

    // The whole file, then ranges as a <video> element asks for them.
    let video_url = app.url(&format!("/videos/{id}"));
    let whole = owner.get(&video_url).header(header::ACCEPT_ENCODING, "gzip").send().await.unwrap();
    assert_eq!(whole.status(), StatusCode::OK);
    assert_eq!(whole.headers()[header::CONTENT_TYPE], "video/mp4");
    assert_eq!(whole.headers()[header::ACCEPT_RANGES], "bytes");
    assert!(whole.headers().get(header::CONTENT_ENCODING).is_none(), "video is never gzipped");
    let size: u64 = whole.headers()[header::CONTENT_LENGTH].to_str().unwrap().parse().unwrap();
    let bytes = whole.bytes().await.unwrap();
    assert_eq!(bytes.len() as u64, size);
    let local = app.data.path().join("downloaded.mp4");
    std::fs::write(&local, &bytes).unwrap();
    let probe = ffprobe(&local);
    let video = probe["streams"].as_array().unwrap().iter().find(|s| s["codec_type"] == "video").unwrap();
    assert_eq!(
        (video["codec_name"].as_str(), video["width"].as_i64(), video["height"].as_i64()),
        (Some("h264"), Some(1080), Some(1920))
    );
    assert!(probe["streams"].as_array().unwrap().iter().any(|s| s["codec_name"] == "aac"));
    // The sound as the platforms want it, measured on the file people download.
    let loudness = video::assemble::measure_loudness(&local).await.unwrap();
    assert!((loudness.integrated + 14.0).abs() <= 1.0 && loudness.true_peak <= -1.0, "{loudness:?}");
    // The choices reached the script, where the renderer and the voice read them.
    let script: Value = serde_json::from_slice(
        &std::fs::read(app.data.path().join("media/jobs").join(&id).join("script.json")).unwrap(),
    )
    .unwrap();
    assert_eq!((script["style"].as_str(), script["pace"].as_str()), (Some("paper"), Some("faster")));

    common::check_ranges(&owner, &video_url, &bytes).await;

    let download = owner.get(app.url(&format!("/videos/{id}/download"))).send().await.unwrap();
    let disposition = download.headers()[header::CONTENT_DISPOSITION].to_str().unwrap().to_owned();
    assert!(disposition.starts_with("attachment; filename=\"") && disposition.contains(".mp4\""), "{disposition}");
    assert!(disposition.chars().all(|c| c.is_ascii_graphic() || c == ' '), "{disposition}");
    let thumbnail = owner.get(app.url(&format!("/videos/{id}/thumbnail.jpg"))).send().await.unwrap();
    assert_eq!(thumbnail.headers()[header::CONTENT_TYPE], "image/jpeg");
    assert_eq!(&thumbnail.bytes().await.unwrap()[..2], &[0xFF, 0xD8], "a JPEG");
    let vtt = owner.get(app.url(&format!("/videos/{id}/captions.vtt"))).send().await.unwrap().text().await.unwrap();
    assert!(vtt.starts_with("WEBVTT"), "{vtt}");
    let srt = owner.get(app.url(&format!("/videos/{id}/captions.srt"))).send().await.unwrap().text().await.unwrap();
    assert!(srt.trim_start().starts_with('1'), "{srt}");
    for other_file in ["paper.json", "script.json", "upload", "..%2F..%2Fetc%2Fpasswd"] {
        let response = owner.get(app.url(&format!("/videos/{id}/{other_file}"))).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{other_file} is not served");
    }

    // The text to post with it: the script's caption and hashtags.
    let post_url = app.url(&format!("/api/jobs/post-text?id={id}"));
    let post: Value =
        owner.get(&post_url).header(header::ACCEPT, "application/json").send().await.unwrap().json().await.unwrap();
    assert!(!post["caption"].as_str().unwrap().is_empty(), "{post}");
    assert!(post["hashtags"].as_array().unwrap().iter().all(|t| t.as_str().unwrap().starts_with('#')), "{post}");
    // The status page reads it with the job and its log, in one request.
    let history = app.get_json(&owner, &format!("/api/jobs/history?id={id}")).await;
    assert_eq!(history["post"], post);
    assert_eq!(history["events"].as_array().unwrap().last().unwrap()["kind"], "succeeded", "{history}");

    // Nobody else gets anything, not even a hint that it exists.
    let stranger = logged_in(&app, "stranger@example.org").await;
    let refused = stranger.get(&post_url).header(header::ACCEPT, "application/json").send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    for path in [format!("/videos/{id}"), format!("/videos/{id}/download"), format!("/videos/{id}/thumbnail.jpg")] {
        assert_eq!(stranger.get(app.url(&path)).send().await.unwrap().status(), StatusCode::NOT_FOUND, "{path}");
        assert_eq!(
            app.other_browser().get(app.url(&path)).send().await.unwrap().status(),
            StatusCode::UNAUTHORIZED,
            "{path}"
        );
    }

    // Deleting the job deletes its files.
    let folder = app.data.path().join("media/jobs").join(&id);
    assert!(folder.join("final.mp4").is_file());
    assert_eq!(
        owner.delete(app.url(&format!("/api/jobs/{id}"))).send().await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    assert!(!folder.exists(), "the job's files are gone");
    assert_eq!(owner.get(&video_url).send().await.unwrap().status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_file_that_is_not_a_paper_is_refused_at_reading_never_made_a_video() {
    let app = TestApp::spawn_with(Engine::Sqlite, &[("HH_WORKERS", "1")]).await;
    let owner = logged_in(&app, "honest@example.org").await;
    let lorem = "# Title of the manuscript\n\n## Introduction\n\n".to_owned()
        + &"Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore. "
            .repeat(12);
    let json = r#"{ "header": { "type": "esearch", "version": "0.3" }, "esearchresult": { "count": "15169", "idlist": [ "23233340", "23233337", "23233336" ], "translationstack": [ { "term": "cancer[All Fields]", "field": "All Fields", "count": "1914640", "explode": "N" }, "OR" ] } }"#
        .repeat(4);
    let shifted = "# Vdow lqwdnh dqg wkh khduw\n\n".to_owned()
        + &"Vdow lqwdnh udlvhv eorrg suhvvxuh lq prvw dgxowv, dqg orzhulqj lw lv rqh ri wkh fkhdshvw zdbv wr suhyhqw khduw glvhdvh. ".repeat(8);
    for (name, bytes, kind, advice) in [
        ("template.md", lorem.into_bytes(), "placeholder-text", "Upload the paper itself"),
        ("esearch.json", json.into_bytes(), "garbled-text", "data or program code"),
        ("garbled.txt", shifted.into_bytes(), "garbled-text", "common words"),
    ] {
        let response = upload(&app, &owner, name, bytes).await;
        assert_eq!(response.status(), StatusCode::CREATED, "{name}");
        let id = response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
        let events = follow_until(&app, &owner, &id, 0, |e| e["kind"] == "succeeded" || e["kind"] == "failed").await;
        let last = &events.last().unwrap().1;
        assert_eq!(last["kind"], "failed", "{name}: {last}");
        assert_eq!(last["step"], "fetch-paper", "{name}");
        // Refused before a script was written: no later step ever started.
        assert!(kinds_of(&events, "generate-script").is_empty(), "{name}");
        let job: Value = owner.get(app.url(&format!("/api/jobs/{id}"))).send().await.unwrap().json().await.unwrap();
        assert_eq!(job["failure"]["kind"], kind, "{name}: {job}");
        assert!(job["failure"]["message"].as_str().unwrap().contains(advice), "{name}: {job}");
        assert!(job["video"].is_null(), "{name}: {job}");
    }
}

/// A scan of a real paper's first page: the BMC review (CC BY 2.0) rendered by pdftoppm as a
/// JPEG and wrapped as the only thing on an image-only PDF page (no text layer).
fn scanned_first_page() -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let pdf = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("paper/tests/fixtures/pdf/bmc-review_twocol_cc-by-2.0.pdf");
    let (w, h) = (1275, 1650);
    let done = std::process::Command::new("pdftoppm")
        .args(["-f", "1", "-l", "1", "-r", "150", "-jpeg", "-singlefile"])
        .args(["-scale-to-x", &w.to_string(), "-scale-to-y", &h.to_string()])
        .arg(&pdf)
        .arg(dir.path().join("page"))
        .status()
        .unwrap();
    assert!(done.success());
    let jpeg = std::fs::read(dir.path().join("page.jpg")).unwrap();
    let content = "q 612 0 0 792 0 0 cm /Im1 Do Q";
    let mut image = format!("<< /Type /XObject /Subtype /Image /Width {w} /Height {h} /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode /Length {} >>\nstream\n", jpeg.len()).into_bytes();
    image.extend(&jpeg);
    image.extend(b"\nendstream");
    let objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /XObject << /Im1 4 0 R >> >> /Contents 5 0 R >>".to_vec(),
        image,
        format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()).into_bytes(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n", i + 1).into_bytes());
        out.extend(object);
        out.extend(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).into_bytes());
    for offset in offsets {
        out.extend(format!("{offset:010} 00000 n \n").into_bytes());
    }
    out.extend(
        format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1).into_bytes(),
    );
    out
}

#[tokio::test]
async fn a_scanned_paper_is_read_by_ocr_and_the_status_says_so() {
    if std::process::Command::new("tesseract").arg("--version").output().is_err() {
        println!("SKIPPED: tesseract is not installed (scripts/install-tools installs it)");
        return;
    }
    let app = TestApp::spawn_with(Engine::Sqlite, &[("HH_WORKERS", "1")]).await;
    let owner = logged_in(&app, "scanner@example.org").await;
    let response = upload(&app, &owner, "scan.pdf", scanned_first_page()).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let id = response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let events = follow_until(&app, &owner, &id, 0, |e| {
        (e["kind"] == "step-done" && e["step"] == "fetch-paper") || e["kind"] == "failed"
    })
    .await;
    assert_eq!(events.last().unwrap().1["kind"], "step-done", "{:?}", events.last());
    // The last word of the read step, which the status page keeps beside the finished step.
    let said: Vec<&str> = events
        .iter()
        .filter(|(_, e)| e["step"] == "fetch-paper" && e["kind"] == "step-progress")
        .map(|(_, e)| e["message"].as_str().unwrap())
        .collect();
    let last = said.last().unwrap();
    assert!(last.contains("by OCR (text recognition)"), "{said:?}");
    assert!(last.contains("Complications related to deep venous thrombosis"), "{last}");
    let job: Value = owner.get(app.url(&format!("/api/jobs/{id}"))).send().await.unwrap().json().await.unwrap();
    assert!(job["title"].as_str().unwrap().starts_with("Complications related to deep venous thrombosis"), "{job}");
    assert_eq!(
        owner.delete(app.url(&format!("/api/jobs/{id}"))).send().await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
}

#[tokio::test]
async fn uploads_are_checked_before_a_job_exists() {
    let app = TestApp::spawn_with(Engine::Sqlite, &[("HH_UPLOAD_LIMIT_MB", "1")]).await;
    let browser = logged_in(&app, "careful@example.org").await;

    let refused = [
        (
            upload(&app, &browser, "paper.pdf", vec![0u8, 159, 146, 150, 0, 1, 2, 3]).await,
            "not one Hidden Hill can read",
        ),
        (upload(&app, &browser, "big.txt", "word ".repeat(300_000).into_bytes()).await, "larger than the 1 MB limit"),
        (upload(&app, &browser, "empty.txt", Vec::new()).await, "empty"),
        // An OLE2 compound file (an old Word .doc): its own advice, before any job.
        (
            upload(&app, &browser, "paper.doc", [&b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"[..], &[0u8; 504]].concat()).await,
            "old Word .doc",
        ),
        (
            browser
                .post(app.url("/api/jobs"))
                .multipart(multipart::Form::new().text("note", "no file here"))
                .send()
                .await
                .unwrap(),
            "No file was sent",
        ),
    ];
    for (response, reason) in refused {
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body: Value = response.json().await.unwrap();
        assert!(body["error"].as_str().unwrap().contains(reason), "{body}");
        assert_eq!(body["field"], "file");
    }
    let mine: Value = browser
        .get(app.url("/api/jobs/mine"))
        .header(header::ACCEPT, "application/json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(mine["jobs"].as_array().unwrap().len(), 0, "no job was created: {mine}");
    assert!(
        !app.data.path().join("media/jobs").exists()
            || std::fs::read_dir(app.data.path().join("media/jobs")).unwrap().next().is_none()
    );

    // The home page's plain form: redirected to the job, or home with the reason.
    let page_form = |bytes: Vec<u8>| {
        let form =
            multipart::Form::new().part("file", multipart::Part::bytes(bytes).file_name("../../secret name.txt"));
        browser.post(app.url("/api/jobs")).header(header::ACCEPT, "text/html").multipart(form).send()
    };
    let accepted = page_form(b"A Title\n\nAbstract\n\nSome text about a study of 40 mice.".to_vec()).await.unwrap();
    assert_eq!(accepted.status(), StatusCode::SEE_OTHER);
    let location = accepted.headers()[header::LOCATION].to_str().unwrap().to_owned();
    assert!(location.starts_with("/jobs/"), "{location}");
    let job: Value =
        browser.get(app.url(&format!("/api/jobs/{}", &location[6..]))).send().await.unwrap().json().await.unwrap();
    assert_eq!(job["source"]["name"], "secret name.txt", "only the last segment, as a label");
    assert!(job["source"]["key"].as_str().unwrap().ends_with("/upload"));
    let refused = page_form(vec![0xFF; 64]).await.unwrap();
    assert_eq!(refused.status(), StatusCode::SEE_OTHER);
    assert!(refused.headers()[header::LOCATION].to_str().unwrap().starts_with("/?upload_error="));
}

#[tokio::test]
async fn a_server_restart_mid_job_loses_nothing() {
    let app = TestApp::spawn_with(Engine::Postgres, &[("HH_WORKERS", "1")]).await;
    let owner = logged_in(&app, "patient@example.org").await;
    let id = upload_ok(&app, &owner).await;
    let before =
        follow_until(&app, &owner, &id, 0, |e| e["kind"] == "step-done" && e["step"] == "generate-audio").await;
    assert_eq!(before.last().unwrap().1["kind"], "step-done");
    let seen = before.last().unwrap().0;

    // SIGTERM's path: the worker hands the job back; the next start picks it up.
    let app = app.restart().await;
    let owner = relogin(&app, "patient@example.org").await;
    let after = follow_until(&app, &owner, &id, seen, |e| e["kind"] == "succeeded" || e["kind"] == "failed").await;
    assert_eq!(after.last().unwrap().1["kind"], "succeeded", "{:?}", after.last());
    for step in ["fetch-paper", "generate-script", "generate-audio"] {
        assert!(
            !kinds_of(&after, step).contains(&"step-started".to_owned()),
            "{step} was not run again: {:?}",
            kinds_of(&after, step)
        );
    }
    assert_eq!(kinds_of(&after, "add-captions"), ["step-started", "step-done"]);
    let video = owner.get(app.url(&format!("/videos/{id}"))).header(header::RANGE, "bytes=0-15").send().await.unwrap();
    assert_eq!(video.status(), StatusCode::PARTIAL_CONTENT);
}

#[tokio::test]
async fn a_killed_worker_process_leaves_its_job_to_another_worker() {
    // The web process runs no worker; the first worker is a real `hidden-hill worker` process.
    let web = TestApp::spawn(Engine::Postgres).await;
    let owner = logged_in(&web, "resilient@example.org").await;
    let id = upload_ok(&web, &owner).await;
    let mut doomed = std::process::Command::new(env!("CARGO_BIN_EXE_hidden-hill"))
        .arg("worker")
        .envs(web.env())
        .env("HH_LEASE_SECONDS", "2")
        .env("RUST_LOG", "warn")
        .spawn()
        .expect("the worker process starts");
    let before =
        follow_until(&web, &owner, &id, 0, |e| e["kind"] == "step-done" && e["step"] == "generate-script").await;
    let seen = before.last().unwrap().0;
    doomed.kill().expect("SIGKILL");
    doomed.wait().unwrap();

    // Another worker takes the job once the dead one's lease runs out.
    let rescuer = TestApp::spawn_sharing_with(&web, &[("HH_WORKERS", "1"), ("HH_LEASE_SECONDS", "2")]).await;
    let after = follow_until(&web, &owner, &id, seen, |e| e["kind"] == "succeeded" || e["kind"] == "failed").await;
    assert_eq!(after.last().unwrap().1["kind"], "succeeded", "{:?}", after.last());
    let all: Vec<(i64, Value)> = before.into_iter().chain(after).collect();
    for step in ["fetch-paper", "generate-script"] {
        assert_eq!(
            kinds_of(&all, step),
            ["step-started", "step-done", "step-skipped"],
            "{step} ran once, then was skipped"
        );
    }
    let job: Value = owner.get(web.url(&format!("/api/jobs/{id}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(job["attempts"], 2, "claimed twice: {job}");
    drop(rescuer);
}

/// Style, length and pace are optional, checked, and kept with the job; every id the browser
/// offers is one the renderer knows.
#[tokio::test]
async fn job_options_are_checked_and_kept() {
    let app = TestApp::spawn_with(Engine::Sqlite, &[("HH_WORKERS", "0")]).await;
    let owner = logged_in(&app, "options@example.org").await;
    let submit = |body: Value| owner.post(app.url("/api/jobs")).json(&body).send();
    let job: Value = submit(serde_json::json!({"source": "PMC7096066"})).await.unwrap().json().await.unwrap();
    assert_eq!(
        job["options"],
        serde_json::json!({"style": "dark", "length_seconds": 60, "pace": "normal", "review": false})
    );
    let job: Value =
        submit(serde_json::json!({"source": "PMC7096066", "style": "bold", "length": 90, "pace": "slower"}))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    let id = job["id"].as_str().unwrap();
    let again: Value = owner.get(app.url(&format!("/api/jobs/{id}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(
        again["options"],
        serde_json::json!({"style": "bold", "length_seconds": 90, "pace": "slower", "review": false})
    );
    for (body, field) in [
        (serde_json::json!({"source": "PMC7096066", "style": "neon"}), "style"),
        (serde_json::json!({"source": "PMC7096066", "length": 45}), "length"),
        (serde_json::json!({"source": "PMC7096066", "pace": "ludicrous"}), "pace"),
    ] {
        let response = submit(body).await.unwrap();
        let status = response.status();
        let error: Value = response.json().await.unwrap();
        assert_eq!((status, error["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some(field)), "{error}");
        assert!(error["error"].as_str().unwrap().starts_with("Choose"), "{error}");
    }
    // An upload with a bad option is refused before any job or file exists.
    let form = multipart::Form::new()
        .text("style", "x".repeat(10_000))
        .part("file", multipart::Part::bytes(common::short_paper()).file_name("elife.xml"));
    let response = owner.post(app.url("/api/jobs")).multipart(form).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let jobs: Value = owner.get(app.url("/api/jobs/mine")).send().await.unwrap().json().await.unwrap();
    assert_eq!(jobs["jobs"].as_array().map(Vec::len), Some(2), "{jobs}");
    for style in app::jobs::VideoStyle::ALL {
        assert!(video::Style::parse(style.id()).is_some(), "{style:?}");
    }
    for pace in app::jobs::Pace::ALL {
        assert!(video::voice::Pace::parse(pace.id()).is_some(), "{pace:?}");
    }
}
