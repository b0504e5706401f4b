//! `/jobs/:id`: one job, live. The page renders from the job row on the server, then follows
//! the job's Server-Sent Events in the browser — no polling — and folds each event into the
//! step list, the percent, the elapsed time and the estimate.

use crate::{
    components::storyboard::StoryboardView,
    error::AppError,
    jobs::{
        get_job_history,
        progress::{duration_label, Progress, StepState},
        CancelJob, JobHistory, JobStatus, PostSuggestion, RetryJob,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn JobPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.read().get("id").unwrap_or_default());
    let cancel = ServerAction::<CancelJob>::new();
    let retry = ServerAction::<RetryJob>::new();
    // Refetched after a cancel or retry, which also restarts the live subscription.
    let history = Resource::new(
        move || (id.get(), cancel.version().get(), retry.version().get()),
        |(id, _, _)| get_job_history(id),
    );
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading the job…"</p> }>
            {move || Suspend::new(async move {
                match history.await {
                    Ok(history) => view! { <JobView history cancel retry/> }.into_any(),
                    Err(error) => view! { <JobError error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn JobError(error: AppError) -> impl IntoView {
    crate::error::set_page_status(error.status());
    let login = matches!(error, AppError::Unauthenticated);
    // Back here after logging in: a shared link works for its owner.
    let next = leptos_router::hooks::use_location().pathname.get_untracked();
    view! {
        <Title text="Job"/>
        <section class="card message-page">
            <h1>{if login { "Please log in" } else { "We could not find that job" }}</h1>
            <p>{error.to_string()}</p>
            {if login {
                view! { <a class="button" href=crate::url::login_then(&next)>"Log in"</a> }.into_any()
            } else {
                view! { <a class="button" href="/">"Submit a paper"</a> }.into_any()
            }}
        </section>
    }
}

/// Reads the job again and shows what became known while the page was open, or what its live
/// news may have missed (a reconnect): the paper's title (on the page and as the document's
/// title), the text to post once the video is made, and where the job is now. A job that is
/// gone was deleted; any other failed read leaves the page as it was.
#[cfg(feature = "hydrate")]
fn reread(
    id: String,
    progress: RwSignal<Progress>,
    title: RwSignal<Option<String>>,
    post: RwSignal<Option<PostSuggestion>>,
) {
    leptos::task::spawn_local(async move {
        match get_job_history(id).await {
            Ok(JobHistory { job, events, post: known_post, .. }) => {
                if let Some(known) =
                    job.title.clone().filter(|_| title.try_with_untracked(Option::is_none) == Some(true))
                {
                    if title.try_set(Some(known.clone())).is_none() {
                        document().set_title(&crate::shell::page_title(known));
                    }
                }
                if known_post.is_some() && post.try_with_untracked(Option::is_none) == Some(true) {
                    let _ = post.try_set(known_post);
                }
                let now = Progress::from_history(&job, &events);
                let _ = progress.try_update(|p| {
                    if now.last_seq > p.last_seq {
                        *p = now;
                    }
                });
            }
            Err(AppError::NotFound(_)) => {
                let _ = progress.try_update(|p| p.deleted = true);
            }
            Err(_) => {}
        }
    });
}

fn headline(status: JobStatus, deleted: bool) -> &'static str {
    if deleted {
        return "This video was deleted";
    }
    match status {
        JobStatus::Queued => "Waiting for a worker",
        JobStatus::Running => "Making your video",
        JobStatus::Review => "Your script is ready for review",
        JobStatus::Quota => "Waiting for provider quota",
        JobStatus::Succeeded => "Your video is ready",
        JobStatus::Failed => "This job stopped with an error",
        JobStatus::Cancelled => "Cancelled",
    }
}

#[component]
fn JobView(history: JobHistory, cancel: ServerAction<CancelJob>, retry: ServerAction<RetryJob>) -> impl IntoView {
    let JobHistory { job, events, post, previews } = history;
    // Scenes already drawn, to watch while the rest render; more arrive with `scene-ready` events.
    let previews = RwSignal::new(previews);
    // A video exists (the row says how long it is): it stays playable while a scene is remade,
    // until the new one replaces it. Each new video (a remake, a version brought back) bumps the
    // counter, which reloads the player and the versions.
    let has_video = RwSignal::new(job.video.is_some());
    let video_version = RwSignal::new(0u32);
    // The first frame folds the whole log (the server's and the browser's alike); the live
    // connection then brings only what is newer, so a finished job never flickers back to
    // "running" while its history replays (which once broke hydration on a reload).
    let progress = RwSignal::new(Progress::from_history(&job, &events));
    // The browser's clock; `None` on the server so both render the same first frame.
    let now = RwSignal::new(None::<i64>);
    let started = job.started_at_ms;
    let finished = RwSignal::new(job.finished_at_ms);
    // The paper's title: known once the paper is read, which may be after this page opened.
    let title = RwSignal::new(job.title.clone());
    // The text to post: read with the page when the video was already made, else when it is.
    let post = RwSignal::new(post);

    #[cfg(feature = "hydrate")]
    {
        use crate::jobs::live;
        /// The page's live connections; dropping it (when the view goes away) closes them.
        struct Live {
            _events: Option<live::Follow>,
            /// The person's stream of all their jobs, once this job has ended.
            afterwards: Option<live::Follow>,
            clock: Option<leptos::leptos_dom::helpers::IntervalHandle>,
        }
        impl Drop for Live {
            fn drop(&mut self) {
                if let Some(clock) = self.clock.take() {
                    clock.clear();
                }
            }
        }
        let id = job.id.clone();
        let (seen, ended) = progress.with_untracked(|p| (p.last_seq, p.status.is_final()));
        let connections = StoredValue::new_local(None::<Live>);
        Effect::new(move |_| {
            use std::rc::Rc;
            now.set(Some(live::now_ms()));
            // Callbacks use try_*: a late tick or event after the view is gone is ignored.
            let clock = set_interval_with_handle(
                move || {
                    let _ = now.try_set(Some(live::now_ms()));
                },
                std::time::Duration::from_secs(1),
            )
            .ok();
            let job_id = id.clone();
            let on_event = Rc::new(move |event: crate::jobs::JobEvent| {
                if event.kind.is_terminal() {
                    let _ = finished.try_set(Some(event.at_ms));
                }
                let paper_read = event.step == Some(crate::jobs::Step::FetchPaper)
                    && matches!(event.kind, crate::jobs::EventKind::StepDone | crate::jobs::EventKind::StepSkipped);
                if event.kind == crate::jobs::EventKind::SceneReady {
                    let job_id = job_id.clone();
                    leptos::task::spawn_local(async move {
                        if let Ok(now) = crate::jobs::scene_previews(job_id).await {
                            let _ = previews.try_set(now);
                        }
                    });
                }
                let succeeded = event.kind == crate::jobs::EventKind::Succeeded;
                if succeeded && progress.with_untracked(|p| event.seq > p.last_seq) {
                    // A video was there already: a remake or a version brought back replaced it.
                    if has_video.try_get_untracked() == Some(true) {
                        let _ = video_version.try_update(|v| *v += 1);
                    }
                    let _ = has_video.try_set(true);
                }
                if (paper_read && title.try_with_untracked(Option::is_none) == Some(true)) || succeeded {
                    reread(job_id.clone(), progress, title, post);
                }
                let _ = progress.try_update(|p| p.apply(&event));
            });
            // What can still happen to an ended job (deleted elsewhere, retried in another tab)
            // comes on the person's stream of all their jobs, filtered to this one: its own
            // stream ends with the run.
            let afterwards = {
                let (on_event, id) = (on_event.clone(), id.clone());
                move || {
                    let (on_event, job_id, missed_id) = (on_event.clone(), id.clone(), id.clone());
                    live::follow_mine(
                        move |event| {
                            if event.job_id == job_id {
                                on_event(event)
                            }
                        },
                        move || reread(missed_id.clone(), progress, title, post),
                    )
                }
            };
            if ended {
                connections.set_value(Some(Live { _events: None, afterwards: afterwards(), clock }));
            } else {
                // The job's own stream replays what the page missed; when the run ends, the
                // person's stream takes over.
                let events = live::follow(&id, seen, move |event| {
                    let run_ended = event.kind.is_terminal() && event.kind != crate::jobs::EventKind::Deleted;
                    on_event(event);
                    if run_ended {
                        let _ = connections.try_update_value(|live| {
                            if let Some(live) = live.as_mut().filter(|live| live.afterwards.is_none()) {
                                live.afterwards = afterwards();
                            }
                        });
                    }
                });
                connections.set_value(Some(Live { _events: events, afterwards: None, clock }));
            }
        });
        on_cleanup(move || {
            let _ = connections.try_update_value(|c| *c = None);
        });
    }

    let status = move || progress.with(|p| p.status);
    let deleted = move || progress.with(|p| p.deleted);
    let ready = move || status() == JobStatus::Succeeded && !deleted();
    let elapsed = move || {
        let end = finished.get().or(now.get())?;
        Some(end - started?)
    };
    let timing = move || {
        let Some(elapsed_ms) = elapsed() else { return String::new() };
        let mut text = format!("Elapsed {}", duration_label(elapsed_ms));
        if let Some(left) = progress.with(|p| p.estimate_left_ms(elapsed_ms)) {
            text.push_str(&format!(" · about {} left", duration_label(left)));
        }
        text
    };
    let id = StoredValue::new(job.id.clone());
    let action_error = Signal::derive(move || {
        cancel
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| retry.value().get().and_then(Result::err))
            .map(|e| e.to_string())
    });
    // The paper's title once it is known; an upload's file name or the identifier before.
    // Static text: the head outlives this view (a title learnt later is set by `reread`).
    let name = job.title.clone().unwrap_or_else(|| job.source.label());

    view! {
        <Title text=name/>
        <section class="job card" data-testid="job" data-status=move || status().as_str() data-deleted=move || deleted().to_string()>
            // A finished job leads with its video; how it was made is folded away below. While a
            // scene is remade, the previous video plays on.
            <Show when=move || has_video.get() && !deleted()>
                {move || {
                    let version = video_version.get();
                    view! { <VideoPlayer id=id.get_value() version/> }
                }}
                <Show when=move || !ready()>
                    <p class="muted remake-note" data-testid="previous-version">"This is the previous version: it plays until the new one is ready."</p>
                </Show>
            </Show>
            <p class="eyebrow">{job.source.label()}</p>
            {move || title.get().map(|t| view! { <p class="job-title" data-testid="job-title">{t}</p> })}
            <h1 data-testid="job-headline">{move || headline(status(), deleted())}</h1>
            <p class="sr-only" aria-live="polite">{move || headline(status(), deleted())}</p>
            <Show when=deleted>
                <p data-testid="job-deleted">"It was deleted while this page was open. Nothing of it is kept."</p>
                <a class="button" href="/videos">"My videos"</a>
            </Show>
            <Show when=move || !deleted()>
                <JobProgress progress ready=Signal::derive(ready) timing=Signal::derive(timing)/>
                <Show when=move || status() == JobStatus::Running && previews.with(|p| !p.is_empty())>
                    <ScenePreviews id=id.get_value() previews/>
                </Show>

                {move || progress.with(|p| p.failure.clone()).filter(|_| status() == JobStatus::Failed).map(|f| view! {
                    <div class="job-failure" role="alert">
                        <strong>{f.step.map(|s| format!("{} failed", s.title())).unwrap_or_else(|| "The job failed".into())}</strong>
                        <p>{f.message}</p>
                    </div>
                })}

                {move || progress.with(Progress::quota_note).filter(|_| status() == JobStatus::Quota).map(|note| view! {
                    <div class="job-waiting" role="status">
                        <strong>"Waiting for provider quota"</strong>
                        <p>{note}</p>
                        <p>"Nothing is lost: the job goes on by itself at the step it stopped in when the budget renews."</p>
                    </div>
                })}

                <p class="form-error" role="alert">{move || action_error.get()}</p>
                <div class="job-actions">
                    <Show when=move || matches!(status(), JobStatus::Queued | JobStatus::Running | JobStatus::Review | JobStatus::Quota)>
                        <ActionForm action=cancel attr:class="inline-form">
                            <input type="hidden" name="id" value=id.get_value()/>
                            <button type="submit" class="button button-quiet" disabled=move || cancel.pending().get()>"Cancel"</button>
                        </ActionForm>
                    </Show>
                    <Show when=move || matches!(status(), JobStatus::Failed | JobStatus::Cancelled)>
                        <ActionForm action=retry attr:class="inline-form">
                            <input type="hidden" name="id" value=id.get_value()/>
                            <button type="submit" class="button" disabled=move || retry.pending().get()>"Retry"</button>
                        </ActionForm>
                    </Show>
                </div>
            </Show>
            {move || post.get().filter(|_| ready()).map(|post| view! { <PostBox post/> })}
        </section>
        // The studio: the script to review while the job waits for it; once the video is made,
        // its scenes beside the paper's sentences they rest on.
        <Show when=move || status() == JobStatus::Review && !deleted()>
            <StoryboardView id=id.get_value() review=true/>
        </Show>
        <Show when=move || has_video.get() && !deleted()>
            {move || {
                let version = video_version.get();
                view! { <Versions id=id.get_value() version/> }
            }}
        </Show>
        <Show when=ready>
            <StoryboardView id=id.get_value() review=false/>
        </Show>
    }
}

/// How the job is going, or how it went: the bar, what it is doing now, the time, and every
/// step — folded away once the video is ready.
#[component]
fn JobProgress(progress: RwSignal<Progress>, ready: Signal<bool>, timing: Signal<String>) -> impl IntoView {
    let ready = move || ready.get();
    let timing = move || timing.get();
    // Erased to `AnyView`: the status page's view type is otherwise too deep for the compiler.
    view! {
        <details class="job-progress" open=move || !ready()>
            <summary>{move || if ready() { "How it was made" } else { "Progress" }}</summary>
            <div class="job-meter">
                <progress max="100" value=move || progress.with(|p| p.percent) aria-label="Overall progress"></progress>
                <span class="job-percent" data-testid="job-percent">{move || format!("{}%", progress.with(|p| p.percent))}</span>
            </div>
            <p class="muted job-now" data-testid="job-now">{move || progress.with(Progress::now_line)}</p>
            <p class="muted job-timing" aria-live="off">{timing}</p>

            <ol class="job-steps" aria-label="Steps">
                {move || progress.with(|p| p.steps.clone()).into_iter().map(|s| view! {
                    <li class=format!("job-step step-{}", s.state.class()) data-step=s.step.as_str() data-state=s.state.class()>
                        <span class="job-step-icon" aria-hidden="true">{icon(s.state)}</span>
                        <span class="job-step-title">{s.step.title()}</span>
                        <span class="job-step-state">{s.state.label()}</span>
                        // A finished step keeps its last word ("Read “…” by OCR", "9 scenes written").
                        {s.detail.filter(|_| matches!(s.state, StepState::Running | StepState::Done)).map(|d| view! { <span class="job-step-detail">{d}</span> })}
                    </li>
                }).collect_view()}
            </ol>
        </details>
    }
    .into_any()
}

/// The video's versions once a scene was remade: each earlier one plays here and can be made
/// the video again. Read in the browser when shown (see "Pages behind a gate").
#[component]
fn Versions(id: String, version: u32) -> impl IntoView {
    let versions = RwSignal::new(Vec::<crate::jobs::versions::VideoVersion>::new());
    let error = RwSignal::new(None::<String>);
    let id = StoredValue::new(id);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        leptos::task::spawn_local(async move {
            if let Ok(all) = crate::jobs::versions::video_versions(id.get_value()).await {
                let _ = versions.try_set(all);
            }
        });
    });
    let restore = move |number: u32| {
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            if let Err(e) = crate::jobs::versions::restore_version(id.get_value(), number).await {
                let _ = error.try_set(Some(e.to_string()));
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = number;
    };
    let _ = version;
    view! {
        <Show when=move || versions.with(|v| v.len() > 1)>
            <section class="versions" data-testid="versions" aria-label="Versions of this video">
                <h2>"Versions"</h2>
                <p class="form-error" role="alert">{move || error.get()}</p>
                <ol>
                    {move || versions.get().into_iter().rev().map(|v| {
                        let number = v.number;
                        let when = v.made_at_ms.map(crate::jobs::progress::date_label).unwrap_or_default();
                        view! {
                            <li class="version" data-testid="version" data-current=v.current.to_string()>
                                <span class="version-name">{format!("Version {number}")}</span>
                                <span class="muted">{format!("{} · {when}", v.note)}</span>
                                {if v.current {
                                    view! { <span class="badge status-succeeded">"Now the video"</span> }.into_any()
                                } else {
                                    let src = format!("/videos/{}/versions/{number}.mp4", id.get_value());
                                    view! {
                                        <video class="version-player" controls=true playsinline=true preload="none" src=src.clone()></video>
                                        <a class="button button-small button-quiet" href=src download="">"Download"</a>
                                        <button type="button" class="button button-small" data-testid="restore-version"
                                            on:click=move |_| restore(number)>"Make this the video"</button>
                                    }.into_any()
                                }}
                            </li>
                        }
                    }).collect_view()}
                </ol>
            </section>
        </Show>
    }
}

/// The scenes drawn so far, each a small player with its voice, in the video's order, while
/// later scenes render (the final video replaces them).
#[component]
fn ScenePreviews(id: String, previews: RwSignal<Vec<usize>>) -> impl IntoView {
    view! {
        <section class="scene-previews" aria-label="Scenes drawn so far" data-testid="scene-previews">
            <h2>"Scenes so far"</h2>
            <ol>
                <For each=move || previews.get() key=|n| *n children=move |n| {
                    let src = format!("/videos/{id}/scenes/scene-{n:02}.mp4");
                    view! {
                        <li>
                            <video class="scene-preview" data-testid="scene-preview" controls=true playsinline=true preload="metadata" src=src></video>
                            <span class="muted">{format!("Scene {n}")}</span>
                        </li>
                    }
                }/>
            </ol>
        </section>
    }
}

/// The finished video: plays inline (no autoplay, poster first), seeks through Range requests,
/// and downloads under the paper's name, with its caption files beside it.
#[component]
pub fn VideoPlayer(id: String, #[prop(optional)] version: u32) -> impl IntoView {
    // A new version of the video has a new address, so the browser does not play the old one.
    let src = if version == 0 { format!("/videos/{id}") } else { format!("/videos/{id}?v={version}") };
    view! {
        <div class="job-video">
            <video
                data-testid="player"
                class="player"
                controls=true
                playsinline=true
                preload="metadata"
                poster=format!("/videos/{id}/thumbnail.jpg")
                src=src
            >
                <CaptionTrack id=id.clone()/>
            </video>
            <div class="job-downloads">
                <a class="button" data-testid="download" href=format!("/videos/{id}/download") download="">"Download video"</a>
                <a class="button button-quiet" href=format!("/videos/{id}/captions.srt") download="">"Captions (SRT)"</a>
                <a class="button button-quiet" href=format!("/videos/{id}/captions.vtt") download="">"Captions (VTT)"</a>
            </div>
        </div>
    }
}

/// The captions as a track of the player, off by default: the words are burned into the
/// picture, but a person who needs captions can turn on the player's own (larger, restyled,
/// read by assistive technology).
#[component]
pub fn CaptionTrack(id: String) -> impl IntoView {
    view! { <track kind="captions" label="Captions" src=format!("/videos/{id}/captions.vtt")/> }
}

/// The suggested post caption and hashtags, ready to copy.
#[component]
fn PostBox(post: PostSuggestion) -> impl IntoView {
    let text = post.text();
    let to_copy = StoredValue::new(text.clone());
    let copied = RwSignal::new(false);
    view! {
        <div class="field post-box">
            <label for="post-text">"Text for your post"</label>
            <textarea id="post-text" data-testid="post-text" readonly=true rows="5">{text}</textarea>
            <button type="button" class="button button-quiet" on:click=move |_| {
                #[cfg(feature = "hydrate")]
                if let Some(window) = web_sys::window() {
                    let _ = window.navigator().clipboard().write_text(&to_copy.get_value());
                }
                #[cfg(not(feature = "hydrate"))]
                let _ = to_copy;
                copied.set(true);
            }>{move || if copied.get() { "Copied" } else { "Copy the text" }}</button>
        </div>
    }
}

fn icon(state: StepState) -> &'static str {
    match state {
        StepState::Waiting => "○",
        StepState::NotRun => "–",
        StepState::Running => "◔",
        StepState::Done | StepState::Skipped => "✓",
        StepState::Failed => "✕",
        StepState::Stopped => "■",
    }
}
