//! One module per page (route).

pub mod error;
pub mod home;
pub mod job;
pub mod login;
pub mod not_found;
pub mod register;
pub mod videos;
