//! `/`: what Hidden Hill does, and the way in.

use crate::{
    components::field::{field_error, form_error, Field},
    jobs::{options::LENGTHS, upload_refusal, Pace, SubmitJob, VideoStyle},
    sample::{sample_video, SampleCredit},
    shell::Session,
};
use leptos::prelude::*;
use leptos_meta::Title;

/// The options both ways in share: chosen once in the identifier form, mirrored into the upload
/// form as hidden fields (before its file, which the server reads last).
#[derive(Clone, Copy)]
struct Choices {
    style: RwSignal<VideoStyle>,
    length: RwSignal<u32>,
    pace: RwSignal<Pace>,
    /// Stop after the script for a review; starts as the person last chose.
    review: RwSignal<bool>,
}

/// How the video should look and sound: three styles shown as thumbnails, the length, the pace.
#[component]
fn VideoOptions() -> impl IntoView {
    let c = expect_context::<Choices>();
    view! {
        <fieldset class="video-options">
            <legend>"How it looks"</legend>
            <div class="style-choices">
                {VideoStyle::ALL.into_iter().map(|style| view! {
                    <label class="style-choice" data-style=style.id()>
                        <input type="radio" name="style" value=style.id()
                            checked=move || c.style.get() == style
                            on:change=move |_| c.style.set(style)/>
                        <img src=format!("/styles/{}.jpg", style.id()) alt="" width="90" height="160" loading="lazy"/>
                        <span class="style-name">{style.name()}</span>
                        <span class="style-note">{style.description()}</span>
                    </label>
                }).collect_view()}
            </div>
            <div class="option-row">
                <label class="option">
                    "Length"
                    <select name="length" on:change=move |ev| {
                        if let Ok(v) = event_target_value(&ev).parse() { c.length.set(v) }
                    }>
                        {LENGTHS.into_iter().map(|l| view! {
                            <option value=l.to_string() selected=move || c.length.get() == l>{format!("{l} s")}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label class="option">
                    "Voice pace"
                    <select name="pace" on:change=move |ev| {
                        if let Some(p) = Pace::parse(&event_target_value(&ev)) { c.pace.set(p) }
                    }>
                        {Pace::ALL.into_iter().map(|p| view! {
                            <option value=p.id() selected=move || c.pace.get() == p>{p.name()}</option>
                        }).collect_view()}
                    </select>
                </label>
            </div>
            <label class="check review-first">
                <input type="checkbox" name="review" value="on" data-testid="review-first"
                    prop:checked=move || c.review.get()
                    on:change=move |ev| c.review.set(event_target_checked(&ev))/>
                " Let me review the script before the video is made"
            </label>
        </fieldset>
    }
}

/// The way in: a paper's identifier or link. The server function redirects to the new job's page.
#[component]
fn SubmitPaper() -> impl IntoView {
    let submit = ServerAction::<SubmitJob>::new();
    let last_error = Signal::derive(move || submit.value().get().and_then(Result::err));
    let general = form_error(last_error);
    view! {
        <ActionForm action=submit attr:class="form submit-paper">
            <Field
                label="Paper"
                name="source"
                hint="A PubMed Central ID (PMC1234567), a PMID or a DOI — or a link to one."
                autocomplete="off"
                error=field_error(last_error, "source")
            />
            <VideoOptions/>
            <p class="form-error" role="alert">{move || general.get()}</p>
            <button type="submit" class="button" disabled=move || submit.pending().get()>
                {move || if submit.pending().get() { "Submitting…" } else { "Make a video" }}
            </button>
        </ActionForm>
    }
}

/// Or a file. A plain HTML form: the browser streams the file to `POST /api/jobs`, which
/// redirects to the new job's page, or back here with `?upload_error=` saying why not.
#[component]
fn UploadPaper() -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    let refusal = Resource::new(
        move || {
            let query = query.read();
            let expires = query.get("expires").and_then(|e| e.parse::<i64>().ok());
            (query.get("upload_error"), expires, query.get("signature"))
        },
        |(message, expires, signature)| async move {
            match (message, expires, signature) {
                (Some(message), Some(expires), Some(signature)) => {
                    upload_refusal(message, expires, signature).await.ok().flatten()
                }
                _ => None,
            }
        },
    );
    let error = move || Suspend::new(async move { refusal.await });
    let c = expect_context::<Choices>();
    view! {
        <form class="form upload-paper" method="post" action="/api/jobs" enctype="multipart/form-data" data-testid="upload-form">
            <input type="hidden" name="style" value=move || c.style.get().id()/>
            <input type="hidden" name="length" value=move || c.length.get().to_string()/>
            <input type="hidden" name="pace" value=move || c.pace.get().id()/>
            <input type="hidden" name="review" value=move || if c.review.get() { "on" } else { "off" }/>
            <FileDrop/>
            <p class="form-error" role="alert" data-testid="upload-error"><Suspense>{error}</Suspense></p>
            <button type="submit" class="button button-quiet">"Upload the file"</button>
        </form>
    }
}

/// The file to upload: a zone to drop it on or click to choose it, saying which file and how
/// big once one is chosen. The real `<input type="file">` stays inside (visually hidden, still
/// focusable and labelled), so the form works before the WASM loads and with a keyboard; a
/// dropped file is put into it.
#[component]
fn FileDrop() -> impl IntoView {
    let chosen = RwSignal::new(None::<(String, f64)>);
    let over = RwSignal::new(false);
    let input = NodeRef::<leptos::html::Input>::new();
    #[cfg(feature = "hydrate")]
    let show_chosen = move || {
        let file = input.get_untracked().and_then(|i| i.files()).and_then(|files| files.get(0));
        chosen.set(file.map(|f| (f.name(), f.size())));
    };
    #[cfg(not(feature = "hydrate"))]
    let show_chosen = || ();
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        over.set(false);
        #[cfg(feature = "hydrate")]
        if let (Some(files), Some(input)) = (ev.data_transfer().and_then(|d| d.files()), input.get_untracked()) {
            if files.length() > 0 {
                input.set_files(Some(&files));
                show_chosen();
            }
        }
    };
    view! {
        <div class="field">
            <span class="field-label" id="upload-label">"Or upload a file"</span>
            <label
                class="drop-zone"
                class:drop-zone-over=move || over.get()
                class:drop-zone-chosen=move || chosen.with(Option::is_some)
                data-testid="drop-zone"
                on:dragenter=move |ev| { ev.prevent_default(); over.set(true); }
                on:dragover=move |ev| { ev.prevent_default(); over.set(true); }
                on:dragleave=move |_| over.set(false)
                on:drop=on_drop
            >
                <input id="upload-file" class="drop-zone-input" type="file" name="file" required node_ref=input
                    aria-labelledby="upload-label" aria-describedby="upload-hint upload-chosen"
                    on:change=move |_| show_chosen()
                    accept=".pdf,.docx,.xml,.nxml,.txt,.md,application/pdf,application/vnd.openxmlformats-officedocument.wordprocessingml.document,text/xml,application/xml,text/plain,text/markdown"/>
                <span class="drop-zone-icon" aria-hidden="true">"⇪"</span>
                <span class="drop-zone-text" id="upload-chosen" data-testid="upload-chosen" aria-live="polite">
                    {move || match chosen.get() {
                        Some((name, bytes)) => view! { <strong>{name}</strong> " · " {size_label(bytes)} }.into_any(),
                        None => view! { "Drop a file here, or " <span class="drop-zone-link">"choose one"</span> }.into_any(),
                    }}
                </span>
            </label>
            <p class="field-hint" id="upload-hint">"PDF, Word (.docx), JATS XML, plain text or Markdown, up to 50 MB."</p>
        </div>
    }
}

/// "820 KB", "4.2 MB": a file's size as people read it (1 MB = 1,000,000 bytes, as file
/// managers count).
fn size_label(bytes: f64) -> String {
    match bytes {
        b if b < 1_000.0 => format!("{b:.0} bytes"),
        b if b < 1_000_000.0 => format!("{:.0} KB", b / 1_000.0),
        b => format!("{:.1} MB", b / 1_000_000.0),
    }
}

/// What Hidden Hill makes, shown before anything is asked of a visitor: the sample video the
/// server made from an openly licensed paper (`app::sample`), playing muted and looped beside
/// the headline, with its credit. Nothing at all until the server has made it.
#[component]
fn SampleVideo() -> impl IntoView {
    let sample = Resource::new(|| (), |_| async { sample_video().await.ok().flatten() });
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move { sample.await.map(|credit| view! { <SamplePlayer credit/> }) })}
        </Suspense>
    }
}

#[component]
fn SamplePlayer(credit: SampleCredit) -> impl IntoView {
    let video = NodeRef::<leptos::html::Video>::new();
    // The server renders it still (poster only) and the browser starts it, so that a person who
    // asked for less motion never sees it move, and hydration sees the same element.
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(video) = video.get() {
            play_unless_reduced_motion(&video);
        }
    });
    let published = credit.published_in().map(|p| format!(" ({p})")).unwrap_or_default();
    let label = format!("A sample video Hidden Hill made from the paper “{}”", credit.title);
    view! {
        <figure class="sample-video" data-testid="sample-video">
            <video
                node_ref=video
                data-testid="sample-player"
                muted=true
                loop=true
                playsinline=true
                preload="metadata"
                width="1080"
                height="1920"
                poster=crate::sample::THUMBNAIL_URL
                aria-label=label
            >
                <source src=crate::sample::VIDEO_URL type="video/mp4"/>
                <track kind="captions" src=crate::sample::VTT_URL srclang=credit.language.clone() label="Captions"/>
            </video>
            <figcaption class="sample-credit">
                "Made by Hidden Hill from "
                <a href=credit.link.clone() rel="noopener" target="_blank">"“" {credit.title.clone()} "”"</a>
                {published} ", " {credit.licence.clone()}
            </figcaption>
        </figure>
    }
}

/// Starts the muted loop, unless the person's system asks for reduced motion: then it stays on
/// its poster with controls, to be played by hand.
#[cfg(feature = "hydrate")]
fn play_unless_reduced_motion(video: &web_sys::HtmlVideoElement) {
    let reduced = web_sys::window()
        .and_then(|w| w.match_media("(prefers-reduced-motion: reduce)").ok().flatten())
        .is_some_and(|query| query.matches());
    // Muted as a property too: browsers play a video by themselves only when it is muted.
    video.set_muted(true);
    if reduced {
        video.set_controls(true);
    } else {
        video.set_autoplay(true);
        if let Ok(started) = video.play() {
            // A refusal (a power saver, say) leaves the poster, which is fine; handled, it stays
            // out of the console. The handler is a few bytes, once per page view.
            let handled = wasm_bindgen::closure::Closure::<dyn FnMut(wasm_bindgen::JsValue)>::new(|_| {});
            let _ = started.catch(&handled);
            handled.forget();
        }
    }
}

/// The pipeline as a person sees it: (step name shown in progress, what happens).
const STEPS: &[(&str, &str, &str)] = &[
    (
        "fetch-paper",
        "Read the paper",
        "From a PubMed Central ID, PMID or DOI, or from your PDF, DOCX, JATS XML or text file.",
    ),
    (
        "generate-script",
        "Write the script",
        "A hook, five or so short scenes and a credits card, every line resting on a sentence of the paper.",
    ),
    ("generate-audio", "Record the voice", "A natural voice-over, timed word by word."),
    (
        "generate-videos",
        "Make the visuals",
        "Motion graphics that change every few seconds: the paper's figures, its key numbers, captions on every word.",
    ),
    (
        "add-captions",
        "Add captions",
        "The scenes joined, the sound levelled to −14 LUFS, caption files and a thumbnail, ready for TikTok, Reels and Shorts.",
    ),
];

#[component]
pub fn HomePage() -> impl IntoView {
    let session = expect_context::<Session>();
    provide_context(Choices {
        style: RwSignal::new(VideoStyle::default()),
        length: RwSignal::new(60),
        pace: RwSignal::new(Pace::default()),
        review: RwSignal::new(false),
    });
    let choices = expect_context::<Choices>();
    view! {
        <Title text=""/>
        <section class="hero">
            <p class="eyebrow">"Paper in, video out"</p>
            <h1>"Turn a scientific paper into a 60-second vertical video"</h1>
            <p class="lead">
                "Hidden Hill writes a faithful narration script from the paper, records a voice-over, "
                "builds a visual for every scene and syncs captions to every word. "
                "You watch each step happen live, then play, download and share."
            </p>
            <div class="hero-actions">
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        match session.user.await {
                            Ok(Some(user)) => {
                                choices.review.set(user.review_first);
                                view! {
                                <p class="signed-in-note" data-testid="welcome">
                                    // A new account is welcomed; someone who has made videos here, welcomed back.
                                    {if user.has_jobs { "Welcome back, " } else { "Welcome, " }}
                                    <strong>{user.email}</strong> "."
                                </p>
                                <SubmitPaper/>
                                <UploadPaper/>
                            }.into_any()
                            }
                            _ => view! {
                                <a class="button" href="/register">"Create an account"</a>
                                <a class="button button-quiet" href="/login">"Log in"</a>
                            }.into_any(),
                        }
                    })}
                </Transition>
            </div>
            <SampleVideo/>
        </section>
        <section class="steps" aria-labelledby="how-it-works">
            <h2 id="how-it-works">"How it works"</h2>
            <ol class="step-list">
                {STEPS.iter().enumerate().map(|(i, (id, title, text))| view! {
                    <li class="step-card" data-step=*id>
                        <span class="step-number" aria-hidden="true">{i + 1}</span>
                        <div>
                            <h3>{*title}</h3>
                            <p>{*text}</p>
                        </div>
                    </li>
                }).collect_view()}
            </ol>
        </section>
        <section class="facts" aria-label="What you get">
            <div class="fact"><strong>"1080×1920"</strong><span>"vertical, 30 fps, H.264"</span></div>
            <div class="fact"><strong>"30–90 s"</strong><span>"a hook, the finding, the credits"</span></div>
            <div class="fact"><strong>"Word-synced"</strong><span>"captions, plus VTT and SRT files"</span></div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn file_sizes_read_as_people_count_them() {
        assert_eq!(super::size_label(512.0), "512 bytes");
        assert_eq!(super::size_label(820_400.0), "820 KB");
        assert_eq!(super::size_label(4_230_000.0), "4.2 MB");
    }
}
