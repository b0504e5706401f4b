//! The studio over HTTP: a job that asks for a review stops after its script ("review"), its
//! storyboard shows every scene beside the paper's sentences, an edit that says a number the
//! paper lacks needs "keep it", and "continue" makes the video from the edited script, redoing
//! neither the paper nor the script. A review left too long is cancelled with a note.

use crate::common;

use common::{follow_until, logged_in, Engine, TestApp};
use reqwest::{multipart, Client, StatusCode};
use serde_json::{json, Value};

on_both_engines!(a_script_waits_for_review_and_an_edit_is_checked_against_the_paper);

/// Uploads the short paper asking for a review; returns the job's id once its script waits.
async fn job_in_review(app: &TestApp, owner: &Client) -> String {
    let form = multipart::Form::new()
        .text("length", "30")
        .text("review", "on")
        .part("file", multipart::Part::bytes(common::short_paper()).file_name("elife.xml"));
    let response = owner.post(app.url("/api/jobs")).multipart(form).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let job: Value = response.json().await.unwrap();
    assert_eq!(job["options"]["review"], true);
    let id = job["id"].as_str().unwrap().to_owned();
    let events = follow_until(app, owner, &id, 0, |e| e["kind"] == "review" || e["kind"] == "failed").await;
    let last = &events.last().unwrap().1;
    assert_eq!(last["kind"], "review", "the run stopped at the review: {last}");
    let steps: Vec<&str> = events.iter().filter_map(|(_, e)| e["step"].as_str()).collect();
    assert!(
        !steps.iter().any(|s| ["generate-audio", "generate-videos", "add-captions"].contains(s)),
        "nothing after the script ran: {steps:?}"
    );
    id
}

/// The scenes of a storyboard as an edit that changes nothing.
fn unchanged(board: &Value) -> Vec<Value> {
    board["scenes"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .map(|(i, s)| json!({ "from": i, "narration": s["narration"], "on_screen_text": s["on_screen_text"] }))
        .collect()
}

async fn a_script_waits_for_review_and_an_edit_is_checked_against_the_paper(engine: Engine) {
    let app = TestApp::spawn_with(engine, &[("HH_WORKERS", "1")]).await;
    let owner = logged_in(&app, "owner@example.org").await;
    let id = job_in_review(&app, &owner).await;
    let job = app.get_json(&owner, &format!("/api/jobs/{id}")).await;
    assert_eq!((job["status"].as_str(), job["reviewed_at_ms"].is_null()), (Some("review"), true));
    // Remembered for the person's next submission (the home page's checkbox).
    assert_eq!(app.get_json(&owner, "/api/me").await["review_first"], true);

    // The storyboard: every scene with its words and where in the paper they come from.
    let board = app.get_json(&owner, &format!("/api/jobs/{id}/script")).await;
    assert_eq!(board["editable"], true);
    let scenes = board["scenes"].as_array().unwrap();
    assert!(scenes.len() >= 3, "{board}");
    assert_eq!((scenes[0]["kind"].as_str(), scenes[0]["fixed"].as_bool()), (Some("title"), Some(true)));
    // The paper as its reader gives it (the XML's markup dropped).
    let read = paper::read(&common::short_paper()).unwrap().paper;
    let paper: String = read.all_text().collect::<Vec<_>>().join(" ");
    let quoted: Vec<String> = scenes
        .iter()
        .flat_map(|s| s["source"].as_array().unwrap().iter())
        .flat_map(|p| p["parts"].as_array().unwrap().iter())
        .filter(|part| part["quoted"] == true)
        .map(|part| part["text"].as_str().unwrap().to_owned())
        .collect();
    assert!(!quoted.is_empty(), "scenes rest on the paper's sentences: {board}");
    for sentence in &quoted {
        let stretch: String = sentence.split_whitespace().take(5).collect::<Vec<_>>().join(" ");
        let flat = paper.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(flat.contains(&stretch), "“{stretch}” is a sentence of the paper");
    }
    let passages = scenes.iter().flat_map(|s| s["source"].as_array().unwrap().iter());
    assert!(passages.clone().any(|p| p["section"] == "Abstract"), "sections are named: {board}");

    // A narration with a number the paper lacks is flagged and nothing is saved…
    let mut edit = unchanged(&board);
    let point = scenes.iter().position(|s| s["fixed"] == false).unwrap();
    edit[point]["narration"] = json!("Marmalade finches sang 4817 songs in this study.");
    let refused =
        owner.put(app.url(&format!("/api/jobs/{id}/script"))).json(&json!({ "scenes": edit })).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["flagged"], json!([{ "scene": point, "numbers": ["4817"] }]), "{body}");
    assert!(body["error"].as_str().unwrap().contains("keep_numbers"), "{body}");
    let again = app.get_json(&owner, &format!("/api/jobs/{id}/script")).await;
    assert_eq!(again["scenes"], board["scenes"], "nothing was saved");

    // …until the person keeps it; their choice is recorded as theirs. A scene removed and one
    // moved are saved as well.
    edit[point]["keep_numbers"] = json!(true);
    let saved =
        owner.put(app.url(&format!("/api/jobs/{id}/script"))).json(&json!({ "scenes": edit })).send().await.unwrap();
    assert_eq!(saved.status(), StatusCode::OK);
    let saved: Value = saved.json().await.unwrap();
    let scene = &saved["storyboard"]["scenes"][point];
    assert_eq!(scene["narration"], "Marmalade finches sang 4817 songs in this study.");
    assert_eq!(scene["kept_numbers"], json!(["4817"]));
    assert_eq!(scene["original_narration"], scenes[point]["narration"], "the writer's words are kept beside");

    // Bad edits are refused with what to do.
    for (scenes, says) in [
        (json!([]), "title scene stays first"),
        (json!(edit.iter().skip(1).collect::<Vec<_>>()), "title scene stays first"),
        (json!([edit[0], edit[0]]), "out of date"),
    ] {
        let response = owner
            .put(app.url(&format!("/api/jobs/{id}/script")))
            .json(&json!({ "scenes": scenes }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["field"], "scenes");
        assert!(body["error"].as_str().unwrap().contains(says), "{body}");
    }

    // Nobody else reads, edits or continues it.
    let other = logged_in(&app, "other@example.org").await;
    for response in [
        other.get(app.url(&format!("/api/jobs/{id}/script"))).send().await.unwrap(),
        other.put(app.url(&format!("/api/jobs/{id}/script"))).json(&json!({ "scenes": edit })).send().await.unwrap(),
        other.post(app.url(&format!("/api/jobs/{id}/continue"))).send().await.unwrap(),
    ] {
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
    }

    // Left in review too long: cancelled with a note, and a retry comes back to the review.
    app::jobs::store::touch_review(&app.state.db, &id).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    assert_eq!(app::jobs::store::expire_reviews(&app.state, 1).await.unwrap(), 1);
    let history = app.get_json(&owner, &format!("/api/jobs/history?id={id}")).await;
    assert_eq!(history["job"]["status"], "cancelled");
    let last = history["events"].as_array().unwrap().last().unwrap().clone();
    assert!(last["message"].as_str().unwrap().contains("waited for your review"), "{last}");
    let continued = owner.post(app.url(&format!("/api/jobs/{id}/continue"))).send().await.unwrap();
    assert_eq!(continued.status(), StatusCode::CONFLICT, "only a job in review continues");
    let cancelled_at = board_last_seq(&app, &owner, &id).await;
    app.call(&owner, "jobs/retry", &[("id", &id)]).await;
    let events =
        follow_until(&app, &owner, &id, cancelled_at, |e| e["kind"] == "review" || e["kind"] == "failed").await;
    assert_eq!(events.last().unwrap().1["kind"], "review");
    let board = app.get_json(&owner, &format!("/api/jobs/{id}/script")).await;
    assert_eq!(board["scenes"][point]["kept_numbers"], json!(["4817"]), "the edit survived the retry");
}

/// The whole path: review, edit a narration, continue; the video says the edited words.
#[tokio::test]
async fn an_edited_script_becomes_the_video() {
    let app = TestApp::spawn_with(Engine::Sqlite, &[("HH_WORKERS", "1")]).await;
    let owner = logged_in(&app, "owner@example.org").await;
    let id = job_in_review(&app, &owner).await;
    let board = app.get_json(&owner, &format!("/api/jobs/{id}/script")).await;
    let mut edit = unchanged(&board);
    let point = board["scenes"].as_array().unwrap().iter().position(|s| s["fixed"] == false).unwrap();
    edit[point]["narration"] = json!("Marmalade is the word you will hear in this scene.");
    let saved =
        owner.put(app.url(&format!("/api/jobs/{id}/script"))).json(&json!({ "scenes": edit })).send().await.unwrap();
    assert_eq!(saved.status(), StatusCode::OK);
    let seen = board_last_seq(&app, &owner, &id).await;

    let continued = owner.post(app.url(&format!("/api/jobs/{id}/continue"))).send().await.unwrap();
    assert_eq!(continued.status(), StatusCode::OK);
    let job: Value = continued.json().await.unwrap();
    // Queued, or already claimed by the worker.
    assert!(job["status"] == "queued" || job["status"] == "running", "{job}");
    assert!(job["reviewed_at_ms"].is_i64());
    // A scene can be watched, with its voice, while later scenes render.
    let mut events =
        follow_until(&app, &owner, &id, seen, |e| e["kind"] == "scene-ready" || e["kind"] == "failed").await;
    let (ready_at, first) = events.last().unwrap().clone();
    assert_eq!(first["kind"], "scene-ready", "{first}");
    // Scene 1 first: drawn as soon as its voice exists, while the other scenes are recorded.
    assert_eq!(first["step"], "generate-audio", "{first}");
    assert_eq!(first["message"], "Scene 1 drawn: watch it while the others are recorded");
    assert!(
        !events.iter().any(|(_, e)| e["step"] == "generate-videos"),
        "scene 1 is watchable before the other scenes are drawn"
    );
    let drawn: Vec<usize> = app
        .get_json(&owner, &format!("/api/jobs/previews?id={id}"))
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_u64().unwrap() as usize)
        .collect();
    assert_eq!(drawn.first(), Some(&1), "scene 1's preview is listed");
    let preview = owner.get(app.url(&format!("/videos/{id}/scenes/scene-{:02}.mp4", drawn[0]))).send().await.unwrap();
    assert_eq!(preview.status(), StatusCode::OK);
    let local = app.data.path().join("preview.mp4");
    std::fs::write(&local, preview.bytes().await.unwrap()).unwrap();
    let streams = common::ffprobe(&local)["streams"].as_array().unwrap().clone();
    let codecs: Vec<&str> = streams.iter().filter_map(|s| s["codec_name"].as_str()).collect();
    assert!(codecs.contains(&"h264") && codecs.contains(&"aac"), "picture and voice: {codecs:?}");
    events
        .extend(follow_until(&app, &owner, &id, ready_at, |e| e["kind"] == "succeeded" || e["kind"] == "failed").await);
    let last = &events.last().unwrap().1;
    assert_eq!(last["kind"], "succeeded", "{last}");
    assert_eq!(events.first().unwrap().1["message"], "Making the video from your script");
    // The paper and the script were not made again: the person's script is what was voiced.
    for step in ["fetch-paper", "generate-script"] {
        assert_eq!(common::kinds_of(&events, step), ["step-skipped"], "{step}");
    }
    let captions =
        owner.get(app.url(&format!("/videos/{id}/captions.vtt"))).send().await.unwrap().text().await.unwrap();
    assert!(captions.contains("Marmalade"), "the captions say the edited words: {captions}");
    // The finished job's storyboard is the source view: read-only now.
    let board = app.get_json(&owner, &format!("/api/jobs/{id}/script")).await;
    assert_eq!(board["editable"], false);
    let refused =
        owner.put(app.url(&format!("/api/jobs/{id}/script"))).json(&json!({ "scenes": edit })).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    remake_and_go_back(&app, &owner, &id, &board, point).await;
}

/// Remakes one scene of the finished video `id`: a new version, the first playable while it is
/// made and after; only that scene is voiced and drawn again; then back to the first version.
async fn remake_and_go_back(app: &TestApp, owner: &Client, id: &str, board: &Value, point: usize) {
    let first_video = owner.get(app.url(&format!("/videos/{id}"))).send().await.unwrap().bytes().await.unwrap();
    let n = point + 1;
    let remake = |narration: &str| {
        owner
            .post(app.url(&format!("/api/jobs/{id}/scenes/{n}/remake")))
            .json(&json!({ "narration": narration, "on_screen_text": board["scenes"][point]["on_screen_text"] }))
            .send()
    };
    let unchanged = remake("Marmalade is the word you will hear in this scene.").await.unwrap();
    assert_eq!(unchanged.status(), StatusCode::UNPROCESSABLE_ENTITY, "nothing to remake");
    let seen = board_last_seq(app, owner, id).await;
    let remade = remake("Quince is the word of the remade scene.").await.unwrap();
    assert_eq!(remade.status(), StatusCode::OK);
    let during = owner.get(app.url(&format!("/videos/{id}"))).send().await.unwrap();
    assert_eq!(during.status(), StatusCode::OK, "the video plays while a scene is remade");
    let versions = app.get_json(owner, &format!("/api/jobs/{id}/versions")).await;
    assert_eq!(versions.as_array().unwrap().len(), 2, "{versions}");
    assert_eq!((versions[0]["number"].as_u64(), versions[0]["current"].as_bool()), (Some(1), Some(false)));
    let kept = owner.get(app.url(&format!("/videos/{id}/versions/1.mp4"))).send().await.unwrap().bytes().await.unwrap();
    assert_eq!(kept, first_video, "version 1 is the first video, byte for byte");
    let events = follow_until(app, owner, id, seen, |e| e["kind"] == "succeeded" || e["kind"] == "failed").await;
    assert_eq!(events.last().unwrap().1["kind"], "succeeded", "{:?}", events.last());
    // Only that scene was voiced and drawn again, then the final.
    let said = |kind: &str, what: &str| -> Vec<String> {
        events
            .iter()
            .filter(|(_, e)| e["kind"] == kind && e["message"].as_str().unwrap().starts_with(what))
            .map(|(_, e)| e["message"].as_str().unwrap().to_owned())
            .collect()
    };
    let total = board["scenes"].as_array().unwrap().len();
    assert_eq!(said("step-progress", "Recording scene"), [format!("Recording scene {n} of {total}")]);
    assert_eq!(said("scene-ready", "Scene"), [format!("Scene {n} drawn ({total} of {total})")]);
    assert_eq!(common::kinds_of(&events, "add-captions"), ["step-started", "step-done"]);
    let captions =
        owner.get(app.url(&format!("/videos/{id}/captions.vtt"))).send().await.unwrap().text().await.unwrap();
    assert!(captions.contains("Quince") && !captions.contains("Marmalade"), "{captions}");
    let versions = app.get_json(owner, &format!("/api/jobs/{id}/versions")).await;
    assert_eq!(versions[1]["note"], format!("Scene {n} remade"));

    // Back to version 1: it is the video again, and version 2 is kept.
    let restored = owner.post(app.url(&format!("/api/jobs/{id}/versions/1/restore"))).send().await.unwrap();
    assert_eq!(restored.status(), StatusCode::OK);
    let now = owner.get(app.url(&format!("/videos/{id}"))).send().await.unwrap().bytes().await.unwrap();
    assert_eq!(now, first_video);
    let captions =
        owner.get(app.url(&format!("/videos/{id}/captions.vtt"))).send().await.unwrap().text().await.unwrap();
    assert!(captions.contains("Marmalade"), "the captions came back with the video");
    let versions = app.get_json(owner, &format!("/api/jobs/{id}/versions")).await;
    let notes: Vec<String> =
        versions.as_array().unwrap().iter().map(|v| v["note"].as_str().unwrap().to_owned()).collect();
    assert_eq!(notes, ["First version".to_owned(), format!("Scene {n} remade"), "Version 1 again".to_owned()]);
    // Nobody else sees or touches the versions.
    let other = logged_in(app, "other@example.org").await;
    let scene = json!({"narration": "x", "on_screen_text": ""});
    for response in [
        other.get(app.url(&format!("/api/jobs/{id}/versions"))).send().await.unwrap(),
        other.get(app.url(&format!("/videos/{id}/versions/1.mp4"))).send().await.unwrap(),
        other.post(app.url(&format!("/api/jobs/{id}/versions/1/restore"))).send().await.unwrap(),
        other.post(app.url(&format!("/api/jobs/{id}/scenes/{n}/remake"))).json(&scene).send().await.unwrap(),
    ] {
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
    }
    // Deleted with the job: nothing of any version is left.
    assert_eq!(
        owner.delete(app.url(&format!("/api/jobs/{id}"))).send().await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    let left = app.state.media.list(&app::storage::Key::job_prefix(id).unwrap()).await.unwrap();
    assert!(left.is_empty(), "{left:?}");
}

/// The last event's sequence number so far.
async fn board_last_seq(app: &TestApp, owner: &Client, id: &str) -> i64 {
    let history = app.get_json(owner, &format!("/api/jobs/history?id={id}")).await;
    history["events"].as_array().unwrap().last().unwrap()["seq"].as_i64().unwrap()
}

/// "Try another sentence" asks the writer the server is configured with: a model (here a local
/// fake of an OpenAI-compatible server) writes a new version from the paper without the
/// sentences the script already uses; when the model fails, the offline writer's choice comes
/// instead, named as such. Each card also carries its beat plan.
#[tokio::test]
async fn another_sentence_is_a_new_version_from_the_configured_model() {
    let bytes = std::fs::read(
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("paper/tests/fixtures/jats/europepmc_nonascii-authors_PMC6385181.xml"),
    )
    .unwrap();
    let read = paper::read(&bytes).unwrap().paper;
    let (model, model_url) = crate::fakes::openai::OpenAiFake::start(read.clone(), None).await;
    let app = TestApp::spawn_with(
        Engine::Sqlite,
        &[("HH_WORKERS", "1"), ("HH_LLM_URL", &model_url), ("HH_LLM_MODEL", "fake-model-7b")],
    )
    .await;
    let owner = logged_in(&app, "writer@example.org").await;
    let form =
        multipart::Form::new().text("review", "on").part("file", multipart::Part::bytes(bytes).file_name("paper.xml"));
    let response = owner.post(app.url("/api/jobs")).multipart(form).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let id = response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let events = follow_until(&app, &owner, &id, 0, |e| e["kind"] == "review" || e["kind"] == "failed").await;
    assert_eq!(events.last().unwrap().1["kind"], "review", "{events:#?}");
    let board = app.get_json(&owner, &format!("/api/jobs/{id}/script")).await;
    let used: Vec<String> = board["scenes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["source_sentences"].as_array().unwrap().iter().map(|x| x.as_str().unwrap().to_owned()))
        .collect();
    assert!(used.len() >= 3, "{board}");
    // Every card has a beat plan covering its narration, estimated before the voice exists.
    for card in board["scenes"].as_array().unwrap() {
        let beats = card["beats"].as_array().unwrap();
        assert!(!beats.is_empty(), "{card}");
        assert_eq!(card["beats_timed"], false);
        assert_eq!(beats[0]["start_ms"], 0);
        assert!(beats
            .iter()
            .all(|b| b["end_ms"].as_u64() > b["start_ms"].as_u64() && !b["text"].as_str().unwrap().is_empty()));
    }
    assert_eq!(board["scenes"][0]["beats"][0]["kind"], "hook", "the title scene opens on the hook");

    let asked_before = model.requests().len();
    let card = app.get_json(&owner, &format!("/api/jobs/scenes/another?id={id}&scene=2")).await;
    assert_eq!(card["written_by"], "fake-model-7b", "{card}");
    assert_eq!(model.requests().len(), asked_before + 1, "one more request to the model");
    let sentences: Vec<&str> =
        card["source_sentences"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
    assert!(!sentences.is_empty());
    let paper_text = read.all_text().collect::<Vec<_>>().join(" ");
    let flat = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    for s in &sentences {
        assert!(flat(&paper_text).contains(&flat(s)), "a sentence of the paper: {s}");
        assert!(!used.iter().any(|u| flat(u) == flat(s)), "not one the script already uses: {s}");
    }
    // The model was not shown the sentences in use.
    let prompt = model.requests().last().unwrap().body.to_string();
    assert!(
        used.iter().filter(|u| u.len() > 40).all(|u| !prompt.contains(&u[..40])),
        "the used sentences were left out"
    );
    assert!(!card["beats"].as_array().unwrap().is_empty());

    // The model fails: the offline writer answers, and says so.
    model.push([
        crate::fakes::openai::OStep::Unavailable503,
        crate::fakes::openai::OStep::Unavailable503,
        crate::fakes::openai::OStep::Unavailable503,
    ]);
    let card = app.get_json(&owner, &format!("/api/jobs/scenes/another?id={id}&scene=2")).await;
    assert_eq!(card["written_by"], "offline-extractive", "{card}");
    for s in card["source_sentences"].as_array().unwrap() {
        assert!(!used.iter().any(|u| flat(u) == flat(s.as_str().unwrap())));
    }
    // Nothing was saved: the storyboard is as it was.
    assert_eq!(app.get_json(&owner, &format!("/api/jobs/{id}/script")).await["scenes"], board["scenes"]);
    // Another person's job is not found.
    let other = logged_in(&app, "other@example.org").await;
    let response = other.get(app.url(&format!("/api/jobs/scenes/another?id={id}&scene=2"))).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}
