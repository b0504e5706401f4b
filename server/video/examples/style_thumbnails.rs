//! Draws the submit form's style thumbnails: one still per visual style, as a video made in that
//! style would look (the hook over the style's background).
//!
//! `cargo run -p video --example style_thumbnails -- public/styles` writes `dark.jpg`,
//! `paper.jpg` and `bold.jpg` (1080×1920, scaled to 180×320 for the page).

use video::script::{Credits, Scene, SceneKind, Script};
use video::Style;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let out = std::path::PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "public/styles".into()));
    std::fs::create_dir_all(&out).expect("the output folder can be made");
    for style in Style::ALL {
        let script = Script {
            title: "Screening and the stage of ten cancers".into(),
            short_title: "Screening and the stage of ten cancers".into(),
            hook: "Screening cut late-stage cancers by a third.".into(),
            scenes: vec![Scene {
                kind: SceneKind::Title,
                narration: "Screening cut late-stage cancers by a third.".into(),
                on_screen_text: "Screening and cancer stage".into(),
                visual: String::new(),
                figure: None,
                figure_label: None,
                key_number: None,
                source_sentences: vec![],
                label: "New research".into(),
                edit: None,
            }],
            credits: Credits::default(),
            post_caption: String::new(),
            hashtags: vec![],
            provider: "example".into(),
            hooks: vec![],
            language: "en".into(),
            voice_note: None,
            usage: None,
            style,
            pace: Default::default(),
        };
        let full = out.join(format!(".{}-full.jpg", style.id()));
        video::assemble::thumbnail(&script, &style.look(), &full).await.expect("the thumbnail renders");
        let small = out.join(format!("{}.jpg", style.id()));
        let status = std::process::Command::new("ffmpeg")
            .args(["-v", "error", "-y", "-i"])
            .arg(&full)
            .args(["-vf", "scale=180:320:flags=lanczos", "-q:v", "4"])
            .arg(&small)
            .status()
            .expect("ffmpeg runs");
        assert!(status.success());
        let _ = std::fs::remove_file(&full);
        println!("{}", small.display());
    }
}
