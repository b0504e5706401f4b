//! DOCX reader (ZIP + WordprocessingML): any bytes give a paper or a ReadError, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = paper::docx::read_docx(data);
});
