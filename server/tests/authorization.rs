//! Who may do what, as a matrix: every job route, page and server function × {anonymous,
//! another user, the owner, an admin}. Only the right ones succeed, and no refusal leaks the
//! job's paper or its owner.

#[macro_use]
mod common;

use common::{Engine, TestApp, PASSWORD};
use reqwest::{Client, Method, StatusCode};

on_both_engines!(every_route_checks_who_is_asking);

const PAPER: &str = "PMC7096066";
const OWNER: &str = "owner@example.org";

async fn every_route_checks_who_is_asking(engine: Engine) {
    let app = TestApp::spawn_with(engine, &[("HH_ADMIN_EMAIL", "admin@example.org"), ("HH_ADMIN_PASSWORD", PASSWORD)]).await;
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

    let roles: [(&str, &Client); 4] = [("anonymous", &anonymous), ("other", &other), ("owner", &owner), ("admin", &admin)];
    use StatusCode as S;
    // (route, expected status per role, the roles that may see the job's paper or its owner)
    let job_readers: &[&str] = &["owner", "admin"];
    let reads: Vec<(Method, String, [StatusCode; 4], &[&str])> = vec![
        (Method::GET, format!("/api/jobs/{id}"), [S::UNAUTHORIZED, S::NOT_FOUND, S::OK, S::OK], job_readers),
        (Method::GET, format!("/api/jobs/{id}/events"), [S::UNAUTHORIZED, S::NOT_FOUND, S::OK, S::OK], job_readers),
        (Method::GET, format!("/api/jobs/get?id={id}"), [S::UNAUTHORIZED, S::NOT_FOUND, S::OK, S::OK], job_readers),
        (Method::GET, format!("/jobs/{id}"), [S::UNAUTHORIZED, S::NOT_FOUND, S::OK, S::OK], job_readers),
        (Method::GET, "/api/admin/jobs".into(), [S::NOT_FOUND, S::NOT_FOUND, S::NOT_FOUND, S::OK], &["admin"]),
        (Method::GET, "/admin/jobs".into(), [S::NOT_FOUND, S::NOT_FOUND, S::NOT_FOUND, S::OK], &["admin"]),
        (Method::GET, "/api/jobs/mine".into(), [S::UNAUTHORIZED, S::OK, S::OK, S::OK], &["owner"]),
        (Method::GET, "/api/profile".into(), [S::UNAUTHORIZED, S::OK, S::OK, S::OK], &["owner"]),
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

    // Changes: refused for anyone but the owner and admins, and nothing changes.
    let changes: Vec<(&str, Option<&str>, [StatusCode; 2])> = vec![
        ("DELETE /api/jobs/{id}", None, [S::UNAUTHORIZED, S::NOT_FOUND]),
        ("jobs/cancel", Some("id"), [S::UNAUTHORIZED, S::NOT_FOUND]),
        ("jobs/retry", Some("id"), [S::UNAUTHORIZED, S::NOT_FOUND]),
        ("jobs/delete", Some("id"), [S::UNAUTHORIZED, S::NOT_FOUND]),
        ("admin/jobs/delete", Some("ids[0]"), [S::NOT_FOUND, S::NOT_FOUND]),
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
        let job: serde_json::Value = owner.get(app.url(&format!("/api/jobs/{id}"))).send().await.unwrap().json().await.unwrap();
        assert_eq!(job["status"], "cancelled", "after {route}");
    }
}
