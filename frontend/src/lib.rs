//! The browser entry point: hydrates the server-rendered page into the live Leptos app.

// The pages' view types nest deeply; the default limit (128) is too low for the release build.
#![recursion_limit = "256"]

use leptos::prelude::document;

/// Hydrates `<body>`, waiting for the WASM of the page shown (the pages are loaded on demand:
/// `lazy_page!` in app/src/shell.rs), then marks the body `data-hydrated="true"`. Browser tests
/// wait for that mark: a click before the page's own code is live would be lost.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    wasm_bindgen_futures::spawn_local(async {
        let Some(body) = document().body() else { return };
        let app = leptos::mount::hydrate_from_async(body.clone(), app::App).await;
        // The app lives as long as the page.
        app.forget();
        let _ = body.set_attribute("data-hydrated", "true");
    });
}
