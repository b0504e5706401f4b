//! The admin's people: search, counts per person, disable and enable (a disabled account cannot
//! log in and its sessions end), make and unmake admins, delete an account with everything in
//! it, and a new access code — all refused to anyone who is not an admin, with a 404.

use crate::common;

use common::{error_of, logged_in, relogin, submit, Engine, TestApp, ACCESS_CODE, PASSWORD};
use reqwest::StatusCode;
use serde_json::Value;

on_both_engines!(an_admin_manages_people);

async fn an_admin_manages_people(engine: Engine) {
    let app =
        TestApp::spawn_with(engine, &[("HH_ADMIN_EMAIL", "admin@example.org"), ("HH_ADMIN_PASSWORD", PASSWORD)]).await;
    let admin = relogin(&app, "admin@example.org").await;
    let ada = logged_in(&app, "ada@example.org").await;
    let bob = logged_in(&app, "bob@example.org").await;
    let ada_job = submit(&app, &ada, "PMC1111111").await;
    submit(&app, &ada, "PMC2222222").await;
    let bob_job = submit(&app, &bob, "PMC3333333").await;

    // Not an admin, not logged in: no such page, no such functions.
    for client in [&ada, &app.other_browser()] {
        let page = client.get(app.url("/api/admin/people")).header("accept", "application/json").send().await.unwrap();
        assert_eq!(page.status(), StatusCode::NOT_FOUND);
        let ada_id = "x";
        for (endpoint, form) in [
            ("admin/people/disable", vec![("id", ada_id), ("disabled", "true")]),
            ("admin/people/role", vec![("id", ada_id), ("admin", "true")]),
            ("admin/people/delete", vec![("id", ada_id), ("email", "ada@example.org")]),
            ("admin/access-code", vec![]),
        ] {
            assert_eq!(app.call(client, endpoint, &form).await.status(), StatusCode::NOT_FOUND, "{endpoint}");
        }
    }

    let everyone = app.get_json(&admin, "/api/admin/people").await;
    assert_eq!(everyone["total"], 3);
    assert_eq!(everyone["access_code"], ACCESS_CODE);
    assert_eq!(everyone["access_code_configured"], true);
    let found = app.get_json(&admin, "/api/admin/people?search=ADA").await;
    assert_eq!(found["total"], 1, "{found}");
    let person = &found["people"][0];
    assert_eq!(
        (person["email"].as_str(), person["jobs"].as_i64(), person["videos"].as_i64()),
        (Some("ada@example.org"), Some(2), Some(0))
    );
    assert!(person["disabled_ms"].is_null());
    let ada_id = person["id"].as_str().unwrap().to_owned();
    // `%` and `_` in a search are themselves, not wildcards.
    assert_eq!(app.get_json(&admin, "/api/admin/people?search=%25").await["total"], 0);

    // Disabled: the session ends at once, the password no longer logs in (and says why, to
    // whoever knows it), nothing of theirs is touched.
    let disabled = app.call(&admin, "admin/people/disable", &[("id", &ada_id), ("disabled", "true")]).await;
    assert_eq!(disabled.status(), StatusCode::OK);
    assert!(disabled.json::<Value>().await.unwrap()["disabled_ms"].is_i64());
    assert_eq!(app.whoami(&ada).await, None);
    let status = ada.get(app.url(&format!("/api/jobs/{ada_job}"))).send().await.unwrap();
    assert_eq!(status.status(), StatusCode::UNAUTHORIZED, "her own job's status refuses the session too");
    let refused = app.login(&app.other_browser(), "ada@example.org", PASSWORD).await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    assert!(error_of(refused).await.1.contains("disabled"));
    let wrong = app.login(&app.other_browser(), "ada@example.org", "not the password at all").await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY, "a guesser learns nothing");
    assert!(app::jobs::store::get(&app.db, &ada_job).await.unwrap().is_some());
    // Enabled again: the password works.
    app.call(&admin, "admin/people/disable", &[("id", &ada_id), ("disabled", "false")]).await;
    let ada = relogin(&app, "ada@example.org").await;

    // Made an admin: Ada sees every job; unmade: she does not.
    let made = app.call(&admin, "admin/people/role", &[("id", &ada_id), ("admin", "true")]).await;
    assert_eq!(made.json::<Value>().await.unwrap()["role"], "admin");
    assert_eq!(app.get_json(&ada, &format!("/api/jobs/{bob_job}")).await["id"], bob_job.as_str());
    let missing = ada.get(app.url("/api/jobs/00000000-0000-7000-8000-000000000000")).send().await.unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND, "an admin asking for no job finds none");
    app.call(&admin, "admin/people/role", &[("id", &ada_id), ("admin", "false")]).await;
    let hidden = ada.get(app.url(&format!("/api/jobs/{bob_job}"))).send().await.unwrap();
    assert_eq!(hidden.status(), StatusCode::NOT_FOUND);

    // An admin cannot disable, demote or delete themselves here.
    let admin_id =
        app.get_json(&admin, "/api/admin/people?search=admin@").await["people"][0]["id"].as_str().unwrap().to_owned();
    for (endpoint, form) in [
        ("admin/people/disable", vec![("id", admin_id.as_str()), ("disabled", "true")]),
        ("admin/people/role", vec![("id", admin_id.as_str()), ("admin", "false")]),
        ("admin/people/delete", vec![("id", admin_id.as_str()), ("email", "admin@example.org")]),
    ] {
        assert_eq!(app.call(&admin, endpoint, &form).await.status(), StatusCode::CONFLICT, "{endpoint}");
    }

    // Deleted, after typing the address: every job goes, Bob's stay.
    let mistyped = app.call(&admin, "admin/people/delete", &[("id", &ada_id), ("email", "bob@example.org")]).await;
    assert_eq!(mistyped.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let deleted = app.call(&admin, "admin/people/delete", &[("id", &ada_id), ("email", "ada@example.org")]).await;
    assert_eq!(deleted.status(), StatusCode::OK);
    assert_eq!(deleted.json::<usize>().await.unwrap(), 2);
    assert_eq!(app.whoami(&ada).await, None);
    assert!(app::jobs::store::get(&app.db, &ada_job).await.unwrap().is_none());
    assert!(app::jobs::store::get(&app.db, &bob_job).await.unwrap().is_some());
    assert_eq!(app.get_json(&admin, "/api/admin/people").await["total"], 2);

    // The access code is HH_ACCESS_CODE's here: a new one is made there, not on the page.
    assert_eq!(app.call(&admin, "admin/access-code", &[]).await.status(), StatusCode::CONFLICT);
}

/// Without HH_ACCESS_CODE the code is the app's own, and an admin makes a new one: the old
/// code stops working at once, the new one works.
#[tokio::test]
async fn a_new_access_code_replaces_the_old_one() {
    let app = TestApp::spawn_with(
        Engine::Sqlite,
        &[("HH_ACCESS_CODE", ""), ("HH_ADMIN_EMAIL", "admin@example.org"), ("HH_ADMIN_PASSWORD", PASSWORD)],
    )
    .await;
    let admin = relogin(&app, "admin@example.org").await;
    let before = app.get_json(&admin, "/api/admin/people").await;
    assert_eq!(before["access_code_configured"], false);
    let old = before["access_code"].as_str().unwrap().to_owned();
    assert!(old.starts_with("hh-"));
    let made = app.call(&admin, "admin/access-code", &[]).await;
    assert_eq!(made.status(), StatusCode::OK);
    let new: String = made.json().await.unwrap();
    assert_ne!(new, old);
    assert_eq!(app.get_json(&admin, "/api/admin/people").await["access_code"], new.as_str());
    for (code, email, want) in
        [(old, "late@example.org", StatusCode::UNPROCESSABLE_ENTITY), (new, "early@example.org", StatusCode::OK)]
    {
        let form = [("email", email), ("password", PASSWORD), ("access_code", code.as_str())];
        assert_eq!(app.call(&app.other_browser(), "register", &form).await.status(), want, "{code}");
    }
}
