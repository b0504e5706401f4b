//! The HTTP surface every visitor meets: pages, headers, health, static files and 404s.

use crate::common;

use common::{Engine, TestApp};
use reqwest::StatusCode;

on_both_engines!(
    health_reports_the_database,
    pages_render_on_the_server_with_a_nonce_policy,
    unknown_pages_are_404_pages
);

async fn health_reports_the_database(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let response = app.client.get(app.url("/health")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["database"], "ok");
}

async fn pages_render_on_the_server_with_a_nonce_policy(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    for path in ["/", "/login", "/register"] {
        let response = app.client.get(app.url(path)).header("accept", "text/html").send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let headers = response.headers().clone();
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(headers["x-frame-options"], "DENY");
        let csp = headers["content-security-policy"].to_str().unwrap().to_owned();
        let nonce = csp.split("'nonce-").nth(1).and_then(|s| s.split('\'').next()).expect("a nonce in the CSP");
        assert!(csp.contains("default-src 'self'") && csp.contains("object-src 'none'"), "{csp}");
        let html = response.text().await.unwrap();
        assert!(html.contains(&format!("nonce=\"{nonce}\"")), "{path}: the hydration script carries the nonce");
        assert!(html.contains("<title>") && html.contains("Hidden Hill"));
    }
    let register = app.client.get(app.url("/register")).send().await.unwrap().text().await.unwrap();
    for field in ["name=\"email\"", "name=\"password\"", "name=\"access_code\"", "autocomplete=\"new-password\""] {
        assert!(register.contains(field), "register form has {field}");
    }
    // Two responses never share a nonce.
    let a = app.client.get(app.url("/")).send().await.unwrap();
    let b = app.client.get(app.url("/")).send().await.unwrap();
    assert_ne!(a.headers()["content-security-policy"], b.headers()["content-security-policy"]);
}

async fn unknown_pages_are_404_pages(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let response = app.client.get(app.url("/no/such/page")).header("accept", "text/html").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let html = response.text().await.unwrap();
    assert!(html.contains("could not find that page"), "a helpful 404 page");
    // Non-page responses get the strict policy.
    let response = app.client.get(app.url("/health")).send().await.unwrap();
    assert!(response.headers()["content-security-policy"].to_str().unwrap().contains("default-src 'none'"));
}

mod job_page {
    use super::*;

    async fn job_page_renders_for_its_owner_only(engine: Engine) {
        let app = TestApp::spawn(engine).await;
        let owner = app.other_browser();
        app.register(&owner, "owner@example.org").await;
        let response = app.call(&owner, "jobs/submit", &[("source", "PMC7096066")]).await;
        let job: serde_json::Value = response.json().await.unwrap();
        let path = format!("/jobs/{}", job["id"].as_str().unwrap());

        let response = owner.get(app.url(&path)).header("accept", "text/html").send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let html = response.text().await.unwrap();
        assert!(html.contains("Waiting for a worker") && html.contains("PMC7096066"));
        for step in ["fetch-paper", "generate-script", "generate-audio", "generate-videos", "add-captions"] {
            assert!(html.contains(&format!("data-step=\"{step}\"")), "{step} listed");
        }

        let stranger = app.other_browser();
        app.register(&stranger, "stranger@example.org").await;
        let response = stranger.get(app.url(&path)).header("accept", "text/html").send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert!(!response.text().await.unwrap().contains("PMC7096066"));
        let response = app.client.get(app.url(&path)).header("accept", "text/html").send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }

    on_both_engines!(job_page_renders_for_its_owner_only);
}
