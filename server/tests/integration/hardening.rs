//! The probe's reproductions, each turned into a test: sign-in limits per client and account
//! counted before any hash, cross-site requests refused, session tokens rotated, personal
//! answers kept out of caches, server functions' bad arguments answered 422, links that cannot
//! put words in the page's mouth.

use crate::common;
use common::{error_of, logged_in, Engine, TestApp, ACCESS_CODE, PASSWORD};
use reqwest::{header, Client, StatusCode};
use serde_json::json;

/// A login as a browser behind the trusted proxy at `client` would send it.
async fn login_from(app: &TestApp, client: &str, email: &str, password: &str) -> StatusCode {
    Client::new()
        .post(app.url("/api/login"))
        .header(header::ACCEPT, "application/json")
        .header("x-forwarded-for", format!("198.51.100.200, {client}"))
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn a_guesser_is_stopped_before_hashing_without_locking_the_owner_out() {
    let app = TestApp::spawn_with(Engine::Sqlite, &[("HH_CLIENT_IP_HEADER", "x-forwarded-for")]).await;
    app.register(&app.other_browser(), "marie@example.org").await;
    // 60 wrong passwords at once from one address: only the first ten are checked.
    let guesses = (0..60).map(|_| login_from(&app, "203.0.113.9", "marie@example.org", "wrong password!"));
    let answers = futures::future::join_all(guesses).await;
    let checked = answers.iter().filter(|s| **s == StatusCode::UNPROCESSABLE_ENTITY).count();
    let refused = answers.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!((checked, refused), (10, 50), "{answers:?}");
    // Even the right password from the guesser's address now waits...
    assert_eq!(login_from(&app, "203.0.113.9", "marie@example.org", PASSWORD).await, StatusCode::TOO_MANY_REQUESTS);
    // ...but the owner, from their own address, gets in.
    assert_eq!(login_from(&app, "192.0.2.44", "marie@example.org", PASSWORD).await, StatusCode::OK);
}

#[tokio::test]
async fn one_client_trying_many_accounts_or_access_codes_is_limited() {
    // 40 an hour: 10 at once. The proxy header is not trusted here, so changing it does not help.
    let app = TestApp::spawn_with(Engine::Sqlite, &[("HH_SIGNIN_ATTEMPTS_PER_CLIENT", "40")]).await;
    let mut statuses = Vec::new();
    for i in 0..30 {
        statuses
            .push(login_from(&app, &format!("10.0.0.{i}"), &format!("user{i}@example.org"), "wrong password!").await);
    }
    let checked = statuses.iter().filter(|s| **s == StatusCode::UNPROCESSABLE_ENTITY).count();
    assert!((10..=11).contains(&checked), "only the burst is checked: {statuses:?}");
    assert_eq!(statuses.last(), Some(&StatusCode::TOO_MANY_REQUESTS));

    let other = TestApp::spawn_with(Engine::Sqlite, &[("HH_SIGNIN_ATTEMPTS_PER_CLIENT", "40")]).await;
    let browser = other.other_browser();
    let mut codes = Vec::new();
    for i in 0..30 {
        let form = [("email", "eve@example.org"), ("password", PASSWORD), ("access_code", &*format!("guess-{i}"))];
        codes.push(other.call(&browser, "register", &form).await.status());
    }
    assert_eq!(codes.iter().filter(|s| **s == StatusCode::UNPROCESSABLE_ENTITY).count(), 10, "{codes:?}");
    let response = other
        .call(
            &browser,
            "register",
            &[("email", "eve@example.org"), ("access_code", ACCESS_CODE), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = response.headers()[header::RETRY_AFTER].to_str().unwrap().parse().unwrap();
    assert!((1..=3600).contains(&wait));
    let (_, message, _) = error_of(response).await;
    assert!(message.contains("wait"), "{message}");
}

#[tokio::test]
async fn requests_from_other_sites_change_nothing() {
    let app = TestApp::spawn(Engine::Sqlite).await;
    let ada = logged_in(&app, "ada@example.org").await;
    let own = format!("http://{}", app.addr);
    let other_port = format!("http://127.0.0.1:{}", app.addr.port() + 1);
    let job: serde_json::Value = ada
        .post(app.url("/api/jobs"))
        .header(header::ORIGIN, &own)
        .json(&json!({ "source": "PMC1" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = job["id"].as_str().unwrap().to_owned();

    for origin in ["http://evil.example", other_port.as_str(), "null"] {
        let submitted = ada
            .post(app.url("/api/jobs"))
            .header(header::ORIGIN, origin)
            .json(&json!({ "source": "PMC2" }))
            .send()
            .await
            .unwrap();
        assert_eq!(submitted.status(), StatusCode::FORBIDDEN, "{origin}");
        let body: serde_json::Value = submitted.json().await.unwrap();
        assert!(body["error"].as_str().unwrap().contains("another website"), "{body}");
        let deleted =
            ada.delete(app.url(&format!("/api/jobs/{id}"))).header(header::ORIGIN, origin).send().await.unwrap();
        assert_eq!(deleted.status(), StatusCode::FORBIDDEN, "{origin}");
        let changed = ada
            .post(app.url("/api/password"))
            .header(header::ORIGIN, origin)
            .form(&[("current_password", PASSWORD), ("new_password", "a brand new passphrase")])
            .send()
            .await
            .unwrap();
        assert_eq!(changed.status(), StatusCode::FORBIDDEN, "{origin}");
    }
    // Without Origin, Sec-Fetch-Site speaks for the browser.
    let same_site =
        ada.delete(app.url(&format!("/api/jobs/{id}"))).header("sec-fetch-site", "same-site").send().await.unwrap();
    assert_eq!(same_site.status(), StatusCode::FORBIDDEN);

    // Nothing changed: one job, still there; the old password still works.
    let jobs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM jobs").fetch_one(app.db.pool()).await.unwrap();
    assert_eq!(jobs, 1, "only the job the app's own page made");
    assert_eq!(ada.get(app.url(&format!("/api/jobs/{id}"))).send().await.unwrap().status(), StatusCode::OK);
    assert_eq!(app.login(&app.other_browser(), "ada@example.org", PASSWORD).await.status(), StatusCode::OK);
    // The app's own pages may do all of it.
    let deleted = ada.delete(app.url(&format!("/api/jobs/{id}"))).header(header::ORIGIN, &own).send().await.unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn a_password_change_rotates_the_session_token() {
    let app = TestApp::spawn(Engine::Sqlite).await;
    let browser = app.other_browser();
    let registered = app.register(&browser, "rosalind@example.org").await;
    let old_cookie = common::session_cookie(&registered);
    let changed = app
        .call(&browser, "password", &[("current_password", PASSWORD), ("new_password", "a brand new passphrase")])
        .await;
    assert_eq!(changed.status(), StatusCode::OK);
    let new_cookie = common::session_cookie(&changed);
    assert_ne!(new_cookie, old_cookie);
    let whois = |cookie: String| {
        let url = app.url("/api/me");
        async move {
            let r = Client::new().get(url).header("cookie", cookie).send().await.unwrap();
            r.json::<Option<serde_json::Value>>().await.unwrap()
        }
    };
    assert!(whois(old_cookie).await.is_none(), "a token seen before the change is worth nothing");
    assert!(whois(new_cookie).await.is_some());
    assert_eq!(app.whoami(&browser).await.as_deref(), Some("rosalind@example.org"));
}

#[tokio::test]
async fn personal_answers_are_not_kept_by_caches() {
    let app = TestApp::spawn(Engine::Sqlite).await;
    let ada = logged_in(&app, "ada@example.org").await;
    for path in ["/", "/profile", "/videos", "/api/me", "/api/jobs/mine", "/api/profile"] {
        let response = ada.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store", "{path}");
    }
}

#[tokio::test]
async fn server_functions_answer_bad_arguments_with_422_not_500() {
    let app = TestApp::spawn(Engine::Sqlite).await;
    let ada = logged_in(&app, "ada@example.org").await;
    for (endpoint, form) in [
        ("login", vec![]),
        ("register", vec![("email", "x@example.org")]),
        ("jobs/submit", vec![]),
        ("jobs/delete", vec![("nonsense", "1")]),
        ("password", vec![("current_password", "x")]),
    ] {
        let response = app.call(&ada, endpoint, &form).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{endpoint}");
        let (_, message, _) = error_of(response).await;
        assert!(message.contains("could not be read"), "{endpoint}: {message}");
    }
    let response = ada.get(app.url("/api/jobs/get")).header(header::ACCEPT, "application/json").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn an_admin_page_far_past_the_end_is_empty_not_an_error() {
    let app = TestApp::spawn_with(
        Engine::Sqlite,
        &[("HH_ADMIN_EMAIL", "admin@example.org"), ("HH_ADMIN_PASSWORD", PASSWORD)],
    )
    .await;
    let admin = app.other_browser();
    assert_eq!(app.login(&admin, "admin@example.org", PASSWORD).await.status(), StatusCode::OK);
    for page in ["9223372036854775807", "9223372036854775806", "-9223372036854775808", "0"] {
        let url = app.url(&format!("/api/admin/jobs?filter[page]={page}"));
        let response = admin.get(url).header(header::ACCEPT, "application/json").send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "page {page}");
        let list: serde_json::Value = response.json().await.unwrap();
        assert_eq!(list["jobs"], json!([]), "page {page}");
    }
}

#[tokio::test]
async fn the_home_page_shows_only_refusals_this_server_wrote() {
    let app = TestApp::spawn(Engine::Sqlite).await;
    let ada = logged_in(&app, "ada@example.org").await;
    let form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(vec![0xFF; 64]).file_name("x.bin"));
    let refused =
        ada.post(app.url("/api/jobs")).header(header::ACCEPT, "text/html").multipart(form).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::SEE_OTHER);
    let location = refused.headers()[header::LOCATION].to_str().unwrap().to_owned();
    let page = ada.get(app.url(&location)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("not one Hidden Hill can read"), "the real refusal is shown");

    // The same link, sent to someone else, says nothing to them.
    let bob = logged_in(&app, "bob@example.org").await;
    let page = bob.get(app.url(&location)).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("not one Hidden Hill can read"), "a refusal is shown only to whom it was written");
    // Nor once it has expired.
    let ada_id = app::accounts::store::find_with_hash(&app.db, "ada@example.org").await.unwrap().unwrap().0.id;
    let signed_link = |expires: i64| {
        let payload = format!("upload-refusal\n{ada_id}\n{expires}\nOld news.");
        let signature = app::backend::security::sign(&app.state.signing_key, &payload);
        app.url(&format!("/?upload_error=Old%20news.&expires={expires}&signature={signature}"))
    };
    let page = ada.get(signed_link(app::backend::now_ms() + 60_000)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Old news."), "a fresh signed refusal is shown");
    let page = ada.get(signed_link(app::backend::now_ms() - 1)).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("Old news."), "an expired one is not");

    let forged =
        "/?upload_error=Your%20account%20is%20locked.%20Call%20%2B1%20555%200100&expires=99999999999999&signature=00";
    let page = ada.get(app.url(forged)).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("Call +1 555 0100"), "a link cannot put words in the page");
    let unsigned = "/?upload_error=Your%20account%20is%20locked.";
    let page = ada.get(app.url(unsigned)).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("Your account is locked"));
}
