//! What a person sees when a page fails to render.

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn ErrorPage(errors: ArcRwSignal<Errors>) -> impl IntoView {
    crate::error::set_page_status(http::StatusCode::INTERNAL_SERVER_ERROR);
    view! {
        <Title text="Something went wrong"/>
        <section class="card message-page" role="alert">
            <p class="eyebrow">"Error"</p>
            <h1>"Something went wrong"</h1>
            <ul class="error-list">
                {move || errors.get().into_iter().map(|(_, e)| view! { <li>{e.to_string()}</li> }).collect_view()}
            </ul>
            <p>"Reload the page to try again. If it keeps happening, tell whoever runs this Hidden Hill."</p>
            <a class="button" href="/">"Go to the home page"</a>
        </section>
    }
}
