//! Slow and idle clients (issue #20, item 6), over raw TCP against the real server: a half-sent
//! request head, an idle kept-alive connection, a stalled request body, the connection cap and
//! the cap on one person's live streams. Timeouts are set to 1 s; each wait is bounded by a
//! guard far longer, which only a server that never closes the connection reaches.

use crate::common::{self, logged_in, Engine, TestApp};
use futures::StreamExt;
use reqwest::{header, StatusCode};
use std::time::Duration;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

/// Longer than any timeout these tests set: reaching it means the server kept the connection.
const GUARD: Duration = Duration::from_secs(20);

async fn fast_timeouts(extra: &[(&str, &str)]) -> TestApp {
    let mut vars = vec![("HH_HEADER_TIMEOUT_SECS", "1"), ("HH_BODY_TIMEOUT_SECS", "1")];
    vars.extend_from_slice(extra);
    TestApp::spawn_with(Engine::Sqlite, &vars).await
}

/// Everything the server sends until it closes the connection; panics if it has not closed it
/// within [`GUARD`].
async fn until_closed(stream: &mut TcpStream) -> String {
    let mut received = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(GUARD, stream.read(&mut buf)).await {
            Err(_) => panic!(
                "the server kept the connection open for {GUARD:?}; it had sent {:?}",
                String::from_utf8_lossy(&received)
            ),
            Ok(Ok(0)) | Ok(Err(_)) => return String::from_utf8_lossy(&received).into_owned(),
            Ok(Ok(n)) => received.extend_from_slice(&buf[..n]),
        }
    }
}

/// One whole response (head and a `Content-Length` body), leaving the connection open.
async fn one_response(stream: &mut TcpStream) -> String {
    let mut received = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let text = String::from_utf8_lossy(&received).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_owned()))
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(0);
            if received.len() >= end + 4 + length {
                return text;
            }
        }
        match tokio::time::timeout(GUARD, stream.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => received.extend_from_slice(&buf[..n]),
            other => panic!("no whole response ({other:?}); had {text:?}"),
        }
    }
}

#[tokio::test]
async fn half_sent_request_heads_are_closed_after_the_header_timeout() {
    let app = fast_timeouts(&[]).await;
    let mut slow = Vec::new();
    for i in 0..20 {
        let mut stream = TcpStream::connect(app.addr).await.unwrap();
        // Half a head; every other connection sends nothing at all.
        if i % 2 == 0 {
            stream.write_all(b"GET /health HTTP/1.1\r\nHost: hidden-hill\r\nX-Slow: ").await.unwrap();
        }
        slow.push(stream);
    }
    for stream in &mut slow {
        let sent = until_closed(stream).await;
        assert!(!sent.contains("200 OK"), "{sent}");
    }
    // The server still answers everyone else.
    let health = app.client.get(app.url("/health")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_idle_kept_alive_connection_is_closed() {
    let app = fast_timeouts(&[]).await;
    let mut stream = TcpStream::connect(app.addr).await.unwrap();
    // Kept alive: two requests on the one connection.
    for _ in 0..2 {
        stream.write_all(b"GET /health HTTP/1.1\r\nHost: hidden-hill\r\n\r\n").await.unwrap();
        let response = one_response(&mut stream).await;
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    }
    // Then idle: closed by the server, with nothing more sent.
    assert_eq!(until_closed(&mut stream).await, "");
}

#[tokio::test]
async fn a_stalled_form_body_is_answered_408_and_closed() {
    let app = fast_timeouts(&[]).await;
    let mut stream = TcpStream::connect(app.addr).await.unwrap();
    let head = "POST /api/login HTTP/1.1\r\nHost: hidden-hill\r\nAccept: application/json\r\n\
                Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n";
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(b"email=someone%40example.org&pass").await.unwrap();
    let sent = until_closed(&mut stream).await;
    assert!(sent.starts_with("HTTP/1.1 408"), "{sent}");
    assert!(sent.contains("did not arrive within 1 seconds"), "{sent}");
}

/// A multipart upload body, `size` bytes of a plain-text paper after the part's head.
fn multipart(boundary: &str, text: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let head = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"paper.txt\"\r\n\
         Content-Type: text/plain\r\n\r\n"
    );
    let mut body = head.into_bytes();
    body.extend_from_slice(text);
    (body, format!("\r\n--{boundary}--\r\n").into_bytes())
}

/// A short plain-text paper that passes upload sniffing.
fn text_paper() -> Vec<u8> {
    "# Salt and the heart\n\nLowering salt intake lowers blood pressure in most adults. ".repeat(40).into_bytes()
}

#[tokio::test]
async fn a_stalled_upload_ends_and_a_slow_one_that_progresses_does_not() {
    let app = fast_timeouts(&[]).await;
    let browser = app.other_browser();
    let registered = app.register(&browser, "slow@example.org").await;
    assert_eq!(registered.status(), StatusCode::OK);
    let cookie = registered
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
        .collect::<Vec<_>>()
        .join("; ");

    // Stalled: half the file, then nothing.
    let (body, end) = multipart("hh-boundary", &text_paper());
    let mut stream = TcpStream::connect(app.addr).await.unwrap();
    let head = format!(
        "POST /api/jobs HTTP/1.1\r\nHost: hidden-hill\r\nCookie: {cookie}\r\nAccept: application/json\r\n\
         Content-Type: multipart/form-data; boundary=hh-boundary\r\nContent-Length: {}\r\n\r\n",
        body.len() + end.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body[..body.len() / 2]).await.unwrap();
    let sent = until_closed(&mut stream).await;
    assert!(sent.starts_with("HTTP/1.1 408"), "{sent}");
    assert!(sent.contains("The upload stopped arriving for 1 seconds"), "{sent}");

    // Slow but progressing: longer in all than the timeout, never paused as long.
    let mut chunks: Vec<Vec<u8>> = body.chunks(body.len() / 4 + 1).map(<[u8]>::to_vec).collect();
    chunks.push(end);
    let slow = futures::stream::iter(chunks).then(|chunk| async move {
        tokio::time::sleep(Duration::from_millis(400)).await;
        Ok::<_, std::io::Error>(chunk)
    });
    let response = browser
        .post(app.url("/api/jobs"))
        .header(header::CONTENT_TYPE, "multipart/form-data; boundary=hh-boundary")
        .body(reqwest::Body::wrap_stream(slow))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED, "{:?}", response.text().await);
}

#[tokio::test]
async fn connections_beyond_the_cap_wait_until_one_closes() {
    let app = fast_timeouts(&[("HH_MAX_CONNECTIONS", "1")]).await;
    // The one slot, held by a client that sends half a head.
    let mut first = TcpStream::connect(app.addr).await.unwrap();
    first.write_all(b"GET /health HTTP/1.1\r\nHost: hidden-hill\r\n").await.unwrap();
    // The next waits to be accepted...
    let mut second = TcpStream::connect(app.addr).await.unwrap();
    second.write_all(b"GET /health HTTP/1.1\r\nHost: hidden-hill\r\nConnection: close\r\n\r\n").await.unwrap();
    let answer = until_closed(&mut second).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    // ...and is answered only once the first was closed: its end is already here. (A plain
    // non-blocking read asks the socket itself, not tokio's readiness cache.)
    let mut first = first.into_std().unwrap();
    let mut buf = [0u8; 1024];
    let closed = loop {
        match std::io::Read::read(&mut first, &mut buf) {
            Ok(0) => break true,
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break false,
            Err(_) => break true,
        }
    };
    assert!(closed, "the second connection was served while the first still held the only slot");
}

#[tokio::test]
async fn one_client_address_holds_a_bounded_share_of_the_connections() {
    let app = fast_timeouts(&[("HH_CONNECTIONS_PER_CLIENT", "2")]).await;
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut stream = TcpStream::connect(app.addr).await.unwrap();
        stream
            .write_all(
                b"GET /health HTTP/1.1
Host: hidden-hill

",
            )
            .await
            .unwrap();
        assert!(one_response(&mut stream).await.starts_with("HTTP/1.1 200"));
        held.push(stream); // kept alive, holding its slot
    }
    // A third from the same address is closed without an answer...
    let mut third = TcpStream::connect(app.addr).await.unwrap();
    let _ = third
        .write_all(
            b"GET /health HTTP/1.1
Host: hidden-hill

",
        )
        .await;
    assert_eq!(until_closed(&mut third).await, "", "closed unanswered");
    // ...until one of the two lets go.
    drop(held.pop());
    let mut answered = None;
    for _ in 0..50 {
        let mut next = TcpStream::connect(app.addr).await.unwrap();
        let _ = next.write_all(b"GET /health HTTP/1.1\r\nHost: hidden-hill\r\nConnection: close\r\n\r\n").await;
        let answer = until_closed(&mut next).await;
        if !answer.is_empty() {
            answered = Some(answer);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(answered.is_some_and(|a| a.starts_with("HTTP/1.1 200")), "a freed slot serves again");
}

#[tokio::test]
async fn a_client_that_stops_reading_its_answer_is_let_go() {
    let app = fast_timeouts(&[("HH_WRITE_TIMEOUT_SECS", "1")]).await;
    let browser = app.other_browser();
    let registered = app.register(&browser, "sleepy@example.org").await;
    let cookie = common::session_cookie(&registered);
    let id = common::submit(&app, &browser, "PMC1").await;
    const SIZE: usize = 64 * 1024 * 1024;
    let video = app::storage::Key::job(&id, "final.mp4").unwrap();
    app.state.media.put_bytes(&video, &vec![0u8; SIZE]).await.unwrap();
    let mut stream = TcpStream::connect(app.addr).await.unwrap();
    let request = format!("GET /videos/{id} HTTP/1.1\r\nHost: hidden-hill\r\nCookie: {cookie}\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    // Read nothing for a while: the socket buffers fill and the server's writes wait.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let mut received = 0usize;
    let mut buf = vec![0u8; 1 << 20];
    loop {
        match tokio::time::timeout(GUARD, stream.read(&mut buf)).await {
            Err(_) => panic!("the server kept a connection that stopped reading for {GUARD:?}"),
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => received += n,
        }
    }
    assert!(received < SIZE, "the answer was cut off when its writes waited too long ({received} bytes)");
}

#[tokio::test]
async fn one_person_holds_a_bounded_number_of_live_streams() {
    let app = TestApp::spawn_with(Engine::Sqlite, &[("HH_STREAMS_PER_PERSON", "2")]).await;
    let alice = logged_in(&app, "alice@example.org").await;
    let bob = logged_in(&app, "bob@example.org").await;
    let open = |who: &reqwest::Client| who.get(app.url("/api/jobs/events")).send();
    let first = open(&alice).await.unwrap();
    let second = open(&alice).await.unwrap();
    assert_eq!((first.status(), second.status()), (StatusCode::OK, StatusCode::OK));

    let refused = open(&alice).await.unwrap();
    assert_eq!(refused.headers().get(header::RETRY_AFTER).map(|v| v.to_str().unwrap()), Some("10"));
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let body: serde_json::Value = refused.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("2 live progress views open already"), "{body}");
    // A job's own stream counts too.
    let id = common::upload_ok(&app, &alice).await;
    let refused = alice.get(app.url(&format!("/api/jobs/{id}/events"))).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);

    // Someone else is not affected.
    let bobs = open(&bob).await.unwrap();
    assert_eq!(bobs.status(), StatusCode::OK);

    // Closing a stream gives its slot back (once the server sees the connection go).
    drop(first);
    let mut reopened = None;
    for _ in 0..200 {
        let response = open(&alice).await.unwrap();
        if response.status() == StatusCode::OK {
            reopened = Some(response);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(reopened.is_some(), "the closed stream's slot never came back");
    drop(second);
}
