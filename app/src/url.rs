//! Building URLs: shared by the browser (filter links) and the server (redirects).

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

#[cfg(test)]
mod tests {
    #[test]
    fn only_unreserved_characters_stay() {
        assert_eq!(super::encode_component("a b&c=d/é~"), "a%20b%26c%3Dd%2F%C3%A9~");
    }
}
