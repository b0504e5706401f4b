//! A paper by identifier, end to end: the job's fetch-paper step asks a local fake of NCBI
//! (the real answer shapes of shared/external-apis.md §1) and the job succeeds, or fails at
//! fetch-paper with a reason a person can act on.

use crate::common;

use axum::{
    extract::{Query, State},
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use common::{Engine, SseReader, TestApp};
use reqwest::Client;
use serde_json::{json, Value};
use std::{
    collections::HashMap,
    path::PathBuf,
    sync::{
        atomic::{AtomicU32, Ordering},
        Arc,
    },
    time::Duration,
};

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("paper/tests/fixtures/jats").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// efetch wraps articles in `<pmc-articleset>`.
fn articleset(article_file: &str) -> String {
    let raw = fixture(article_file);
    format!("<?xml version=\"1.0\" ?><pmc-articleset>{}</pmc-articleset>", &raw[raw.find("<article").unwrap()..])
}

fn xml(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/xml; charset=UTF-8")], body).into_response()
}

#[derive(Default)]
struct Ncbi {
    efetch_calls: AtomicU32,
}

async fn efetch(State(ncbi): State<Arc<Ncbi>>, Query(q): Query<HashMap<String, String>>) -> Response {
    let call = ncbi.efetch_calls.fetch_add(1, Ordering::SeqCst) + 1;
    match q.get("id").map(String::as_str).unwrap_or("") {
        // Rate limited twice (NCBI's JSON body, echoing the key), then the article.
        "4000001" if call <= 2 => (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::CONTENT_TYPE, "application/json")],
            r#"{"error":"API rate limit exceeded","api-key":"SECRET-KEY-123","count":"4","limit":"3"}"#,
        )
            .into_response(),
        "4000001" => xml(articleset("elife_poa_abstract-only_e06828.xml")),
        // In PMC, but the publisher allows no full text and there is no abstract.
        "4000002" => xml(
            r#"<?xml version="1.0" ?><pmc-articleset><article article-type="obituary"><!--The publisher of this article does not allow downloading of the full text in XML form.--><front><article-meta><title-group><article-title>In memoriam</article-title></title-group></article-meta></front></article></pmc-articleset>"#
                .into(),
        ),
        id => xml(format!(r#"<pmc-articleset><error id="{id}">The following PMCID is not available: {id}</error></pmc-articleset>"#)),
    }
}

async fn idconv(Query(q): Query<HashMap<String, String>>) -> Response {
    let id = q.get("ids").cloned().unwrap_or_default();
    let body = json!({"status": "ok", "records": [{"pmid": 22663011, "requested-id": id, "status": "error", "errmsg": "Identifier not found in PMC"}]});
    ([(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

async fn empty_bucket(Query(q): Query<HashMap<String, String>>) -> Response {
    let prefix = q.get("prefix").cloned().unwrap_or_default();
    xml(format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>pmc-oa-opendata</Name><Prefix>{prefix}</Prefix><KeyCount>0</KeyCount><IsTruncated>false</IsTruncated></ListBucketResult>"#
    ))
}

async fn fake_ncbi() -> String {
    let app = Router::new()
        .route("/eutils/efetch.fcgi", get(efetch))
        .route("/idconv/", get(idconv))
        .route("/s3/", get(empty_bucket))
        .with_state(Arc::new(Ncbi::default()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

async fn app_with_fake_ncbi() -> TestApp {
    let base = fake_ncbi().await;
    let settings = [
        ("HH_WORKERS", "1".to_owned()),
        ("HH_NCBI_EUTILS_URL", format!("{base}/eutils/")),
        ("HH_NCBI_IDCONV_URL", format!("{base}/idconv/")),
        ("HH_NCBI_CLOUD_URL", format!("{base}/s3/")),
        ("HH_NCBI_API_KEY", "SECRET-KEY-123".to_owned()),
    ];
    let settings: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    TestApp::spawn_with(Engine::Sqlite, &settings).await
}

async fn submit_and_wait(app: &TestApp, browser: &Client, source: &str) -> Vec<Value> {
    let id = common::submit(app, browser, source).await;
    let response = browser.get(app.url(&format!("/api/jobs/{id}/events"))).send().await.unwrap();
    let mut stream = SseReader::patient(response, Duration::from_secs(180));
    let mut events = Vec::new();
    while let Some((_, event)) = stream.next().await {
        events.push(event);
    }
    events
}

#[tokio::test]
async fn a_pmcid_is_fetched_from_ncbi_through_rate_limits_and_becomes_a_video() {
    let app = app_with_fake_ncbi().await;
    let browser = app.other_browser();
    app.register(&browser, "reader@example.org").await;
    let events = submit_and_wait(&app, &browser, "https://pmc.ncbi.nlm.nih.gov/articles/PMC4000001/").await;
    let last = events.last().unwrap();
    assert_eq!(last["kind"], "succeeded", "{last}");
    assert!(events.iter().any(|e| e["message"].as_str().unwrap().contains("Asking PubMed Central for PMC4000001")));
    let mine: Value = browser
        .get(app.url("/api/jobs/mine"))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let title = mine["jobs"][0]["title"].as_str().unwrap();
    assert!(!title.is_empty() && !title.contains('<'), "the paper's title: {title}");
}

#[tokio::test]
async fn papers_ncbi_cannot_give_fail_at_fetch_paper_with_the_reason() {
    let app = app_with_fake_ncbi().await;
    let browser = app.other_browser();
    app.register(&browser, "unlucky@example.org").await;
    for (source, kind, words) in [
        ("PMID 22663011", "not-found", "PubMed Central"),
        ("PMC4000002", "not-open-access", "Upload the paper's PDF"),
        ("PMC4999999", "not-found", "PMC4999999"),
    ] {
        let events = submit_and_wait(&app, &browser, source).await;
        let last = events.last().unwrap();
        assert_eq!(last["kind"], "failed", "{source}: {last}");
        assert_eq!(last["step"], "fetch-paper");
        let job: Value = browser
            .get(app.url(&format!("/api/jobs/{}", last["job_id"].as_str().unwrap())))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(job["failure"]["kind"], kind, "{source}: {job}");
        let message = job["failure"]["message"].as_str().unwrap();
        assert!(message.contains(words), "{source}: {message}");
        assert!(!message.contains("SECRET-KEY-123"));
    }
}

// --- Where a person's or a paper's text reaches HTML and HTTP ----------------------------

const REFRESH: &str = "10.1/</title><meta http-equiv=\"refresh\" content=\"0;url=https://evil.example\">";

#[tokio::test]
async fn an_identifier_with_markup_is_refused_with_the_reason() {
    let app = TestApp::spawn(Engine::Sqlite).await;
    let ada = common::logged_in(&app, "ada@example.org").await;
    for source in [REFRESH, "https://doi.org/10.1/%22onmouseover=%22x", "doi:10.1/a\u{202e}b"] {
        let (status, message, field) =
            common::error_of(app.call(&ada, "jobs/submit", &[("source", source)]).await).await;
        assert_eq!((status, field.as_deref()), (StatusCode::UNPROCESSABLE_ENTITY, Some("source")), "{source:?}");
        assert!(message.contains("DOI") && message.contains("upload its PDF"), "{message}");
        let response = ada.post(app.url("/api/jobs")).json(&json!({ "source": source })).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM jobs").fetch_one(app.db.pool()).await.unwrap();
    assert_eq!(count, 0, "nothing was queued");
}

/// A job whose text is markup (written before identifiers were checked, or a paper's own
/// title): the status page shows it as text, in `<head>` as in the body.
#[tokio::test]
async fn a_jobs_text_never_becomes_markup_on_its_page() {
    let app = TestApp::spawn(Engine::Sqlite).await;
    let ada = common::logged_in(&app, "ada@example.org").await;
    let job: Value =
        ada.post(app.url("/api/jobs")).json(&json!({ "source": "10.1/x" })).send().await.unwrap().json().await.unwrap();
    let id = job["id"].as_str().unwrap();
    let title = "</title></script><script>alert(1)</script><img src=x onerror=alert(2)>";
    sqlx::query("UPDATE jobs SET source_ref = $1, title = $2 WHERE id = $3")
        .bind(REFRESH)
        .bind(title)
        .bind(id)
        .execute(app.db.pool())
        .await
        .unwrap();
    let page = ada.get(app.url(&format!("/jobs/{id}"))).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    let head = &html[html.find("<head>").unwrap()..html.find("</head>").unwrap()];
    assert_eq!(head.matches("<title>").count(), 1, "{head}");
    assert_eq!(head.matches("</title>").count(), 1, "{head}");
    assert!(!head.contains("<meta http-equiv"), "no tag was injected into <head>: {head}");
    assert!(
        head.contains("<title>&lt;/title&gt;&lt;/script&gt;&lt;script&gt;alert(1)"),
        "the title shows the paper's title as text: {head}"
    );
    assert!(!html.contains("<script>alert(1)") && !html.contains("<img src=x"), "nor into the body");
    assert!(html.contains("&lt;img src=x onerror=alert(2)&gt;"), "the paper's title is shown as text");
}

#[tokio::test]
async fn the_download_name_cannot_break_its_header() {
    let app = TestApp::spawn(Engine::Sqlite).await;
    let ada = common::logged_in(&app, "ada@example.org").await;
    let id = common::upload_ok(&app, &ada).await;
    let title = "Ωμέγα\"; filename=\"evil.exe\r\nSet-Cookie: hh=1 \u{202e}4pm.exe";
    sqlx::query("UPDATE jobs SET title = $1 WHERE id = $2").bind(title).bind(&id).execute(app.db.pool()).await.unwrap();
    let video = app::storage::Key::job(&id, app::jobs::artifact::VIDEO).unwrap();
    app.state.media.put_bytes(&video, b"not really a video").await.unwrap();
    let response = ada.get(app.url(&format!("/videos/{id}/download"))).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().get(header::SET_COOKIE).is_none(), "no header was injected");
    let disposition = response.headers()[header::CONTENT_DISPOSITION].to_str().unwrap().to_owned();
    assert_eq!(disposition, app::url::content_disposition(Some(title)));
    let (ascii, readable) = disposition.split_once("; filename*=UTF-8''").unwrap();
    assert_eq!(ascii, "attachment; filename=\"filename-evil-exe-set-cookie-hh-1-4pm-exe.mp4\"");
    let readable = percent_encoding::percent_decode_str(readable).decode_utf8().unwrap();
    assert_eq!(readable, "Ωμέγα ; filename= evil.exe Set-Cookie hh=1 4pm.exe.mp4", "no quote, break or bidi override");
}

#[tokio::test]
async fn an_uploads_name_is_only_a_label() {
    let app = TestApp::spawn(Engine::Sqlite).await;
    let ada = common::logged_in(&app, "ada@example.org").await;
    // Sent as is (reqwest would percent-encode it otherwise).
    let part = reqwest::multipart::Part::bytes(common::short_paper()).file_name("../../../etc/<b>x\u{202e}lmx.xml");
    let form = reqwest::multipart::Form::new().percent_encode_noop().part("file", part);
    let response = ada.post(app.url("/api/jobs")).multipart(form).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let job: Value = response.json().await.unwrap();
    let id = job["id"].as_str().unwrap();
    assert_eq!(job["source"]["name"], "<b>xlmx.xml", "the last segment, without the bidi override");
    let key = job["source"]["key"].as_str().unwrap();
    assert!(
        key.starts_with(&format!("jobs/{id}/")) && !key.contains(".."),
        "stored under a key the server chose: {key}"
    );
    let outside = app.data.path().join("etc");
    assert!(!outside.exists(), "nothing was written outside the job's folder");
}
