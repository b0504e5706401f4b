//! The names of a job's files under `jobs/{job_id}/`: the one place they are spelled. The
//! pipeline writes them, the media routes serve some of them, the status page reads the script.

pub const UPLOAD: &str = "upload";
pub const PAPER: &str = "paper.json";
/// The folder of the paper's figure images (`figures/fig-1.png`, named by the reader); written
/// before `paper.json`, and removed when the read step fails.
pub const FIGURES: &str = "figures";
pub const SCRIPT: &str = "script.json";
/// Every scene's timings; written after the last scene's audio.
pub const TIMINGS: &str = "audio/timings.json";
/// Written after the last scene's clip.
pub const CLIPS: &str = "clips/index.json";
pub const VIDEO: &str = "final.mp4";
/// What the video was made from (a fingerprint of its inputs); written after it.
pub const VIDEO_RECORD: &str = "final.json";
pub const VTT: &str = "captions.vtt";
pub const SRT: &str = "captions.srt";
pub const THUMBNAIL: &str = "thumbnail.jpg";

pub fn scene_audio(index: usize) -> String {
    format!("audio/scene-{:02}.wav", index + 1)
}

pub fn scene_timing(index: usize) -> String {
    format!("audio/scene-{:02}.json", index + 1)
}

pub fn scene_clip(index: usize) -> String {
    format!("clips/scene-{:02}.mp4", index + 1)
}

/// The scene's clip with its voice, for the status page's live preview while later scenes
/// render; the previews go once the final video is made.
pub fn scene_preview(index: usize) -> String {
    format!("previews/scene-{:02}.mp4", index + 1)
}

/// The folder of the live previews.
pub const PREVIEWS: &str = "previews";

/// Who drew the scene and what it cost; written after its clip.
pub fn scene_clip_info(index: usize) -> String {
    format!("clips/scene-{:02}.json", index + 1)
}
