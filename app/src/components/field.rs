//! An accessible form field: a visible label, the input, and its error announced and tied to it.

use crate::error::AppError;
use leptos::prelude::*;

/// The error of the last submission, if it belongs to `field`.
pub fn field_error(last: Signal<Option<AppError>>, field: &'static str) -> Signal<Option<String>> {
    Signal::derive(move || last.get().filter(|e| e.field() == Some(field)).map(|e| e.to_string()))
}

/// The error of the last submission that belongs to no single field.
pub fn form_error(last: Signal<Option<AppError>>) -> Signal<Option<String>> {
    Signal::derive(move || last.get().filter(|e| e.field().is_none()).map(|e| e.to_string()))
}

/// What to say under a field the browser found invalid: our own sentence, in the page's words,
/// instead of the browser's tooltip (which vanishes, and which screen readers may not hear).
fn explain_invalid(label: &str, kind: &str, minlength: Option<usize>, value: &str) -> Option<String> {
    if value.is_empty() {
        return Some(format!("{label} is required."));
    }
    // The browser counts UTF-16 code units for `minlength`; so do we, to agree with it.
    if let Some(min) = minlength.filter(|&min| value.encode_utf16().count() < min) {
        return Some(format!("Use at least {min} characters."));
    }
    if kind == "email" {
        return crate::accounts::normalize_email(value).err().map(|e| e.to_string());
    }
    None
}

/// A labelled input whose error is shown under it. The browser checks `required`, `minlength`
/// and the type before anything is sent; when it refuses, the reason appears here in our words
/// (its tooltip is suppressed) and the field is marked invalid. The server checks again, and
/// its answer (`error`) shows in the same place.
#[component]
pub fn Field(
    label: &'static str,
    name: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] minlength: Option<usize>,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let id = format!("field-{name}");
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    // The browser's verdict on this attempt; it wins over an answer from the server, which is
    // older. Always `None` on the server and in the first frame, so hydration agrees.
    let refused = RwSignal::new(None::<String>);
    let shown = Signal::derive(move || refused.get().or_else(|| error.get()));
    let described_by = {
        let (hint_id, error_id) = (hint_id.clone(), error_id.clone());
        move || {
            let mut ids = Vec::new();
            if hint.is_some() {
                ids.push(hint_id.clone());
            }
            if shown.get().is_some() {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    let on_invalid = move |ev: leptos::ev::Event| {
        ev.prevent_default(); // no tooltip: the reason is shown under the field instead
        let input = event_target::<leptos::web_sys::HtmlInputElement>(&ev);
        let value = input.value();
        let reason = explain_invalid(label, kind, minlength, &value)
            .unwrap_or_else(|| input.validation_message().unwrap_or_default());
        refused.set(Some(reason));
        // With the tooltip gone the browser no longer focuses the field: the first one the
        // browser refused takes the focus, so typing goes where the problem is.
        let first_invalid = input.form().and_then(|form| form.query_selector(":invalid").ok().flatten());
        if first_invalid.is_some_and(|first| first == **input) {
            let _ = input.focus();
        }
    };
    // Once refused, the field says so until what is typed passes the browser's checks.
    let on_input = move |ev: leptos::ev::Event| {
        if refused.get_untracked().is_some() && event_target::<leptos::web_sys::HtmlInputElement>(&ev).check_validity()
        {
            refused.set(None);
        }
    };
    view! {
        <div class="field" class:field-invalid=move || shown.get().is_some()>
            <label for=id.clone()>{label}</label>
            {hint.map(|h| view! { <p class="field-hint" id=hint_id.clone()>{h}</p> })}
            <input
                id=id.clone()
                name=name
                type=kind
                required=true
                autocomplete=autocomplete
                minlength=minlength
                aria-invalid=move || shown.get().is_some().then_some("true")
                aria-describedby=described_by
                on:invalid=on_invalid
                on:input=on_input
            />
            <p class="field-error" id=error_id.clone() role="alert" aria-live="polite">
                {move || shown.get()}
            </p>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::explain_invalid;

    #[test]
    fn refused_fields_are_explained_in_our_words() {
        assert_eq!(explain_invalid("Email", "email", None, "").as_deref(), Some("Email is required."));
        assert_eq!(
            explain_invalid("New password", "password", Some(10), "short").as_deref(),
            Some("Use at least 10 characters.")
        );
        // Ten characters, some outside the BMP: the browser counts UTF-16 units, and so do we.
        assert_eq!(explain_invalid("Password", "password", Some(10), "🙂🙂🙂🙂🙂").as_deref(), None);
        assert!(explain_invalid("Email", "email", None, "not-an-email").unwrap().contains("name@example.org"));
        assert_eq!(explain_invalid("Paper", "text", None, "PMC1"), None);
    }
}

/// The new password of a form (field `new_password`): checked for length in the browser before
/// it is sent, the rules in its hint, and the server's answer about `password` under it.
#[component]
pub fn NewPasswordField(hint: &'static str, last_error: Signal<Option<AppError>>) -> impl IntoView {
    view! {
        <Field
            label="New password"
            name="new_password"
            kind="password"
            autocomplete="new-password"
            minlength=crate::accounts::MIN_PASSWORD_CHARS
            hint=hint
            error=field_error(last_error, "password")
        />
    }
}
