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

/// The browser bundle as `scripts/build-site` writes it: hashed names in `hash.txt`, a brotli
/// and a gzip copy beside each file.
mod bundle {
    use super::*;

    /// A site folder like build-site's, with recognisable bytes in every file.
    fn built_site() -> tempfile::TempDir {
        let site = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(site.path().join("pkg")).unwrap();
        for (kind, hash) in [("js", "1111aaaa2222bbbb"), ("wasm", "3333cccc4444dddd"), ("css", "5555eeee6666ffff")] {
            let file = site.path().join(format!("pkg/hidden-hill.{hash}.{kind}"));
            std::fs::write(&file, format!("raw {kind}")).unwrap();
            std::fs::write(file.with_extension(format!("{kind}.br")), format!("brotli {kind}")).unwrap();
            std::fs::write(file.with_extension(format!("{kind}.gz")), format!("gzip {kind}")).unwrap();
        }
        std::fs::write(
            site.path().join("hash.txt"),
            "js: 1111aaaa2222bbbb\nwasm: 3333cccc4444dddd\ncss: 5555eeee6666ffff\n",
        )
        .unwrap();
        site
    }

    #[tokio::test]
    async fn pages_name_the_hashed_bundle_and_browsers_keep_it() {
        let site = built_site();
        let root = site.path().display().to_string();
        let app = TestApp::spawn_with(Engine::Sqlite, &[("LEPTOS_SITE_ROOT", &root)]).await;

        let html = app.client.get(app.url("/")).send().await.unwrap().text().await.unwrap();
        for name in [
            "/pkg/hidden-hill.1111aaaa2222bbbb.js",
            "/pkg/hidden-hill.3333cccc4444dddd.wasm",
            "/pkg/hidden-hill.5555eeee6666ffff.css",
        ] {
            assert!(html.contains(name), "the page names {name}");
        }

        // Each encoding the browser takes is served from the file written beside it.
        let wasm = app.url("/pkg/hidden-hill.3333cccc4444dddd.wasm");
        for (accept, encoding, body) in [
            ("br, gzip", Some("br"), "brotli wasm"),
            ("gzip", Some("gzip"), "gzip wasm"),
            ("identity", None, "raw wasm"),
        ] {
            let response = app.client.get(&wasm).header("accept-encoding", accept).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{accept}");
            let headers = response.headers().clone();
            assert_eq!(headers.get("content-encoding").map(|v| v.to_str().unwrap()), encoding, "{accept}");
            assert_eq!(headers["content-type"], "application/wasm");
            assert_eq!(headers["cache-control"], "public, max-age=31536000, immutable");
            assert_eq!(response.text().await.unwrap(), body, "{accept}");
        }
        let css = app.client.get(app.url("/pkg/hidden-hill.5555eeee6666ffff.css")).send().await.unwrap();
        assert!(css.headers()["content-type"].to_str().unwrap().starts_with("text/css"));

        // A name from an older build is gone, and that answer is not kept.
        let stale = app.client.get(app.url("/pkg/hidden-hill.0000000000000000.wasm")).send().await.unwrap();
        assert_eq!(stale.status(), StatusCode::NOT_FOUND);
        assert!(stale.headers().get("cache-control").is_none_or(|v| !v.to_str().unwrap().contains("immutable")));
    }

    #[tokio::test]
    async fn an_unhashed_bundle_is_revalidated() {
        let site = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(site.path().join("pkg")).unwrap();
        std::fs::write(site.path().join("pkg/hidden-hill.wasm"), "raw wasm").unwrap();
        let root = site.path().display().to_string();
        let app = TestApp::spawn_with(Engine::Sqlite, &[("LEPTOS_SITE_ROOT", &root)]).await;

        let html = app.client.get(app.url("/")).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("/pkg/hidden-hill.css") && html.contains("/pkg/hidden-hill.js"), "plain names");
        let response = app.client.get(app.url("/pkg/hidden-hill.wasm")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["cache-control"], "no-cache");
        assert_eq!(response.text().await.unwrap(), "raw wasm");
    }

    #[tokio::test]
    async fn cargo_leptos_saying_unhashed_wins_over_a_left_over_hash_file() {
        let site = built_site();
        let root = site.path().display().to_string();
        let app =
            TestApp::spawn_with(Engine::Sqlite, &[("LEPTOS_SITE_ROOT", &root), ("LEPTOS_HASH_FILES", "false")]).await;
        let html = app.client.get(app.url("/")).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("/pkg/hidden-hill.css") && !html.contains("5555eeee6666ffff"));
    }
}
