//! Building URLs and download names: shared by the browser (filter links) and the server
//! (redirects, `Content-Disposition`).

/// Percent-encodes `text` for a query-string value: everything but RFC 3986's unreserved
/// characters is escaped, so any text round-trips.
pub fn encode_component(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `next` if it is a path on this site to return to after logging in ("/jobs/abc?x=1"), else
/// `None`: only a single leading slash (not "//host" or "/\\host", which browsers read as
/// another site), no scheme, no control characters or backslashes, at most 2,000 bytes, and not
/// the log-in or sign-up pages themselves.
pub fn local_path(next: &str) -> Option<&str> {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && next.len() <= 2_000
        && !next.chars().any(|c| c.is_control() || c == '\\')
        && !["/login", "/register"].iter().any(|page| {
            next.strip_prefix(page).is_some_and(|rest| rest.is_empty() || rest.starts_with(['?', '#', '/']))
        });
    ok.then_some(next)
}

/// The log-in page's link that comes back to `path` (path and query) afterwards; just `/login`
/// when `path` is not a place to come back to. Slashes stay readable (`/login?next=/videos`);
/// everything else that is not unreserved is escaped, so the page's own query
/// (`?user=a&page=2`) travels as one value.
pub fn login_then(path: &str) -> String {
    match local_path(path).filter(|p| *p != "/") {
        Some(path) => {
            let next: String = path.split('/').map(encode_component).collect::<Vec<_>>().join("/");
            format!("/login?next={next}")
        }
        None => "/login".to_owned(),
    }
}

/// What RFC 5987 lets through unencoded in `filename*` (its `attr-char`).
const NOT_ATTR_CHAR: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// Characters that reorder how text is displayed (embeddings, overrides, isolates, marks): a
/// name like `invoice\u{202e}4pm.exe` shows as `invoiceexe.mp4`. Never part of a file name.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}')
}

/// A file name from the paper's title: ASCII letters and digits in dash-separated words, at most
/// 60 characters plus `.mp4`, so every browser and file system takes it as is.
pub fn download_name(title: Option<&str>) -> String {
    let mut slug = String::new();
    for word in title.unwrap_or("").split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()) {
        if slug.len() + word.len() + 1 > 60 {
            break;
        }
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.push_str(&word.to_ascii_lowercase());
    }
    if slug.is_empty() {
        "hidden-hill-video.mp4".into()
    } else {
        format!("{slug}.mp4")
    }
}

/// The title as a file name people read: control and bidi characters dropped, path separators,
/// quotes and characters Windows refuses (`\ / : * ? " < > |`) as spaces, runs of spaces as one,
/// at most 80 characters, then `.mp4`. `None` when nothing readable is left.
fn readable_name(title: &str) -> Option<String> {
    let cleaned: String = title
        .chars()
        .filter(|c| !is_bidi_control(*c))
        .map(|c| if c.is_control() || "\\/:*?\"<>|".contains(c) { ' ' } else { c })
        .collect();
    let mut name = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.chars().count() > 80 {
        name = name.chars().take(80).collect();
        // End at a word when there is one to end at.
        if let Some(space) = name.rfind(' ') {
            name.truncate(space);
        }
    }
    let name = name.trim_matches(['.', ' ']);
    (!name.is_empty()).then(|| format!("{name}.mp4"))
}

/// The `Content-Disposition` value that saves a job's video under its paper's title: the ASCII
/// [`download_name`] as `filename` for every client, and the readable title (any script,
/// percent-encoded UTF-8 as RFC 5987/6266 say) as `filename*`, which browsers prefer. Neither
/// can carry a quote, a line break or a bidi override, whatever the title holds.
pub fn content_disposition(title: Option<&str>) -> String {
    let ascii = download_name(title);
    match title.and_then(readable_name) {
        Some(readable) if readable != ascii => format!(
            "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
            percent_encoding::utf8_percent_encode(&readable, NOT_ATTR_CHAR)
        ),
        _ => format!("attachment; filename=\"{ascii}\""),
    }
}

#[cfg(test)]
mod return_tests {
    use super::*;

    #[test]
    fn only_paths_of_this_site_are_returned_to() {
        for good in ["/", "/jobs/abc", "/videos?before=x", "/admin/jobs?status=failed#top", "/loginx"] {
            assert_eq!(local_path(good), Some(good), "{good}");
        }
        for bad in [
            "",
            "jobs/abc",
            "//evil.example",
            "/\\evil.example",
            "https://evil.example/",
            "javascript:alert(1)",
            "/jobs/\nx",
            "/login",
            "/login?next=/x",
            "/register",
            &format!("/{}", "a".repeat(2_000)),
        ] {
            assert_eq!(local_path(bad), None, "{bad:?}");
        }
        assert_eq!(login_then("/jobs/a b"), "/login?next=/jobs/a%20b");
        assert_eq!(login_then("/admin/jobs?user=a&page=2"), "/login?next=/admin/jobs%3Fuser%3Da%26page%3D2");
        assert_eq!(login_then("/"), "/login");
        assert_eq!(login_then("//evil.example"), "/login");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_in_links_carry_the_page_to_return_to() {
        assert_eq!(login_then("/videos"), "/login?next=/videos");
        assert_eq!(login_then("/admin/jobs?user=a b&page=2"), "/login?next=/admin/jobs%3Fuser%3Da%20b%26page%3D2");
        assert_eq!(login_then("/jobs/1#x"), "/login?next=/jobs/1%23x");
    }

    #[test]
    fn download_names_are_safe_slugs() {
        assert_eq!(
            download_name(Some("Malaria in Côte d'Ivoire: a 2012 study")),
            "malaria-in-c-te-d-ivoire-a-2012-study.mp4"
        );
        assert_eq!(download_name(Some("../../etc/passwd\"; rm")), "etc-passwd-rm.mp4");
        assert_eq!(download_name(None), "hidden-hill-video.mp4");
        assert_eq!(download_name(Some("Ωμέγα")), "hidden-hill-video.mp4");
        assert!(download_name(Some(&"word ".repeat(40))).len() <= 64);
    }

    #[test]
    fn the_disposition_names_the_file_after_the_title_and_nothing_else() {
        assert_eq!(content_disposition(None), "attachment; filename=\"hidden-hill-video.mp4\"");
        assert_eq!(
            content_disposition(Some("Ωμέγα-3 και καρδιά")),
            "attachment; filename=\"3.mp4\"; filename*=UTF-8''%CE%A9%CE%BC%CE%AD%CE%B3%CE%B1-3%20%CE%BA%CE%B1%CE%B9%20%CE%BA%CE%B1%CF%81%CE%B4%CE%B9%CE%AC.mp4"
        );
        let hostile = "Evil\"; filename=\"x.exe\r\nSet-Cookie: a=b \u{202e}4pm.exe\u{2066}/../../etc\\passwd";
        let value = content_disposition(Some(hostile));
        assert!(http::HeaderValue::from_str(&value).is_ok(), "a valid header value: {value:?}");
        let (ascii, encoded) = value.split_once("; filename*=UTF-8''").unwrap();
        assert_eq!(ascii, "attachment; filename=\"evil-filename-x-exe-set-cookie-a-b-4pm-exe-etc-passwd.mp4\"");
        let readable = percent_encoding::percent_decode_str(encoded).decode_utf8().unwrap();
        assert_eq!(readable, "Evil ; filename= x.exe Set-Cookie a=b 4pm.exe .. .. etc passwd.mp4");
        assert!(value.chars().all(|c| c.is_ascii_graphic() || c == ' '), "{value}");
        let long = content_disposition(Some(&"Ω".repeat(500)));
        assert!(long.ends_with(&format!("''{}.mp4", "%CE%A9".repeat(80))), "{long}");
    }

    #[test]
    fn only_unreserved_characters_stay() {
        assert_eq!(super::encode_component("a b&c=d/é~"), "a%20b%26c%3Dd%2F%C3%A9~");
    }
}
