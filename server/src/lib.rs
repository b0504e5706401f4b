//! How Hidden Hill runs: start-up, the HTTP router, and the command-line entry points.
//! What a person can *do* lives in the `app` crate; this crate wires it to the world.

pub mod admin;
pub mod api;
pub mod pipeline;
pub mod render;
pub mod router;
pub mod sample;
pub mod serve;
pub mod startup;
pub mod worker;
