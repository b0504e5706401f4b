//! What the browser is told and checked for: the Content-Security-Policy (what a page may
//! load) and the same-origin check on requests that change something (cross-site request
//! forgery).

use http::{header, HeaderMap, Method};

/// The policy for HTML pages: scripts only from this origin or inline with this response's
/// nonce (Leptos's hydration bootstrap), WASM compilation allowed, nothing may frame the app.
/// `media_origin` is the object store's origin when videos are redirected to presigned URLs
/// there (the policy applies to where a redirect leads, too).
pub fn page_policy(nonce: &str, media_origin: Option<&str>) -> String {
    let media = media_origin.map(|origin| format!(" {origin}")).unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:{media}; \
         connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

/// The policy for everything that is not a page (JSON, media, files): nothing runs.
pub const NON_PAGE_POLICY: &str = "default-src 'none'; frame-ancestors 'none'; sandbox";

/// Whether a request that changes something (any method but GET, HEAD, OPTIONS, TRACE) was
/// sent by a page of another site with the person's cookie. Browsers say where a request
/// comes from in `Origin` (every cross-origin POST, PUT, DELETE) and `Sec-Fetch-Site`; a request
/// with neither is not from a browser page (curl, scripts), which cannot ride on a person's
/// cookie. The origin is ours when it is `public_url`'s or the one the request was sent to
/// (its `Host`), so the embedded default works on localhost and 127.0.0.1 alike. Another port
/// of the same host is another origin.
pub fn is_cross_site(method: &Method, headers: &HeaderMap, public_url: &str) -> bool {
    if method.is_safe() {
        return false;
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let Ok(origin) = origin.to_str() else { return true };
        let origin = origin.trim_end_matches('/');
        let authority = |url: &str| {
            url.split_once("://").map(|(_, rest)| rest.split('/').next().unwrap_or_default().to_ascii_lowercase())
        };
        let public = public_url.trim_end_matches('/');
        let public_origin =
            public.split_once("://").map(|(scheme, _)| format!("{scheme}://{}", authority(public).unwrap_or_default()));
        if public_origin.as_deref() == Some(&origin.to_ascii_lowercase()) {
            return false;
        }
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).map(str::to_ascii_lowercase);
        return host.is_none() || authority(origin) != host;
    }
    match headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        // "none": the person typed the address or used a bookmark.
        Some(site) => !matches!(site, "same-origin" | "none"),
        None => false,
    }
}

/// A signature of `message` under `key` (HMAC-SHA-256, hex), so a page can show a message
/// that came through its URL only when this server wrote it.
pub fn sign(key: &str, message: &str) -> String {
    use hmac::{Mac, SimpleHmac};
    let mut mac = SimpleHmac::<sha2::Sha256>::new_from_slice(key.as_bytes()).expect("HMAC takes any key length");
    mac.update(message.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Whether `signature` is [`sign`]'s for `message`, compared in constant time.
pub fn is_signed(key: &str, message: &str, signature: &str) -> bool {
    crate::accounts::session::constant_time_eq(sign(key, message).as_bytes(), signature.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::is_cross_site;

    #[test]
    fn signatures_hold_only_for_the_message_and_key() {
        let signature = super::sign("key", "The file is empty.");
        assert!(super::is_signed("key", "The file is empty.", &signature));
        assert!(!super::is_signed("key", "Call +1 555 0100 to unlock your account.", &signature));
        assert!(!super::is_signed("other key", "The file is empty.", &signature));
    }
    use http::{HeaderMap, Method};

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        pairs.iter().map(|(k, v)| (http::HeaderName::from_static(k), v.parse().unwrap())).collect()
    }

    #[test]
    fn only_changes_from_other_origins_are_cross_site() {
        let public = "https://hiddenhill.example";
        let own = headers(&[("origin", "https://hiddenhill.example"), ("host", "hiddenhill.example")]);
        assert!(!is_cross_site(&Method::POST, &own, public));
        let evil = headers(&[("origin", "http://evil.example"), ("host", "hiddenhill.example")]);
        assert!(is_cross_site(&Method::POST, &evil, public));
        assert!(is_cross_site(&Method::DELETE, &evil, public));
        assert!(!is_cross_site(&Method::GET, &evil, public), "reading is not changing");
        // The same host on another port is another origin.
        let local = "http://127.0.0.1:3000";
        let other_port = headers(&[("origin", "http://127.0.0.1:8080"), ("host", "127.0.0.1:3000")]);
        assert!(is_cross_site(&Method::POST, &other_port, local));
        let via_localhost = headers(&[("origin", "http://localhost:3000"), ("host", "localhost:3000")]);
        assert!(!is_cross_site(&Method::POST, &via_localhost, local));
        assert!(is_cross_site(&Method::POST, &headers(&[("origin", "null"), ("host", "127.0.0.1:3000")]), local));
        // No Origin: Sec-Fetch-Site decides; neither: not a browser page.
        assert!(is_cross_site(&Method::POST, &headers(&[("sec-fetch-site", "same-site")]), local));
        assert!(is_cross_site(&Method::POST, &headers(&[("sec-fetch-site", "cross-site")]), local));
        assert!(!is_cross_site(&Method::POST, &headers(&[("sec-fetch-site", "same-origin")]), local));
        assert!(!is_cross_site(&Method::POST, &HeaderMap::new(), local));
    }

    #[test]
    fn page_policy_allows_own_wasm_and_nonce_only() {
        let p = super::page_policy("abc", None);
        assert!(p.contains("script-src 'self' 'nonce-abc' 'wasm-unsafe-eval'"));
        assert!(p.contains("frame-ancestors 'none'"));
        assert!(p.contains("media-src 'self' blob:;"));
        assert!(!p.contains("unsafe-inline"));
        let redirected = super::page_policy("abc", Some("https://media.example"));
        assert!(redirected.contains("media-src 'self' blob: https://media.example;"));
    }
}
