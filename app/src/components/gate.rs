//! Who may see a page, decided once before the page renders anything of its own: a page that
//! needs someone shows a stranger only the log-in prompt (HTTP 401), and an admin page shows
//! everyone but admins the 404 page, as if it did not exist. The routes in `shell.rs` wrap each
//! protected page in one of these, so no page can render a form for someone who may not use it.

use crate::{error::set_page_status, pages::not_found::NotFoundPage, shell::Session};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_location;

/// The log-in prompt in place of a page that needs someone. Its link comes back to this page
/// (path and query) after logging in; on the server it answers 401.
#[component]
pub fn LoginPrompt(
    /// What the page would show, for the sentence "Log in to see …": "your videos".
    what: &'static str,
) -> impl IntoView {
    set_page_status(http::StatusCode::UNAUTHORIZED);
    let location = use_location();
    let login = move || {
        let (path, search) = (location.pathname.get(), location.search.get());
        let here = if search.is_empty() { path } else { format!("{path}?{search}") };
        crate::url::login_then(&here)
    };
    view! {
        <Title text="Log in"/>
        <section class="card message-page" data-testid="login-prompt">
            <h1>{format!("Log in to see {what}")}</h1>
            <p>"You need to be logged in for this page. You will come straight back here afterwards."</p>
            <div class="message-actions">
                <a class="button" href=login>"Log in"</a>
                <a class="button button-quiet" href="/register">"Create an account"</a>
            </div>
        </section>
    }
}

/// When the session itself cannot be read (the database is down): say so, with its status.
#[component]
fn SessionUnknown(error: crate::error::AppError) -> impl IntoView {
    set_page_status(error.status());
    view! { <p class="form-error" role="alert">{error.to_string()}</p> }
}

/// Renders `children` for anyone logged in, and the log-in prompt for everyone else.
#[component]
pub fn RequireUser(
    /// What the page shows, for the prompt: "your profile".
    what: &'static str,
    children: ChildrenFn,
) -> impl IntoView {
    let session = expect_context::<Session>();
    view! {
        <Transition fallback=|| ()>
            {move || {
                let children = children.clone();
                Suspend::new(async move {
                    match session.user.await {
                        Ok(Some(_)) => children().into_any(),
                        Ok(None) => view! { <LoginPrompt what/> }.into_any(),
                        Err(error) => view! { <SessionUnknown error/> }.into_any(),
                    }
                })
            }}
        </Transition>
    }
}

/// Renders `children` for admins, and the 404 page for everyone else (strangers included):
/// an admin page does not admit that it exists.
#[component]
pub fn RequireAdmin(children: ChildrenFn) -> impl IntoView {
    let session = expect_context::<Session>();
    view! {
        <Transition fallback=|| ()>
            {move || {
                let children = children.clone();
                Suspend::new(async move {
                    match session.user.await {
                        Ok(Some(user)) if user.is_admin() => children().into_any(),
                        Ok(_) => view! { <NotFoundPage/> }.into_any(),
                        Err(error) => view! { <SessionUnknown error/> }.into_any(),
                    }
                })
            }}
        </Transition>
    }
}
