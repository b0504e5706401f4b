//! A real SMTP server for the tests that send mail: Debian's aiosmtpd, writing every message it
//! receives into a maildir the tests read.

use std::{path::PathBuf, process::Child, time::Duration};

/// An SMTP server on a free port, storing what it receives under `maildir/new`; stopped when
/// dropped.
pub struct MailServer {
    child: Child,
    port: u16,
    maildir: tempfile::TempDir,
}

impl MailServer {
    pub async fn start() -> MailServer {
        let maildir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        // Debian's Python, where python3-aiosmtpd is installed (scripts/install-tools --for-tests).
        let child = std::process::Command::new("/usr/bin/python3")
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(maildir.path().join("mail"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("aiosmtpd starts (scripts/install-tools --for-tests installs python3-aiosmtpd)");
        // Owned at once, so that a failure below still stops it (Drop).
        let server = MailServer { child, port, maildir };
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("aiosmtpd did not listen on {port}");
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far, oldest first, as text (quoted-printable bodies decoded).
    pub fn messages(&self) -> Vec<String> {
        let dir: PathBuf = self.maildir.path().join("mail/new");
        let Ok(entries) = std::fs::read_dir(&dir) else { return Vec::new() };
        let mut files: Vec<_> = entries
            .map(|e| {
                let path = e.unwrap().path();
                (std::fs::metadata(&path).and_then(|m| m.modified()).ok(), path)
            })
            .collect();
        files.sort();
        files
            .into_iter()
            .map(|(_, path)| {
                let raw = std::fs::read(path).unwrap();
                let text = quoted_printable::decode(&raw, quoted_printable::ParseMode::Robust).unwrap_or(raw);
                String::from_utf8_lossy(&text).into_owned()
            })
            .collect()
    }

    /// Every message received so far that contains `text` (a subject, an address), oldest first.
    pub fn containing(&self, text: &str) -> Vec<String> {
        self.messages().into_iter().filter(|m| m.contains(text)).collect()
    }

    /// Waits for the `n`th message (from 1) that contains `text`.
    pub async fn nth_containing(&self, text: &str, n: usize) -> String {
        for _ in 0..200 {
            if let Some(m) = self.containing(text).into_iter().nth(n - 1) {
                return m;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no message {n} with {text:?} arrived");
    }

    /// Waits for the `n`th message (from 1).
    pub async fn nth(&self, n: usize) -> String {
        for _ in 0..200 {
            if let Some(m) = self.messages().into_iter().nth(n - 1) {
                return m;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no message {n} arrived");
    }
}

impl Drop for MailServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
