//! The browser entry point: hydrates the server-rendered page into the live Leptos app.

// The pages' view types nest deeply; the default limit (128) is too low for the release build.
#![recursion_limit = "256"]

use leptos::prelude::document;
use std::cell::RefCell;
use wasm_bindgen::{closure::Closure, JsCast};

/// Hydrates `<body>`, waiting for the WASM of the page shown (the pages are loaded on demand:
/// `lazy_page!` in app/src/shell.rs), then marks the body `data-hydrated="true"`. Browser tests
/// wait for that mark: a click before the page's own code is live would be lost.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    std::panic::set_hook(Box::new(|panic| {
        console_error_panic_hook::hook(panic);
        load_afresh_when_a_page_cannot_load(panic);
    }));
    remember_followed_links();
    wasm_bindgen_futures::spawn_local(async {
        let Some(body) = document().body() else { return };
        let app = leptos::mount::hydrate_from_async(body.clone(), app::App).await;
        // The app lives as long as the page.
        app.forget();
        let _ = body.set_attribute("data-hydrated", "true");
    });
}

thread_local! {
    /// The link last clicked, with when (ms since the epoch): where a navigation was going while
    /// its page's code loads (the router changes the address only once the page is in).
    static FOLLOWED_LINK: RefCell<Option<(String, f64)>> = const { RefCell::new(None) };
}

/// Notes every link clicked, before the router handles the click.
fn remember_followed_links() {
    let remember = Closure::<dyn Fn(web_sys::Event)>::new(|event: web_sys::Event| {
        let href = event
            .target()
            .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
            .and_then(|element| element.closest("a[href]").ok().flatten())
            .and_then(|link| link.get_attribute("href"));
        FOLLOWED_LINK.set(href.map(|href| (href, js_sys::Date::now())));
    });
    let _ = document().add_event_listener_with_callback_and_bool("click", remember.as_ref().unchecked_ref(), true);
    // Listens as long as the page lives.
    remember.forget();
}

/// When a page's code cannot be fetched, wasm-split's loader panics, and a panic ends the app.
/// Most often a new version was deployed since this tab loaded, and every chunk has a new name;
/// or the network dropped. A full load gets the current version: of the link just followed (in
/// the last 10 seconds), else of this address. At most once in 30 seconds (remembered for the
/// tab), so that a chunk missing for good shows the failure instead of loading forever.
fn load_afresh_when_a_page_cannot_load(panic: &std::panic::PanicHookInfo) {
    const LAST_LOAD: &str = "hidden-hill-loaded-afresh-at";
    // wasm_split's message when a chunk's load fails (wasm_split_macros 0.2).
    if !panic.to_string().contains("load callback should succeed") {
        return;
    }
    let Some(window) = web_sys::window() else { return };
    let now = js_sys::Date::now();
    let storage = window.session_storage().ok().flatten();
    let last = storage.as_ref().and_then(|s| s.get_item(LAST_LOAD).ok().flatten()).and_then(|t| t.parse::<u64>().ok());
    if last.is_some_and(|last| (now as u64).saturating_sub(last) < 30_000) {
        return;
    }
    if let Some(storage) = &storage {
        let _ = storage.set_item(LAST_LOAD, &(now as u64).to_string());
    }
    let followed = FOLLOWED_LINK.with_borrow(Clone::clone).filter(|(_, at)| now - at < 10_000.0);
    let _ = match followed {
        Some((href, _)) => window.location().assign(&href),
        None => window.location().reload(),
    };
}
