//! A full or read-only disk (issue #20, item 8), on a real one: a 2 MB tmpfs as the object
//! store's folder, filled up or remounted read-only. It is its own failure, not an outage: the
//! store says so, an upload is answered 507 with what to do, a job fails at once with the kind
//! `storage-full` (no retries), and `/health` reports it. Mounting needs root; where it is not
//! allowed the tests say why and pass without running.

use crate::common::{follow_until, logged_in, short_paper, upload, upload_ok, Engine, TestApp};
use app::storage::{check_local_disk, Key, ObjectStore, StoreError};
use reqwest::StatusCode;
use serde_json::Value;
use server::pipeline::StepError;
use std::{path::Path, process::Command};

const JOB: &str = "0192f1c2-3b4a-7c5d-8e6f-0123456789ab";

/// A small tmpfs mounted on a temporary folder, unmounted when dropped.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    /// `None` (after saying why) when this process may not mount.
    fn mount(size: &str) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().unwrap();
        let options = format!("size={size}");
        match Command::new("mount").args(["-t", "tmpfs", "-o", &options, "tmpfs"]).arg(dir.path()).output() {
            Ok(out) if out.status.success() => Some(Tmpfs { dir }),
            Ok(out) => {
                eprintln!("skipped: cannot mount a tmpfs here: {}", String::from_utf8_lossy(&out.stderr).trim());
                None
            }
            Err(e) => {
                eprintln!("skipped: cannot run mount: {e}");
                None
            }
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes until the disk says it is full.
    fn fill(&self) {
        use std::io::Write;
        let mut filler = std::fs::File::create(self.path().join("filler")).unwrap();
        let block = vec![0u8; 64 * 1024];
        loop {
            if let Err(e) = filler.write_all(&block) {
                assert_eq!(e.kind(), std::io::ErrorKind::StorageFull, "{e}");
                return;
            }
        }
    }

    fn remount_read_only(&self) {
        let out = Command::new("mount").args(["-o", "remount,ro"]).arg(self.path()).output().unwrap();
        assert!(out.status.success(), "remount: {}", String::from_utf8_lossy(&out.stderr));
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        // Lazily, so a file still open somewhere cannot keep the mount around.
        let _ = Command::new("umount").arg("-l").arg(self.dir.path()).status();
    }
}

async fn health(app: &TestApp) -> Value {
    let response = app.client.get(app.url("/health")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "the database answers, so the app is up");
    response.json().await.unwrap()
}

fn settings(disk: &Tmpfs) -> Vec<(&'static str, String)> {
    vec![("HH_MEDIA_DIR", disk.path().display().to_string()), ("HH_MIN_FREE_DISK_MB", "1".into())]
}

#[tokio::test]
async fn a_full_disk_is_its_own_failure_for_the_store_the_person_the_job_and_health() {
    let Some(disk) = Tmpfs::mount("2m") else { return };
    let vars = settings(&disk);
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let web = TestApp::spawn_with(Engine::Sqlite, &vars).await;
    assert_eq!(health(&web).await["storage"], "ok", "2 MB free is above the 1 MB threshold");
    let owner = logged_in(&web, "full@example.org").await;
    let id = upload_ok(&web, &owner).await;

    disk.fill();

    // The store itself.
    let store = ObjectStore::local(disk.path());
    let key = Key::job(JOB, "paper.json").unwrap();
    let err = store.put_bytes(&key, &[0u8; 64 * 1024]).await.unwrap_err();
    assert!(matches!(err, StoreError::Full(_)), "{err:?}");
    let StepError::Failed(failure) = StepError::from(err) else { panic!() };
    assert_eq!((failure.kind.as_str(), failure.transient), ("storage-full", false));
    assert!(matches!(check_local_disk(disk.path(), 0).await, Err(StoreError::Full(_))), "the probe write fails too");

    // /health.
    let report = health(&web).await;
    assert_eq!((report["status"].as_str(), report["storage"].as_str()), (Some("degraded"), Some("full")), "{report}");

    // A person uploading.
    let response = upload(&web, &owner, "elife.xml", short_paper()).await;
    assert_eq!(response.status(), StatusCode::INSUFFICIENT_STORAGE);
    let body: Value = response.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("disk is full"), "{body}");

    // A job: its first step cannot store the paper it read. Failed at once, not waited out.
    let worker_vars: Vec<(&str, &str)> = vars.iter().copied().chain([("HH_WORKERS", "1")]).collect();
    let worker = TestApp::spawn_sharing_with(&web, &worker_vars).await;
    let events = follow_until(&worker, &owner, &id, 0, |e| e["kind"] == "succeeded" || e["kind"] == "failed").await;
    let last = &events.last().unwrap().1;
    assert_eq!(last["kind"], "failed", "{last}");
    assert!(
        !events.iter().any(|(_, e)| e["message"].as_str().is_some_and(|m| m.contains("Trying again"))),
        "a full disk is not retried like an outage: {events:?}"
    );
    let job: Value = owner.get(web.url(&format!("/api/jobs/{id}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(job["failure"]["kind"], "storage-full", "{job}");
    assert_eq!(
        job["failure"]["message"],
        "The server's disk is full, so your video could not be saved. Nothing is lost: retry once the operator has made room.",
        "{job}"
    );

    // Room again: the disk is healthy once more.
    std::fs::remove_file(disk.path().join("filler")).unwrap();
    assert_eq!(health(&web).await["storage"], "ok");
}

#[tokio::test]
async fn a_read_only_disk_is_its_own_failure_for_the_store_the_person_and_health() {
    let Some(disk) = Tmpfs::mount("2m") else { return };
    let vars = settings(&disk);
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let web = TestApp::spawn_with(Engine::Sqlite, &vars).await;
    let owner = logged_in(&web, "ro@example.org").await;

    disk.remount_read_only();

    let store = ObjectStore::local(disk.path());
    let err = store.put_bytes(&Key::job(JOB, "paper.json").unwrap(), b"{}").await.unwrap_err();
    assert!(matches!(err, StoreError::ReadOnly(_)), "{err:?}");
    let StepError::Failed(failure) = StepError::from(err) else { panic!() };
    assert_eq!((failure.kind.as_str(), failure.transient), ("storage-read-only", false));

    let report = health(&web).await;
    assert_eq!(
        (report["status"].as_str(), report["storage"].as_str()),
        (Some("degraded"), Some("read-only")),
        "{report}"
    );

    let response = upload(&web, &owner, "elife.xml", short_paper()).await;
    assert_eq!(response.status(), StatusCode::INSUFFICIENT_STORAGE);
    let body: Value = response.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("read-only"), "{body}");
}
