//! Live event streams held open per person: each SSE stream takes a slot for as long as it
//! runs, so one person (or one stolen session) cannot hold thousands of connections open.

use crate::error::AppError;
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

/// Open streams by person id, at most `limit` each.
pub struct LiveStreams {
    limit: usize,
    open: Mutex<HashMap<String, usize>>,
}

/// One open stream's slot, given back when dropped (the stream ended or the client went away).
pub struct StreamSlot {
    streams: Arc<LiveStreams>,
    person: String,
}

impl LiveStreams {
    pub fn new(limit: usize) -> Arc<LiveStreams> {
        Arc::new(LiveStreams { limit, open: Mutex::new(HashMap::new()) })
    }

    /// A slot for one more stream of `person`, or `AppError::TooManyStreams` (429) when they
    /// hold `limit` already.
    pub fn open(self: &Arc<Self>, person: &str) -> Result<StreamSlot, AppError> {
        let mut open = self.open.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let count = open.entry(person.to_owned()).or_insert(0);
        if *count >= self.limit {
            return Err(AppError::TooManyStreams { limit: self.limit });
        }
        *count += 1;
        super::metrics::metrics().live_stream(true);
        Ok(StreamSlot { streams: self.clone(), person: person.to_owned() })
    }

    /// Streams `person` holds open now.
    pub fn held_by(&self, person: &str) -> usize {
        self.open.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).get(person).copied().unwrap_or(0)
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        super::metrics::metrics().live_stream(false);
        let mut open = self.streams.open.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(count) = open.get_mut(&self.person) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&self.person);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_per_person_and_come_back_when_dropped() {
        let streams = LiveStreams::new(2);
        let a1 = streams.open("a").unwrap();
        let _a2 = streams.open("a").unwrap();
        assert_eq!(streams.open("a").err(), Some(AppError::TooManyStreams { limit: 2 }));
        let _b = streams.open("b").expect("another person is not affected");
        drop(a1);
        assert_eq!(streams.held_by("a"), 1);
        let _a3 = streams.open("a").expect("a closed stream frees its slot");
    }
}
