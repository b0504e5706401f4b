//! The admin's view of every job: filters, paging and bulk delete done in the database, and a
//! 404 for everyone who is not an admin — on both engines.

use crate::common;

use common::{error_of, submit, Engine, TestApp, PASSWORD};
use reqwest::{Client, StatusCode};
use serde_json::Value;

on_both_engines!(admins_filter_every_job_and_nobody_else_sees_them, admins_delete_in_bulk);

async fn logged_in(app: &TestApp, email: &str) -> Client {
    let browser = app.other_browser();
    app.register(&browser, email).await;
    browser
}

async fn admin(app: &TestApp) -> Client {
    let browser = app.other_browser();
    assert_eq!(app.login(&browser, "admin@example.org", PASSWORD).await.status(), StatusCode::OK);
    browser
}

/// The admin list for a query string such as `filter[status]=queued`.
async fn list(app: &TestApp, client: &Client, query: &str) -> reqwest::Response {
    client.get(app.url(&format!("/api/admin/jobs?{query}"))).header("accept", "application/json").send().await.unwrap()
}

fn papers(list: &Value) -> Vec<String> {
    list["jobs"].as_array().unwrap().iter().map(|j| j["job"]["source"]["id"].as_str().unwrap().to_owned()).collect()
}

async fn admins_filter_every_job_and_nobody_else_sees_them(engine: Engine) {
    let app =
        TestApp::spawn_with(engine, &[("HH_ADMIN_EMAIL", "admin@example.org"), ("HH_ADMIN_PASSWORD", PASSWORD)]).await;
    let ada = logged_in(&app, "ada@example.org").await;
    let eve = logged_in(&app, "eve@example.org").await;
    submit(&app, &ada, "PMC100").await;
    let cancelled = submit(&app, &ada, "10.1056/NEJMoa2002032").await;
    submit(&app, &eve, "PMC300").await;
    app.call(&ada, "jobs/cancel", &[("id", &cancelled)]).await;
    let boss = admin(&app).await;

    let all: Value = list(&app, &boss, "").await.json().await.unwrap();
    assert_eq!(all["total"], 3);
    assert_eq!(papers(&all), vec!["PMC300", "10.1056/nejmoa2002032", "PMC100"], "newest first");
    assert_eq!(all["jobs"][0]["owner_email"], "eve@example.org");

    let by_user: Value = list(&app, &boss, "filter[user]=ADA").await.json().await.unwrap();
    assert_eq!(papers(&by_user), vec!["10.1056/nejmoa2002032", "PMC100"]);
    let by_status: Value = list(&app, &boss, "filter[status]=cancelled").await.json().await.unwrap();
    assert_eq!(papers(&by_status), vec!["10.1056/nejmoa2002032"]);
    let by_paper: Value = list(&app, &boss, "filter[paper]=pmc3").await.json().await.unwrap();
    assert_eq!(papers(&by_paper), vec!["PMC300"]);
    let oldest: Value = list(&app, &boss, "filter[sort]=oldest&filter[user]=ada").await.json().await.unwrap();
    assert_eq!(papers(&oldest), vec!["PMC100", "10.1056/nejmoa2002032"]);
    let today = app::jobs::progress::date_label(app::backend::now_ms());
    assert!(today.contains("UTC"));
    let future: Value = list(&app, &boss, "filter[from]=2999-01-01").await.json().await.unwrap();
    assert_eq!(future["total"], 0);
    let past: Value = list(&app, &boss, "filter[to]=1999-12-31").await.json().await.unwrap();
    assert_eq!(past["total"], 0);
    let (status, _, field) = error_of(list(&app, &boss, "filter[from]=yesterday").await).await;
    assert_eq!((status, field.as_deref()), (StatusCode::UNPROCESSABLE_ENTITY, Some("from")));
    // A From after the To could match nothing: refused, tied to the dates, not run.
    let (status, message, field) =
        error_of(list(&app, &boss, "filter[from]=2026-12-05&filter[to]=2026-12-01").await).await;
    assert_eq!((status, field.as_deref()), (StatusCode::UNPROCESSABLE_ENTITY, Some("to")));
    assert!(message.contains("From date is after the To date"), "{message}");
    let (_, _, field) = error_of(list(&app, &boss, "filter[status]=exploded").await).await;
    assert_eq!(field.as_deref(), Some("status"));

    // Everyone else: the page does not exist, and nothing about the jobs leaks.
    for (who, client) in [("ada", ada.clone()), ("anonymous", Client::new())] {
        let response = list(&app, &client, "").await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{who}");
        let body = response.text().await.unwrap();
        assert!(!body.contains("PMC300") && !body.contains("eve@"), "{who}: {body}");
        let page = client.get(app.url("/admin/jobs")).header("accept", "text/html").send().await.unwrap();
        assert_eq!(page.status(), StatusCode::NOT_FOUND, "{who}");
        assert!(!page.text().await.unwrap().contains("PMC300"));
    }
    let page = boss.get(app.url("/admin/jobs?user=eve")).header("accept", "text/html").send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("PMC300") && !html.contains("PMC100"), "filters come from the URL");
}

async fn admins_delete_in_bulk(engine: Engine) {
    let app =
        TestApp::spawn_with(engine, &[("HH_ADMIN_EMAIL", "admin@example.org"), ("HH_ADMIN_PASSWORD", PASSWORD)]).await;
    let ada = logged_in(&app, "ada@example.org").await;
    let a = submit(&app, &ada, "PMC1").await;
    let b = submit(&app, &ada, "PMC2").await;
    let c = submit(&app, &ada, "PMC3").await;
    let boss = admin(&app).await;
    // Ada cannot use the bulk delete, even on her own jobs.
    let (status, _, _) = error_of(app.call(&ada, "admin/jobs/delete", &[("ids[0]", &a)]).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let response =
        app.call(&boss, "admin/jobs/delete", &[("ids[0]", &a), ("ids[1]", &b), ("ids[2]", "no-such-job")]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.json::<usize>().await.unwrap(), 2);
    let left: Value = list(&app, &boss, "").await.json().await.unwrap();
    assert_eq!(left["total"], 1);
    assert_eq!(left["jobs"][0]["job"]["id"], c.as_str());
}
