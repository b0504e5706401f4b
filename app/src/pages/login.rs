//! `/login`.

use crate::{
    components::field::{field_error, form_error, Field},
    shell::Session,
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn LoginPage() -> impl IntoView {
    let session = expect_context::<Session>();
    let action = session.login;
    let last_error = Signal::derive(move || action.value().get().and_then(Result::err));
    let general = form_error(last_error);
    // An account whose address is not confirmed yet (HH_REQUIRE_VERIFIED_EMAIL).
    let unconfirmed = field_error(last_error, "confirm");
    // Where the person was going (`?next=`, checked again on the server).
    let query = leptos_router::hooks::use_query_map();
    let next = move || query.read().get("next").filter(|n| crate::url::local_path(n).is_some());
    view! {
        <Title text="Log in"/>
        <section class="auth card">
            <h1>"Log in"</h1>
            <ActionForm action=action attr:class="form" attr:aria-describedby="login-error">
                <p class="form-error" id="login-error" role="alert" aria-live="assertive">
                    {move || general.get().or_else(|| unconfirmed.get())}
                    {move || unconfirmed.get().map(|_| view! { " " <a href="/confirm-email" data-testid="resend-confirmation">"Send the link again"</a> })}
                </p>
                <input type="hidden" name="next" value=next/>
                <Field label="Email" name="email" kind="email" autocomplete="email" error=field_error(last_error, "email")/>
                <Field label="Password" name="password" kind="password" autocomplete="current-password" error=field_error(last_error, "password")/>
                <button type="submit" class="button button-wide" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Logging in…" } else { "Log in" }}
                </button>
            </ActionForm>
            <p class="auth-switch"><a href="/forgot-password" data-testid="forgot-password">"Forgot your password?"</a></p>
            <p class="auth-switch">"New to Hidden Hill? " <a href=move || match next() {
                Some(next) => format!("/register?next={}", crate::url::encode_component(&next)),
                None => "/register".to_owned(),
            }>"Create an account"</a></p>
        </section>
    }
}
