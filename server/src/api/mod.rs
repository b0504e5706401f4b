//! JSON and streaming routes that are not server functions: for scripts, and for what a server
//! function cannot do (a Server-Sent Events stream).

pub mod jobs;
pub mod media;
pub mod upload;
