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
    let described_by = {
        let (hint_id, error_id) = (hint_id.clone(), error_id.clone());
        move || {
            let mut ids = Vec::new();
            if hint.is_some() {
                ids.push(hint_id.clone());
            }
            if error.get().is_some() {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field" class:field-invalid=move || error.get().is_some()>
            <label for=id.clone()>{label}</label>
            {hint.map(|h| view! { <p class="field-hint" id=hint_id.clone()>{h}</p> })}
            <input
                id=id.clone()
                name=name
                type=kind
                required=true
                autocomplete=autocomplete
                minlength=minlength
                aria-invalid=move || error.get().is_some().then_some("true")
                aria-describedby=described_by
            />
            <p class="field-error" id=error_id.clone() role="alert" aria-live="polite">
                {move || error.get()}
            </p>
        </div>
    }
}
