//! The PDF reader's layout analysis over `pdftotext -bbox-layout` HTML (no subprocess: the
//! input stands for pdftotext's output). Never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let html = String::from_utf8_lossy(data);
    let _ = paper::pdf::analyse_layout(&html, "");
});
