//! The server's integration tests, in one binary (one link instead of one per file): the real
//! application on a random port against a fresh database (SQLite and PostgreSQL), the files
//! in a real object store (files and a Garage node), the real `hidden-hill` binary.
#[macro_use]
mod common;
/// Hostile DOCX packages, shared with the `paper` tests.
#[path = "../../paper/tests/paper/common/bombs.rs"]
mod bombs;
#[path = "../../video/tests/video/fakes/mod.rs"]
mod fakes;

mod accounts;
mod admin;
mod authorization;
mod cli;
mod connections;
mod cross_process;
mod decompression;
mod deploy;
mod disk;
mod email_confirmation;
mod hardening;
mod http;
mod http_fuzz;
mod identifiers;
mod jobs;
mod online;
mod operations;
mod password_reset;
mod people;
mod pipeline;
mod production;
mod quotas;
mod sample;
mod storage;
mod studio;
