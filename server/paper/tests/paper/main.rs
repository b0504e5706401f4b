//! The paper crate's tests in one binary: every fixture format, the NCBI client against a
//! local fake, and a fuzz test.
#[macro_use]
mod common;

mod docx;
mod fuzz;
mod gate;
mod jats;
mod ncbi;
mod pdf;
mod text;
