//! Bounds on what a file may make the reader inflate or decode: a ZIP entry's bytes (whatever
//! its header declares), the sum of a document's images, and a figure's pixels. A small file
//! must never cost more than a normal paper does (issue #20: an 817 KB DOCX whose images
//! inflated to 100 MiB each took the server up 590 MB).

use std::io::Read;

use crate::model::Extracted;

/// The largest XML part of a package that is read (the main text, styles, relationships,
/// properties), in bytes once inflated. Real papers' `document.xml` are 0.2–1 MB and a
/// 300-page thesis about 10 MB; parsing a part costs a few times its size in memory, so 32 MiB
/// keeps the worst case near 200 MB while no real paper comes close.
pub const MAX_XML_PART_BYTES: u64 = 32 * 1024 * 1024;

/// The largest single image kept, in bytes once inflated (or downloaded). A full-page figure at
/// 300 dpi is 1–5 MB as PNG or JPEG; larger ones are skipped, not refused.
pub const MAX_IMAGE_BYTES: u64 = 20 * 1024 * 1024;

/// All of a document's images together, in bytes inflated, skipped ones included (inflating is
/// the cost, whether the image is kept or not): once spent, the remaining images are skipped
/// without being inflated.
pub const MAX_IMAGES_BYTES: u64 = 100 * 1024 * 1024;

/// The most entries a DOCX package may have. Word writes 10–30, a paper with many figures a
/// few hundred; the archive's directory costs memory per entry, so far more is not a paper.
pub const MAX_ZIP_ENTRIES: usize = 5_000;

/// The most pixels a figure may have (width × height). Decoding costs 4 bytes a pixel, so a
/// small PNG declaring 50000 × 50000 px would need 10 GB; 40 megapixels (160 MB decoded) is
/// more than a full page at 600 dpi, and the video shows figures at most 1080 px wide.
pub const MAX_FIGURE_PIXELS: u64 = 40_000_000;

/// The longest side of a figure, in pixels: a 100000 × 10 px strip has few pixels but is no
/// figure, and ffmpeg's scaler refuses such sides.
pub const MAX_FIGURE_SIDE: u64 = 16_384;

/// Reads all of `source` when it holds at most `limit` bytes: `Ok(None)` as soon as more
/// arrives, so a ZIP entry whose header understates its size costs at most `limit + 1` bytes.
/// `size_hint` (a declared size, not trusted beyond `limit`) only sizes the first allocation.
pub fn read_at_most(source: impl Read, limit: u64, size_hint: u64) -> std::io::Result<Option<Vec<u8>>> {
    let capacity = usize::try_from(size_hint.min(limit)).unwrap_or(0);
    let mut out = Vec::with_capacity(capacity);
    source.take(limit.saturating_add(1)).read_to_end(&mut out)?;
    Ok((out.len() as u64 <= limit).then_some(out))
}

/// Width and height in pixels of a PNG, JPEG or GIF, read from its header only (nothing is
/// decoded); None when the header cannot be read.
pub fn figure_dimensions(bytes: &[u8]) -> Option<(u64, u64)> {
    let size = imagesize::blob_size(bytes).ok()?;
    Some((size.width as u64, size.height as u64))
}

/// Whether an image of `width` × `height` px is too large to decode safely
/// ([`MAX_FIGURE_PIXELS`], [`MAX_FIGURE_SIDE`]).
pub fn too_many_pixels(width: u64, height: u64) -> bool {
    width.saturating_mul(height) > MAX_FIGURE_PIXELS || width.max(height) > MAX_FIGURE_SIDE
}

/// Whether a figure file is not to be kept: more than [`MAX_IMAGE_BYTES`], or a header declaring
/// more pixels than [`too_many_pixels`] allows. A header that cannot be read is no reason here
/// (such a file is kept, as before these limits).
pub fn oversized_figure(bytes: &[u8]) -> bool {
    bytes.len() as u64 > MAX_IMAGE_BYTES || figure_dimensions(bytes).is_some_and(|(w, h)| too_many_pixels(w, h))
}

/// Leaves out the figure files that [`oversized_figure`] refuses, whichever reader made them:
/// their figures keep their captions without an image, and a note says how many were skipped.
pub fn drop_oversized_figures(x: &mut Extracted) {
    let mut skipped = 0;
    let mut kept = Vec::with_capacity(x.figure_files.len());
    for file in std::mem::take(&mut x.figure_files) {
        if oversized_figure(&file.bytes) {
            skipped += 1;
            for figure in x.paper.figures.iter_mut().filter(|f| f.image.as_deref() == Some(file.name.as_str())) {
                figure.image = None;
            }
        } else {
            kept.push(file);
        }
    }
    x.figure_files = kept;
    if skipped > 0 {
        x.paper.notes.push(skipped_note(skipped));
    }
}

/// The note for `n` images left out for their size.
pub(crate) fn skipped_note(n: usize) -> String {
    format!(
        "{n} image(s) were skipped because they are too large (over {} MB, or over {} megapixels); their captions are kept.",
        MAX_IMAGE_BYTES / (1024 * 1024),
        MAX_FIGURE_PIXELS / 1_000_000
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A PNG signature and IHDR chunk declaring `w` × `h` px (the CRC is not checked here).
    fn png_header(w: u32, h: u32) -> Vec<u8> {
        let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        b.extend(w.to_be_bytes());
        b.extend(h.to_be_bytes());
        b.extend([8, 6, 0, 0, 0, 0, 0, 0, 0]);
        b
    }

    #[test]
    fn reads_only_up_to_the_limit() {
        let ten = [7u8; 10];
        assert_eq!(read_at_most(&ten[..], 10, 0).unwrap(), Some(ten.to_vec()));
        assert_eq!(read_at_most(&ten[..], 9, 9).unwrap(), None);
        // A lying size hint allocates no more than the limit.
        assert_eq!(read_at_most(&ten[..], 100, u64::MAX).unwrap(), Some(ten.to_vec()));
        // An endless source costs limit + 1 bytes.
        assert_eq!(read_at_most(std::io::repeat(0), 1 << 20, 0).unwrap(), None);
    }

    #[test]
    fn pixel_bombs_are_told_apart_by_their_header() {
        assert_eq!(figure_dimensions(&png_header(1200, 900)), Some((1200, 900)));
        assert!(!oversized_figure(&png_header(1200, 900)));
        assert!(oversized_figure(&png_header(50_000, 50_000)));
        assert!(oversized_figure(&png_header(100_000, 10)));
        // Unreadable headers are not judged here.
        assert!(!oversized_figure(b"\x89PNG\r\n\x1a\n"));
    }
}
