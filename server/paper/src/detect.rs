//! Recognising an input by its content (never by its file name).

/// The input formats the readers accept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    Pdf,
    /// A ZIP container; the DOCX reader checks that it really is a Word document.
    Docx,
    /// An OLE2 compound file: a legacy Office document (.doc, .xls, .ppt) or an encrypted
    /// (password-protected) DOCX. Never read; `paper::read` says what to upload instead.
    Ole2,
    /// JATS / NLM / PMC XML.
    Jats,
    /// Plain text or Markdown (UTF-8, UTF-16 with a BOM, or Windows-1252), also an HTML page or hOCR.
    Text,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Pdf => "PDF",
            Format::Docx => "Word document (DOCX)",
            Format::Ole2 => "old Office document (.doc) or encrypted Office document",
            Format::Jats => "JATS XML",
            Format::Text => "plain text",
        }
    }
}

/// The first bytes of an OLE2 compound file (legacy .doc/.xls/.ppt, encrypted OOXML).
const OLE2_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

/// How many leading bytes [`detect`] looks at.
pub const PREFIX_LEN: usize = 8 * 1024;

/// Recognises a format from the first bytes of a file (the first 8 KiB are enough; more is ignored).
pub fn detect(prefix: &[u8]) -> Option<Format> {
    let p = &prefix[..prefix.len().min(PREFIX_LEN)];
    if p.is_empty() {
        return None;
    }
    // PDF: the header should be first, but readers accept it within the first KiB.
    if p.starts_with(b"%PDF-") || find(&p[..p.len().min(1024)], b"%PDF-").is_some() {
        return Some(Format::Pdf);
    }
    if p.starts_with(OLE2_MAGIC) {
        return Some(Format::Ole2);
    }
    if p.starts_with(b"PK\x03\x04") {
        return Some(Format::Docx);
    }
    let body = p.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(p);
    if looks_like_jats(body) {
        return Some(Format::Jats);
    }
    if is_text(body) {
        return Some(Format::Text);
    }
    None
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn looks_like_jats(b: &[u8]) -> bool {
    let mut rest = trim_start(b);
    // An XML declaration means XML, JATS or not, unless the root is XHTML with a body (an hOCR
    // file, a saved web page): the text reader reads those.
    let xhtml_page = find(b, b"<body").is_some();
    let mut xml = false;
    if rest.starts_with(b"<?xml") {
        match find(rest, b"?>") {
            Some(i) => rest = trim_start(&rest[i + 2..]),
            None => return true,
        }
        xml = true;
    }
    // Skip comments and a DOCTYPE before the root element.
    for _ in 0..16 {
        if rest.starts_with(b"<!--") {
            match find(rest, b"-->") {
                Some(i) => rest = trim_start(&rest[i + 3..]),
                None => return xml,
            }
        } else if rest.starts_with(b"<!DOCTYPE") {
            let after = trim_start(&rest[9..]);
            if xhtml_page && (starts_with_name(after, b"html") || starts_with_name(after, b"HTML")) {
                return false;
            }
            return xml || JATS_ROOTS.iter().any(|r| starts_with_name(after, r)) || holds_jats_article(b);
        } else {
            break;
        }
    }
    if let Some(r) = rest.strip_prefix(b"<") {
        if xhtml_page && starts_with_name(r, b"html") {
            return false;
        }
        // Any other root element that wraps a JATS article (an export's own wrapper): read as
        // JATS, never as plain text, or the markup would be read aloud.
        return xml || JATS_ROOTS.iter().any(|n| starts_with_name(r, n)) || holds_jats_article(b);
    }
    xml
}

/// Root elements of JATS files and of the wrappers that hold them (efetch, Europe PMC, OAI-PMH).
const JATS_ROOTS: [&[u8]; 5] = [b"article", b"pmc-articleset", b"articles", b"OAI-PMH", b"records"];

/// An `<article` element with a JATS `<front>` or `<article-meta>` within the prefix.
fn holds_jats_article(b: &[u8]) -> bool {
    let has_article = b.windows(8).enumerate().any(|(i, w)| w == b"<article" && starts_with_name(&b[i + 8..], b""));
    has_article && (find(b, b"<front>").is_some() || find(b, b"<article-meta").is_some())
}

fn starts_with_name(b: &[u8], name: &[u8]) -> bool {
    b.starts_with(name) && matches!(b.get(name.len()), None | Some(b' ' | b'\t' | b'\r' | b'\n' | b'>' | b'/' | b'['))
}

fn trim_start(b: &[u8]) -> &[u8] {
    let i = b.iter().position(|c| !c.is_ascii_whitespace()).unwrap_or(b.len());
    &b[i..]
}

fn is_text(b: &[u8]) -> bool {
    // UTF-16 with a byte-order mark: NULs are its high bytes, not binary.
    if let Some((encoding, bom_len)) = encoding_rs::Encoding::for_bom(b) {
        let body = b.get(bom_len..).unwrap_or(&[]);
        let even = body.get(..body.len() & !1).unwrap_or(&[]);
        let (text, _) = encoding.decode_without_bom_handling(even);
        // A surrogate pair cut by the end of the prefix leaves one replacement character.
        let text = text.strip_suffix('\u{FFFD}').unwrap_or(&text);
        return !text.contains('\u{FFFD}') && mostly_prose(text);
    }
    if b.contains(&0) {
        return false;
    }
    match std::str::from_utf8(b) {
        Ok(s) => plain_enough(s),
        // A multi-byte character cut by the end of the prefix is fine.
        Err(e) if e.error_len().is_none() && b.len() - e.valid_up_to() < 4 => {
            plain_enough(std::str::from_utf8(&b[..e.valid_up_to()]).unwrap_or(""))
        }
        // Not UTF-8: Windows-1252 text, if it reads as prose.
        Err(_) => mostly_prose(&encoding_rs::WINDOWS_1252.decode_without_bom_handling(b).0),
    }
}

/// Text with few control characters (at most one in twenty).
fn plain_enough(valid: &str) -> bool {
    let total = valid.chars().count();
    if total == 0 {
        return false;
    }
    let control = valid.chars().filter(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\x0c')).count();
    control * 20 <= total
}

/// For text in a guessed encoding, where any byte decodes to some character: few control
/// characters and mostly letters, digits, spaces and common punctuation.
fn mostly_prose(text: &str) -> bool {
    let total = text.chars().count();
    let prose =
        text.chars().filter(|c| c.is_alphanumeric() || c.is_whitespace() || ".,;:'\"()-–—“”‘’".contains(*c)).count();
    // Windows-1252 text is mostly ASCII with words between spaces; a blob of high bytes
    // ("ÿÿÿÿ…") decodes to letters too, but to no words.
    let ascii = text.chars().filter(char::is_ascii).count();
    let spaces = text.chars().filter(|c| *c == ' ' || *c == '\n').count();
    plain_enough(text) && prose * 10 >= total * 8 && ascii * 10 >= total * 7 && spaces * 30 >= total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_content() {
        assert_eq!(detect(b"%PDF-1.7\n..."), Some(Format::Pdf));
        assert_eq!(detect(b"PK\x03\x04rest"), Some(Format::Docx));
        assert_eq!(detect(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00\x00"), Some(Format::Ole2));
        assert_eq!(detect(b"\xEF\xBB\xBF<?xml version='1.0'?><article/>"), Some(Format::Jats));
        assert_eq!(detect(b"  <!DOCTYPE article PUBLIC \"x\" \"y.dtd\"><article>"), Some(Format::Jats));
        assert_eq!(detect(b"<pmc-articleset><article/>"), Some(Format::Jats));
        assert_eq!(detect(b"<articles> <article xmlns:xlink=\"x\"><front>"), Some(Format::Jats));
        assert_eq!(detect(b"<export><article article-type=\"x\"><front><article-meta>"), Some(Format::Jats));
        assert_eq!(detect(b"# Title\n\nSome text"), Some(Format::Text));
        assert_eq!(detect("Заголовок\n".as_bytes()), Some(Format::Text));
        assert_eq!(detect(b"\x00\x01\x02binary"), None);
        assert_eq!(detect(b"\xff\xfe\xfd"), None);
        // High bytes that decode to Windows-1252 letters but no words are not text.
        assert_eq!(detect(&[0xFF; 64]), None);
        assert_eq!(detect(&[0xE9; 200]), None);
        // UTF-16 with a BOM (NUL bytes and all), Windows-1252 curly quotes.
        let utf16le: Vec<u8> =
            b"\xff\xfe".iter().copied().chain("Título: “x”".encode_utf16().flat_map(u16::to_le_bytes)).collect();
        assert_eq!(detect(&utf16le), Some(Format::Text));
        let utf16be: Vec<u8> =
            b"\xfe\xff".iter().copied().chain("A paper\n".encode_utf16().flat_map(u16::to_be_bytes)).collect();
        assert_eq!(detect(&utf16be), Some(Format::Text));
        assert_eq!(detect(b"\x93Quoted\x94 text \x96 caf\xe9\n"), Some(Format::Text));
        // Binary without NULs is still refused, with or without a UTF-16 BOM.
        assert_eq!(detect(b"\x89\x8a\x01\x02\x03\x04\x05\x06\x81\x8d\x8f\x90\xff\xfe\x7f\x1b"), None);
        assert_eq!(detect(b"\xff\xfe\x00\xd8\x01\x00\x02\x00\x03\x00\x04\x00"), None);
        assert_eq!(detect(b""), None);
        assert_eq!(detect(b"<html><body>x</body></html>"), Some(Format::Text));
        // XHTML (an hOCR file) is text, other XML stays XML.
        assert_eq!(
            detect(b"<?xml version=\"1.0\"?>\n<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0\"><html><body>"),
            Some(Format::Text)
        );
        assert_eq!(
            detect(b"<?xml version=\"1.0\"?>\n<html xmlns=\"http://www.w3.org/1999/xhtml\"><body>"),
            Some(Format::Text)
        );
        // An XHTML root without a body has nothing to read: the XML reader refuses it.
        assert_eq!(detect(b"<?xml version=\"1.0\"?><html/>"), Some(Format::Jats));
        assert_eq!(detect(b"<?xml version=\"1.0\"?>\n<front/>"), Some(Format::Jats));
        // A multi-byte character cut at the end of the prefix.
        let mut long = format!("a{}", "é".repeat(PREFIX_LEN)).into_bytes();
        long.truncate(PREFIX_LEN + 1);
        assert_eq!(detect(&long), Some(Format::Text));
    }
}
