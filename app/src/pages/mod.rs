//! One module per page (route).

pub mod admin_jobs;
pub mod admin_people;
pub mod confirm;
pub mod error;
pub mod home;
pub mod job;
pub mod login;
pub mod not_found;
pub mod profile;
pub mod register;
pub mod reset;
pub mod videos;
