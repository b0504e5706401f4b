//! The page for any path that is not a route; answers HTTP 404.

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotFoundPage() -> impl IntoView {
    crate::error::set_page_status(http::StatusCode::NOT_FOUND);
    view! {
        <Title text="Page not found"/>
        <section class="card message-page">
            <p class="eyebrow">"404"</p>
            <h1>"We could not find that page"</h1>
            <p>"The link may be old, or the page may belong to another account."</p>
            <a class="button" href="/">"Go to the home page"</a>
        </section>
    }
}
