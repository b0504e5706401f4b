//! Content-Security-Policy: one place that says what a page may load.

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

#[cfg(test)]
mod tests {
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
