//! The video crate's tests in one binary: script writing, voices, captions and the final
//! encode, and the online providers against local fakes that follow external-apis.md.
mod fakes;

mod escaping;
mod fixture_scripts;
mod look;
mod online_gemini;
mod online_openai;
mod online_runway;
mod script;
mod voice_and_finish;
