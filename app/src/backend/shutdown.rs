//! The process is stopping: long-lived work (SSE streams, workers) watches this to end in time,
//! since a graceful shutdown would otherwise wait for open streams forever.

use std::sync::Arc;
use tokio::sync::watch;

#[derive(Clone)]
pub struct Shutdown {
    sender: Arc<watch::Sender<bool>>,
}

impl Shutdown {
    pub fn new() -> Self {
        Shutdown { sender: Arc::new(watch::channel(false).0) }
    }

    /// Tells every watcher to finish.
    pub fn trigger(&self) {
        self.sender.send_replace(true);
    }

    /// Completes once `trigger` has been called (at once if it already was).
    pub fn wait(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut receiver = self.sender.subscribe();
        async move {
            let _ = receiver.wait_for(|stopping| *stopping).await;
        }
    }
}

impl Default for Shutdown {
    fn default() -> Self {
        Self::new()
    }
}
