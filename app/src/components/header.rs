//! The site header: navigation that follows the session.

use crate::shell::Session;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn SiteHeader() -> impl IntoView {
    let session = expect_context::<Session>();
    let signed_out = || {
        view! {
            <A href="/login" attr:class="nav-link">"Log in"</A>
            <A href="/register" attr:class="button button-small">"Sign up"</A>
        }
    };
    view! {
        <header class="site-header">
            <a class="brand" href="/" aria-label="Hidden Hill, home">
                <span class="brand-mark" aria-hidden="true">"▲"</span>
                <span class="brand-name">"Hidden Hill"</span>
            </a>
            <nav class="site-nav" aria-label="Main">
                <Transition fallback=signed_out>
                    {move || Suspend::new(async move {
                        match session.user.await {
                            Ok(Some(user)) => {
                                let admin = user.is_admin();
                                view! {
                                    <A href="/videos" attr:class="nav-link">"My videos"</A>
                                    <a class="who" href="/profile" data-testid="signed-in-as" title="Your profile">
                                        {user.email.clone()}
                                    </a>
                                    <Show when=move || admin>
                                        <A href="/admin/jobs" attr:class="nav-link">"All jobs"</A>
                                        <span class="badge" aria-label="administrator">"Admin"</span>
                                    </Show>
                                    <ActionForm action=session.logout attr:class="inline-form">
                                        <button type="submit" class="button button-small button-quiet">"Log out"</button>
                                    </ActionForm>
                                }
                                    .into_any()
                            }
                            _ => signed_out().into_any(),
                        }
                    })}
                </Transition>
            </nav>
        </header>
    }
}
