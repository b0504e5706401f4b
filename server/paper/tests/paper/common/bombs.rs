#![allow(dead_code)]
//! Hostile DOCX packages made by the tests (decompression amplification, issue #20): entries
//! that inflate far beyond their size in the file, images whose header declares billions of
//! pixels, and archives whose directory understates an entry's size. Shared by the `paper`
//! tests and the server's integration tests (included there by path).

use std::io::{Read, Write};

/// One entry of a package: `head`, then `zeros` zero bytes. Zeros deflate about 1000:1, so a
/// 30 MiB entry costs some 30 KB in the file.
pub struct Entry {
    pub name: String,
    pub head: Vec<u8>,
    pub zeros: u64,
}

pub fn entry(name: &str, head: impl Into<Vec<u8>>, zeros: u64) -> Entry {
    Entry { name: name.to_owned(), head: head.into(), zeros }
}

/// A ZIP of `entries`, deflated, written with the `zip` crate.
pub fn zip(entries: &[Entry]) -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for e in entries {
            z.start_file(e.name.as_str(), options).unwrap();
            z.write_all(&e.head).unwrap();
            std::io::copy(&mut std::io::repeat(0).take(e.zeros), &mut z).unwrap();
        }
        z.finish().unwrap();
    }
    buf.into_inner()
}

/// The start of a PNG whose header (IHDR) declares `width` × `height` px, 8-bit RGBA. Only the
/// header is ever read from it (its CRC is left zero), so zeros may follow.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    b.extend(width.to_be_bytes());
    b.extend(height.to_be_bytes());
    b.extend([8, 6, 0, 0, 0, 0, 0, 0, 0]);
    b
}

/// A paragraph long enough for the quality gate (more than 80 words of English).
pub const LONG: &str = "We followed two hundred adults over the age of sixty for three years and measured how much salt they ate each week. Those who ate the most salt had higher blood pressure at the end of the study than those who ate the least, and the difference was larger in people who already took medicine for their heart. When the participants cut down on salt for six months, their blood pressure fell again, which suggests that the effect can be reversed even late in life.";

const W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

/// A transitional DOCX: `title` in the Title style, then `paragraphs`, then one inline picture
/// per image, each `(head, zeros)` stored as `word/media/image{n}.png`. `document_zeros` zero
/// bytes follow the main part's XML (0 for a well-formed document).
pub fn docx(title: &str, paragraphs: &[&str], images: Vec<(Vec<u8>, u64)>, document_zeros: u64) -> Vec<u8> {
    let mut body = format!("<w:p><w:pPr><w:pStyle w:val=\"Title\"/></w:pPr><w:r><w:t>{title}</w:t></w:r></w:p>");
    for p in paragraphs {
        body.push_str(&format!("<w:p><w:r><w:t xml:space=\"preserve\">{p}</w:t></w:r></w:p>"));
    }
    let mut rels = format!(r#"<Relationship Id="rIdS" Type="{REL}/styles" Target="styles.xml"/>"#);
    for n in 1..=images.len() {
        body.push_str(&format!(
            "<w:p><w:r><w:drawing><wp:inline><a:graphic><a:graphicData><pic:pic><pic:blipFill><a:blip r:embed=\"rIdImg{n}\"/></pic:blipFill></pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>"
        ));
        rels.push_str(&format!(r#"<Relationship Id="rIdImg{n}" Type="{REL}/image" Target="media/image{n}.png"/>"#));
    }
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="{W}" xmlns:r="{REL}"
 xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
 xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"
 xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture"><w:body>{body}<w:sectPr/></w:body></w:document>"#
    );
    let mut entries = vec![
        entry(
            "_rels/.rels",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{REL}/officeDocument" Target="word/document.xml"/></Relationships>"#
            ),
            0,
        ),
        entry("word/document.xml", document, document_zeros),
        entry(
            "word/_rels/document.xml.rels",
            format!(
                r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>"#
            ),
            0,
        ),
        entry(
            "word/styles.xml",
            format!(
                r#"<w:styles xmlns:w="{W}"><w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/></w:style></w:styles>"#
            ),
            0,
        ),
    ];
    for (n, (head, zeros)) in images.into_iter().enumerate() {
        entries.push(entry(&format!("word/media/image{}.png", n + 1), head, zeros));
    }
    zip(&entries)
}

/// Makes the archive claim that entry `name` inflates to `declared` bytes, whatever it really
/// does: the `zip` crate always writes the true size, so the test patches it afterwards, in the
/// entry's local header (signature `PK\x03\x04`, uncompressed size at offset 22, name length at
/// 26, name at 30) and in its central directory record (signature `PK\x01\x02`, uncompressed
/// size at 24, name length at 28, name at 46). Sizes are little-endian u32; the CRC is left as
/// it was (a reader that stops at its limit never reaches the CRC check).
pub fn understate(zip: &mut [u8], name: &str, declared: u32) {
    let name = name.as_bytes();
    let mut patched = 0;
    for (signature, size_at, name_len_at, name_at) in [(b"PK\x03\x04", 22, 26, 30), (b"PK\x01\x02", 24, 28, 46)] {
        let starts: Vec<usize> = zip.windows(4).enumerate().filter(|(_, w)| *w == signature).map(|(i, _)| i).collect();
        for start in starts {
            let len = |at: usize| usize::from(u16::from_le_bytes([zip[start + at], zip[start + at + 1]]));
            if zip.get(start + name_at..start + name_at + len(name_len_at)) == Some(name) {
                zip[start + size_at..start + size_at + 4].copy_from_slice(&declared.to_le_bytes());
                patched += 1;
            }
        }
    }
    assert_eq!(patched, 2, "the local header and the central directory record of {:?}", String::from_utf8_lossy(name));
}
