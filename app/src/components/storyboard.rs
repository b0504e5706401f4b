//! The studio's storyboard on the status page: one card per scene with its narration, on-screen
//! text and visual plan, and the paper's sentences it rests on. While the job waits for review
//! the cards are editable (words, order, removal, the hook) and "Make the video" lets it go on;
//! afterwards the same cards show, read-only, as the video's source view.
//!
//! The storyboard is read in the browser once the view is up (not by a resource of the page:
//! see "Pages behind a gate" in ARCHITECTURE.md), so the server renders its loading line.

use crate::{
    error::AppError,
    jobs::studio::{BeatLine, FlaggedScene, SceneCard, SceneEdit, SourcePassage, Storyboard, StoryboardEdit},
};
use leptos::prelude::*;

/// One card as the person is editing it.
#[derive(Clone, Debug, PartialEq)]
struct Draft {
    /// Its position in the script as saved.
    from: usize,
    card: SceneCard,
    narration: String,
    on_screen_text: String,
    keep_numbers: bool,
    /// Numbers the server asked to confirm.
    flagged: Vec<String>,
    /// The paper's sentences the scene rests on, when the person took another one.
    source_sentences: Option<Vec<String>>,
}

#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
fn drafts_of(board: &Storyboard) -> Vec<Draft> {
    board
        .scenes
        .iter()
        .enumerate()
        .map(|(from, card)| Draft {
            from,
            card: card.clone(),
            narration: card.narration.clone(),
            on_screen_text: card.on_screen_text.clone(),
            keep_numbers: !card.kept_numbers.is_empty(),
            flagged: Vec::new(),
            source_sentences: None,
        })
        .collect()
}

fn edit_of(drafts: &[Draft]) -> StoryboardEdit {
    StoryboardEdit {
        scenes: drafts
            .iter()
            .map(|d| SceneEdit {
                from: d.from,
                narration: d.narration.clone(),
                on_screen_text: d.on_screen_text.clone(),
                keep_numbers: d.keep_numbers,
                source_sentences: d.source_sentences.clone(),
            })
            .collect(),
    }
}

/// The storyboard of job `id`; `review` while the job waits for it (editable, with "Make the
/// video"), else the read-only source view.
#[component]
pub fn StoryboardView(id: String, review: bool) -> impl IntoView {
    let board = RwSignal::new(None::<Result<Storyboard, AppError>>);
    let drafts = RwSignal::new(Vec::<Draft>::new());
    let dirty = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let message = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let id = StoredValue::new(id);

    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        leptos::task::spawn_local(async move {
            let read = crate::jobs::studio::get_storyboard(id.get_value()).await;
            if let Ok(b) = &read {
                let _ = drafts.try_set(drafts_of(b));
            }
            let _ = board.try_set(Some(read));
        });
    });

    // Saves the drafts; `then_continue` lets the job go on when the save went through.
    let save = move |then_continue: bool| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        message.set(None);
        let edit = edit_of(&drafts.get_untracked());
        let needs_save = dirty.get_untracked();
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            use crate::jobs::studio::{continue_job, save_storyboard};
            let saved = if needs_save {
                match save_storyboard(id.get_value(), edit).await {
                    Ok(result) if result.saved => {
                        let _ = dirty.try_set(false);
                        let _ = drafts.try_set(drafts_of(&result.storyboard));
                        let _ = board.try_set(Some(Ok(result.storyboard)));
                        true
                    }
                    Ok(result) => {
                        mark_flagged(drafts, &result.flagged);
                        let _ = error.try_set(Some(
                            "Some narrations say numbers the paper does not print. Correct them, or tick “Keep it” on their cards."
                                .into(),
                        ));
                        false
                    }
                    Err(e) => {
                        let _ = error.try_set(Some(e.to_string()));
                        false
                    }
                }
            } else {
                true
            };
            if saved && then_continue {
                if let Err(e) = continue_job(id.get_value()).await {
                    let _ = error.try_set(Some(e.to_string()));
                } else {
                    let _ = message.try_set(Some("Making the video from your script…".into()));
                }
            } else if saved {
                let _ = message.try_set(Some("Saved.".into()));
            }
            let _ = busy.try_set(false);
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = (edit, needs_save, then_continue, id);
    };

    // Remakes one scene of the finished video with its draft.
    let remake = move |from: usize| {
        if busy.get_untracked() {
            return;
        }
        let Some(d) = drafts.with_untracked(|all| all.iter().find(|d| d.from == from).cloned()) else { return };
        busy.set(true);
        error.set(None);
        let scene = SceneEdit {
            from,
            narration: d.narration,
            on_screen_text: d.on_screen_text,
            keep_numbers: d.keep_numbers,
            source_sentences: d.source_sentences,
        };
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            match crate::jobs::studio::remake_scene(id.get_value(), from + 1, scene).await {
                Ok(result) if result.saved => {
                    let _ = message.try_set(Some(format!("Remaking scene {}…", from + 1)));
                }
                Ok(result) => {
                    mark_flagged(drafts, &result.flagged);
                    let _ = error.try_set(Some(
                        "This narration says numbers the paper does not print. Correct it, or tick “Keep it”.".into(),
                    ));
                }
                Err(e) => {
                    let _ = error.try_set(Some(e.to_string()));
                }
            }
            let _ = busy.try_set(false);
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = scene;
    };
    // Puts another sentence of the paper in a scene's draft (saved with the next save or remake).
    let another = move |from: usize| {
        error.set(None);
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            match crate::jobs::studio::another_sentence(id.get_value(), from + 1).await {
                Ok(card) => {
                    let _ = drafts.try_update(|all| {
                        if let Some(d) = all.iter_mut().find(|d| d.from == from) {
                            d.narration = card.narration.clone();
                            d.on_screen_text = card.on_screen_text.clone();
                            d.source_sentences = Some(card.source_sentences.clone());
                            d.card.source = card.source.clone();
                            d.card.beats = card.beats.clone();
                            d.card.beats_timed = card.beats_timed;
                            d.card.written_by = card.written_by.clone();
                            d.flagged.clear();
                        }
                    });
                    let _ = dirty.try_set(true);
                }
                Err(e) => {
                    let _ = error.try_set(Some(e.to_string()));
                }
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = from;
    };
    let change = move |from: usize, f: &dyn Fn(&mut Draft)| {
        drafts.update(|all| {
            if let Some(d) = all.iter_mut().find(|d| d.from == from) {
                f(d);
            }
        });
        dirty.set(true);
    };
    let shift = move |from: usize, by: isize| {
        drafts.update(|all| {
            let Some(i) = all.iter().position(|d| d.from == from) else { return };
            let j = i as isize + by;
            // Fixed cards (title, credits) neither move nor are passed over.
            if j < 0 || j as usize >= all.len() || all[j as usize].card.fixed || all[i].card.fixed {
                return;
            }
            all.swap(i, j as usize);
        });
        dirty.set(true);
    };
    let remove = move |from: usize| {
        drafts.update(|all| all.retain(|d| d.from != from || d.card.fixed));
        dirty.set(true);
    };

    view! {
        <section class="storyboard" data-testid="storyboard" aria-label="Storyboard">
            {move || match board.get() {
                None => view! { <p class="muted">"Loading the storyboard…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                Some(Ok(b)) => {
                    let editable = review && b.editable;
                    let hooks = b.hooks.clone();
                    view! {
                        <div class="storyboard-head">
                            <h2>{if editable { "Review the script" } else { "Scenes and their sources" }}</h2>
                            {editable.then(|| view! {
                                <p class="muted">"Each scene rests on sentences of the paper, shown beside it. Change the words, the order, or drop a scene; then make the video."</p>
                            })}
                            <p class="paper-links">
                                {b.paper_links.into_iter().map(|l| view! {
                                    <a href=l.url target="_blank" rel="noopener noreferrer">{format!("Open the paper ({})", l.label)}</a>
                                }).collect_view()}
                            </p>
                        </div>
                        {(editable && hooks.len() > 1).then(|| view! { <HookChoice hooks drafts dirty/> })}
                        <ol class="scene-cards">
                            <For
                                each=move || drafts.get()
                                key=|d| d.from
                                children=move |d| {
                                    let from = d.from;
                                    view! { <SceneCardView from drafts review=editable change shift remove remake another busy/> }
                                }
                            />
                        </ol>
                        {(!editable).then(|| view! {
                            <p class="form-error" role="alert" data-testid="storyboard-error">{move || error.get()}</p>
                            <p class="muted" role="status" data-testid="storyboard-message">{move || message.get()}</p>
                        })}
                        {editable.then(|| view! {
                            <div class="storyboard-actions">
                                <p class="form-error" role="alert" data-testid="storyboard-error">{move || error.get()}</p>
                                <p class="muted" role="status" data-testid="storyboard-message">{move || message.get()}</p>
                                <button type="button" class="button button-quiet" data-testid="save-script"
                                    disabled=move || busy.get() || !dirty.get() on:click=move |_| save(false)>"Save changes"</button>
                                <button type="button" class="button" data-testid="make-video"
                                    disabled=move || busy.get() on:click=move |_| save(true)>"Make the video"</button>
                            </div>
                        })}
                    }
                    .into_any()
                }
            }}
        </section>
    }
}

#[cfg(feature = "hydrate")]
fn mark_flagged(drafts: RwSignal<Vec<Draft>>, flagged: &[FlaggedScene]) {
    let _ = drafts.try_update(|all| {
        for (position, d) in all.iter_mut().enumerate() {
            d.flagged = flagged.iter().find(|f| f.scene == position).map(|f| f.numbers.clone()).unwrap_or_default();
        }
    });
}

#[cfg(not(feature = "hydrate"))]
#[allow(dead_code)]
fn mark_flagged(_: RwSignal<Vec<Draft>>, _: &[FlaggedScene]) {}

/// The writer's hook candidates: choosing one makes it the title scene's narration.
#[component]
fn HookChoice(hooks: Vec<String>, drafts: RwSignal<Vec<Draft>>, dirty: RwSignal<bool>) -> impl IntoView {
    let title_says =
        move || drafts.with(|all| all.first().filter(|d| d.card.kind == "title").map(|d| d.narration.clone()));
    view! {
        <fieldset class="hook-choice" data-testid="hooks">
            <legend>"How it opens"</legend>
            {hooks.into_iter().map(|hook| {
                let chosen = { let hook = hook.clone(); move || title_says().as_deref() == Some(hook.as_str()) };
                let text = hook.clone();
                view! {
                    <label class="hook">
                        <input type="radio" name="hook" prop:checked=chosen on:change=move |_| {
                            drafts.update(|all| if let Some(d) = all.first_mut().filter(|d| d.card.kind == "title") {
                                d.narration = hook.clone();
                            });
                            dirty.set(true);
                        }/>
                        <span>{text}</span>
                    </label>
                }
            }).collect_view()}
        </fieldset>
    }
}

#[component]
fn SceneCardView(
    from: usize,
    drafts: RwSignal<Vec<Draft>>,
    /// The whole storyboard is being reviewed (moves, removal, every card editable).
    review: bool,
    change: impl Fn(usize, &dyn Fn(&mut Draft)) + Copy + Send + Sync + 'static,
    shift: impl Fn(usize, isize) + Copy + Send + Sync + 'static,
    remove: impl Fn(usize) + Copy + Send + Sync + 'static,
    /// Remakes this scene of the finished video with its draft (the "Edit scene" card).
    remake: impl Fn(usize) + Copy + Send + Sync + 'static,
    /// Puts another sentence of the paper in this scene's draft.
    another: impl Fn(usize) + Copy + Send + Sync + 'static,
    busy: RwSignal<bool>,
) -> impl IntoView {
    let draft = move || drafts.with(|all| all.iter().find(|d| d.from == from).cloned());
    let Some(first) = draft() else { return ().into_any() };
    let card = first.card.clone();
    let position = move || drafts.with(|all| all.iter().position(|d| d.from == from).map_or(0, |i| i + 1));
    let flagged = move || draft().map(|d| d.flagged).unwrap_or_default();
    // On a finished video, one card at a time opens for editing.
    let editing = RwSignal::new(false);
    let editable = move || review || editing.get();
    let narration_id = format!("narration-{from}");
    let on_screen_id = format!("on-screen-{from}");
    let shown = StoredValue::new(card.clone());
    let words = move || {
        let (narration_id, on_screen_id) = (narration_id.clone(), on_screen_id.clone());
        if editable() {
            view! {
                <label for=narration_id.clone()>"Narration"</label>
                <textarea id=narration_id data-testid="narration" rows="3"
                    prop:value=move || draft().map(|d| d.narration).unwrap_or_default()
                    on:input=move |ev| { let v = event_target_value(&ev); change(from, &|d| { d.narration = v.clone(); d.flagged.clear(); }) }></textarea>
                <label for=on_screen_id.clone()>"On screen"</label>
                // A textarea: some cards (the credits) hold more than one line.
                <textarea id=on_screen_id data-testid="on-screen" rows="2"
                    prop:value=move || draft().map(|d| d.on_screen_text).unwrap_or_default()
                    on:input=move |ev| { let v = event_target_value(&ev); change(from, &|d| d.on_screen_text = v.clone()) }></textarea>
                <Show when=move || !flagged().is_empty()>
                    <div class="scene-flag" role="alert" data-testid="scene-flag">
                        <p>{move || format!("The paper does not print {}.", flagged().join(", "))}</p>
                        <label class="check">
                            <input type="checkbox" data-testid="keep-numbers"
                                prop:checked=move || draft().is_some_and(|d| d.keep_numbers)
                                on:change=move |ev| { let v = event_target_checked(&ev); change(from, &|d| d.keep_numbers = v) }/>
                            " Keep it: it is my choice"
                        </label>
                    </div>
                </Show>
                {(!shown.with_value(|c| c.fixed)).then(|| view! {
                    <button type="button" class="button button-small button-quiet" data-testid="another-sentence"
                        on:click=move |_| another(from)>"Try another sentence"</button>
                })}
                {move || draft().and_then(|d| d.card.written_by).map(|w| view! {
                    <p class="scene-written-by muted" data-testid="written-by">{written_by(&w)}</p>
                })}
                {(!review).then(|| view! {
                    <div class="scene-remake">
                        <button type="button" class="button button-small" data-testid="remake-scene"
                            disabled=move || busy.get() on:click=move |_| remake(from)>"Remake this scene"</button>
                        <button type="button" class="button button-small button-quiet" on:click=move |_| {
                            let card = shown.get_value();
                            change(from, &|d| { d.narration = card.narration.clone(); d.on_screen_text = card.on_screen_text.clone(); d.flagged.clear(); d.source_sentences = None; d.card = card.clone(); });
                            editing.set(false);
                        }>"Cancel"</button>
                    </div>
                })}
            }
            .into_any()
        } else {
            let card = shown.get_value();
            view! {
                <p class="scene-narration" data-testid="narration">{card.narration.clone()}</p>
                {(!card.on_screen_text.is_empty()).then(|| view! { <p class="scene-on-screen">{format!("On screen: {}", card.on_screen_text.lines().collect::<Vec<_>>().join(" · "))}</p> })}
            }
            .into_any()
        }
    };
    view! {
        <li class=format!("scene-card scene-{}", card.kind) data-testid="scene-card" data-kind=card.kind.clone()>
            <div class="scene-card-head">
                <span class="scene-number">{move || format!("Scene {}", position())}</span>
                <span class="scene-label">{card.label.clone()}</span>
                {(review && !card.fixed).then(|| view! {
                    <span class="scene-moves">
                        <button type="button" class="button button-quiet button-small" aria-label="Move up" on:click=move |_| shift(from, -1)>"↑"</button>
                        <button type="button" class="button button-quiet button-small" aria-label="Move down" on:click=move |_| shift(from, 1)>"↓"</button>
                        <button type="button" class="button button-quiet button-small" data-testid="remove-scene" on:click=move |_| remove(from)>"Remove"</button>
                    </span>
                })}
                {(!review).then(|| view! {
                    <Show when=move || !editing.get()>
                        <button type="button" class="button button-quiet button-small scene-edit" data-testid="edit-scene"
                            on:click=move |_| editing.set(true)>"Edit scene"</button>
                    </Show>
                })}
            </div>
            {words}
            <p class="scene-visual muted">{visual_line(&card)}</p>
            {move || draft().map(|d| view! { <BeatPlan beats=d.card.beats timed=d.card.beats_timed/> })}
            {card.original_narration.clone().map(|o| view! { <p class="scene-original muted">{format!("The writer's words: {o}")}</p> })}
            {(!card.kept_numbers.is_empty()).then(|| view! {
                <p class="scene-kept muted">{format!("Kept by you, not in the paper: {}", card.kept_numbers.join(", "))}</p>
            })}
            {move || view! { <SourceView source=draft().map(|d| d.card.source).unwrap_or_default()/> }}
        </li>
    }
    .into_any()
}

/// "Shows: Figure 2 · key number 8%" and the writer's plan for the picture.
fn visual_line(card: &SceneCard) -> String {
    let mut shows = Vec::new();
    if let Some(n) = &card.key_number {
        shows.push(format!("key number {n}"));
    }
    if let Some(f) = &card.figure_label {
        shows.push(f.clone());
    }
    match (shows.is_empty(), card.visual.trim().is_empty()) {
        (true, true) => String::new(),
        (true, false) => format!("Visual: {}", card.visual.trim()),
        (false, true) => format!("Shows {}", shows.join(" · ")),
        (false, false) => format!("Shows {} · {}", shows.join(" · "), card.visual.trim()),
    }
}

/// Who wrote a "Try another sentence" answer, for its card.
fn written_by(writer: &str) -> String {
    if writer.starts_with("offline") {
        "Another sentence of the paper, chosen by the offline writer.".to_owned()
    } else {
        format!("A new version, written by {writer} from sentences no other scene uses.")
    }
}

/// A scene's beats: what the picture shows, moment by moment, while the narration plays.
#[component]
fn BeatPlan(beats: Vec<BeatLine>, timed: bool) -> impl IntoView {
    let Some(total) = beats.last().map(|b| b.end_ms) else { return ().into_any() };
    let seconds = |ms: u64| format!("{:.1}", ms as f64 / 1000.0);
    let summary = format!(
        "Beat plan · {} {}, {}{} s{}",
        beats.len(),
        if beats.len() == 1 { "beat" } else { "beats" },
        if timed { "" } else { "about " },
        seconds(total),
        if timed { "" } else { " (timed on the recorded voice once it is made)" }
    );
    view! {
        <details class="scene-beats" data-testid="beat-plan">
            <summary>{summary}</summary>
            <ol>
                {beats.into_iter().map(|b| view! {
                    <li data-kind=b.kind>
                        <span class="beat-time">{format!("{}–{} s", seconds(b.start_ms), seconds(b.end_ms))}</span>
                        " "{b.text}
                    </li>
                }).collect_view()}
            </ol>
        </details>
    }
    .into_any()
}

/// The paper's sentences a scene rests on, marked inside their paragraphs.
#[component]
fn SourceView(source: Vec<SourcePassage>) -> impl IntoView {
    if source.is_empty() {
        return view! { <p class="scene-source muted">"Made from the paper's details (title, authors, journal)."</p> }
            .into_any();
    }
    view! {
        <details class="scene-source" data-testid="scene-source">
            <summary>{format!("From the paper{}", source.first().map(|p| if p.section.is_empty() { String::new() } else { format!(" · {}", p.section) }).unwrap_or_default())}</summary>
            {source.into_iter().map(|p| view! {
                <blockquote>
                    {(!p.section.is_empty()).then(|| view! { <cite>{p.section.clone()}</cite> })}
                    <p>{p.parts.into_iter().map(|part| if part.quoted {
                        view! { <mark data-testid="source-sentence">{part.text}</mark> }.into_any()
                    } else {
                        view! { <span>{part.text}</span> }.into_any()
                    }).collect_view()}</p>
                </blockquote>
            }).collect_view()}
        </details>
    }
    .into_any()
}
