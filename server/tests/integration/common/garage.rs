//! A real single-node Garage S3 server for tests and benchmarks, made by `scripts/garage-node`
//! (the same script the browser tests and people use) in a temporary folder on free ports, and
//! killed on drop. It can be stopped and resumed (same data, same ports) to test what happens
//! while S3 is down.

#![allow(dead_code)]

use app::backend::config::S3Settings;
use std::{collections::HashMap, path::PathBuf, time::Duration};

pub const BUCKET: &str = "hidden-hill";
pub const REGION: &str = "garage";

pub struct Garage {
    dir: tempfile::TempDir,
    /// The HH_S3_* settings the script printed.
    env: HashMap<String, String>,
    pub key_id: String,
    pub secret: String,
}

impl Garage {
    pub async fn start() -> Garage {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = script("start", &dir).await;
        let env: HashMap<String, String> =
            out.lines().filter_map(|l| l.split_once('=')).map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
        let garage = Garage {
            key_id: env["HH_S3_ACCESS_KEY_ID"].clone(),
            secret: env["HH_S3_SECRET_ACCESS_KEY"].clone(),
            env,
            dir,
        };
        garage.wait_until_serving().await;
        garage
    }

    /// What the app needs to use this node.
    pub fn settings(&self) -> S3Settings {
        S3Settings {
            bucket: BUCKET.into(),
            endpoint: Some(self.endpoint()),
            region: REGION.into(),
            access_key_id: self.key_id.clone(),
            secret_access_key: self.secret.clone().into(),
            path_style: true,
            presign_ttl: Duration::from_secs(300),
        }
    }

    pub fn endpoint(&self) -> String {
        self.env["HH_S3_ENDPOINT"].clone()
    }

    /// The same settings as environment variables, for `TestApp::spawn_with` or a child process.
    pub fn env(&self) -> Vec<(String, String)> {
        let mut env: Vec<_> = self.env.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        env.sort();
        env
    }

    /// Kills the server, as a crash or a network cut would look to the app.
    pub async fn stop(&mut self) {
        script("stop", &self.dir).await;
    }

    /// Starts the server again on the same data and ports, and waits until it answers S3.
    pub async fn resume(&mut self) {
        script("resume", &self.dir).await;
        self.wait_until_serving().await;
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("garage.log")).unwrap_or_default()
    }

    /// Until a signed request to the bucket succeeds (the layout takes a moment to apply).
    async fn wait_until_serving(&self) {
        let store = app::storage::ObjectStore::s3(&self.settings());
        let mut last = String::new();
        for _ in 0..150 {
            match store.ping().await {
                Ok(_) => return,
                Err(e) => last = e.to_string(),
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("Garage does not answer S3 requests: {last}\n{}", self.log());
    }
}

impl Drop for Garage {
    fn drop(&mut self) {
        let _ = std::process::Command::new(script_path()).arg("stop").arg(self.dir.path()).output();
    }
}

fn script_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/garage-node")
}

async fn script(action: &str, dir: &tempfile::TempDir) -> String {
    let out = tokio::process::Command::new(script_path())
        .arg(action)
        .arg(dir.path())
        .output()
        .await
        .unwrap_or_else(|e| panic!("could not run scripts/garage-node: {e}"));
    assert!(
        out.status.success(),
        "scripts/garage-node {action} failed (is Garage installed? scripts/install-tools --for-tests):\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
