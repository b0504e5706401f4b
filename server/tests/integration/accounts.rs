//! Accounts end to end over HTTP: register with the access code, stay logged in, log out,
//! log in again, and every way that can go wrong — on SQLite and on PostgreSQL.

use crate::common;

use common::{error_of, submit, Engine, TestApp, ACCESS_CODE, PASSWORD};
use reqwest::StatusCode;

on_both_engines!(
    a_person_registers_logs_out_and_logs_in_again,
    registration_needs_the_right_access_code,
    an_email_can_register_only_once,
    weak_passwords_and_bad_emails_are_refused_with_a_reason,
    a_wrong_password_says_nothing_about_which_part_was_wrong,
    logging_out_kills_the_session_not_just_the_cookie,
    repeated_failed_logins_are_slowed_down,
    an_expired_session_is_nobody,
    the_bootstrap_admin_is_an_admin,
    changing_the_password_needs_the_current_one_and_logs_out_other_devices,
    the_profile_counts_only_my_jobs,
    logging_in_returns_to_where_the_person_was_going,
    a_new_account_is_told_apart_from_one_that_has_made_something,
    pages_that_need_someone_show_strangers_only_the_prompt,
    deleting_my_account_takes_every_job_and_file_and_nothing_of_anyone_else,
);

async fn a_person_registers_logs_out_and_logs_in_again(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let browser = &app.client;
    assert_eq!(app.whoami(browser).await, None, "nobody is logged in at first");

    let response = app.register(browser, "  Ada@Example.org ").await;
    assert_eq!(response.status(), StatusCode::OK);
    let set_cookie = response.headers().get("set-cookie").expect("a session cookie").to_str().unwrap().to_owned();
    assert!(
        set_cookie.starts_with("hh_session=") && set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax")
    );
    assert!(!set_cookie.contains("Secure"), "plain-http deployments must get a cookie the browser keeps");
    let user: serde_json::Value = response.json().await.unwrap();
    assert_eq!(user["email"], "ada@example.org", "emails are stored trimmed and lower-cased");
    assert_eq!(user["role"], "user");
    assert_eq!(app.whoami(browser).await.as_deref(), Some("ada@example.org"));

    let response = app.call(browser, "logout", &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(app.whoami(browser).await, None);

    let response = app.login(browser, "ADA@example.org", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(app.whoami(browser).await.as_deref(), Some("ada@example.org"));
    // Another browser is not logged in by any of this.
    assert_eq!(app.whoami(&app.other_browser()).await, None);
}

async fn registration_needs_the_right_access_code(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    for code in ["", "wrong", &ACCESS_CODE[..ACCESS_CODE.len() - 1]] {
        let response = app
            .call(
                &app.client,
                "register",
                &[("email", "eve@example.org"), ("password", PASSWORD), ("access_code", code)],
            )
            .await;
        let (status, message, field) = error_of(response).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(field.as_deref(), Some("access_code"));
        assert!(message.contains("access code"), "{message}");
    }
    assert_eq!(app.whoami(&app.client).await, None);
    // Surrounding spaces from a pasted code are forgiven.
    let padded = format!("  {ACCESS_CODE} ");
    let response = app
        .call(
            &app.client,
            "register",
            &[("email", "eve@example.org"), ("password", PASSWORD), ("access_code", &padded)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

async fn an_email_can_register_only_once(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    assert_eq!(app.register(&app.client, "grace@example.org").await.status(), StatusCode::OK);
    let other = app.other_browser();
    let (status, message, _) = error_of(app.register(&other, "Grace@Example.org").await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(message.contains("already"), "{message}");
    assert_eq!(app.whoami(&other).await, None, "a refused registration logs nobody in");
}

async fn weak_passwords_and_bad_emails_are_refused_with_a_reason(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let cases = [
        ("not-an-email", PASSWORD, "email"),
        ("linus@example.org", "short", "password"),
        ("linus@example.org", "password123", "password"),
        ("linus@example.org", "linus-is-the-best", "password"),
    ];
    for (email, password, expected_field) in cases {
        let response = app
            .call(&app.client, "register", &[("email", email), ("password", password), ("access_code", ACCESS_CODE)])
            .await;
        let (status, message, field) = error_of(response).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{email} / {password}");
        assert_eq!(field.as_deref(), Some(expected_field), "{email} / {password}: {message}");
        assert!(message.len() > 20, "the reason says what to do: {message}");
    }
    assert_eq!(app.whoami(&app.client).await, None);
}

async fn a_wrong_password_says_nothing_about_which_part_was_wrong(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    app.register(&app.other_browser(), "alan@example.org").await;
    let (s1, wrong_password, _) = error_of(app.login(&app.client, "alan@example.org", "not the password").await).await;
    let (s2, unknown_email, _) = error_of(app.login(&app.client, "nobody@example.org", PASSWORD).await).await;
    assert_eq!((s1, s2), (StatusCode::UNPROCESSABLE_ENTITY, StatusCode::UNPROCESSABLE_ENTITY));
    assert_eq!(wrong_password, unknown_email);
    assert_eq!(app.whoami(&app.client).await, None);
}

async fn logging_out_kills_the_session_not_just_the_cookie(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let response = app.register(&app.client, "rosalind@example.org").await;
    let cookie = common::session_cookie(&response);
    // A copy of the cookie (say, stolen) works while the session lives...
    let me = |cookie: String| {
        let url = app.url("/api/me");
        async move {
            let r = reqwest::Client::new().get(url).header("cookie", cookie).send().await.unwrap();
            r.json::<Option<serde_json::Value>>().await.unwrap()
        }
    };
    assert!(me(cookie.clone()).await.is_some());
    let response = app.call(&app.client, "logout", &[]).await;
    let cleared = response.headers()["set-cookie"].to_str().unwrap();
    assert!(cleared.contains("Max-Age=0"), "the browser is told to forget the cookie: {cleared}");
    // ...and dies with it.
    assert!(me(cookie).await.is_none());
    // A forged cookie is nobody.
    assert!(me(format!("hh_session={}", "0".repeat(64))).await.is_none());
}

async fn repeated_failed_logins_are_slowed_down(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    app.register(&app.other_browser(), "marie@example.org").await;
    for _ in 0..10 {
        let response = app.login(&app.client, "marie@example.org", "wrong password!").await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    // Now even the right password waits: a guesser cannot tell it was right.
    let response = app.login(&app.client, "marie@example.org", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry_after > 0 && retry_after <= 15 * 60);
    let (_, message, _) = error_of(response).await;
    assert!(message.contains("wait"), "{message}");
    assert_eq!(app.whoami(&app.client).await, None);
    // Other accounts are not locked out by it.
    app.register(&app.other_browser(), "pierre@example.org").await;
    assert_eq!(app.login(&app.client, "pierre@example.org", PASSWORD).await.status(), StatusCode::OK);
}

async fn the_bootstrap_admin_is_an_admin(engine: Engine) {
    let app =
        TestApp::spawn_with(engine, &[("HH_ADMIN_EMAIL", "Boss@Example.org"), ("HH_ADMIN_PASSWORD", PASSWORD)]).await;
    let response = app.login(&app.client, "boss@example.org", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK);
    let user: serde_json::Value = response.json().await.unwrap();
    assert_eq!(user["role"], "admin");
    // People who register are never admins, whatever they send.
    let response = app
        .call(
            &app.other_browser(),
            "register",
            &[("email", "sneaky@example.org"), ("password", PASSWORD), ("access_code", ACCESS_CODE), ("role", "admin")],
        )
        .await;
    if response.status() == StatusCode::OK {
        let user: serde_json::Value = response.json().await.unwrap();
        assert_eq!(user["role"], "user");
    }
}

async fn an_expired_session_is_nobody(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    app.register(&app.client, "barbara@example.org").await;
    assert!(app.whoami(&app.client).await.is_some());
    let response = app.register(&app.other_browser(), "dorothy@example.org").await;
    let dorothy = common::session_cookie(&response);
    // Barbara's session runs out (as if HH_SESSION_DAYS had passed).
    sqlx::query("UPDATE sessions SET expires_at = $1 WHERE user_id = (SELECT id FROM users WHERE email = $2)")
        .bind(app::backend::now() - 1)
        .bind("barbara@example.org")
        .execute(app.db.pool())
        .await
        .unwrap();
    assert_eq!(app.whoami(&app.client).await, None);
    // The next login sweeps expired rows; live sessions stay.
    assert_eq!(app.login(&app.client, "barbara@example.org", PASSWORD).await.status(), StatusCode::OK);
    let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM sessions WHERE expires_at <= $1")
        .bind(app::backend::now())
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(count, 0);
    let still: Option<serde_json::Value> = reqwest::Client::new()
        .get(app.url("/api/me"))
        .header("cookie", dorothy)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(still.unwrap()["email"], "dorothy@example.org");
}

async fn changing_the_password_needs_the_current_one_and_logs_out_other_devices(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let laptop = &app.client;
    app.register(laptop, "lise@example.org").await;
    let phone = app.other_browser();
    assert_eq!(app.login(&phone, "lise@example.org", PASSWORD).await.status(), StatusCode::OK);
    let new = "quiet harbour violin";

    let (status, message, field) =
        error_of(app.call(laptop, "password", &[("current_password", "not it at all"), ("new_password", new)]).await)
            .await;
    assert_eq!((status, field.as_deref()), (StatusCode::UNPROCESSABLE_ENTITY, Some("current_password")));
    assert!(message.contains("current password"));
    let (_, _, field) =
        error_of(app.call(laptop, "password", &[("current_password", PASSWORD), ("new_password", "short")]).await)
            .await;
    assert_eq!(field.as_deref(), Some("password"));
    assert_eq!(
        app.login(&app.other_browser(), "lise@example.org", PASSWORD).await.status(),
        StatusCode::OK,
        "nothing changed yet"
    );

    let response = app.call(laptop, "password", &[("current_password", PASSWORD), ("new_password", new)]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(app.whoami(laptop).await.as_deref(), Some("lise@example.org"), "this device stays logged in");
    assert_eq!(app.whoami(&phone).await, None, "other devices are logged out");
    assert_eq!(
        app.login(&app.other_browser(), "lise@example.org", PASSWORD).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(app.login(&app.other_browser(), "lise@example.org", new).await.status(), StatusCode::OK);
    // Nobody logged in cannot change anything.
    let (status, _, _) = error_of(
        app.call(&app.other_browser(), "password", &[("current_password", new), ("new_password", PASSWORD)]).await,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn the_profile_counts_only_my_jobs(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let ada = app.other_browser();
    app.register(&ada, "ada@example.org").await;
    let eve = app.other_browser();
    app.register(&eve, "eve@example.org").await;
    for source in ["PMC1", "PMC2"] {
        app.call(&ada, "jobs/submit", &[("source", source)]).await;
    }
    app.call(&eve, "jobs/submit", &[("source", "PMC3")]).await;
    let profile: serde_json::Value = ada
        .get(app.url("/api/profile"))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(profile["user"]["email"], "ada@example.org");
    assert_eq!(profile["jobs_this_month"], 2);
    assert_eq!(profile["videos"], 0);
    // Milliseconds, as every time the pages show (the account was made moments ago, not in 1970).
    let since = profile["member_since_ms"].as_i64().unwrap();
    assert!((app::backend::now_ms() - since).abs() < 120_000, "member since {since} ms");
    let response =
        app.other_browser().get(app.url("/api/profile")).header("accept", "application/json").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

/// A shared `/jobs/<id>` link opened while logged out leads to the log-in page with `next`;
/// logging in (or signing up) goes there — only ever to a page of this site.
async fn logging_in_returns_to_where_the_person_was_going(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let first = app.other_browser();
    let response = app
        .call(
            &first,
            "register",
            &[("email", "ada@example.org"), ("password", PASSWORD), ("access_code", ACCESS_CODE), ("next", "/videos")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["location"], "/videos");
    for (next, lands) in [
        (Some("/jobs/0190a1b2-c3d4?x=1"), "/jobs/0190a1b2-c3d4?x=1"),
        (None, "/"),
        (Some(""), "/"),
        (Some("//evil.example/steal"), "/"),
        (Some("https://evil.example/"), "/"),
        (Some("/\\evil.example"), "/"),
        (Some("/login"), "/"),
    ] {
        let browser = app.other_browser();
        let mut form = vec![("email", "ada@example.org"), ("password", PASSWORD)];
        form.extend(next.map(|n| ("next", n)));
        let response = app.call(&browser, "login", &form).await;
        assert_eq!(response.status(), StatusCode::OK, "{next:?}");
        assert_eq!(response.headers()["location"], lands, "{next:?}");
    }
    // A plain HTML form post (no WASM yet) is sent there by the redirect itself. (Two more
    // sign-ins: ten per address and account is the limit.)
    for (next, lands) in [("/jobs/0190a1b2-c3d4", "/jobs/0190a1b2-c3d4"), ("//evil.example", "/")] {
        let response = app
            .other_browser()
            .post(app.url("/api/login"))
            .header("accept", "text/html")
            .form(&[("email", "ada@example.org"), ("password", PASSWORD), ("next", next)])
            .send()
            .await
            .unwrap();
        assert!(response.status().is_redirection(), "{next:?}: {}", response.status());
        assert_eq!(response.headers()["location"], lands, "{next:?}");
    }
}

async fn a_new_account_is_told_apart_from_one_that_has_made_something(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let ada = app.other_browser();
    let registered: serde_json::Value = app.register(&ada, "ada@example.org").await.json().await.unwrap();
    assert_eq!(registered["has_jobs"], false);
    let me = |client: reqwest::Client| {
        let url = app.url("/api/me");
        async move {
            let user: serde_json::Value =
                client.get(url).header("accept", "application/json").send().await.unwrap().json().await.unwrap();
            user
        }
    };
    assert_eq!(me(ada.clone()).await["has_jobs"], false, "a new account has made nothing yet");
    let html = ada.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Welcome, ") && !html.contains("Welcome back"), "{html}");
    submit(&app, &ada, "PMC1").await;
    assert_eq!(me(ada.clone()).await["has_jobs"], true);
    let html = ada.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Welcome back, "), "{html}");
    // Read at log-in too, not only with the session.
    let logged_in: serde_json::Value =
        app.login(&app.other_browser(), "ada@example.org", PASSWORD).await.json().await.unwrap();
    assert_eq!(logged_in["has_jobs"], true);
}

async fn pages_that_need_someone_show_strangers_only_the_prompt(engine: Engine) {
    let app =
        TestApp::spawn_with(engine, &[("HH_ADMIN_EMAIL", "admin@example.org"), ("HH_ADMIN_PASSWORD", PASSWORD)]).await;
    let stranger = app.other_browser();
    let page = |client: reqwest::Client, path: &'static str| {
        let url = app.url(path);
        async move {
            let response = client.get(url).header("accept", "text/html").send().await.unwrap();
            (response.status(), response.text().await.unwrap())
        }
    };
    let (status, html) = page(stranger.clone(), "/profile").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(html.contains("Log in to see your profile") && html.contains("/login?next=/profile"), "{html}");
    assert!(!html.contains("Change password") && !html.contains("type=\"password\""), "no form: {html}");
    let (status, html) = page(stranger.clone(), "/videos").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(html.contains("/login?next=/videos") && !html.contains("New video"), "{html}");
    // Admin pages do not exist for anyone but admins: no heading, no filters.
    let ada = app.other_browser();
    app.register(&ada, "ada@example.org").await;
    for client in [stranger, ada] {
        let (status, html) = page(client, "/admin/jobs?from=2026-01-01").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(html.contains("We could not find that page"), "{html}");
        assert!(!html.contains("Filter jobs") && !html.contains("name=\"status\""), "no filter form: {html}");
    }
}

/// "Delete my account": only after typing the address; then every job, event and file of the
/// account is gone, its sessions end and it cannot log in, while another person's job and
/// files stay. The only admin cannot delete their account.
async fn deleting_my_account_takes_every_job_and_file_and_nothing_of_anyone_else(engine: Engine) {
    let app =
        TestApp::spawn_with(engine, &[("HH_ADMIN_EMAIL", "admin@example.org"), ("HH_ADMIN_PASSWORD", PASSWORD)]).await;
    let ada = common::logged_in(&app, "ada@example.org").await;
    let ada_elsewhere = common::relogin(&app, "ada@example.org").await;
    let eve = common::logged_in(&app, "eve@example.org").await;
    let mine: Vec<String> = vec![common::upload_ok(&app, &ada).await, submit(&app, &ada, "PMC7096066").await];
    let theirs = common::upload_ok(&app, &eve).await;
    for id in mine.iter().chain([&theirs]) {
        let key = app::storage::Key::job(id, "final.mp4").unwrap();
        app.state.media.put_bytes(&key, b"a video").await.unwrap();
    }

    let wrong = app.call(&ada, "account/delete", &[("email", "eve@example.org")]).await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_of(wrong).await.2.as_deref(), Some("email"));
    assert_eq!(app.whoami(&ada).await.as_deref(), Some("ada@example.org"), "nothing deleted");
    assert_eq!(app.get_json(&ada, &format!("/api/jobs/{}", mine[0])).await["id"], mine[0].as_str());
    // Nobody deletes an account without being logged in to it.
    let stranger = app.call(&app.other_browser(), "account/delete", &[("email", "ada@example.org")]).await;
    assert_eq!(stranger.status(), StatusCode::UNAUTHORIZED);

    let deleted = app.call(&ada, "account/delete", &[("email", " Ada@Example.org ")]).await;
    assert_eq!(deleted.status(), StatusCode::OK);
    assert_eq!(app.whoami(&ada).await, None);
    assert_eq!(app.whoami(&ada_elsewhere).await, None, "every session ended");
    assert_eq!(
        app.login(&app.other_browser(), "ada@example.org", PASSWORD).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    for id in &mine {
        assert!(app::jobs::store::get(&app.db, id).await.unwrap().is_none(), "job {id} is gone");
        let files = app.state.media.list(&app::storage::Key::job_prefix(id).unwrap()).await.unwrap();
        assert!(files.is_empty(), "the files of {id} are gone: {files:?}");
        let events: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM job_events WHERE job_id = $1")
            .bind(id)
            .fetch_one(app.db.pool())
            .await
            .unwrap();
        assert_eq!(events, 0);
    }
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE email = 'ada@example.org'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(users, 0);
    // Eve's job and files are untouched.
    assert_eq!(app.get_json(&eve, &format!("/api/jobs/{theirs}")).await["id"], theirs.as_str());
    let key = app::storage::Key::job(&theirs, "final.mp4").unwrap();
    assert_eq!(app.state.media.get_bytes(&key).await.unwrap(), b"a video".to_vec());

    // The only admin stays.
    let admin = common::relogin(&app, "admin@example.org").await;
    let refused = app.call(&admin, "account/delete", &[("email", "admin@example.org")]).await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    assert_eq!(app.whoami(&admin).await.as_deref(), Some("admin@example.org"));
}
