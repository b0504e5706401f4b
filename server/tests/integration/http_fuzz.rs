//! Every route and every server function called with missing, wrong-typed, huge and malformed
//! inputs, as anonymous, a user and an admin: nothing may answer 500 (a panicking handler
//! answers 500 through the router's panic layer, so that covers panics too), and every
//! answer comes back.

use crate::common;
use common::{Engine, TestApp, PASSWORD};
use reqwest::{header, Client, Method, StatusCode};
use std::time::Duration;

/// Values that have broken parsers elsewhere: empty, wrong types, huge, odd Unicode, paths,
/// markup, numbers at the edges.
fn nasty_values(id: &str) -> Vec<String> {
    vec![
        String::new(),
        " ".into(),
        "null".into(),
        "true".into(),
        "-1".into(),
        "0".into(),
        "9223372036854775807".into(),
        "-9223372036854775808".into(),
        "99999999999999999999999999".into(),
        "1e308".into(),
        "NaN".into(),
        "[]".into(),
        "{}".into(),
        "../../etc/passwd".into(),
        "%00".into(),
        "\u{0}".into(),
        "\u{202E}gpj.exe".into(),
        "\u{FFFF}\u{D7FF}\u{10FFFF}".into(),
        "<script>alert(1)</script>".into(),
        "10.1/</title><meta http-equiv=\"refresh\" content=\"0;url=http://evil.example\">".into(),
        // Long, yet under what a URL may hold (http's limit is 64 KiB); bodies go to 3 MB below.
        "x".repeat(30_000),
        format!("{id}/../{id}"),
        id.to_uppercase(),
        id.to_owned(),
    ]
}

/// Field names every server function of ours takes somewhere, plus odd ones.
const FIELDS: &[&str] = &[
    "id",
    "ids[0]",
    "ids",
    "source",
    "style",
    "length",
    "pace",
    "email",
    "password",
    "access_code",
    "current_password",
    "new_password",
    "filter[page]",
    "filter[status]",
    "filter[from]",
    "filter[to]",
    "filter[q]",
    "filter[sort]",
    "message",
    "signature",
    "expires",
    "unknown",
];

/// A body over the server's limit: refused with a 4xx, or — when the server answers and closes
/// before the client has finished sending, which HTTP allows — the client sees the connection
/// reset before it reads the answer. Either is a refusal; no answer at all is not.
async fn send_oversized(client: &Client, request: reqwest::RequestBuilder) -> StatusCode {
    match tokio::time::timeout(Duration::from_secs(20), client.execute(request.build().unwrap())).await {
        Ok(Ok(response)) => response.status(),
        Ok(Err(e)) if !e.is_timeout() => StatusCode::PAYLOAD_TOO_LARGE,
        Ok(Err(_)) | Err(_) => StatusCode::GATEWAY_TIMEOUT,
    }
}

/// The answer's status; no answer (an error or nothing within 20 s) counts as 504, a failure
/// on our side that the report names with its request.
async fn send(client: &Client, request: reqwest::RequestBuilder) -> StatusCode {
    // Live streams answer at once and then stay open: only the status matters here.
    let response = client.execute(request.build().unwrap());
    match tokio::time::timeout(Duration::from_secs(20), response).await {
        Ok(Ok(response)) => response.status(),
        Ok(Err(e)) => {
            eprintln!("no answer: {e}");
            StatusCode::GATEWAY_TIMEOUT
        }
        Err(_) => StatusCode::GATEWAY_TIMEOUT,
    }
}

#[tokio::test]
async fn no_input_makes_a_route_or_server_function_fail_on_our_side() {
    let app = TestApp::spawn_with(
        Engine::Sqlite,
        &[
            ("HH_ADMIN_EMAIL", "admin@example.org"),
            ("HH_ADMIN_PASSWORD", PASSWORD),
            ("HH_SIGNIN_ATTEMPTS_PER_CLIENT", "1000000"),
            ("HH_SUBMISSIONS_PER_HOUR", "100000"),
        ],
    )
    .await;
    let user = common::logged_in(&app, "fuzz@example.org").await;
    let admin = app.other_browser();
    assert_eq!(app.login(&admin, "admin@example.org", PASSWORD).await.status(), StatusCode::OK);
    let anonymous = app.other_browser();
    let id = common::submit(&app, &user, "PMC1").await;
    app.call(&user, "jobs/cancel", &[("id", &id)]).await;
    for name in ["final.mp4", "thumbnail.jpg", "captions.vtt", "captions.srt"] {
        let key = app::storage::Key::job(&id, name).unwrap();
        app.state.media.put_bytes(&key, &vec![7u8; 4096]).await.unwrap();
    }
    for name in [app::sample::VIDEO, app::sample::THUMBNAIL, app::sample::VTT] {
        let key = app::storage::Key::sample(name).unwrap();
        app.state.media.put_bytes(&key, &vec![7u8; 4096]).await.unwrap();
    }
    let values = nasty_values(&id);
    let mut failures = Vec::new();
    let mut sent = 0usize;
    let mut check = |what: String, status: StatusCode| {
        sent += 1;
        if status.is_server_error() && status != StatusCode::SERVICE_UNAVAILABLE {
            failures.push(format!("{status} {what}"));
        }
    };

    // The plain routes, with nasty path segments, queries and headers.
    let segments: Vec<String> =
        values.iter().filter(|v| !v.is_empty()).map(|v| app::url::encode_component(v)).collect();
    let mut plain: Vec<(Method, String)> =
        vec![(Method::GET, "/health".into()), (Method::GET, "/api/jobs/events".into())];
    for segment in segments.iter().chain([&id]) {
        for path in [
            format!("/api/jobs/{segment}"),
            format!("/api/jobs/{segment}/events"),
            format!("/api/jobs/{segment}/events?after=-5"),
            format!("/api/jobs/{segment}/events?after=abc"),
            format!("/api/jobs/{segment}/script"),
            format!("/videos/{segment}"),
            format!("/videos/{segment}/download"),
            format!("/videos/{segment}/thumbnail.jpg"),
            format!("/videos/{id}/{segment}"),
            format!("/videos/{id}/scenes/{segment}"),
            format!("/videos/{id}/versions/{segment}"),
            format!("/api/jobs/{segment}/versions"),
            format!("/sample/{segment}"),
            format!("/jobs/{segment}"),
            format!("/admin/jobs?page={segment}&status=failed"),
            format!("/admin/jobs?status={segment}&from=2026-01-01"),
            format!("/admin/jobs?from={segment}&to=2020-01-01"),
            format!("/admin/jobs?to={segment}"),
            format!("/admin/jobs?q={segment}"),
            format!("/?upload_error={segment}&expires=1&signature=00"),
            format!("/?upload_error=x&expires={segment}&signature=00"),
            format!("/?upload_error=x&expires=99999999999999&signature={segment}"),
        ] {
            plain.push((Method::GET, path));
        }
        plain.push((Method::DELETE, format!("/api/jobs/{segment}x")));
        plain.push((Method::POST, format!("/api/jobs/{segment}/continue")));
        plain.push((Method::PUT, format!("/api/jobs/{segment}/script")));
        plain.push((Method::POST, format!("/api/jobs/{id}/scenes/{segment}/remake")));
        plain.push((Method::POST, format!("/api/jobs/{id}/versions/{segment}/restore")));
    }
    for (method, path) in &plain {
        for (who, client) in [("anonymous", &anonymous), ("user", &user), ("admin", &admin)] {
            let request = client.request(method.clone(), app.url(path)).header(header::ACCEPT, "text/html");
            check(format!("{who} {method} {path}"), send(client, request).await);
        }
    }
    let ranges = [
        "bytes=",
        "bytes=-",
        "bytes=5-1",
        "bytes=-0",
        "BYTES=0-",
        "bytes=0-1,3-4",
        "bytes=99999999999999999999999-",
        "lines=1-2",
        "bytes=\u{1F600}",
    ];
    for range in ranges {
        for path in [
            format!("/videos/{id}"),
            format!("/videos/{id}/download"),
            format!("/videos/{id}/captions.vtt"),
            "/sample/video.mp4".to_owned(),
        ] {
            let request = user.get(app.url(&path)).header(header::RANGE, range);
            check(format!("{path} Range: {range}"), send(&user, request).await);
        }
    }
    let last_event_ids = ["", "-1", "abc", "99999999999999999999999", "9223372036854775807"];
    for last in last_event_ids {
        let request = user.get(app.url(&format!("/api/jobs/{id}/events"))).header("last-event-id", last);
        check(format!("events Last-Event-ID: {last}"), send(&user, request).await);
    }

    // Submissions: wrong types, huge, malformed JSON and multipart.
    let bodies: Vec<(&str, Vec<u8>)> = vec![
        ("application/json", br#"{"source": 5}"#.to_vec()),
        ("application/json", br#"{"source": "PMC1", "length": "long"}"#.to_vec()),
        ("application/json", br#"{"source": "PMC1", "length": 99999999999}"#.to_vec()),
        ("application/json", br#"{"source": "PMC1", "style": ["dark"]}"#.to_vec()),
        ("application/json", format!(r#"{{"source": "{}"}}"#, "9".repeat(200_000)).into_bytes()),
        ("application/json", b"{".to_vec()),
        ("application/json", Vec::new()),
        ("application/json", vec![0xFF; 100]),
        ("multipart/form-data", b"--x\r\n\r\n".to_vec()),
        (
            "multipart/form-data; boundary=x",
            b"--x\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nabc".to_vec(),
        ),
        ("multipart/form-data; boundary=x", b"--x--\r\n".to_vec()),
        ("text/plain", b"PMC1".to_vec()),
    ];
    for (content_type, body) in bodies {
        for accept in ["application/json", "text/html"] {
            let request = user
                .post(app.url("/api/jobs"))
                .header(header::CONTENT_TYPE, content_type)
                .header(header::ACCEPT, accept)
                .body(body.clone());
            check(
                format!("POST /api/jobs {content_type} ({} bytes, {accept})", body.len()),
                send(&user, request).await,
            );
        }
    }

    // Every server function, found in the registry so a new one cannot be left out. Last,
    // as some of them delete the job the routes above read.
    let mut server_fns: Vec<(&str, http::Method)> = leptos::server_fn::axum::server_fn_paths().collect();
    server_fns.sort_by_key(|(path, _)| *path);
    // Logging out ends the session the rest of the test needs; it is called last.
    server_fns.sort_by_key(|(path, _)| path.ends_with("/logout"));
    assert!(server_fns.len() >= 10, "the registry lists the server functions: {server_fns:?}");
    for (path, method) in &server_fns {
        let clients: [(&str, &Client); 3] = [("anonymous", &anonymous), ("user", &user), ("admin", &admin)];
        for (who, client) in clients {
            let mut requests: Vec<(String, reqwest::RequestBuilder)> = Vec::new();
            let url = app.url(path);
            if *method == http::Method::GET {
                requests.push(("no query".into(), client.get(&url)));
                for field in FIELDS {
                    for value in &values {
                        let query =
                            format!("{}={}", app::url::encode_component(field), app::url::encode_component(value));
                        requests
                            .push((format!("{field}=({} chars)", value.len()), client.get(format!("{url}?{query}"))));
                    }
                }
                requests.push(("broken escapes".into(), client.get(format!("{url}?id=%FF%FE%&&==&filter[[]=1"))));
            } else {
                requests.push(("no body".into(), client.post(&url)));
                requests.push(("empty form".into(), client.post(&url).form(&[("", "")])));
                for field in FIELDS {
                    for value in &values {
                        let form = client.post(&url).form(&[(*field, value.as_str())]);
                        requests.push((format!("{field}=({} chars)", value.len()), form));
                    }
                }
                let json = client.post(&url).header(header::CONTENT_TYPE, "application/json");
                requests.push(("JSON".into(), json.body(r#"{"id": [1, {"x": null}]}"#)));
                let garbage = client.post(&url).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
                requests.push(("invalid UTF-8".into(), garbage.body(vec![0xFF, 0xFE, b'=', 0x80, b'&', b'%'])));
                let huge = client.post(&url).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
                requests.push(("3 MB body".into(), huge.body(format!("id={}", "A".repeat(3 * 1024 * 1024)))));
            }
            for (input, request) in requests {
                let request = request.header(header::ACCEPT, "application/json");
                let status = if input == "3 MB body" {
                    send_oversized(client, request).await
                } else {
                    send(client, request).await
                };
                check(format!("{who} {method} {path} {input}"), status);
            }
        }
    }

    assert!(sent > 5_000, "the fuzzing really ran: {sent} requests");
    assert!(failures.is_empty(), "{} of {sent} requests failed on our side:\n{}", failures.len(), failures.join("\n"));
    // And the app still serves (the sessions above ended with the logout calls).
    let again = app.other_browser();
    assert_eq!(app.login(&again, "admin@example.org", PASSWORD).await.status(), StatusCode::OK);
    assert_eq!(app.whoami(&again).await.as_deref(), Some("admin@example.org"));
}
