//! `/admin/jobs`: every job of every user, for admins. Filters live in the URL (a plain GET
//! form), so a filtered view can be shared and reloaded; paging happens in the database.

use crate::{
    error::AppError,
    jobs::{
        admin::{admin_jobs, AdminDeleteJobs, AdminFilter, AdminJobList},
        progress::{date_label, duration_label},
        JobStatus,
    },
    quota::{provider_usage, UsageToday},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::Form, hooks::use_query_map};
use std::{collections::BTreeSet, sync::Arc};

#[component]
pub fn AdminJobsPage() -> impl IntoView {
    let query = use_query_map();
    let filter = Memo::new(move |_| {
        let q = query.read();
        AdminFilter {
            status: q.get("status"),
            user: q.get("user"),
            paper: q.get("paper"),
            from: q.get("from"),
            to: q.get("to"),
            sort: q.get("sort"),
            page: q.get("page").and_then(|p| p.parse().ok()),
        }
    });
    // Dates that cannot match anything are said next to the dates, and nothing is asked.
    let date_problem = Memo::new(move |_| filter.read().days().err().map(|e| e.to_string()));
    let delete = ServerAction::<AdminDeleteJobs>::new();
    let list = Resource::new(
        move || (filter.get(), delete.version().get()),
        |(filter, _)| async move {
            filter.days()?;
            admin_jobs(filter).await
        },
    );
    let toast = Signal::derive(move || {
        delete.value().get().map(|r| match r {
            Ok(n) => format!("Deleted {n} job{}.", if n == 1 { "" } else { "s" }),
            Err(e) => format!("Could not delete: {e}"),
        })
    });
    let dates_invalid = move || date_problem.read().is_some().then_some("true");
    let dates_described = move || date_problem.read().is_some().then_some("filter-dates-error");
    view! {
        <Title text="All jobs"/>
        <section class="admin">
            <div class="page-head"><h1>"All jobs"</h1></div>
            <Form method="GET" action="" attr:class="filters" attr:aria-label="Filter jobs" on_form_data=Arc::new(drop_empty_filters)>
                <label>"Status"
                    <select name="status">
                        <option value="">"Any"</option>
                        {JobStatus::ALL.iter().map(|s| view! {
                            <option value=s.as_str() selected=move || filter.read().status.as_deref() == Some(s.as_str())>{s.as_str()}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label>"User" <input type="search" name="user" placeholder="email" value=move || filter.read().user.clone()/></label>
                <label>"Paper" <input type="search" name="paper" placeholder="PMC…, DOI, file" value=move || filter.read().paper.clone()/></label>
                <label>"From" <input type="date" name="from" value=move || filter.read().from.clone()
                    aria-invalid=dates_invalid aria-describedby=dates_described/></label>
                <label>"To" <input type="date" name="to" value=move || filter.read().to.clone()
                    aria-invalid=dates_invalid aria-describedby=dates_described/></label>
                <p class="field-error filter-dates-error" id="filter-dates-error" role="alert" data-testid="date-problem">
                    {move || date_problem.get()}
                </p>
                <label>"Order"
                    <select name="sort">
                        <option value="">"Newest first"</option>
                        <option value="oldest" selected=move || filter.read().sort.as_deref() == Some("oldest")>"Oldest first"</option>
                    </select>
                </label>
                <button type="submit" class="button button-small">"Filter"</button>
                <a class="button button-small button-quiet" href="/admin/jobs">"Clear"</a>
            </Form>
            <p class="toast" role="status" data-testid="toast">{move || toast.get()}</p>
            <Transition fallback=|| view! { <p class="muted">"Loading jobs…"</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(list) => view! { <AdminTable list filter=filter.get() delete/> }.into_any(),
                        // Said next to the dates already.
                        Err(error) if matches!(error.field(), Some("from" | "to")) => ().into_any(),
                        Err(error) => view! { <AdminError error/> }.into_any(),
                    }
                })}
            </Transition>
            <ProviderUsagePanel/>
        </section>
    }
}

/// Today's use of the paid providers against their daily budgets, and the jobs waiting for one
/// to renew.
#[component]
fn ProviderUsagePanel() -> impl IntoView {
    let usage = Resource::new(|| (), |_| provider_usage());
    view! {
        <section class="usage" aria-labelledby="usage-heading" data-testid="provider-usage">
            <h2 id="usage-heading">"Provider usage today"</h2>
            <Transition fallback=|| view! { <p class="muted">"Loading usage…"</p> }>
                {move || Suspend::new(async move {
                    match usage.await {
                        Ok(usage) => view! { <UsageTable usage/> }.into_any(),
                        Err(error) => view! { <p class="form-error" role="alert">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn UsageTable(usage: UsageToday) -> impl IntoView {
    let UsageToday { renews_at_ms, services, waiting_jobs, fallback, .. } = usage;
    let when_spent = if fallback == "offline" {
        "When a budget is spent, the step goes on with the offline provider (HH_QUOTA_FALLBACK=offline)."
    } else {
        "When a budget is spent, jobs wait for it to renew (HH_QUOTA_FALLBACK=offline makes them go on offline)."
    };
    let waiting = (waiting_jobs > 0).then(|| {
        let label =
            format!("{waiting_jobs} job{} waiting for provider quota", if waiting_jobs == 1 { "" } else { "s" });
        view! { <p><a href="/admin/jobs?status=quota">{label}</a></p> }
    });
    if services.is_empty() {
        return view! {
            <p class="muted">"No paid provider is configured: scripts, voices and scenes are made offline, at no cost."</p>
        }
        .into_any();
    }
    view! {
        // Scrolls sideways on a phone (focusable, so a keyboard can scroll it too); the budget
        // comes first after the name, so that it is in view there.
        <div class="table-scroll" tabindex="0" role="region" aria-label="Provider usage today">
            <table class="usage-table">
                <thead><tr>
                    <th scope="col">"Provider"</th><th scope="col">"Daily budget"</th><th scope="col">"Requests"</th>
                    <th scope="col">"Tokens"</th><th scope="col">"Credits"</th><th scope="col">"Failed calls"</th>
                </tr></thead>
                <tbody>
                    {services.into_iter().map(|s| {
                        let budget = match s.budget {
                            Some(b) => format!("{} of {b} {} used", s.used, s.measure),
                            None => "none set".to_owned(),
                        };
                        let spent = s.spent();
                        view! {
                            <tr data-service=s.service.clone()>
                                <th scope="row">{s.label}{(!s.configured).then_some(" (no longer configured)")}</th>
                                <td class:spent=spent>{budget}{spent.then_some(" · spent")}</td>
                                <td>{s.requests}</td><td>{s.tokens}</td><td>{s.credits}</td><td>{s.failures}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <p class="muted">{format!("Budgets renew at {}. {when_spent}", date_label(renews_at_ms))}</p>
        {waiting}
    }
    .into_any()
}

/// The filter fields, in the order of the form and of page links.
const FILTER_FIELDS: [&str; 6] = ["status", "user", "paper", "from", "to", "sort"];

/// A filter left empty stays out of the URL (`?user=ada`, not `?status=&user=ada&from=…`), and
/// so does the nameless pair leptos_router adds for the submit button (which ended URLs in `&=`).
fn drop_empty_filters(data: &leptos::web_sys::FormData) {
    for name in std::iter::once("").chain(FILTER_FIELDS) {
        if data.get(name).as_string().is_some_and(|value| value.trim().is_empty()) {
            data.delete(name);
        }
    }
}

#[component]
fn AdminError(error: AppError) -> impl IntoView {
    crate::error::set_page_status(error.status());
    match error {
        AppError::NotFound(_) | AppError::Unauthenticated => view! {
            <div class="card message-page">
                <p class="eyebrow">"404"</p>
                <h2>"We could not find that page"</h2>
                <a class="button" href="/">"Go to the home page"</a>
            </div>
        }
        .into_any(),
        other => view! { <p class="form-error" role="alert">{other.to_string()}</p> }.into_any(),
    }
}

/// The URL of `page` with the same filters.
fn page_href(filter: &AdminFilter, page: i64) -> String {
    let mut pairs = Vec::new();
    let values = [&filter.status, &filter.user, &filter.paper, &filter.from, &filter.to, &filter.sort];
    for (name, value) in FILTER_FIELDS.into_iter().zip(values) {
        if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
            pairs.push(format!("{name}={}", crate::url::encode_component(v)));
        }
    }
    pairs.push(format!("page={page}"));
    format!("/admin/jobs?{}", pairs.join("&"))
}

#[component]
fn AdminTable(list: AdminJobList, filter: AdminFilter, delete: ServerAction<AdminDeleteJobs>) -> impl IntoView {
    let selected = RwSignal::new(BTreeSet::<String>::new());
    let confirming = RwSignal::new(false);
    let count = move || selected.with(BTreeSet::len);
    // The header's box selects every job on this page, or none; between the two it shows as
    // indeterminate.
    let on_page = StoredValue::new(list.jobs.iter().map(|row| row.job.id.clone()).collect::<BTreeSet<_>>());
    let rows = list.jobs.len();
    let all_selected = move || rows > 0 && count() == rows;
    let some_selected = move || count() > 0 && count() < rows;
    let total = list.total;
    let (prev, next) = (
        (list.page > 1).then(|| page_href(&filter, list.page - 1)),
        list.has_next.then(|| page_href(&filter, list.page + 1)),
    );
    if list.jobs.is_empty() {
        return view! { <div class="card empty"><p>"No job matches these filters."</p></div> }.into_any();
    }
    view! {
        <p class="muted" data-testid="admin-total">{format!("{total} job{} match", if total == 1 { "" } else { "s" })}</p>
        <div class="bulk">
            <Show
                when=move || confirming.get()
                fallback=move || view! {
                    <button type="button" class="button button-small button-danger" disabled=move || count() == 0
                        on:click=move |_| confirming.set(true)>
                        {move || format!("Delete selected ({})", count())}
                    </button>
                }
            >
                <span>{move || match count() {
                    1 => "Delete 1 job for good?".to_owned(),
                    n => format!("Delete {n} jobs for good?"),
                }}</span>
                <button type="button" class="button button-small button-danger" on:click=move |_| {
                    delete.dispatch(AdminDeleteJobs { ids: selected.get().into_iter().collect() });
                    selected.set(BTreeSet::new());
                    confirming.set(false);
                }>"Yes, delete"</button>
                <button type="button" class="button button-small button-quiet" on:click=move |_| confirming.set(false)>"Keep them"</button>
            </Show>
        </div>
        <table class="admin-table">
            <thead><tr>
                <th scope="col" class="select-all">
                    <input type="checkbox" id="select-all" data-testid="select-all"
                        prop:checked=all_selected
                        prop:indeterminate=some_selected
                        on:change=move |ev| {
                            let all = event_target_checked(&ev);
                            selected.set(if all { on_page.get_value() } else { BTreeSet::new() });
                        }/>
                    <label for="select-all">"Select all"<span class="sr-only">" jobs on this page"</span></label>
                </th>
                <th scope="col">"Paper"</th><th scope="col">"User"</th><th scope="col">"Status"</th><th scope="col">"Submitted"</th><th scope="col">"Details"</th>
            </tr></thead>
            <tbody>
                {list.jobs.into_iter().map(|row| {
                    let id = row.job.id.clone();
                    let id_for_check = id.clone();
                    let label = row.job.source.label();
                    let detail = match (&row.job.failure, &row.job.video, row.job.status) {
                        (Some(f), _, _) => format!("{}{}", f.step.map(|s| format!("{}: ", s.title())).unwrap_or_default(), f.message),
                        (None, Some(v), _) => format!(
                            "{} · {} scenes · {}{}",
                            duration_label(v.duration_ms),
                            v.scenes,
                            v.providers,
                            v.cost_credits.map(|c| format!(" · {c} credits")).unwrap_or_default()
                        ),
                        (None, None, status) => format!("{} · {}% · attempt {}", row.job.step.map(|s| s.title()).unwrap_or("Not started"), row.job.percent, row.job.attempts.max(0)).replace("Not started · 0% · attempt 0", status.as_str()),
                    };
                    let timings = (!row.step_ms.is_empty()).then(|| {
                        row.step_ms.iter().map(|(step, ms)| format!("{} {}", step.title(), duration_label(*ms))).collect::<Vec<_>>().join(" · ")
                    });
                    let download = row.job.video.is_some().then(|| format!("/videos/{}/download", row.job.id));
                    let title = row.job.title.clone();
                    view! {
                        <tr data-testid="admin-row" data-status=row.job.status.as_str()>
                            // On phones each row is a card: every cell is its label (from
                            // data-label) beside exactly one value element.
                            <td data-label="Select">
                                <span class="cell">
                                    <input type="checkbox" aria-label=format!("Select {label}")
                                        prop:checked=move || selected.with(|s| s.contains(&id_for_check))
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            let id = id.clone();
                                            selected.update(|s| { if on { s.insert(id); } else { s.remove(&id); } });
                                        }/>
                                </span>
                            </td>
                            <td data-label="Paper">
                                <div class="cell">
                                    <a href=format!("/jobs/{}", row.job.id)>{title.clone().unwrap_or_else(|| label.clone())}</a>
                                    {title.is_some().then(|| view! { <span class="muted admin-source">{label.clone()}</span> })}
                                </div>
                            </td>
                            <td data-label="User"><span class="cell">{row.owner_email}</span></td>
                            <td data-label="Status"><span class="cell"><span class=format!("badge status-{}", row.job.status.as_str())>{row.job.status.as_str()}</span></span></td>
                            <td data-label="Submitted"><span class="cell">{date_label(row.job.created_at_ms)}</span></td>
                            <td data-label="Details" data-testid="admin-details">
                                <div class="cell">
                                    {detail}
                                    {timings.map(|t| view! { <span class="muted admin-timings">{t}</span> })}
                                    {download.map(|href| view! { <a class="admin-download" href=href download="">"Download"</a> })}
                                </div>
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        <nav class="pager" aria-label="Pages">
            {prev.map(|href| view! { <a href=href rel="prev">"Previous"</a> })}
            {next.map(|href| view! { <a href=href rel="next">"Next"</a> })}
        </nav>
    }
    .into_any()
}
