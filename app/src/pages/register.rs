//! `/register`.

use crate::{
    accounts::MIN_PASSWORD_CHARS,
    components::field::{field_error, form_error, Field},
    shell::Session,
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn RegisterPage() -> impl IntoView {
    let session = expect_context::<Session>();
    let action = session.register;
    let last_error = Signal::derive(move || action.value().get().and_then(Result::err));
    let general = form_error(last_error);
    // Where the person was going before signing up (`?next=`, checked again on the server).
    let query = leptos_router::hooks::use_query_map();
    let next = move || query.read().get("next").filter(|n| crate::url::local_path(n).is_some());
    view! {
        <Title text="Create an account"/>
        <section class="auth card">
            <h1>"Create an account"</h1>
            <p class="muted">"Hidden Hill is invite-only for now: you need the access code from whoever runs it."</p>
            <ActionForm action=action attr:class="form">
                <p class="form-error" role="alert" aria-live="assertive">{move || general.get()}</p>
                <input type="hidden" name="next" value=next/>
                <Field label="Email" name="email" kind="email" autocomplete="email" error=field_error(last_error, "email")/>
                <Field
                    label="Password"
                    name="password"
                    kind="password"
                    autocomplete="new-password"
                    minlength=MIN_PASSWORD_CHARS
                    hint="At least 10 characters. A few unrelated words work well."
                    error=field_error(last_error, "password")
                />
                <Field label="Access code" name="access_code" autocomplete="off" error=field_error(last_error, "access_code")/>
                // A new attempt forgets the last answer at once, so an old error never stands
                // beside it (the browser's own checks may stop this attempt before it is sent).
                <button type="submit" class="button button-wide" disabled=move || action.pending().get()
                    on:click=move |_| action.value().set(None)>
                    {move || if action.pending().get() { "Creating your account…" } else { "Create account" }}
                </button>
            </ActionForm>
            <p class="auth-switch">"Already have an account? " <a href=move || next().map_or_else(|| "/login".to_owned(), |n| crate::url::login_then(&n))>"Log in"</a></p>
        </section>
    }
}
