//! NcbiClient against a local fake of NCBI/PMC that answers with the real shapes
//! (shared/external-apis.md §1): ID converter, efetch db=pmc, PMC Cloud S3.

use crate::common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use paper::ncbi::{IdKind, NcbiClient, NcbiConfig};

const KEY: &str = "SECRETKEY0123456789";

#[derive(Default)]
struct Fake {
    hits: Mutex<HashMap<String, u32>>,
}

impl Fake {
    fn hit(&self, id: &str) -> u32 {
        let mut h = self.hits.lock().unwrap();
        let n = h.entry(id.to_string()).or_default();
        *n += 1;
        *n
    }
    fn count(&self, id: &str) -> u32 {
        self.hits.lock().unwrap().get(id).copied().unwrap_or(0)
    }
}

fn xml(body: impl Into<String>) -> Response {
    ([(header::CONTENT_TYPE, "text/xml; charset=UTF-8")], body.into()).into_response()
}

fn json(status: StatusCode, body: &str) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

fn articleset(fixture: &str) -> String {
    let raw = String::from_utf8(common::fixture(fixture)).unwrap();
    if raw.contains("<pmc-articleset") {
        return raw; // already a real efetch answer
    }
    // Strip the XML declaration and DOCTYPE, then wrap as efetch does.
    let start = raw.find("<article").unwrap();
    format!(
        "<?xml version=\"1.0\"  ?><!DOCTYPE pmc-articleset PUBLIC \"-//NLM//DTD ARTICLE SET 2.0//EN\" \"https://dtd.nlm.nih.gov/ncbi/pmc/articleset/nlm-articleset-2.0.dtd\"><pmc-articleset>{}</pmc-articleset>",
        &raw[start..]
    )
}

async fn efetch(State(f): State<Arc<Fake>>, Query(q): Query<HashMap<String, String>>) -> Response {
    assert_eq!(q.get("db").map(String::as_str), Some("pmc"));
    assert!(q.contains_key("tool"), "tool= always sent");
    let id = q.get("id").cloned().unwrap_or_default();
    assert!(!id.starts_with("PMC"), "numeric PMC id sent");
    let n = f.hit(&id);
    match id.as_str() {
        "3460867" => xml(articleset("jats/pmc-oa_plos-one_pone.0046493.nxml")),
        "4000001" => xml(articleset("jats/elife_poa_abstract-only_e06828.xml")),
        "4000002" => xml(
            r#"<?xml version="1.0" ?><pmc-articleset><article article-type="obituary" xmlns:xlink="http://www.w3.org/1999/xlink"><!--The publisher of this article does not allow downloading of the full text in XML form.--><front><article-meta><title-group><article-title>In memoriam</article-title></title-group></article-meta></front></article></pmc-articleset>"#,
        ),
        "999999999" => xml(
            r#"<?xml version="1.0" ?><pmc-articleset><error id="999999999">The following PMCID is not available: 999999999</error></pmc-articleset>"#,
        ),
        "4000003" => xml(
            r#"<?xml version="1.0" encoding="UTF-8" ?><eFetchResult><ERROR>Invalid uid 4000003 at position= 0</ERROR></eFetchResult>"#,
        ),
        // 429 twice (JSON body echoing the key), then the article.
        "4000004" if n <= 2 => json(
            StatusCode::TOO_MANY_REQUESTS,
            &format!(r#"{{"error":"API rate limit exceeded","api-key":"{KEY}","count":"11","limit":"10"}}"#),
        ),
        "4000004" => xml(articleset("jats/elife_poa_abstract-only_e06828.xml")),
        // The same rate-limit JSON with HTTP 200, once.
        "4000005" if n == 1 => json(StatusCode::OK, r#"{"error":"API rate limit exceeded","count":"4","limit":"3"}"#),
        "4000005" => xml(articleset("jats/elife_poa_abstract-only_e06828.xml")),
        // 502 with an HTML page, once.
        "4000006" if n == 1 => (
            StatusCode::BAD_GATEWAY,
            [(header::CONTENT_TYPE, "text/html")],
            "<html><body><h1>502 Bad Gateway</h1></body></html>",
        )
            .into_response(),
        "4000006" => xml(articleset("jats/elife_poa_abstract-only_e06828.xml")),
        // Always 500 HTML.
        "4000007" => (
            StatusCode::INTERNAL_SERVER_ERROR,
            [(header::CONTENT_TYPE, "text/html")],
            "<html><body>Internal Server Error</body></html>",
        )
            .into_response(),
        // Slow: trips the client timeout.
        "4000008" => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            xml(articleset("jats/elife_poa_abstract-only_e06828.xml"))
        }
        // Slow once, then fine.
        "4000010" if n == 1 => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            xml("")
        }
        "4000010" => xml(articleset("jats/elife_poa_abstract-only_e06828.xml")),
        // Truncated XML (malformed body).
        "4000009" => {
            let full = articleset("jats/elife_poa_abstract-only_e06828.xml");
            xml(full[..full.len() / 2].to_string())
        }
        // 429 forever, with the key echoed.
        "4000011" => json(
            StatusCode::TOO_MANY_REQUESTS,
            &format!(r#"{{"error":"API rate limit exceeded","api-key":"{KEY}","count":"11","limit":"10"}}"#),
        ),
        // Bad key.
        "4000012" => json(
            StatusCode::BAD_REQUEST,
            &format!(r#"{{"error":"API key invalid","api-key":"{KEY}","type":"invalid","status":"unknown"}}"#),
        ),
        _ => xml(format!(
            r#"<pmc-articleset><error id="{id}">The following PMCID is not available: {id}</error></pmc-articleset>"#
        )),
    }
}

async fn idconv(State(f): State<Arc<Fake>>, Query(q): Query<HashMap<String, String>>) -> Response {
    let ids = q.get("ids").cloned().unwrap_or_default();
    let idtype = q.get("idtype").cloned().unwrap_or_default();
    assert_eq!(q.get("format").map(String::as_str), Some("json"));
    f.hit(&format!("idconv:{ids}"));
    if idtype == "pmid" && !ids.chars().all(|c| c.is_ascii_digit()) {
        return json(
            StatusCode::BAD_REQUEST,
            r#"{"status":"error","http_status":"400","http_status_reason":"Bad Request","errors":[{"message":"All values of query param `ids` must be PubMed IDs (Positive Integers).","code":"invalid_pmids"}]}"#,
        );
    }
    let head = r#""status":"ok","response-date":"2026-06-16 14:17:07","request":{"warnings":[],"format":"json","idtype":"pmid","ids":["x"],"echo":"x","versions":"no","showaiid":"no"}"#;
    match (idtype.as_str(), ids.as_str()) {
        ("pmid", "23029536") => json(
            StatusCode::OK,
            &format!(
                r#"{{{head},"records":[{{"doi":"10.1371/journal.pone.0046493","pmcid":"PMC3460867","pmid":23029536,"requested-id":"23029536"}}]}}"#
            ),
        ),
        ("doi", "10.1371/journal.pone.0046493") => json(
            StatusCode::OK,
            &format!(
                r#"{{{head},"records":[{{"doi":"10.1371/journal.pone.0046493","pmcid":"PMC3460867","pmid":23029536,"requested-id":"10.1371/journal.pone.0046493"}}]}}"#
            ),
        ),
        ("pmid", "11111111") => json(StatusCode::OK, "{\"status\":\"ok\",\"records\":[{\"pmid\":11111"),
        (_, id) => json(
            StatusCode::OK,
            &format!(
                r#"{{{head},"records":[{{"pmid":22663011,"requested-id":"{id}","status":"error","errmsg":"Identifier not found in PMC"}}]}}"#
            ),
        ),
    }
}

async fn s3_list(Query(q): Query<HashMap<String, String>>) -> Response {
    assert_eq!(q.get("list-type").map(String::as_str), Some("2"));
    let prefix = q.get("prefix").cloned().unwrap_or_default();
    let body = if prefix == "PMC3460867." {
        r#"<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>pmc-oa-opendata</Name><Prefix>PMC3460867.</Prefix><KeyCount>2</KeyCount><MaxKeys>1000</MaxKeys><Delimiter>/</Delimiter><IsTruncated>false</IsTruncated><CommonPrefixes><Prefix>PMC3460867.1/</Prefix></CommonPrefixes><CommonPrefixes><Prefix>PMC3460867.2/</Prefix></CommonPrefixes></ListBucketResult>"#.to_string()
    } else {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>pmc-oa-opendata</Name><Prefix>{prefix}</Prefix><KeyCount>0</KeyCount><MaxKeys>1000</MaxKeys><Delimiter>/</Delimiter><IsTruncated>false</IsTruncated></ListBucketResult>"#
        )
    };
    xml(body)
}

async fn s3_object(Path((dir, file)): Path<(String, String)>) -> Response {
    let no_such_key = || {
        (StatusCode::NOT_FOUND, [(header::CONTENT_TYPE, "application/xml")], "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>").into_response()
    };
    match (dir.as_str(), file.as_str()) {
        ("PMC3460867.2", "PMC3460867.2.json") => json(
            StatusCode::OK,
            r#"{"pmcid":"PMC3460867","version":2,"pmid":23029536,"doi":"10.1371/journal.pone.0046493","mid":null,"title":"MmPPOX","citation":"PLoS One. 2012","is_pmc_openaccess":true,"is_manuscript":false,"is_historical_ocr":false,"is_retracted":false,"license_code":"CC BY","media_urls":["s3://pmc-oa-opendata/PMC3460867.2/pone.0046493.g001.jpg?md5=aa","s3://pmc-oa-opendata/PMC3460867.2/pone.0046493.g002.jpg?md5=bb","s3://pmc-oa-opendata/PMC3460867.2/pone.0046493.g003.png?md5=cc"]}"#,
        ),
        ("PMC3460867.2", "pone.0046493.g001.jpg") => {
            ([(header::CONTENT_TYPE, "image/jpeg")], b"\xFF\xD8\xFF\xE0fake-jpeg-1".to_vec()).into_response()
        }
        ("PMC3460867.2", "pone.0046493.g003.png") => {
            ([(header::CONTENT_TYPE, "image/png")], b"\x89PNG\r\n\x1a\nfake-png-3".to_vec()).into_response()
        }
        _ => no_such_key(),
    }
}

async fn start() -> (String, Arc<Fake>) {
    let fake = Arc::new(Fake::default());
    let app = Router::new()
        .route("/entrez/eutils/efetch.fcgi", get(efetch))
        .route("/tools/idconv/api/v1/articles/", get(idconv))
        .route("/s3/", get(s3_list))
        .route("/s3/{dir}/{file}", get(s3_object))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), fake)
}

fn config(base: &str) -> NcbiConfig {
    NcbiConfig {
        eutils_base: format!("{base}/entrez/eutils/"),
        idconv_base: format!("{base}/tools/idconv/api/v1/articles/"),
        oa_base: format!("{base}/pmc/utils/oa/oa.fcgi"),
        s3_base: format!("{base}/s3/"),
        api_key: Some(KEY.into()),
        tool: "hidden-hill-test".into(),
        email: Some("dev@example.org".into()),
        timeout: Duration::from_millis(800),
        deadline: Duration::from_secs(10),
        max_retries: 2,
        base_backoff: Duration::from_millis(10),
        rate_per_sec: Some(200.0),
        fetch_figures: true,
    }
}

fn assert_no_key(e: &paper::ReadError) {
    assert!(!e.message.contains(KEY), "API key leaked: {}", e.message);
}

#[tokio::test]
async fn pmcid_full_text_with_figures_from_s3() {
    let (base, _f) = start().await;
    let c = NcbiClient::new(config(&base));
    let e = c.fetch(IdKind::Pmcid, "PMC3460867").await.unwrap();
    let p = &e.paper;
    assert!(p.title.starts_with("MmPPOX Inhibits Mycobacterium tuberculosis"));
    assert!(p.authors.iter().any(|a| a == "Sadia V. Diomandé"));
    assert_eq!(p.figures.len(), 4);
    // g001 and g003 exist in the bucket; g002 is listed but missing (NoSuchKey), g004 not listed.
    assert_eq!(e.figure_files.len(), 2);
    assert_eq!(e.figure_files[0].name, "figures/fig-1.jpg");
    assert_eq!(p.figures[0].image.as_deref(), Some("figures/fig-1.jpg"));
    assert_eq!(p.figures[2].image.as_deref(), Some("figures/fig-2.png"));
    assert!(p.figures[1].image.is_none());
    assert!(p.notes.iter().any(|n| n.contains("2 figure image(s) could not be downloaded")));
}

#[tokio::test]
async fn pmid_and_doi_go_through_the_id_converter() {
    let (base, f) = start().await;
    let c = NcbiClient::new(NcbiConfig { fetch_figures: false, ..config(&base) });
    let a = c.fetch(IdKind::Pmid, "23029536").await.unwrap();
    let b = c.fetch(IdKind::Doi, "10.1371/journal.pone.0046493").await.unwrap();
    assert_eq!(a.paper.title, b.paper.title);
    assert_eq!(f.count("idconv:23029536"), 1);
    assert_eq!(f.count("3460867"), 2);
    assert!(a.figure_files.is_empty());
}

#[tokio::test]
async fn not_in_pmc_and_unknown_ids_are_permanent_not_found() {
    let (base, _f) = start().await;
    let c = NcbiClient::new(config(&base));
    let e = c.fetch(IdKind::Pmid, "22663011").await.unwrap_err();
    assert_eq!(e.kind, "not-found");
    assert!(!e.is_transient());
    assert!(e.message.contains("upload the PDF") || e.message.contains("Upload the PDF"));
    let e = c.fetch(IdKind::Pmcid, "PMC999999999").await.unwrap_err();
    assert_eq!(e.kind, "not-found");
    assert!(!e.is_transient());
}

#[tokio::test]
async fn idconv_400_invalid_ids() {
    let (base, _f) = start().await;
    let c = NcbiClient::new(config(&base));
    let e = c.fetch(IdKind::Pmid, "10.1/abc").await.unwrap_err();
    assert_eq!(e.kind, "invalid-id");
    assert!(!e.is_transient());
    assert!(e.message.contains("must be PubMed IDs"));
}

#[tokio::test]
async fn abstract_only_and_front_only() {
    let (base, _f) = start().await;
    let c = NcbiClient::new(config(&base));
    let e = c.fetch(IdKind::Pmcid, "PMC4000001").await.unwrap();
    assert!(e.paper.sections.is_empty());
    assert!(!e.paper.abstract_paragraphs.is_empty());
    assert!(e.paper.notes.iter().any(|n| n.contains("based on the abstract")));
    let err = c.fetch(IdKind::Pmcid, "PMC4000002").await.unwrap_err();
    assert_eq!(err.kind, "not-open-access");
    assert!(!err.is_transient());
    assert!(err.message.contains("does not allow downloading the full text"));
}

#[tokio::test]
async fn error_body_on_200_is_detected() {
    let (base, _f) = start().await;
    let c = NcbiClient::new(config(&base));
    let e = c.fetch(IdKind::Pmcid, "PMC4000003").await.unwrap_err();
    assert_eq!(e.kind, "not-found");
    assert!(e.message.contains("Invalid uid"));
}

#[tokio::test]
async fn rate_limit_429_then_success_and_429_body_on_200() {
    let (base, f) = start().await;
    let c = NcbiClient::new(config(&base));
    let e = c.fetch(IdKind::Pmcid, "PMC4000004").await.unwrap();
    assert!(e.paper.has_text());
    assert_eq!(f.count("4000004"), 3, "two 429s retried");
    let e = c.fetch(IdKind::Pmcid, "PMC4000005").await.unwrap();
    assert!(e.paper.has_text());
    assert_eq!(f.count("4000005"), 2, "200-with-429-body retried");
}

#[tokio::test]
async fn rate_limit_forever_is_transient_and_redacted() {
    let (base, f) = start().await;
    let c = NcbiClient::new(config(&base));
    let e = c.fetch(IdKind::Pmcid, "PMC4000011").await.unwrap_err();
    assert_eq!(e.kind, "ncbi-rate-limited");
    assert!(e.is_transient());
    assert!(e.retry_after_ms.is_some());
    assert_eq!(f.count("4000011"), 3, "1 try + 2 retries");
    assert_no_key(&e);
}

#[tokio::test]
async fn bad_api_key_is_permanent_and_redacted() {
    let (base, _f) = start().await;
    let c = NcbiClient::new(config(&base));
    let e = c.fetch(IdKind::Pmcid, "PMC4000012").await.unwrap_err();
    assert_eq!(e.kind, "ncbi-bad-api-key");
    assert!(!e.is_transient());
    assert_no_key(&e);
}

#[tokio::test]
async fn server_errors_retried_then_success_or_transient() {
    let (base, f) = start().await;
    let c = NcbiClient::new(config(&base));
    assert!(c.fetch(IdKind::Pmcid, "PMC4000006").await.unwrap().paper.has_text());
    assert_eq!(f.count("4000006"), 2);
    let e = c.fetch(IdKind::Pmcid, "PMC4000007").await.unwrap_err();
    assert_eq!(e.kind, "ncbi-unavailable");
    assert!(e.is_transient());
    assert_eq!(f.count("4000007"), 3);
    assert_no_key(&e);
}

#[tokio::test]
async fn slow_answer_times_out_then_retry_succeeds() {
    let (base, f) = start().await;
    let c = NcbiClient::new(NcbiConfig { max_retries: 1, ..config(&base) });
    let e = c.fetch(IdKind::Pmcid, "PMC4000008").await.unwrap_err();
    assert_eq!(e.kind, "ncbi-timeout");
    assert!(e.is_transient());
    assert_no_key(&e);
    assert_eq!(f.count("4000008"), 2);
    assert!(c.fetch(IdKind::Pmcid, "PMC4000010").await.unwrap().paper.has_text());
}

#[tokio::test]
async fn an_unanswering_ncbi_fails_within_the_deadline_with_advice() {
    let (base, _f) = start().await;
    // Eight slow attempts would take 6 s; the deadline ends the fetch after about 1 s.
    let c = NcbiClient::new(NcbiConfig { max_retries: 7, deadline: Duration::from_secs(1), ..config(&base) });
    let t = std::time::Instant::now();
    let e = c.fetch(IdKind::Pmcid, "PMC4000008").await.unwrap_err();
    assert!(t.elapsed() < Duration::from_millis(1900), "{:?}", t.elapsed());
    assert_eq!(e.kind, "ncbi-timeout");
    assert!(e.is_transient());
    assert_eq!(e.message, "NCBI did not answer within 1 s. Try again later, or upload the paper's PDF.");
    // Nothing listening: a quick answer that says what to do, not reqwest's words.
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = format!("http://{}", l.local_addr().unwrap());
    drop(l);
    let c = NcbiClient::new(NcbiConfig { max_retries: 1, ..config(&closed) });
    let e = c.fetch(IdKind::Pmid, "23029536").await.unwrap_err();
    assert_eq!(e.message, "NCBI could not be reached. Try again later, or upload the paper's PDF.");
    assert!(!e.message.contains("error sending request"));
}

#[tokio::test]
async fn malformed_bodies_are_transient_bad_response() {
    let (base, _f) = start().await;
    let c = NcbiClient::new(config(&base));
    let e = c.fetch(IdKind::Pmcid, "PMC4000009").await.unwrap_err();
    assert_eq!(e.kind, "ncbi-bad-response");
    assert!(e.is_transient());
    let e = c.fetch(IdKind::Pmid, "11111111").await.unwrap_err();
    assert_eq!(e.kind, "ncbi-bad-response");
}

#[tokio::test]
async fn connection_refused_is_transient() {
    // A port nothing listens on.
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", l.local_addr().unwrap());
    drop(l);
    let c = NcbiClient::new(NcbiConfig { max_retries: 1, ..config(&base) });
    let e = c.fetch(IdKind::Pmcid, "PMC3460867").await.unwrap_err();
    assert_eq!(e.kind, "ncbi-unavailable");
    assert!(e.is_transient());
    assert_no_key(&e);
}

#[tokio::test]
async fn limiter_spaces_requests() {
    let (base, _f) = start().await;
    let c = NcbiClient::new(NcbiConfig { rate_per_sec: Some(20.0), fetch_figures: false, ..config(&base) });
    let t = std::time::Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let c = c.clone();
        tasks.push(tokio::spawn(async move { c.fetch(IdKind::Pmcid, "PMC999999999").await }));
    }
    for t in tasks {
        let _ = t.await.unwrap();
    }
    // 6 requests at 20/s with a burst of 1: at least 5 intervals of 50 ms.
    assert!(t.elapsed() >= Duration::from_millis(240), "{:?}", t.elapsed());
}
