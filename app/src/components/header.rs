//! The site header: the brand and the navigation, which follows the session.
//!
//! On wide screens the links stand in a row. On narrow ones they fold behind a "Menu" button
//! (the disclosure pattern: `aria-expanded`, `aria-controls`) and open as a panel under the
//! header; the panel closes on navigation, on Escape, and on a tap outside the header.
//!
//! Why a button and not `<details>`: a `<summary>` cannot carry `aria-expanded` and
//! `aria-controls` (it reports its own state, differently per browser), and `<details>` hides its
//! content on wide screens too unless styled around. Closing on navigation and Escape needs
//! code either way. The button renders the same on the server and in the browser's first frame
//! (closed), and works from hydration on, which the WASM reaches in well under a second.

use crate::shell::Session;
use leptos::{ev, html, prelude::*};
use leptos_router::{components::A, hooks::use_location};

#[component]
pub fn SiteHeader() -> impl IntoView {
    let session = expect_context::<Session>();
    let open = RwSignal::new(false);
    let header_ref = NodeRef::<html::Header>::new();
    let button_ref = NodeRef::<html::Button>::new();

    // Navigation closes the menu, whatever caused it (a link, a form's redirect, Back).
    let location = use_location();
    Effect::new(move |_| {
        location.pathname.track();
        location.search.track();
        open.set(false);
    });
    // Escape closes it and gives the focus back to the button; a tap or click outside the
    // header closes it too. (Listeners on the window: no-ops on the server.)
    let escape = window_event_listener(ev::keydown, move |ev| {
        if ev.key() == "Escape" && open.get_untracked() {
            open.set(false);
            if let Some(button) = button_ref.get_untracked() {
                let _ = button.focus();
            }
        }
    });
    let outside = window_event_listener(ev::click, move |ev| {
        if !open.get_untracked() {
            return;
        }
        let target = ev.target().and_then(|t| leptos::wasm_bindgen::JsCast::dyn_into::<leptos::web_sys::Node>(t).ok());
        let inside = header_ref.get_untracked().is_some_and(|header| header.contains(target.as_ref()));
        if !inside {
            open.set(false);
        }
    });
    on_cleanup(move || {
        escape.remove();
        outside.remove();
    });

    let signed_out = || {
        view! {
            <A href="/login" attr:class="nav-link">"Log in"</A>
            <A href="/register" attr:class="button button-small nav-signup">"Sign up"</A>
        }
    };
    view! {
        <header class="site-header" node_ref=header_ref>
            <a class="brand" href="/" aria-label="Hidden Hill, home">
                <span class="brand-mark" aria-hidden="true">"▲"</span>
                <span class="brand-name">"Hidden Hill"</span>
            </a>
            <button
                type="button"
                class="menu-button"
                node_ref=button_ref
                aria-expanded=move || if open.get() { "true" } else { "false" }
                aria-controls="site-nav"
                on:click=move |_| open.update(|o| *o = !*o)
            >
                <span class="menu-icon" aria-hidden="true"></span>
                "Menu"
            </button>
            <nav
                id="site-nav"
                class="site-nav"
                class:site-nav-open=move || open.get()
                aria-label="Main"
                // A link to the page already shown does not navigate: close on any link.
                on:click=move |ev| {
                    let on_link = ev
                        .target()
                        .and_then(|t| leptos::wasm_bindgen::JsCast::dyn_into::<leptos::web_sys::Element>(t).ok())
                        .and_then(|el| el.closest("a").ok().flatten())
                        .is_some();
                    if on_link {
                        open.set(false);
                    }
                }
            >
                <Transition fallback=signed_out>
                    {move || Suspend::new(async move {
                        match session.user.await {
                            Ok(Some(user)) => {
                                let admin = user.is_admin();
                                view! {
                                    <A href="/videos" attr:class="nav-link">"My videos"</A>
                                    <A href="/profile" attr:class="nav-link who" attr:title="Your profile">
                                        // The word shows in the phone menu; on wide screens the
                                        // email alone says it, and the word is for screen readers.
                                        <span class="who-label">"Profile"</span>
                                        " "
                                        <span class="who-email" data-testid="signed-in-as">{user.email.clone()}</span>
                                    </A>
                                    <Show when=move || admin>
                                        <A href="/admin/jobs" attr:class="nav-link">
                                            "All jobs"
                                            // Decoration: the link's name stays "All jobs".
                                            <span class="badge" aria-hidden="true">"Admin"</span>
                                        </A>
                                    </Show>
                                    <Show when=move || admin>
                                        <A href="/admin/people" attr:class="nav-link">"People"</A>
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
