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
    let job: Value = browser
        .post(app.url("/api/jobs"))
        .json(&json!({ "source": source }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = job["id"].as_str().unwrap();
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
