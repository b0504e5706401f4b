//! Who may do what, as a matrix: every job route, page and server function × {anonymous,
//! another user, the owner, an admin}. Only the right ones succeed, and no refusal leaks the
//! job's paper or its owner.

use crate::common;

use common::{Engine, TestApp, PASSWORD};
use reqwest::{Client, Method, StatusCode};

on_both_engines!(every_route_checks_who_is_asking, the_live_stream_of_my_jobs_carries_only_mine);

const PAPER: &str = "PMC7096066";
const OWNER: &str = "owner@example.org";

async fn every_route_checks_who_is_asking(engine: Engine) {
    let app =
        TestApp::spawn_with(engine, &[("HH_ADMIN_EMAIL", "admin@example.org"), ("HH_ADMIN_PASSWORD", PASSWORD)]).await;
    let owner = app.other_browser();
    app.register(&owner, OWNER).await;
    let other = app.other_browser();
    app.register(&other, "other@example.org").await;
    let admin = app.other_browser();
    app.login(&admin, "admin@example.org", PASSWORD).await;
    let anonymous = Client::new();

    let response = owner.post(app.url("/api/jobs")).json(&serde_json::json!({ "source": PAPER })).send().await.unwrap();
    let id = response.json::<serde_json::Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    // Cancelled, so its event stream ends at once for those allowed to read it.
    app.call(&owner, "jobs/cancel", &[("id", &id)]).await;
    // Files as a finished job has them, so that reading them succeeds for those allowed to.
    for name in
        ["final.mp4", "thumbnail.jpg", "captions.vtt", "captions.srt", "previews/scene-01.mp4", "versions/v1/final.mp4"]
    {
        let key = app::storage::Key::job(&id, name).unwrap();
        app.state.media.put_bytes(&key, format!("the {name} of this job").as_bytes()).await.unwrap();
    }
    // A kept earlier version, as a remade scene leaves it.
    let index = serde_json::json!({ "kept": [{ "number": 1, "note": "First version" }] });
    let key = app::storage::Key::job(&id, "versions/index.json").unwrap();
    app.state.media.put_bytes(&key, index.to_string().as_bytes()).await.unwrap();
    // And its paper and script, for the studio's storyboard.
    // (A whole paper: "Try another sentence" has sentences to spare in it.)
    let fixture =
        concat!(env!("CARGO_MANIFEST_DIR"), "/paper/tests/fixtures/jats/europepmc_nonascii-authors_PMC6385181.xml");
    let read = paper::read(&std::fs::read(fixture).unwrap()).unwrap();
    let script = video::script::write_offline(&read.paper).unwrap();
    for (name, json) in [("paper.json", serde_json::to_vec(&read.paper)), ("script.json", serde_json::to_vec(&script))]
    {
        let key = app::storage::Key::job(&id, name).unwrap();
        app.state.media.put_bytes(&key, &json.unwrap()).await.unwrap();
    }

    let roles: [(&str, &Client); 4] =
        [("anonymous", &anonymous), ("other", &other), ("owner", &owner), ("admin", &admin)];
    use StatusCode as S;
    // (route, expected status per role, the roles that may see the job's paper or its owner)
    let job_readers: &[&str] = &["owner", "admin"];
    let reads: Vec<(Method, String, [StatusCode; 4], &[&str])> = vec![
        // The operator's: health for anyone (no job in it), metrics for no session (a token,
        // which this app does not have, or their own address).
        (Method::GET, "/health/live".into(), [S::OK, S::OK, S::OK, S::OK], &[]),
        (Method::GET, "/health/ready".into(), [S::OK, S::OK, S::OK, S::OK], &[]),
        (Method::GET, "/metrics".into(), [S::NOT_FOUND, S::NOT_FOUND, S::NOT_FOUND, S::NOT_FOUND], &[]),
        // Asking for a password reset is for anyone (it says nothing of who has an account);
        // this app sends no mail, so asking is refused alike for everyone.
        (Method::GET, "/api/password/reset/available".into(), [S::OK, S::OK, S::OK, S::OK], &[]),
        (Method::GET, "/forgot-password".into(), [S::OK, S::OK, S::OK, S::OK], &[]),
        (Method::GET, "/reset-password?token=00".into(), [S::OK, S::OK, S::OK, S::OK], &[]),
        (Method::GET, "/confirm-email?token=00".into(), [S::OK, S::OK, S::OK, S::OK], &[]),
        (Method::GET, "/api/admin/usage".into(), [S::NOT_FOUND, S::NOT_FOUND, S::NOT_FOUND, S::OK], &[]),
        (Method::GET, format!("/api/jobs/{id}"), [S::UNAUTHORIZED, S::NOT_FOUND, S::OK, S::OK], job_readers),
        (Method::GET, format!("/api/jobs/{id}/events"), [S::UNAUTHORIZED, S::NOT_FOUND, S::OK, S::OK], job_readers),
        (Method::GET, format!("/api/jobs/get?id={id}"), [S::UNAUTHORIZED, S::NOT_FOUND, S::OK, S::OK], job_readers),
        (Method::GET, format!("/api/jobs/history?id={id}"), [S::UNAUTHORIZED, S::NOT_FOUND, S::OK, S::OK], job_readers),
        (Method::GET, format!("/jobs/{id}"), [S::UNAUTHORIZED, S::NOT_FOUND, S::OK, S::OK], job_readers),
        (Method::GET, format!("/api/jobs/{id}/script"), [S::UNAUTHORIZED, S::NOT_FOUND, S::OK, S::OK], job_readers),
        (
            Method::GET,
            format!("/api/jobs/storyboard?id={id}"),
            [S::UNAUTHORIZED, S::NOT_FOUND, S::OK, S::OK],
            job_readers,
        ),
        (Method::GET, "/api/admin/jobs".into(), [S::NOT_FOUND, S::NOT_FOUND, S::NOT_FOUND, S::OK], &["admin"]),
        (Method::GET, "/admin/jobs".into(), [S::NOT_FOUND, S::NOT_FOUND, S::NOT_FOUND, S::OK], &["admin"]),
        (
            Method::GET,
            "/api/admin/people".into(),
            [S::NOT_FOUND, S::NOT_FOUND, S::NOT_FOUND, S::OK],
            &["admin", "owner"],
        ),
        (Method::GET, "/admin/people".into(), [S::NOT_FOUND, S::NOT_FOUND, S::NOT_FOUND, S::OK], &["admin", "owner"]),
        (Method::GET, "/api/jobs/mine".into(), [S::UNAUTHORIZED, S::OK, S::OK, S::OK], &["owner"]),
        (
            Method::GET,
            format!("/api/jobs/post-text?id={id}"),
            [S::UNAUTHORIZED, S::NOT_FOUND, S::OK, S::OK],
            job_readers,
        ),
        (Method::GET, format!("/videos/{id}"), [S::UNAUTHORIZED, S::NOT_FOUND, S::OK, S::OK], job_readers),
        (Method::GET, format!("/videos/{id}/download"), [S::UNAUTHORIZED, S::NOT_FOUND, S::OK, S::OK], job_readers),
        (
            Method::GET,
            format!("/videos/{id}/thumbnail.jpg"),
            [S::UNAUTHORIZED, S::NOT_FOUND, S::OK, S::OK],
            job_readers,
        ),
        (Method::GET, format!("/videos/{id}/captions.vtt"), [S::UNAUTHORIZED, S::NOT_FOUND, S::OK, S::OK], job_readers),
        (Method::GET, format!("/videos/{id}/captions.srt"), [S::UNAUTHORIZED, S::NOT_FOUND, S::OK, S::OK], job_readers),
        (
            Method::GET,
            format!("/videos/{id}/scenes/scene-01.mp4"),
            [S::UNAUTHORIZED, S::NOT_FOUND, S::OK, S::OK],
            job_readers,
        ),
        (
            Method::GET,
            format!("/api/jobs/previews?id={id}"),
            [S::UNAUTHORIZED, S::NOT_FOUND, S::OK, S::OK],
            job_readers,
        ),
        (Method::GET, format!("/api/jobs/{id}/versions"), [S::UNAUTHORIZED, S::NOT_FOUND, S::OK, S::OK], job_readers),
        (
            Method::GET,
            format!("/api/jobs/scenes/another?id={id}&scene=2"),
            [S::UNAUTHORIZED, S::NOT_FOUND, S::OK, S::OK],
            job_readers,
        ),
        (
            Method::GET,
            format!("/api/jobs/versions?id={id}"),
            [S::UNAUTHORIZED, S::NOT_FOUND, S::OK, S::OK],
            job_readers,
        ),
        (
            Method::GET,
            format!("/videos/{id}/versions/1.mp4"),
            [S::UNAUTHORIZED, S::NOT_FOUND, S::OK, S::OK],
            job_readers,
        ),
        (Method::GET, "/api/profile".into(), [S::UNAUTHORIZED, S::OK, S::OK, S::OK], &["owner"]),
        // Pages that need someone: a stranger gets the log-in prompt, with its status.
        (Method::GET, "/profile".into(), [S::UNAUTHORIZED, S::OK, S::OK, S::OK], &["owner"]),
        (Method::GET, "/videos".into(), [S::UNAUTHORIZED, S::OK, S::OK, S::OK], &["owner"]),
    ];
    for (method, path, expected, visible_to) in &reads {
        for ((role, client), want) in roles.iter().zip(expected) {
            let response = client
                .request(method.clone(), app.url(path))
                .header("accept", if path.starts_with("/api/") { "application/json" } else { "text/html" })
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), *want, "{role} {method} {path}");
            let body = response.text().await.unwrap();
            if !visible_to.contains(role) {
                assert!(!body.contains(PAPER), "{role} {method} {path} leaks the paper: {body}");
                // (Pages greet the owner by their own email; that is theirs to see.)
                if *role != "owner" {
                    assert!(!body.contains(OWNER), "{role} {method} {path} leaks the owner: {body}");
                }
            }
        }
    }

    // The status page's first frame: the row and its log, which ends where the row does.
    let history = app.get_json(&owner, &format!("/api/jobs/history?id={id}")).await;
    assert_eq!(history["job"]["status"], "cancelled");
    let kinds: Vec<&str> = history["events"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!((kinds.first(), kinds.last()), (Some(&"queued"), Some(&"cancelled")), "{kinds:?}");

    // Submitting needs a session, by identifier or by file.
    let upload = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(b"Title\n\nText.".to_vec()).file_name("a.txt"));
    assert_eq!(anonymous.post(app.url("/api/jobs")).multipart(upload).send().await.unwrap().status(), S::UNAUTHORIZED);
    let by_id =
        anonymous.post(app.url("/api/jobs")).json(&serde_json::json!({ "source": PAPER })).send().await.unwrap();
    assert_eq!(by_id.status(), S::UNAUTHORIZED);
    assert_eq!(anonymous.get(app.url("/api/jobs/events")).send().await.unwrap().status(), S::UNAUTHORIZED);

    // Changes: refused for anyone but the owner and admins, and nothing changes.
    let changes: Vec<(&str, Option<&str>, [StatusCode; 2])> = vec![
        ("DELETE /api/jobs/{id}", None, [S::UNAUTHORIZED, S::NOT_FOUND]),
        ("jobs/cancel", Some("id"), [S::UNAUTHORIZED, S::NOT_FOUND]),
        ("jobs/retry", Some("id"), [S::UNAUTHORIZED, S::NOT_FOUND]),
        ("jobs/continue", Some("id"), [S::UNAUTHORIZED, S::NOT_FOUND]),
        ("jobs/delete", Some("id"), [S::UNAUTHORIZED, S::NOT_FOUND]),
        ("admin/jobs/delete", Some("ids[0]"), [S::NOT_FOUND, S::NOT_FOUND]),
        // (The people functions with all their fields: people.rs.)
        ("admin/access-code", Some("id"), [S::NOT_FOUND, S::NOT_FOUND]),
        ("account/delete", Some("email"), [S::UNAUTHORIZED, S::UNPROCESSABLE_ENTITY]),
        // (Changing an address, with both its fields: email_confirmation.rs.)
    ];
    for (route, field, expected) in &changes {
        for ((role, client), want) in roles[..2].iter().zip(expected) {
            let response = match field {
                None => client.delete(app.url(&format!("/api/jobs/{id}"))).send().await.unwrap(),
                Some(field) => app.call(client, route, &[(field, &id)]).await,
            };
            assert_eq!(response.status(), *want, "{role} {route}");
            let body = response.text().await.unwrap();
            assert!(!body.contains(PAPER) && !body.contains(OWNER), "{role} {route} leaks: {body}");
        }
        // The owner (also when not an admin) still sees the job untouched.
        let job: serde_json::Value =
            owner.get(app.url(&format!("/api/jobs/{id}"))).send().await.unwrap().json().await.unwrap();
        assert_eq!(job["status"], "cancelled", "after {route}");
    }
    // The studio's plain routes: editing the script and letting the job go on.
    let edit = serde_json::json!({ "scenes": [{ "from": 0, "narration": "Mine now.", "on_screen_text": "" }] });
    for ((role, client), want) in roles[..2].iter().zip([S::UNAUTHORIZED, S::NOT_FOUND]) {
        let put = client.put(app.url(&format!("/api/jobs/{id}/script"))).json(&edit).send().await.unwrap();
        assert_eq!(put.status(), want, "{role} PUT script");
        let post = client.post(app.url(&format!("/api/jobs/{id}/continue"))).send().await.unwrap();
        assert_eq!(post.status(), want, "{role} POST continue");
        let scene = serde_json::json!({ "narration": "Mine now.", "on_screen_text": "" });
        let remake =
            client.post(app.url(&format!("/api/jobs/{id}/scenes/2/remake"))).json(&scene).send().await.unwrap();
        assert_eq!(remake.status(), want, "{role} POST remake");
        let restore = client.post(app.url(&format!("/api/jobs/{id}/versions/1/restore"))).send().await.unwrap();
        assert_eq!(restore.status(), want, "{role} POST restore");
    }
    let board = app.get_json(&owner, &format!("/api/jobs/{id}/script")).await;
    assert_ne!(board["scenes"][0]["narration"], "Mine now.", "nothing was saved");
}

/// `GET /api/jobs/events` (My videos' one live connection) delivers a person's own jobs'
/// events and nobody else's, admins included.
async fn the_live_stream_of_my_jobs_carries_only_mine(engine: Engine) {
    let app =
        TestApp::spawn_with(engine, &[("HH_ADMIN_EMAIL", "admin@example.org"), ("HH_ADMIN_PASSWORD", PASSWORD)]).await;
    let (ada, bob, admin) = (app.other_browser(), app.other_browser(), app.other_browser());
    app.register(&ada, "ada@example.org").await;
    app.register(&bob, "bob@example.org").await;
    app.login(&admin, "admin@example.org", PASSWORD).await;
    let open = |client: &Client| {
        let request = client.get(app.url("/api/jobs/events"));
        async move { common::SseReader::new(request.send().await.unwrap()) }
    };
    let (mut ada_stream, mut bob_stream, mut admin_stream) = (open(&ada).await, open(&bob).await, open(&admin).await);
    let submit = |client: &Client, source: &'static str| {
        let request = client.post(app.url("/api/jobs")).json(&serde_json::json!({ "source": source }));
        async move {
            request.send().await.unwrap().json::<serde_json::Value>().await.unwrap()["id"].as_str().unwrap().to_owned()
        }
    };
    let ada_job = submit(&ada, "PMC1111111").await;
    let bob_job = submit(&bob, "PMC2222222").await;
    app.call(&ada, "jobs/cancel", &[("id", &ada_job)]).await;
    app.call(&bob, "jobs/cancel", &[("id", &bob_job)]).await;
    for (stream, mine) in [(&mut ada_stream, &ada_job), (&mut bob_stream, &bob_job)] {
        let kinds: Vec<String> = {
            let mut kinds = Vec::new();
            for _ in 0..2 {
                let (_, event) = stream.next().await.expect("an event");
                assert_eq!(event["job_id"], mine.as_str(), "only the reader's own job");
                kinds.push(event["kind"].as_str().unwrap().to_owned());
            }
            kinds
        };
        assert_eq!(kinds, ["queued", "cancelled"]);
    }
    // The admin owns neither: their stream stays quiet (keep-alives only).
    let quiet = tokio::time::timeout(std::time::Duration::from_millis(700), admin_stream.next()).await;
    assert!(quiet.is_err(), "the admin's own stream carries no one else's jobs: {quiet:?}");
}
