//! The OpenAI-compatible script writer against the local fake.

use crate::fakes;

use fakes::fixture;
use fakes::openai::{OStep, OpenAiFake, LLM_KEY};
use std::sync::atomic::Ordering;
use std::time::Duration;
use video::online::{OpenAi, OpenAiConfig};
use video::providers::ScriptWriter;
use video::script::{SceneKind, Usage};

const MODEL: &str = "qwen2.5:14b";

fn client(base: &str, key: Option<&str>) -> OpenAi {
    OpenAi::new(OpenAiConfig::new(base, MODEL, key.map(str::to_string)))
}

fn assert_no_key(e: &video::VideoError) {
    assert!(!e.message.contains(LLM_KEY) && !format!("{e:?}").contains(LLM_KEY), "key leaked: {e:?}");
}

#[tokio::test]
async fn json_schema_script_is_checked_credited_and_costed() {
    let (paper, _) = fixture("pone.0046493/paper.json");
    let (fake, base) = OpenAiFake::start(paper.clone(), Some(LLM_KEY)).await;
    let script = client(&base, Some(LLM_KEY)).write_script(&paper).await.unwrap();
    assert_eq!(script.provider, MODEL);
    assert_eq!(script.usage, Some(Usage { prompt_tokens: 1000, completion_tokens: 200 }));
    assert_eq!(script.scenes[0].kind, SceneKind::Title);
    assert_eq!(script.scenes.last().unwrap().kind, SceneKind::Credits);
    assert!(script.scenes.last().unwrap().on_screen_text.contains("Vincent Delorme et al."));
    assert!(video::numbers_not_in_paper(&script, &paper).is_empty());
    assert!(!script.hooks.is_empty() && script.scenes[0].narration == script.hook);
    assert_eq!(script.language, "en");
    let reqs = fake.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].authorization.as_deref(), Some(format!("Bearer {LLM_KEY}").as_str()));
    let rf = &reqs[0].body["response_format"];
    assert_eq!(rf["type"], "json_schema");
    assert_eq!(rf["json_schema"]["strict"], true);
    assert_eq!(rf["json_schema"]["schema"]["additionalProperties"], false);
    assert_eq!(reqs[0].body["model"], MODEL);
    let messages = reqs[0].body["messages"].as_array().unwrap();
    assert_eq!((messages[0]["role"].as_str(), messages[1]["role"].as_str()), (Some("system"), Some("user")));
    assert!(messages[0]["content"].as_str().unwrap().contains("at most 15 plain words"));
    assert!(messages[1]["content"].as_str().unwrap().contains(&paper.abstract_paragraphs[0][..80]));
}

#[tokio::test]
async fn a_server_without_json_schema_gets_json_object() {
    let (paper, _) = fixture("pone.0046493/paper.json");
    let (fake, base) = OpenAiFake::start(paper.clone(), None).await;
    fake.reject_schema.store(true, Ordering::SeqCst);
    let script = client(&base, None).write_script(&paper).await.unwrap();
    assert_eq!(script.provider, MODEL);
    let reqs = fake.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0].body["response_format"]["type"], "json_schema");
    assert_eq!(reqs[1].body["response_format"]["type"], "json_object");
    // A local server without a key: no Authorization header at all.
    assert!(reqs.iter().all(|r| r.authorization.is_none()));
}

#[tokio::test]
async fn fenced_and_chatty_answers_are_parsed() {
    let (paper, _) = fixture("pone.0046493/paper.json");
    let (fake, base) = OpenAiFake::start(paper.clone(), None).await;
    fake.push([OStep::Fenced]);
    let llm = client(&base, None);
    assert_eq!(llm.write_script(&paper).await.unwrap().provider, MODEL);
    fake.push([OStep::Chatty]);
    assert_eq!(llm.write_script(&paper).await.unwrap().provider, MODEL);
    assert_eq!(fake.requests().len(), 2);
}

#[tokio::test]
async fn malformed_json_is_asked_again_then_written_offline() {
    let (paper, _) = fixture("pone.0046493/paper.json");
    let (fake, base) = OpenAiFake::start(paper.clone(), None).await;
    // Once: asked again, and the second answer is used.
    fake.push([OStep::Malformed]);
    let s = client(&base, None).write_script(&paper).await.unwrap();
    assert_eq!(s.provider, MODEL);
    assert_eq!(s.usage, Some(Usage { prompt_tokens: 2000, completion_tokens: 400 }));
    // Twice: a permanent bad answer, and the writer falls back to the offline script.
    fake.push([OStep::Malformed, OStep::Malformed]);
    let e = client(&base, None).write_script(&paper).await.unwrap_err();
    assert_eq!((e.kind.as_str(), e.transient), ("llm-bad-answer", false), "{e:?}");
    fake.push([OStep::Malformed, OStep::Malformed]);
    let writer = ScriptWriter::llm(OpenAiConfig::new(base.clone(), MODEL, None));
    let s = writer.write(&paper).await.unwrap();
    assert_eq!(s.provider, format!("offline-extractive (fallback from {MODEL}: llm-bad-answer)"));
}

#[tokio::test]
async fn rate_limit_carries_retry_after_then_success() {
    let (paper, _) = fixture("pone.0046493/paper.json");
    let (fake, base) = OpenAiFake::start(paper.clone(), Some(LLM_KEY)).await;
    fake.push([OStep::RateLimited(7)]);
    let llm = client(&base, Some(LLM_KEY));
    let e = llm.write_script(&paper).await.unwrap_err();
    assert_no_key(&e);
    assert_eq!((e.kind.as_str(), e.transient, e.retry_after_ms), ("llm-rate-limited", true, Some(7_000)));
    // The writer hands transient errors to the server's retry, it does not fall back.
    fake.push([OStep::RateLimited(7)]);
    let writer = ScriptWriter::Llm(llm.clone());
    assert_eq!(writer.write(&paper).await.unwrap_err().kind, "llm-rate-limited");
    assert_eq!(llm.write_script(&paper).await.unwrap().provider, MODEL);
}

#[tokio::test]
async fn server_errors_and_timeouts_are_transient() {
    let (paper, _) = fixture("pone.0046493/paper.json");
    let (fake, base) = OpenAiFake::start(paper.clone(), Some(LLM_KEY)).await;
    fake.push([OStep::Unavailable503]);
    let e = client(&base, Some(LLM_KEY)).write_script(&paper).await.unwrap_err();
    assert_eq!((e.kind.as_str(), e.transient), ("llm-unavailable", true));
    fake.push([OStep::Slow(Duration::from_secs(3))]);
    let mut config = OpenAiConfig::new(base.clone(), MODEL, Some(LLM_KEY.into()));
    config.timeout = Duration::from_millis(300);
    let e = OpenAi::new(config).write_script(&paper).await.unwrap_err();
    assert_eq!((e.kind.as_str(), e.transient), ("llm-unavailable", true), "{e:?}");
    assert_no_key(&e);
    // A wrong key is permanent and names the setting, never the key.
    let e = client(&base, Some("sk-wrong-key-000000")).write_script(&paper).await.unwrap_err();
    assert_eq!((e.kind.as_str(), e.transient), ("llm-rejected", false));
    assert!(e.message.contains("HH_LLM_API_KEY") && !e.message.contains("sk-wrong-key-000000"), "{}", e.message);
}

#[tokio::test]
async fn an_invented_number_gets_one_repair_round() {
    let (paper, _) = fixture("pone.0046493/paper.json");
    let (fake, base) = OpenAiFake::start(paper.clone(), None).await;
    // Invents once, repaired: the second answer is used and both calls are costed.
    fake.push([OStep::InventedNumber]);
    let s = client(&base, None).write_script(&paper).await.unwrap();
    assert_eq!(s.provider, MODEL);
    assert_eq!(s.usage, Some(Usage { prompt_tokens: 2000, completion_tokens: 400 }));
    let reqs = fake.requests();
    assert_eq!(reqs.len(), 2);
    let repair = reqs[1].body["messages"].as_array().unwrap();
    assert_eq!(repair.len(), 4);
    assert_eq!(repair[2]["role"], "assistant");
    let reasons = repair[3]["content"].as_str().unwrap();
    assert!(reasons.contains("97.31"), "{reasons}");
}

#[tokio::test]
async fn a_model_that_keeps_inventing_is_replaced_by_the_offline_writer() {
    let (paper, _) = fixture("pone.0046493/paper.json");
    let (fake, base) = OpenAiFake::start(paper.clone(), None).await;
    fake.push([OStep::InventedNumber, OStep::InventedNumber]);
    let e = client(&base, None).write_script(&paper).await.unwrap_err();
    assert_eq!((e.kind.as_str(), e.transient), ("unfaithful-script", false));
    assert!(e.message.contains("97.31"), "{}", e.message);
    assert_eq!(fake.requests().len(), 2, "one repair round, no more");
    fake.push([OStep::InventedNumber, OStep::InventedNumber]);
    let writer = ScriptWriter::llm(OpenAiConfig::new(base.clone(), MODEL, None));
    assert_eq!(writer.name(), MODEL);
    let s = writer.write(&paper).await.unwrap();
    assert_eq!(s.provider, format!("offline-extractive (fallback from {MODEL}: unfaithful-script)"));
    assert!(video::numbers_not_in_paper(&s, &paper).is_empty());
    // The two calls of the failed attempt were paid for: the fallback script records them.
    assert_eq!(s.usage, Some(Usage { prompt_tokens: 2000, completion_tokens: 400 }));
}

#[tokio::test]
async fn llm_scripts_take_the_language_and_voice_note_of_the_offline_writer() {
    let (mut paper, _) = fixture("pone.0046493/paper.json");
    let (fake, base) = OpenAiFake::start(paper.clone(), None).await;
    let options = |langs: &[&str]| video::script::ScriptOptions {
        voice_languages: langs.iter().map(|l| l.to_string()).collect(),
        ..Default::default()
    };
    let llm = client(&base, None);
    // English paper, English voice: no note.
    let s = llm.write_script_with(&paper, &options(&["en"])).await.unwrap();
    assert_eq!((s.language.as_str(), s.voice_note.as_deref()), ("en", None));
    assert!(!s.short_title.is_empty() && s.short_title.split_whitespace().count() <= 12, "{}", s.short_title);
    assert_eq!(s.scenes[0].on_screen_text, s.short_title);
    // A paper in a language only the basic voice speaks: the LLM is asked for that language and
    // the script carries the same note the offline writer gives.
    paper.language = Some("pt".into());
    let s = llm.write_script_with(&paper, &options(&["en"])).await.unwrap();
    assert_eq!(s.language, "pt");
    assert_eq!(s.voice_note.as_deref(), Some("basic voice: espeak-ng reads pt"));
    let system = fake.requests().last().unwrap().body["messages"][0]["content"].as_str().unwrap().to_string();
    assert!(system.contains("in Portuguese"), "{system}");
    let offline = video::script::write_offline_with(&paper, &options(&["en"])).unwrap();
    assert_eq!(offline.voice_note, s.voice_note);
}
