//! Hidden Hill: what a person can do. Pages and components, the routes, the server functions
//! and the types the browser and the server share. With the `ssr` feature it also carries the
//! domain and persistence code those server functions call (`backend`, and the server-only
//! submodules of each resource); the WASM bundle never contains them.

pub mod accounts;
pub mod components;
pub mod error;
pub mod jobs;
pub mod pages;
pub mod quota;
pub mod sample;
pub mod shell;
pub mod url;

#[cfg(feature = "ssr")]
pub mod backend;
#[cfg(feature = "ssr")]
pub mod storage;

pub use shell::{shell, App};
