//! The studio: a job's script as a storyboard a person reviews and edits before the video is
//! made, each scene beside the sentences of the paper it rests on.
//!
//! Shared with the browser: the storyboard's shapes and the server functions. Server-only
//! (`ssr`): reading `script.json` and `paper.json` from the job's files, applying an edit
//! (order, removals, narrations, on-screen text; the hook is the title scene's narration) with
//! the same no-invented-numbers check the writers pass, and writing the script back. The
//! pipeline's content fingerprints then remake exactly what the edit touched.

use super::Job;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Longest narration a scene may have, in characters (about 90 spoken words).
pub const MAX_NARRATION_CHARS: usize = 600;
/// Longest on-screen text, in characters (the cards hold about ten words).
pub const MAX_ON_SCREEN_CHARS: usize = 120;

/// A job's script as the storyboard shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Storyboard {
    pub job_id: String,
    /// The paper's title as the script has it.
    pub title: String,
    /// Whether it may be edited now (the job waits for its review).
    pub editable: bool,
    /// The hook candidates the writer offered, best first; the title scene's narration is the
    /// one in use.
    pub hooks: Vec<String>,
    pub scenes: Vec<SceneCard>,
    /// Where the original paper is (PMC, DOI), for the source view's link.
    pub paper_links: Vec<PaperLink>,
    /// The narration's language (ISO 639-1).
    pub language: String,
}

/// One scene of the storyboard.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SceneCard {
    /// "title", "point", "number", "quote", "figure" or "credits".
    pub kind: String,
    /// The small heading above its text ("What they found").
    pub label: String,
    pub narration: String,
    pub on_screen_text: String,
    /// The visual plan in words, and what the scene shows beside its words.
    pub visual: String,
    pub key_number: Option<String>,
    pub figure_label: Option<String>,
    /// The paper's sentences it rests on, inside their paragraphs.
    pub source: Vec<SourcePassage>,
    /// Those sentences as the script keeps them (sent back with an edit that took another).
    pub source_sentences: Vec<String>,
    /// The writer's narration, when the person changed it.
    pub original_narration: Option<String>,
    /// Numbers the person chose to keep although the paper does not print them.
    pub kept_numbers: Vec<String>,
    /// The title scene stays first and the credits last; others move and go.
    pub fixed: bool,
    /// What the picture does while the narration plays, moment by moment.
    pub beats: Vec<BeatLine>,
    /// Whether `beats` follow the recorded voice's word timings (else an estimate from the
    /// narration at the script's pace: the voice is not recorded yet, or the words changed).
    pub beats_timed: bool,
    /// For a "Try another sentence" answer: the writer that wrote it ("offline-extractive", a
    /// model id); `None` on a storyboard's cards.
    pub written_by: Option<String>,
}

/// One beat of a scene's plan: a moment of 2–4 s that shows one thing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BeatLine {
    /// From the scene's start, in milliseconds.
    pub start_ms: u64,
    pub end_ms: u64,
    /// "hook", "title", "phrase", "number", "compare", "figure", "quote" or "credits".
    pub kind: String,
    /// What it shows, in words ("Key number: 45%").
    pub text: String,
}

/// A paragraph of the paper with the scene's sentences marked in it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourcePassage {
    /// The section it is in ("Abstract", "Results"); empty when the sentence was not found in
    /// a paragraph (a figure caption, a title).
    pub section: String,
    /// The paragraph in pieces, in order; the scene's own sentences are `quoted`.
    pub parts: Vec<SourcePart>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourcePart {
    pub text: String,
    pub quoted: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaperLink {
    /// "PMC3428319", "doi:10.1371/…".
    pub label: String,
    pub url: String,
}

/// A person's storyboard as they want it: the scenes in their new order, each naming the scene
/// of the saved script it comes from. A scene left out is removed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoryboardEdit {
    pub scenes: Vec<SceneEdit>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SceneEdit {
    /// The scene's position (0-based) in the script as saved (not needed to remake one scene).
    #[serde(default)]
    pub from: usize,
    pub narration: String,
    pub on_screen_text: String,
    /// Keep numbers the paper does not print (the person's explicit choice).
    #[serde(default)]
    pub keep_numbers: bool,
    /// The paper's sentences the scene now rests on, when the person took another sentence
    /// ("Try another sentence"); each must be a sentence of the paper.
    #[serde(default)]
    pub source_sentences: Option<Vec<String>>,
}

/// What saving did: saved, or nothing saved because some narrations say numbers the paper does
/// not print and their scenes did not say "keep it".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoryboardSave {
    pub saved: bool,
    /// Per scene of the edit (by its position in the edit): the numbers to confirm.
    pub flagged: Vec<FlaggedScene>,
    /// The storyboard as it is now stored.
    pub storyboard: Storyboard,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlaggedScene {
    /// Position in the edit (0-based).
    pub scene: usize,
    pub numbers: Vec<String>,
}

/// The job's script as a storyboard, with each scene's source; the caller's job (or an admin).
/// `NotFound` before the script exists.
#[server(endpoint = "jobs/storyboard", input = server_fn::codec::GetUrl)]
pub async fn get_storyboard(id: String) -> Result<Storyboard, AppError> {
    crate::error::answered(async move {
        let (state, user) = crate::accounts::session::caller().await?;
        script::storyboard(&state, &user, &id).await
    })
    .await
}

/// Saves a person's edit of a script waiting for review; see [`StoryboardSave`].
#[server(endpoint = "jobs/storyboard/save", input = server_fn::codec::Json)]
pub async fn save_storyboard(id: String, edit: StoryboardEdit) -> Result<StoryboardSave, AppError> {
    crate::error::answered(async move {
        let (state, user) = crate::accounts::session::caller().await?;
        script::save(&state, &user, &id, &edit).await
    })
    .await
}

/// Remakes scene `scene` (numbered from 1) of a finished video with the person's words: only
/// that scene's voice and clip and the final assembly are made again, the current video kept as
/// a version (playable until the new one is ready). See [`StoryboardSave`] for numbers the
/// paper does not print.
#[server(endpoint = "jobs/scenes/remake", input = server_fn::codec::Json)]
pub async fn remake_scene(id: String, scene: usize, edit: SceneEdit) -> Result<StoryboardSave, AppError> {
    crate::error::answered(async move {
        let (state, user) = crate::accounts::session::caller().await?;
        script::remake(&state, &user, &id, scene, &edit).await
    })
    .await
}

/// Another sentence of the paper for scene `scene` (numbered from 1), as a card to put in place
/// of the draft: nothing is saved until the person saves or remakes. `Conflict` when the paper
/// has no other sentence for it (and for the title and credits scenes).
#[server(endpoint = "jobs/scenes/another", input = server_fn::codec::GetUrl)]
pub async fn another_sentence(id: String, scene: usize) -> Result<SceneCard, AppError> {
    crate::error::answered(async move {
        let (state, user) = crate::accounts::session::caller().await?;
        script::another(&state, &user, &id, scene).await
    })
    .await
}

/// Lets a job whose script was reviewed go on to the voice and the scenes.
#[server(endpoint = "jobs/continue")]
pub async fn continue_job(id: String) -> Result<Job, AppError> {
    crate::error::answered(async move {
        let (state, user) = crate::accounts::session::caller().await?;
        super::store::continue_after_review(&state, &user, &id).await
    })
    .await
}

/// Cuts `paragraph` into pieces with each of `sentences` found in it marked; `None` when none
/// is in it. Matching ignores differences in white space.
pub fn mark_sentences(paragraph: &str, sentences: &[&str]) -> Option<Vec<SourcePart>> {
    // Both sides with runs of white space as one space, so a reader's line breaks do not matter.
    let flat = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let text = flat(paragraph);
    let mut spans: Vec<(usize, usize)> = sentences
        .iter()
        .map(|s| flat(s))
        .filter(|s| !s.is_empty())
        .filter_map(|s| text.find(&s).map(|start| (start, start + s.len())))
        .collect();
    if spans.is_empty() {
        return None;
    }
    spans.sort_unstable();
    let mut parts = Vec::new();
    let mut at = 0;
    for (start, end) in spans {
        let start = start.max(at);
        if end <= start {
            continue;
        }
        if start > at {
            parts.push(SourcePart { text: text[at..start].to_owned(), quoted: false });
        }
        parts.push(SourcePart { text: text[start..end].to_owned(), quoted: true });
        at = end;
    }
    if at < text.len() {
        parts.push(SourcePart { text: text[at..].to_owned(), quoted: false });
    }
    Some(parts)
}

#[cfg(feature = "ssr")]
pub mod script {
    //! Reading, checking and writing the script behind a storyboard.

    use super::*;
    use crate::{
        accounts::User,
        backend::state::AppState,
        jobs::{artifact, store, JobStatus},
        storage::{Key, StoreError},
    };
    use paper::Paper;
    use video::script::{numbers_missing_from, paper_numbers, PersonEdit, SceneKind, Script};

    async fn read_json<T: serde::de::DeserializeOwned>(
        state: &AppState,
        job_id: &str,
        name: &str,
    ) -> Result<Option<T>, AppError> {
        let key = Key::job(job_id, name).map_err(|_| AppError::Internal)?;
        match state.media.get_bytes(&key).await {
            Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
                tracing::error!(job = job_id, name, error = %e, "an artifact does not parse");
                AppError::Internal
            }),
            Err(StoreError::NotFound(_)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// The job's script and paper; `NotFound` ("Script") before the script exists.
    async fn script_and_paper(state: &AppState, job_id: &str) -> Result<(Script, Paper), AppError> {
        let script: Script =
            read_json(state, job_id, artifact::SCRIPT).await?.ok_or_else(|| AppError::NotFound("Script".into()))?;
        let paper: Paper = read_json(state, job_id, artifact::PAPER).await?.ok_or(AppError::Internal)?;
        Ok((script, paper))
    }

    /// The caller's job's storyboard.
    pub async fn storyboard(state: &AppState, user: &User, id: &str) -> Result<Storyboard, AppError> {
        let job = store::get_for(&state.db, user, id).await?;
        let (script, paper) = script_and_paper(state, &job.id).await?;
        let voiced = read_json::<Voiced>(state, &job.id, artifact::TIMINGS).await.ok().flatten().unwrap_or_default();
        Ok(board(&job.id, job.status == JobStatus::Review, &script, &paper, &voiced.scenes))
    }

    /// `audio/timings.json` as far as the storyboard needs it: each scene's recorded words.
    #[derive(Default, serde::Deserialize)]
    struct Voiced {
        scenes: Vec<video::SceneAudio>,
    }

    /// Checks and saves the caller's edit of a script waiting for review. Refused (`Conflict`)
    /// unless the job waits for review; `Invalid` for an edit that does not fit the script.
    pub async fn save(
        state: &AppState,
        user: &User,
        id: &str,
        edit: &StoryboardEdit,
    ) -> Result<StoryboardSave, AppError> {
        let job = store::get_for(&state.db, user, id).await?;
        if job.status != JobStatus::Review {
            return Err(AppError::Conflict(
                "The script can be edited while the job waits for your review, not now.".into(),
            ));
        }
        let (script, paper) = script_and_paper(state, &job.id).await?;
        let (edited, flagged) = apply(&script, &paper, edit)?;
        if !flagged.is_empty() {
            return Ok(StoryboardSave {
                saved: false,
                flagged,
                storyboard: board(&job.id, true, &script, &paper, &[]),
            });
        }
        let key = Key::job(&job.id, artifact::SCRIPT).map_err(|_| AppError::Internal)?;
        let bytes = serde_json::to_vec_pretty(&edited).map_err(|_| AppError::Internal)?;
        state.media.put_bytes(&key, &bytes).await?;
        // The review's clock starts again; a job that left review meanwhile keeps its status.
        store::touch_review(&state.db, &job.id).await?;
        Ok(StoryboardSave { saved: true, flagged, storyboard: board(&job.id, true, &edited, &paper, &[]) })
    }

    /// Remakes scene `number` (from 1) of a finished video with `scene`'s words: the current
    /// video is kept as a version, the script saved, the job queued again (its run redoes that
    /// scene's voice and clip and the final). `Conflict` unless the video is made; `Invalid`
    /// when the scene is unchanged.
    pub async fn remake(
        state: &AppState,
        user: &User,
        id: &str,
        number: usize,
        scene: &SceneEdit,
    ) -> Result<StoryboardSave, AppError> {
        let job = store::get_for(&state.db, user, id).await?;
        if job.status != JobStatus::Succeeded {
            return Err(AppError::Conflict("A scene can be remade once the video is made.".into()));
        }
        let (script, paper) = script_and_paper(state, &job.id).await?;
        let i = number.checked_sub(1).filter(|i| *i < script.scenes.len()).ok_or(AppError::NotFound("Scene".into()))?;
        let mut edit = StoryboardEdit {
            scenes: script
                .scenes
                .iter()
                .enumerate()
                .map(|(from, s)| SceneEdit {
                    from,
                    narration: s.narration.clone(),
                    on_screen_text: s.on_screen_text.clone(),
                    keep_numbers: s.edit.as_ref().is_some_and(|e| !e.kept_numbers.is_empty()),
                    source_sentences: None,
                })
                .collect(),
        };
        edit.scenes[i] = SceneEdit { from: i, ..scene.clone() };
        let (edited, flagged) = apply(&script, &paper, &edit)?;
        if !flagged.is_empty() {
            return Ok(StoryboardSave {
                saved: false,
                flagged,
                storyboard: board(&job.id, false, &script, &paper, &[]),
            });
        }
        let (before, after) = (&script.scenes[i], &edited.scenes[i]);
        if before.narration == after.narration && before.on_screen_text == after.on_screen_text {
            return Err(AppError::invalid(
                "scenes",
                format!("Scene {number} is as it was. Change its words to remake it."),
            ));
        }
        crate::jobs::versions::store::keep_current(state, &job, &format!("Scene {number} remade")).await?;
        let key = Key::job(&job.id, artifact::SCRIPT).map_err(|_| AppError::Internal)?;
        let bytes = serde_json::to_vec_pretty(&edited).map_err(|_| AppError::Internal)?;
        state.media.put_bytes(&key, &bytes).await?;
        store::requeue_for_remake(state, user, &job.id, &format!("Remaking scene {number}")).await?;
        Ok(StoryboardSave { saved: true, flagged, storyboard: board(&job.id, false, &edited, &paper, &[]) })
    }

    /// Another sentence for scene `number` (from 1) of the caller's job, as a card.
    pub async fn another(state: &AppState, user: &User, id: &str, number: usize) -> Result<SceneCard, AppError> {
        let job = store::get_for(&state.db, user, id).await?;
        let (script, paper) = script_and_paper(state, &job.id).await?;
        let i = number.checked_sub(1).filter(|i| *i < script.scenes.len()).ok_or(AppError::NotFound("Scene".into()))?;
        let other = state
            .writer
            .another_scene(&paper, &script, i)
            .await
            .ok_or_else(|| AppError::Conflict("The paper has no other sentence for this scene.".into()))?;
        // Its beats as they would be in this script, at this place.
        let mut with_it = script.clone();
        with_it.scenes[i] = other.scene;
        let mut card = card(&with_it, i, &paper, false, None);
        card.written_by = Some(other.writer);
        Ok(card)
    }

    /// The script with `edit` applied, and the scenes whose new narration says numbers the paper
    /// does not print without "keep it". The title scene stays first and the credits scene
    /// last; every other scene may move or go, but one must stay.
    pub fn apply(
        script: &Script,
        paper: &Paper,
        edit: &StoryboardEdit,
    ) -> Result<(Script, Vec<FlaggedScene>), AppError> {
        let n = script.scenes.len();
        let invalid = |message: String| AppError::invalid("scenes", message);
        let mut seen = vec![false; n];
        for e in &edit.scenes {
            if e.from >= n || std::mem::replace(&mut seen[e.from], true) {
                return Err(invalid(
                    "The storyboard is out of date (a scene is missing or twice). Reload the page.".into(),
                ));
            }
        }
        let fixed_first = script.scenes.first().is_some_and(|s| s.kind == SceneKind::Title).then_some(0);
        let fixed_last = script.scenes.last().is_some_and(|s| s.kind == SceneKind::Credits).then_some(n - 1);
        let froms: Vec<usize> = edit.scenes.iter().map(|e| e.from).collect();
        if let Some(first) = fixed_first {
            if froms.first() != Some(&first) {
                return Err(invalid("The title scene stays first.".into()));
            }
        }
        if let Some(last) = fixed_last {
            if froms.last() != Some(&last) {
                return Err(invalid("The credits scene stays last.".into()));
            }
        }
        if froms.iter().all(|f| Some(*f) == fixed_first || Some(*f) == fixed_last) {
            return Err(invalid("Keep at least one scene besides the title and the credits.".into()));
        }
        let allowed = paper_numbers(paper);
        let mut flagged = Vec::new();
        let mut scenes = Vec::with_capacity(edit.scenes.len());
        let flat = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        for (position, e) in edit.scenes.iter().enumerate() {
            let original = &script.scenes[e.from];
            let number = position + 1;
            let mut scene = original.clone();
            // Unchanged words stay byte for byte, so their voice and clip are not made again;
            // only what the person changed is held to the limits.
            let narration = flat(&e.narration);
            if narration != flat(&original.narration) {
                if narration.is_empty() {
                    return Err(invalid(format!(
                        "Scene {number} has no narration. Write what the voice says, or remove the scene."
                    )));
                }
                if narration.chars().count() > MAX_NARRATION_CHARS {
                    return Err(invalid(format!(
                        "Scene {number}'s narration is longer than {MAX_NARRATION_CHARS} characters. Shorten it: a scene is a few seconds."
                    )));
                }
                scene.narration = narration;
            }
            let on_screen = e.on_screen_text.trim();
            if on_screen != original.on_screen_text.trim() {
                if on_screen.chars().count() > MAX_ON_SCREEN_CHARS {
                    return Err(invalid(format!(
                        "Scene {number}'s on-screen text is longer than {MAX_ON_SCREEN_CHARS} characters. Keep it to about ten words."
                    )));
                }
                scene.on_screen_text = on_screen.to_owned();
            }
            if let Some(sentences) = e.source_sentences.as_ref().filter(|s| **s != original.source_sentences) {
                let passages = passages(paper, sentences);
                if sentences.is_empty() || passages.iter().any(|p| p.section.is_empty()) {
                    return Err(invalid(format!("Scene {number} must rest on sentences of the paper.")));
                }
                scene.source_sentences = sentences.clone();
                // A big number is one the narration says.
                if scene.key_number.as_deref().is_some_and(|k| !scene.narration.contains(k)) {
                    scene.key_number = video::script::key_number(&scene.narration);
                    if scene.key_number.is_none() && scene.kind == SceneKind::Number {
                        scene.kind = SceneKind::Point;
                    }
                }
            }
            let writer_said = original.edit.as_ref().map_or(&original.narration, |p| &p.original_narration);
            scene.edit = if flat(&scene.narration) != flat(writer_said) {
                let missing = numbers_missing_from(&scene.narration, &allowed);
                if !missing.is_empty() && !e.keep_numbers {
                    flagged.push(FlaggedScene { scene: position, numbers: missing.clone() });
                }
                Some(PersonEdit { original_narration: writer_said.clone(), kept_numbers: missing })
            } else {
                None
            };
            scenes.push(scene);
        }
        let mut edited = script.clone();
        edited.scenes = scenes;
        if let Some(title) = edited.scenes.first().filter(|s| s.kind == SceneKind::Title) {
            edited.hook = title.narration.clone();
        }
        Ok((edited, flagged))
    }

    /// The storyboard of `script`, each scene's sentences found in `paper`'s paragraphs and its
    /// beats planned on `voiced` (the recorded words per scene, empty before the voice) where
    /// they are the scene's words, else on an estimate.
    pub fn board(
        job_id: &str,
        editable: bool,
        script: &Script,
        paper: &Paper,
        voiced: &[video::SceneAudio],
    ) -> Storyboard {
        let n = script.scenes.len();
        let scenes = script
            .scenes
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let fixed = (i == 0 && s.kind == SceneKind::Title) || (i + 1 == n && s.kind == SceneKind::Credits);
                card(script, i, paper, fixed, voiced.get(i))
            })
            .collect();
        Storyboard {
            job_id: job_id.to_owned(),
            title: script.title.clone(),
            editable,
            hooks: script.hooks.clone(),
            scenes,
            paper_links: links(paper),
            language: script.language.clone(),
        }
    }

    /// Scene `i` of `script` as a card, its sentences found in `paper`, its beats planned on
    /// `voiced` when those are its words.
    fn card(script: &Script, i: usize, paper: &Paper, fixed: bool, voiced: Option<&video::SceneAudio>) -> SceneCard {
        let s = &script.scenes[i];
        let recorded = voiced.filter(|a| a.words.iter().map(|w| w.text.as_str()).eq(s.narration.split_whitespace()));
        let estimate;
        let audio = match recorded {
            Some(a) => a,
            None => {
                estimate = video::beats::estimated_audio(&s.narration, script.pace);
                &estimate
            }
        };
        let beats = video::beats::plan(script, i, audio, s.figure.as_deref())
            .into_iter()
            .map(|b| BeatLine {
                start_ms: b.start_ms,
                end_ms: b.end_ms,
                kind: b.kind.name().to_owned(),
                text: video::beats::describe(&b.kind),
            })
            .collect();
        SceneCard {
            kind: format!("{:?}", s.kind).to_lowercase(),
            label: s.label.clone(),
            narration: s.narration.clone(),
            on_screen_text: s.on_screen_text.clone(),
            visual: s.visual.clone(),
            key_number: s.key_number.clone(),
            figure_label: s.figure_label.clone(),
            source: passages(paper, &s.source_sentences),
            source_sentences: s.source_sentences.clone(),
            original_narration: s.edit.as_ref().map(|e| e.original_narration.clone()),
            kept_numbers: s.edit.as_ref().map(|e| e.kept_numbers.clone()).unwrap_or_default(),
            fixed,
            beats,
            beats_timed: recorded.is_some(),
            written_by: None,
        }
    }

    /// The paragraphs (abstract, sections, figure captions) holding `sentences`, in the paper's
    /// order, each sentence marked; a sentence found nowhere is shown alone.
    fn passages(paper: &Paper, sentences: &[String]) -> Vec<SourcePassage> {
        let wanted: Vec<&str> = sentences.iter().map(String::as_str).collect();
        let paragraphs = paper
            .abstract_paragraphs
            .iter()
            .map(|p| ("Abstract", p.as_str()))
            .chain(
                paper.sections.iter().flat_map(|s| s.paragraphs.iter().map(move |p| (s.heading.as_str(), p.as_str()))),
            )
            .chain(paper.figures.iter().map(|f| (f.label.as_deref().unwrap_or("Figure"), f.caption.as_str())));
        let mut found = Vec::new();
        let mut placed = vec![false; wanted.len()];
        for (section, paragraph) in paragraphs {
            let here: Vec<&str> = wanted.iter().enumerate().filter(|(i, _)| !placed[*i]).map(|(_, s)| *s).collect();
            if here.is_empty() {
                break;
            }
            if let Some(parts) = mark_sentences(paragraph, &here) {
                for (i, s) in wanted.iter().enumerate() {
                    if parts.iter().any(|p| p.quoted && p.text == s.split_whitespace().collect::<Vec<_>>().join(" ")) {
                        placed[i] = true;
                    }
                }
                found.push(SourcePassage { section: section.to_owned(), parts: trim_context(parts) });
            }
        }
        for (i, s) in wanted.iter().enumerate() {
            if !placed[i] && !s.trim().is_empty() {
                found.push(SourcePassage {
                    section: String::new(),
                    parts: vec![SourcePart { text: s.trim().to_owned(), quoted: true }],
                });
            }
        }
        found
    }

    /// At most about 300 characters of the paragraph around its marked sentences, cut at a word.
    fn trim_context(mut parts: Vec<SourcePart>) -> Vec<SourcePart> {
        const CONTEXT: usize = 300;
        if let Some(first) = parts.first_mut().filter(|p| !p.quoted) {
            if first.text.chars().count() > CONTEXT {
                let cut: String =
                    first.text.chars().rev().take(CONTEXT).collect::<Vec<_>>().into_iter().rev().collect();
                first.text = format!("… {}", cut.split_once(' ').map_or(cut.as_str(), |(_, rest)| rest));
            }
        }
        if let Some(last) = parts.last_mut().filter(|p| !p.quoted) {
            if last.text.chars().count() > CONTEXT {
                let cut: String = last.text.chars().take(CONTEXT).collect();
                last.text = format!("{} …", cut.rsplit_once(' ').map_or(cut.as_str(), |(kept, _)| kept));
            }
        }
        parts
    }

    /// PMC and DOI links to the original, made only from identifiers of the expected shape.
    fn links(paper: &Paper) -> Vec<PaperLink> {
        let mut links = Vec::new();
        if let Some(pmcid) = paper.pmcid.as_deref().map(str::trim) {
            let digits = pmcid.trim_start_matches("PMC");
            if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) {
                links.push(PaperLink {
                    label: format!("PMC{digits}"),
                    url: format!("https://pmc.ncbi.nlm.nih.gov/articles/PMC{digits}/"),
                });
            }
        }
        if let Some(doi) = paper.doi.as_deref().map(str::trim).filter(|d| d.starts_with("10.") && d.contains('/')) {
            const KEEP: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
                .remove(b'-')
                .remove(b'.')
                .remove(b'_')
                .remove(b'/')
                .remove(b'(')
                .remove(b')')
                .remove(b':');
            let path = percent_encoding::utf8_percent_encode(doi, KEEP);
            links.push(PaperLink { label: format!("doi:{doi}"), url: format!("https://doi.org/{path}") });
        }
        links
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_are_marked_inside_their_paragraph_whatever_the_line_breaks() {
        let paragraph = "Mice ran more.  Their hearts\ngrew stronger. Nothing else changed.";
        let parts = mark_sentences(paragraph, &["Their hearts grew stronger.", "Not there."]).unwrap();
        let quoted: Vec<&str> = parts.iter().filter(|p| p.quoted).map(|p| p.text.as_str()).collect();
        assert_eq!(quoted, ["Their hearts grew stronger."]);
        let whole: String = parts.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(whole, "Mice ran more. Their hearts grew stronger. Nothing else changed.");
        assert!(mark_sentences(paragraph, &["Absent."]).is_none());
    }
}

#[cfg(all(test, feature = "ssr"))]
mod script_tests {
    use super::{script::apply, SceneEdit, StoryboardEdit};

    fn paper_and_script() -> (paper::Paper, video::script::Script) {
        paper_and_script_of("elife_poa_abstract-only_e06828.xml")
    }

    fn paper_and_script_of(fixture: &str) -> (paper::Paper, video::script::Script) {
        let path = format!("{}/../server/paper/tests/fixtures/jats/{fixture}", env!("CARGO_MANIFEST_DIR"));
        let paper = paper::read(&std::fs::read(path).unwrap()).unwrap().paper;
        let script = video::script::write_offline(&paper).unwrap();
        (paper, script)
    }

    fn as_shown(script: &video::script::Script) -> StoryboardEdit {
        StoryboardEdit {
            scenes: script
                .scenes
                .iter()
                .enumerate()
                // As a browser sends them back: line breaks of a one-line field gone, spaces trimmed.
                .map(|(from, s)| SceneEdit {
                    from,
                    narration: format!(" {} ", s.narration),
                    on_screen_text: s.on_screen_text.clone(),
                    keep_numbers: false,
                    source_sentences: None,
                })
                .collect(),
        }
    }

    #[test]
    fn another_sentence_is_a_sentence_of_the_paper_no_scene_uses_and_it_saves() {
        // A whole paper (an abstract alone has no sentence to spare).
        let (paper, script) = paper_and_script_of("europepmc_nonascii-authors_PMC6385181.xml");
        let i = script.scenes.iter().position(|s| s.kind != video::script::SceneKind::Title).unwrap();
        let other = video::script::another_scene(&paper, &script, i).expect("the paper has more to say");
        let used: Vec<&String> = script.scenes.iter().flat_map(|s| &s.source_sentences).collect();
        assert!(other.source_sentences.iter().all(|s| !used.contains(&s)), "{:?}", other.source_sentences);
        assert!(video::script::another_scene(&paper, &script, 0).is_none(), "the title scene has none");
        let mut edit = as_shown(&script);
        edit.scenes[i].narration = other.narration.clone();
        edit.scenes[i].source_sentences = Some(other.source_sentences.clone());
        let (edited, flagged) = apply(&script, &paper, &edit).unwrap();
        assert!(flagged.is_empty());
        assert_eq!(edited.scenes[i].source_sentences, other.source_sentences);
        // A sentence that is not the paper's is refused.
        edit.scenes[i].source_sentences = Some(vec!["Mice can fly.".into()]);
        assert!(apply(&script, &paper, &edit).is_err());
    }

    #[test]
    fn an_edit_that_changes_nothing_keeps_every_scene_as_the_writer_made_it() {
        let (paper, script) = paper_and_script();
        let (edited, flagged) = apply(&script, &paper, &as_shown(&script)).unwrap();
        assert!(flagged.is_empty());
        for (a, b) in script.scenes.iter().zip(&edited.scenes) {
            assert_eq!((&a.narration, &a.on_screen_text, &b.edit), (&b.narration, &b.on_screen_text, &None));
        }
    }

    #[test]
    fn an_edited_narration_is_the_persons_and_its_new_numbers_need_their_word() {
        let (paper, script) = paper_and_script();
        let mut edit = as_shown(&script);
        edit.scenes[1].narration = "Nine of 4817 mice ran.".into();
        let (_, flagged) = apply(&script, &paper, &edit).unwrap();
        assert_eq!((flagged.len(), flagged[0].scene, flagged[0].numbers.clone()), (1, 1, vec!["4817".to_owned()]));
        edit.scenes[1].keep_numbers = true;
        let (edited, flagged) = apply(&script, &paper, &edit).unwrap();
        assert!(flagged.is_empty());
        let mine = edited.scenes[1].edit.clone().unwrap();
        assert_eq!(
            (mine.original_narration, mine.kept_numbers),
            (script.scenes[1].narration.clone(), vec!["4817".to_owned()])
        );
        assert!(video::script::numbers_not_in_paper(&edited, &paper).is_empty(), "kept numbers are the person's");
        // Back to the writer's words: the scene is the writer's again.
        edit.scenes[1].narration = script.scenes[1].narration.clone();
        assert_eq!(apply(&script, &paper, &edit).unwrap().0.scenes[1].edit, None);
        // A new hook is the title scene's narration.
        edit.scenes[0].narration = "A new way in.".into();
        assert_eq!(apply(&script, &paper, &edit).unwrap().0.hook, "A new way in.");
    }
}
