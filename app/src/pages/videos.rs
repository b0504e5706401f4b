//! `/videos`: My Videos — the signed-in person's jobs, newest first, a page at a time, with
//! delete (after a confirmation) that removes the card without a reload.

use crate::{
    error::AppError,
    jobs::{
        list_my_jobs,
        progress::{date_label, duration_label, Progress},
        DeleteJob, Job, JobStatus, RetryJob,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use std::collections::HashMap;

/// Every card's progress on this page, by job id. The page's one live connection folds each
/// event straight into its card's progress, so two events arriving together are both applied.
#[derive(Clone, Copy)]
struct Cards(StoredValue<HashMap<String, RwSignal<Progress>>>);

#[component]
pub fn VideosPage() -> impl IntoView {
    let query = use_query_map();
    let before = Memo::new(move |_| query.read().get("before"));
    let delete = ServerAction::<DeleteJob>::new();
    let retry = ServerAction::<RetryJob>::new();
    // Bumped when the list must be read again: a new job, a deleted or finished one, or events
    // that may have been missed.
    let reread = RwSignal::new(0u32);
    let list = Resource::new(
        move || (before.get(), delete.version().get(), retry.version().get(), reread.get()),
        |(before, ..)| list_my_jobs(before),
    );
    let cards = Cards(StoredValue::new(HashMap::new()));
    provide_context(cards);
    #[cfg(feature = "hydrate")]
    {
        // One connection for every card on the page, however many jobs are running.
        use crate::jobs::EventKind;
        let connection = StoredValue::new_local(None::<crate::jobs::live::Follow>);
        Effect::new(move |_| {
            let read_again = move || {
                let _ = reread.try_update(|n| *n += 1);
            };
            let follow = crate::jobs::live::follow_mine(
                move |event| {
                    let card = cards.0.try_with_value(|cards| cards.get(&event.job_id).copied()).flatten();
                    match card {
                        Some(progress) => {
                            let _ = progress.try_update(|p| p.apply(&event));
                            // Gone, or finished with a length and a poster the row now has.
                            if matches!(event.kind, EventKind::Deleted | EventKind::Succeeded) {
                                read_again();
                            }
                        }
                        // A job submitted elsewhere (another tab, the API) belongs at the top of
                        // the newest page.
                        None if event.kind == EventKind::Queued
                            && before.try_get_untracked().is_some_and(|b| b.is_none()) =>
                        {
                            read_again()
                        }
                        None => {}
                    }
                },
                read_again,
            );
            connection.set_value(follow);
        });
        on_cleanup(move || {
            let _ = connection.try_update_value(|c| *c = None);
        });
    }
    let toast = Signal::derive(move || {
        delete.value().get().map(|result| match result {
            Ok(()) => "Deleted.".to_owned(),
            Err(e) => format!("Could not delete: {e}"),
        })
    });
    view! {
        <Title text="My videos"/>
        <section class="videos">
            <div class="page-head">
                <h1>"My videos"</h1>
                <a class="button button-small" href="/">"New video"</a>
            </div>
            <p class="toast" role="status" aria-live="polite" data-testid="toast">{move || toast.get()}</p>
            <Transition fallback=|| view! { <p class="muted">"Loading your videos…"</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(page) if page.jobs.is_empty() && before.get().is_none() => view! {
                            <div class="empty card">
                                <h2>"No videos yet"</h2>
                                <p>"Submit a paper by its PubMed Central ID, PMID or DOI and your video appears here."</p>
                                <a class="button" href="/">"Make your first video"</a>
                            </div>
                        }.into_any(),
                        Ok(page) => view! {
                            <ul class="job-cards">
                                {page.jobs.into_iter().map(|job| view! { <JobCard job delete retry/> }).collect_view()}
                            </ul>
                            <nav class="pager" aria-label="Pages">
                                {before.get().map(|_| view! { <a href="/videos">"Newest"</a> })}
                                {page.next.map(|next| view! {
                                    <a href=format!("/videos?before={}", next.encode()) rel="next">"Older videos"</a>
                                })}
                            </nav>
                        }.into_any(),
                        Err(AppError::Unauthenticated) => view! {
                            <div class="empty card">
                                <p>"Log in to see your videos."</p>
                                <a class="button" href=crate::url::login_then("/videos")>"Log in"</a>
                            </div>
                        }.into_any(),
                        Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

fn status_label(status: JobStatus) -> &'static str {
    match status {
        JobStatus::Queued => "Queued",
        JobStatus::Running => "In progress",
        JobStatus::Review => "Waiting for your review",
        JobStatus::Quota => "Waiting for provider quota",
        JobStatus::Succeeded => "Ready",
        JobStatus::Failed => "Failed",
        JobStatus::Cancelled => "Cancelled",
    }
}

#[component]
fn JobCard(job: Job, delete: ServerAction<DeleteJob>, retry: ServerAction<RetryJob>) -> impl IntoView {
    let confirming = RwSignal::new(false);
    // The card starts from the row and follows the job's live events (see `VideosPage`).
    let progress = RwSignal::new(Progress::from_job(&job));
    if let Some(cards) = use_context::<Cards>() {
        let id = job.id.clone();
        cards.0.update_value(|cards| {
            cards.insert(id.clone(), progress);
        });
        // A re-read list makes a new card for the same job first: remove only this card's own.
        on_cleanup(move || {
            let _ = cards.0.try_update_value(|cards| {
                if cards.get(&id) == Some(&progress) {
                    cards.remove(&id);
                }
            });
        });
    }
    let status = move || progress.with(|p| p.status);
    let href = format!("/jobs/{}", job.id);
    let id = StoredValue::new(job.id.clone());
    let label = job.source.label();
    let length = job.video.as_ref().map(|v| duration_label(v.duration_ms));
    view! {
        <li class="job-card card" data-testid="job-card" data-status=move || status().as_str()>
            <Show when=move || status() == JobStatus::Succeeded>
                // Poster first, nothing downloaded until played, never autoplay with sound.
                <video
                    class="job-card-player"
                    data-testid="card-player"
                    controls=true
                    playsinline=true
                    preload="none"
                    poster=format!("/videos/{}/thumbnail.jpg", id.get_value())
                    src=format!("/videos/{}", id.get_value())
                >
                    <crate::pages::job::CaptionTrack id=id.get_value()/>
                </video>
            </Show>
            <div class="job-card-head">
                <a class="job-card-title" href=href>{job.title.clone().unwrap_or_else(|| label.clone())}</a>
                <span class=move || format!("badge status-{}", status().as_str())>{move || status_label(status())}</span>
            </div>
            <p class="muted job-card-date">
                {job.title.is_some().then(|| format!("{label} · "))}
                {date_label(job.created_at_ms)}
                {length.map(|l| format!(" · {l}"))}
            </p>
            <Show when=move || status() == JobStatus::Running>
                <div class="job-card-progress">
                    <progress max="100" value=move || progress.with(|p| p.percent) aria-label="Progress"></progress>
                    <span class="muted" data-testid="card-step">{move || progress.with(Progress::now_line)}</span>
                </div>
            </Show>
            {move || progress.with(|p| p.failure.clone()).filter(|_| status() == JobStatus::Failed).map(|f| view! {
                <p class="job-card-failure">
                    {f.step.map(|s| format!("{} failed: ", s.title())).unwrap_or_default()}
                    {f.message}
                </p>
            })}
            <div class="job-card-actions">
                <Show when=move || status() == JobStatus::Review>
                    <a class="button button-small" data-testid="review-script" href=format!("/jobs/{}", id.get_value())>"Review the script"</a>
                </Show>
                <Show when=move || matches!(status(), JobStatus::Failed | JobStatus::Cancelled)>
                    <ActionForm action=retry attr:class="inline-form">
                        <input type="hidden" name="id" value=id.get_value()/>
                        <button type="submit" class="button button-small">"Retry"</button>
                    </ActionForm>
                </Show>
                <Show
                    when=move || confirming.get()
                    fallback=move || view! {
                        <button type="button" class="button button-small button-quiet" on:click=move |_| confirming.set(true)>
                            "Delete"
                        </button>
                    }
                >
                    <div class="confirm" role="group" aria-label="Confirm delete">
                        <span>"Delete this video for good?"</span>
                        <ActionForm action=delete attr:class="inline-form">
                            <input type="hidden" name="id" value=id.get_value()/>
                            <button type="submit" class="button button-small button-danger">"Yes, delete"</button>
                        </ActionForm>
                        <button type="button" class="button button-small button-quiet" on:click=move |_| confirming.set(false)>
                            "Keep it"
                        </button>
                    </div>
                </Show>
            </div>
        </li>
    }
}
