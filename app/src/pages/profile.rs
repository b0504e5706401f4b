//! `/profile`: who you are here, your numbers, changing your e-mail address and password,
//! deleting the account.

use crate::{
    accounts::{
        confirm::{ChangeEmail, ResendConfirmation},
        my_profile, ChangePassword, DeleteAccount,
    },
    components::{
        field::{field_error, form_error, Field, NewPasswordField},
        gate::LoginPrompt,
    },
    error::AppError,
    jobs::progress::date_label,
    shell::Session,
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn ProfilePage() -> impl IntoView {
    let data = Resource::new(|| (), |_| my_profile());
    view! {
        <Title text="Profile"/>
        <section class="profile">
            <h1>"Profile"</h1>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(p) => view! {
                            <div class="card profile-card">
                                <p class="profile-email" data-testid="profile-email">{p.user.email.clone()}</p>
                                {(!p.email_confirmed).then(|| view! { <UnconfirmedNote email=p.user.email.clone() sends_mail=p.sends_mail/> })}
                                <p class="muted" data-testid="profile-since">
                                    {if p.user.is_admin() { "Administrator · " } else { "" }}
                                    "Member since " {date_label(p.member_since_ms)}
                                </p>
                                <div class="facts">
                                    <div class="fact"><strong data-testid="profile-videos">{p.videos}</strong><span>"videos made"</span></div>
                                    <div class="fact"><strong data-testid="profile-minutes">{format!("{:.1}", p.video_ms as f64 / 60_000.0)}</strong><span>"minutes of video"</span></div>
                                    <div class="fact"><strong data-testid="profile-month">{p.jobs_this_month}</strong><span>"papers submitted this month"</span></div>
                                </div>
                            </div>
                            <ChangeEmailForm sends_mail=p.sends_mail/>
                            <ChangePasswordForm/>
                            <DeleteAccountForm/>
                        }.into_any(),
                        // The route lets only signed-in people here; a session that ended since
                        // still gets the prompt, never the form.
                        Err(AppError::Unauthenticated) => view! { <LoginPrompt what="your profile"/> }.into_any(),
                        Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// The address is not confirmed yet: say so, and send the link again on request.
#[component]
fn UnconfirmedNote(email: String, sends_mail: bool) -> impl IntoView {
    let resend = ServerAction::<ResendConfirmation>::new();
    let email = StoredValue::new(email);
    view! {
        <div class="notice" data-testid="email-unconfirmed">
            <p>"Your e-mail address is not confirmed yet."</p>
            <Show when=move || sends_mail>
                <ActionForm action=resend attr:class="inline-form">
                    <input type="hidden" name="email" value=email.get_value()/>
                    <button type="submit" class="button button-small button-quiet" disabled=move || resend.pending().get()>"Send the link again"</button>
                </ActionForm>
                <p class="toast" role="status">{move || resend.value().get().map(|r| r.unwrap_or_else(|e| e.to_string()))}</p>
            </Show>
        </div>
    }
}

/// Changing the e-mail address: the new one and the current password. With e-mail, the new
/// address takes effect when the link sent to it is opened.
#[component]
fn ChangeEmailForm(sends_mail: bool) -> impl IntoView {
    let change = ServerAction::<ChangeEmail>::new();
    let last_error = Signal::derive(move || change.value().get().and_then(Result::err));
    let general = form_error(last_error);
    let hint = if sends_mail {
        "We send a link to the new address; it replaces this one when you open it."
    } else {
        "It replaces this one at once: use it to log in from now on."
    };
    view! {
        <div class="card">
            <h2>"Change e-mail address"</h2>
            <ActionForm action=change attr:class="form">
                <p class="form-error" role="alert">{move || general.get()}</p>
                <Field label="New e-mail address" name="new_email" kind="email" autocomplete="email" hint error=field_error(last_error, "new_email")/>
                // Not `current_password`: the password form below has a field of that name (ids
                // are made from names).
                <Field label="Your password" name="password" kind="password" autocomplete="current-password" error=field_error(last_error, "password")/>
                <p class="toast" role="status" data-testid="email-change">{move || change.value().get().and_then(Result::ok)}</p>
                <button type="submit" class="button" disabled=move || change.pending().get()
                    on:click=move |_| change.value().set(None)>"Change e-mail address"</button>
            </ActionForm>
        </div>
    }
}

/// Changing the password: the current one, then the new one (checked for length in the
/// browser before it is sent, and fully on the server).
#[component]
fn ChangePasswordForm() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let last_error = Signal::derive(move || change.value().get().and_then(Result::err));
    let general = form_error(last_error);
    let changed = move || matches!(change.value().get(), Some(Ok(())));
    view! {
        <div class="card">
            <h2>"Change password"</h2>
            <ActionForm action=change attr:class="form">
                <p class="form-error" role="alert">{move || general.get()}</p>
                <Field label="Current password" name="current_password" kind="password" autocomplete="current-password" error=field_error(last_error, "current_password")/>
                <NewPasswordField hint="At least 10 characters. Other devices will be logged out." last_error/>
                <p class="toast" role="status" data-testid="password-changed">
                    {move || changed().then_some("Password changed. Other devices have been logged out.")}
                </p>
                // A new attempt forgets the last answer at once, so an old error (or success)
                // never stands beside it.
                <button type="submit" class="button" disabled=move || change.pending().get()
                    on:click=move |_| change.value().set(None)>"Change password"</button>
            </ActionForm>
        </div>
    }
}

/// Deleting the account: every video, job and file with it, after typing the e-mail address.
#[component]
fn DeleteAccountForm() -> impl IntoView {
    let session = expect_context::<Session>();
    let delete = ServerAction::<DeleteAccount>::new();
    let last_error = Signal::derive(move || delete.value().get().and_then(Result::err));
    let general = form_error(last_error);
    // Logged out now: the header says so.
    Effect::new(move |_| {
        if matches!(delete.value().get(), Some(Ok(()))) {
            session.user.refetch();
        }
    });
    view! {
        <div class="card danger-zone">
            <h2>"Delete my account"</h2>
            <p>"Every video, script and file you made here is deleted with it, at once and for good. Download what you want to keep first."</p>
            <ActionForm action=delete attr:class="form">
                <p class="form-error" role="alert">{move || general.get()}</p>
                <Field label="Type your e-mail address to confirm" name="email" kind="email" autocomplete="off" error=field_error(last_error, "email")/>
                <button type="submit" class="button button-danger" data-testid="delete-account" disabled=move || delete.pending().get()
                    on:click=move |_| delete.value().set(None)>"Delete my account and every video"</button>
            </ActionForm>
        </div>
    }
}
