//! Text reader with its decoder (UTF-8/UTF-16/Windows-1252, front matter, HTML/hOCR, TeX), and
//! format detection. Never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = paper::detect::detect(data);
    let _ = paper::text::read_text(data);
});
