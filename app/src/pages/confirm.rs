//! `/confirm-email`: with `?token=…`, confirms the address the link was sent to (a button, so
//! that a mail scanner opening the link confirms nothing) and logs the browser in; with
//! `?sent=1` (after signing up on a server that requires confirmation), says to look in the
//! inbox; either way, the link can be sent again.

use crate::{
    accounts::confirm::{ConfirmEmail, ResendConfirmation, CONFIRM_HOURS},
    components::field::{field_error, form_error, Field},
    shell::Session,
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn ConfirmEmailPage() -> impl IntoView {
    let session = expect_context::<Session>();
    let confirm = ServerAction::<ConfirmEmail>::new();
    let confirm_error = Signal::derive(move || confirm.value().get().and_then(Result::err));
    let confirm_general = form_error(confirm_error);
    let token_error = field_error(confirm_error, "token");
    let confirmed = move || confirm.value().get().and_then(Result::ok);
    let query = leptos_router::hooks::use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let has_token = move || !token().is_empty();
    let sent = move || query.read().get("sent").is_some();
    // Logged in now: the header says so.
    Effect::new(move |_| {
        if matches!(confirm.value().get(), Some(Ok(_))) {
            session.user.refetch();
        }
    });
    view! {
        <Title text="Confirm your e-mail address"/>
        <section class="auth card">
            <h1>"Confirm your e-mail address"</h1>
            <Show when=sent>
                <p data-testid="confirm-sent">
                    {format!("Your account is made. We sent a link to your address: open it within {CONFIRM_HOURS} hours to confirm it, then you can log in.")}
                </p>
            </Show>
            <Show when=move || has_token() && confirmed().is_none()>
                <ActionForm action=confirm attr:class="form" attr:aria-describedby="confirm-error">
                    <p class="form-error" id="confirm-error" role="alert" aria-live="assertive">
                        {move || confirm_general.get().or_else(|| token_error.get())}
                    </p>
                    <input type="hidden" name="token" prop:value=token/>
                    <button type="submit" class="button button-wide" data-testid="confirm-email" disabled=move || confirm.pending().get()
                        on:click=move |_| confirm.value().set(None)>"Confirm my address"</button>
                </ActionForm>
            </Show>
            {move || confirmed().map(|said| view! {
                <p class="toast" role="status" data-testid="email-confirmed">{said}</p>
                <p><a class="button" href="/">"Make a video"</a></p>
            })}
            <Show when=move || !has_token() || token_error.get().is_some()>
                <ResendForm/>
            </Show>
        </section>
    }
}

/// Sends the sign-up link again.
#[component]
fn ResendForm() -> impl IntoView {
    let resend = ServerAction::<ResendConfirmation>::new();
    let last_error = Signal::derive(move || resend.value().get().and_then(Result::err));
    let general = form_error(last_error);
    view! {
        <h2>"No link, or too late?"</h2>
        <ActionForm action=resend attr:class="form" attr:aria-describedby="resend-error">
            <p class="form-error" id="resend-error" role="alert" aria-live="assertive">{move || general.get()}</p>
            <Field label="Email" name="email" kind="email" autocomplete="email" error=field_error(last_error, "email")/>
            <p class="toast" role="status" data-testid="confirm-resent">{move || resend.value().get().and_then(Result::ok)}</p>
            <button type="submit" class="button button-wide" disabled=move || resend.pending().get()
                on:click=move |_| resend.value().set(None)>"Send me a new link"</button>
        </ActionForm>
        <p class="auth-switch"><a href="/login">"Back to log in"</a></p>
    }
}
