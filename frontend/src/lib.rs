//! The browser entry point: hydrates the server-rendered page into the live Leptos app.

// The pages' view types nest deeply; the default limit (128) is too low for the release build.
#![recursion_limit = "256"]

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
