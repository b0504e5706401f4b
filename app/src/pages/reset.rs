//! `/forgot-password` (ask for a link) and `/reset-password?token=…` (choose a new password).

use crate::{
    accounts::reset::{reset_by_mail, RequestPasswordReset, ResetPassword, RESET_MINUTES},
    components::field::{field_error, form_error, Field, NewPasswordField},
    shell::Session,
};
use leptos::prelude::*;
use leptos_meta::Title;

/// Asks for a reset link by e-mail; when the server sends no e-mail, says whom to ask.
#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let by_mail = Resource::new(|| (), |_| reset_by_mail());
    let ask = ServerAction::<RequestPasswordReset>::new();
    let last_error = Signal::derive(move || ask.value().get().and_then(Result::err));
    let general = form_error(last_error);
    let sent = move || ask.value().get().and_then(Result::ok);
    view! {
        <Title text="Forgot your password?"/>
        <section class="auth card">
            <h1>"Forgot your password?"</h1>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || by_mail.get().map(|answer| match answer {
                    Ok(true) => view! {
                        <p class="muted">{format!("Give the e-mail address of your account. We send a link to choose a new password; it works once, for {RESET_MINUTES} minutes.")}</p>
                        <ActionForm action=ask attr:class="form" attr:aria-describedby="forgot-error">
                            <p class="form-error" id="forgot-error" role="alert" aria-live="assertive">{move || general.get()}</p>
                            <Field label="Email" name="email" kind="email" autocomplete="email" error=field_error(last_error, "email")/>
                            <p class="toast" role="status" data-testid="reset-sent">{sent}</p>
                            <button type="submit" class="button button-wide" disabled=move || ask.pending().get()
                                on:click=move |_| ask.value().set(None)>"Send me a link"</button>
                        </ActionForm>
                    }
                    .into_any(),
                    _ => view! {
                        <p data-testid="reset-ask-operator">
                            "This Hidden Hill does not send e-mail. Ask the person who runs it for a link to choose a new password: they can make one for your address with "
                            <code>"hidden-hill reset-link"</code>"."
                        </p>
                    }
                    .into_any(),
                })}
            </Suspense>
            <p class="auth-switch"><a href="/login">"Back to log in"</a></p>
        </section>
    }
}

/// Chooses a new password with the link's token; the browser is logged in afterwards and every
/// other session of the account ends.
#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let session = expect_context::<Session>();
    let reset = ServerAction::<ResetPassword>::new();
    let last_error = Signal::derive(move || reset.value().get().and_then(Result::err));
    let general = form_error(last_error);
    let token_error = field_error(last_error, "token");
    let query = leptos_router::hooks::use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    // Logged in now: the header says so.
    Effect::new(move |_| {
        if matches!(reset.value().get(), Some(Ok(_))) {
            session.user.refetch();
        }
    });
    view! {
        <Title text="Choose a new password"/>
        <section class="auth card">
            <h1>"Choose a new password"</h1>
            <ActionForm action=reset attr:class="form" attr:aria-describedby="reset-error">
                <p class="form-error" id="reset-error" role="alert" aria-live="assertive">
                    {move || general.get().or_else(|| token_error.get())}
                </p>
                <input type="hidden" name="token" prop:value=token/>
                <NewPasswordField hint="At least 10 characters. Every device logged in to your account will be logged out." last_error/>
                <button type="submit" class="button button-wide" disabled=move || reset.pending().get()
                    on:click=move |_| reset.value().set(None)>"Set the new password"</button>
            </ActionForm>
            <Show when=move || token_error.get().is_some()>
                <p class="auth-switch"><a href="/forgot-password">"Ask for a new link"</a></p>
            </Show>
        </section>
    }
}
