//! `/admin/people`: everyone with an account, for admins — search, jobs and videos per person,
//! disable/enable, make/unmake admin, delete with everything in it; and the access code, with a
//! way to make a new one. The search lives in the URL (`?q=`), like the jobs page's filters.

use crate::{
    accounts::{
        admin::{list_people, DeletePerson, NewAccessCode, People, Person, SetAdmin, SetDisabled},
        Role,
    },
    error::AppError,
    jobs::progress::date_label,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::Form, hooks::use_query_map};

#[component]
pub fn AdminPeoplePage() -> impl IntoView {
    let query = use_query_map();
    let search = Memo::new(move |_| query.read().get("q").unwrap_or_default());
    let page = Memo::new(move |_| query.read().get("page").and_then(|p| p.parse::<i64>().ok()));
    let disable = ServerAction::<SetDisabled>::new();
    let role = ServerAction::<SetAdmin>::new();
    let delete = ServerAction::<DeletePerson>::new();
    let code = ServerAction::<NewAccessCode>::new();
    let list = Resource::new(
        move || {
            (
                search.get(),
                page.get(),
                disable.version().get(),
                role.version().get(),
                delete.version().get(),
                code.version().get(),
            )
        },
        |(search, page, ..)| list_people(search, page),
    );
    // What the last action did, or why it did not.
    let toast = Signal::derive(move || {
        let said = |r: Option<Result<Person, AppError>>, what: fn(&Person) -> String| {
            r.map(|r| r.map(|p| what(&p)).unwrap_or_else(|e| e.to_string()))
        };
        said(disable.value().get(), |p| {
            format!("{} is {}.", p.email, if p.disabled_ms.is_some() { "disabled" } else { "enabled again" })
        })
        .or_else(|| {
            said(role.value().get(), |p| {
                format!("{} is {}.", p.email, if p.role == Role::Admin { "an admin" } else { "no longer an admin" })
            })
        })
        .or_else(|| {
            delete.value().get().map(|r| match r {
                Ok(n) => format!("The account is deleted, with {n} job{}.", if n == 1 { "" } else { "s" }),
                Err(e) => e.to_string(),
            })
        })
        .or_else(|| {
            code.value()
                .get()
                .map(|r| r.map(|c| format!("The new access code is {c}.")).unwrap_or_else(|e| e.to_string()))
        })
    });
    // One answer at a time: a new action forgets the others'.
    let forget = move || {
        disable.value().set(None);
        role.value().set(None);
        delete.value().set(None);
        code.value().set(None);
    };
    view! {
        <Title text="People"/>
        <section class="admin">
            <div class="page-head">
                <h1>"People"</h1>
                <a class="button button-small button-quiet" href="/admin/jobs">"All jobs"</a>
            </div>
            <Form method="GET" action="" attr:class="filters" attr:aria-label="Search people">
                <label>"Email" <input type="search" name="q" placeholder="part of an address" value=move || search.get()/></label>
                <button type="submit" class="button button-small">"Search"</button>
            </Form>
            <p class="toast" role="status" data-testid="toast">{move || toast.get()}</p>
            <Transition fallback=|| view! { <p class="muted">"Loading people…"</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(found) => view! { <PeopleList found search=search.get() disable role delete code forget/> }.into_any(),
                        Err(error) => {
                            crate::error::set_page_status(error.status());
                            view! { <p class="form-error" role="alert">{error.to_string()}</p> }.into_any()
                        }
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn PeopleList(
    found: People,
    search: String,
    disable: ServerAction<SetDisabled>,
    role: ServerAction<SetAdmin>,
    delete: ServerAction<DeletePerson>,
    code: ServerAction<NewAccessCode>,
    forget: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let next = found
        .has_next
        .then(|| format!("/admin/people?q={}&page={}", crate::url::encode_component(&search), found.page + 1));
    let previous = (found.page > 1)
        .then(|| format!("/admin/people?q={}&page={}", crate::url::encode_component(&search), found.page - 1));
    view! {
        <div class="card access-code" data-testid="access-code">
            <h2>"Access code"</h2>
            <p>"People give this code to create an account: " <code data-testid="access-code-value">{found.access_code.clone()}</code></p>
            {if found.access_code_configured {
                view! { <p class="muted">"HH_ACCESS_CODE in the server's settings sets it; change it there."</p> }.into_any()
            } else {
                view! {
                    <ActionForm action=code attr:class="inline-form">
                        <button type="submit" class="button button-small" data-testid="new-access-code" on:click=move |_| forget()>
                            "Make a new access code"
                        </button>
                    </ActionForm>
                    <p class="muted">"The old code stops working at once; accounts made with it stay."</p>
                }
                .into_any()
            }}
        </div>
        <p class="muted" data-testid="people-count">
            {format!("{} {}", found.total, if found.total == 1 { "person" } else { "people" })}
        </p>
        <ul class="people" data-testid="people">
            {found.people.into_iter().map(|p| view! { <PersonCard person=p disable role delete forget/> }).collect_view()}
        </ul>
        <nav class="pager" aria-label="Pages">
            {previous.map(|href| view! { <a class="button button-small button-quiet" href=href>"Previous"</a> })}
            {next.map(|href| view! { <a class="button button-small button-quiet" href=href>"Next"</a> })}
        </nav>
    }
}

#[component]
fn PersonCard(
    person: Person,
    disable: ServerAction<SetDisabled>,
    role: ServerAction<SetAdmin>,
    delete: ServerAction<DeletePerson>,
    forget: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let confirming = RwSignal::new(false);
    let disabled = person.disabled_ms.is_some();
    let admin = person.role == Role::Admin;
    let id = StoredValue::new(person.id.clone());
    let (delete_id, confirm_id) =
        (StoredValue::new(person.id.clone()), StoredValue::new(format!("confirm-{}", person.id)));
    view! {
        <li class="card person" data-testid="person" data-email=person.email.clone()>
            <div class="person-head">
                <strong class="person-email">{person.email.clone()}</strong>
                {admin.then(|| view! { <span class="badge">"Admin"</span> })}
                {disabled.then(|| view! { <span class="badge badge-danger" data-testid="person-disabled">"Disabled"</span> })}
            </div>
            <p class="muted">
                {format!("Joined {} · {} job{} · {} video{}", date_label(person.joined_ms), person.jobs,
                    if person.jobs == 1 { "" } else { "s" }, person.videos, if person.videos == 1 { "" } else { "s" })}
                " · " <a href=format!("/admin/jobs?user={}", crate::url::encode_component(&person.email))>"Their jobs"</a>
            </p>
            <div class="person-actions">
                <ActionForm action=disable attr:class="inline-form">
                    <input type="hidden" name="id" value=id.get_value()/>
                    <input type="hidden" name="disabled" value=(!disabled).to_string()/>
                    <button type="submit" class="button button-small button-quiet" data-testid="toggle-disabled" on:click=move |_| forget()>
                        {if disabled { "Enable" } else { "Disable" }}
                    </button>
                </ActionForm>
                <ActionForm action=role attr:class="inline-form">
                    <input type="hidden" name="id" value=id.get_value()/>
                    <input type="hidden" name="admin" value=(!admin).to_string()/>
                    <button type="submit" class="button button-small button-quiet" data-testid="toggle-admin" on:click=move |_| forget()>
                        {if admin { "Remove admin" } else { "Make admin" }}
                    </button>
                </ActionForm>
                <button type="button" class="button button-small button-quiet" data-testid="delete-person"
                    on:click=move |_| confirming.update(|c| *c = !*c)>"Delete…"</button>
            </div>
            <Show when=move || confirming.get()>
                <ActionForm action=delete attr:class="form person-delete">
                    <input type="hidden" name="id" value=delete_id.get_value()/>
                    <label for=confirm_id.get_value()>"Type their e-mail address to delete the account with every job and video"</label>
                    <input id=confirm_id.get_value() type="email" name="email" autocomplete="off" required/>
                    <button type="submit" class="button button-small button-danger" data-testid="confirm-delete-person" on:click=move |_| forget()>
                        "Delete the account"
                    </button>
                </ActionForm>
            </Show>
        </li>
    }
}
