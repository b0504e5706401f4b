//! The sample video on the landing page: one video Hidden Hill made itself from an openly
//! licensed paper, so that a new visitor sees what the product makes before signing up. The
//! server makes it at its first start (`server/src/sample.rs`) and keeps it in the object store
//! under `sample/`; this module names those files and their URLs, carries the credit line, and
//! tells the page whether the sample exists.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The sample's files under `sample/` (`storage::Key::sample`). The credit is written last: while
/// it is missing, the sample is not there yet (or was left half made, and is made again).
pub const VIDEO: &str = "video.mp4";
pub const THUMBNAIL: &str = "thumbnail.jpg";
pub const VTT: &str = "captions.vtt";
pub const CREDIT: &str = "credit.json";

/// Where the page finds them (`server/src/api/media.rs`); public, as the paper is openly licensed.
pub const VIDEO_URL: &str = "/sample/video.mp4";
pub const THUMBNAIL_URL: &str = "/sample/thumbnail.jpg";
pub const VTT_URL: &str = "/sample/captions.vtt";

/// What the sample video was made from, for the credit line under it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SampleCredit {
    /// The paper's title.
    pub title: String,
    /// Its authors in byline order.
    #[serde(default)]
    pub authors: Vec<String>,
    #[serde(default)]
    pub journal: Option<String>,
    #[serde(default)]
    pub year: Option<String>,
    /// The licence's short name ("CC BY 4.0"), which is what allows showing the video.
    pub licence: String,
    #[serde(default)]
    pub licence_url: Option<String>,
    /// The paper's page (its DOI link).
    pub link: String,
    /// The narration's language (ISO 639-1), for the captions track.
    pub language: String,
    /// A fingerprint of what the video was made from (the paper and the options): another one
    /// means the video is out of date and is made again.
    pub made_from: String,
}

impl SampleCredit {
    /// "eLife, 2015", "eLife" or "2015": where and when the paper appeared, as far as known.
    pub fn published_in(&self) -> Option<String> {
        let parts: Vec<&str> = [self.journal.as_deref(), self.year.as_deref()]
            .into_iter()
            .flatten()
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect();
        (!parts.is_empty()).then(|| parts.join(", "))
    }
}

/// The sample video's credit once the server has made it; `None` until then (and while the
/// object store cannot be read: the landing page then simply shows no sample). Public.
#[server(endpoint = "sample", input = server_fn::codec::GetUrl)]
pub async fn sample_video() -> Result<Option<SampleCredit>, AppError> {
    crate::error::answered(async move {
        let state = crate::backend::state::app_state()?;
        Ok(state.sample.find(&state.media).await)
    })
    .await
}

#[cfg(feature = "ssr")]
pub use ssr::{read_credit, KnownSample};

#[cfg(feature = "ssr")]
mod ssr {
    use super::{SampleCredit, CREDIT};
    use crate::storage::{Key, ObjectStore};
    use std::{
        sync::{Arc, RwLock},
        time::Duration,
    };

    /// How long the landing page waits for the store to say whether the sample exists: a store
    /// that does not answer must not hold up the page.
    const LOOK_UP_TIMEOUT: Duration = Duration::from_secs(2);

    /// The sample's credit once this process has seen it, so the landing page reads the store
    /// only until the sample exists. Cheap to clone; clones share it.
    #[derive(Clone, Default)]
    pub struct KnownSample(Arc<RwLock<Option<SampleCredit>>>);

    impl KnownSample {
        /// The credit, from memory or else from the store (then remembered). `None` when the
        /// sample is not made yet or the store does not answer in time (logged).
        pub async fn find(&self, media: &ObjectStore) -> Option<SampleCredit> {
            if let Some(known) = self.get() {
                return Some(known);
            }
            match tokio::time::timeout(LOOK_UP_TIMEOUT, read_credit(media)).await {
                Ok(Ok(found)) => {
                    if let Some(credit) = &found {
                        self.set(credit.clone());
                    }
                    found
                }
                Ok(Err(e)) => {
                    tracing::warn!(error = %e, "could not read the sample video's credit");
                    None
                }
                Err(_) => {
                    tracing::warn!("the object store did not say within 2 s whether the sample video exists");
                    None
                }
            }
        }

        pub fn get(&self) -> Option<SampleCredit> {
            self.0.read().ok().and_then(|known| known.clone())
        }

        pub fn set(&self, credit: SampleCredit) {
            if let Ok(mut known) = self.0.write() {
                *known = Some(credit);
            }
        }
    }

    /// The stored credit, or `None` when there is none. A credit that does not decode counts as
    /// none (it is made again at the next start).
    pub async fn read_credit(media: &ObjectStore) -> Result<Option<SampleCredit>, crate::storage::StoreError> {
        let key = Key::sample(CREDIT)?;
        let bytes = match media.get_bytes(&key).await {
            Ok(bytes) => bytes,
            Err(crate::storage::StoreError::NotFound(_)) => return Ok(None),
            Err(e) => return Err(e),
        };
        match serde_json::from_slice(&bytes) {
            Ok(credit) => Ok(Some(credit)),
            Err(e) => {
                tracing::warn!(error = %e, "the sample video's credit does not decode; it will be made again");
                Ok(None)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn credit(journal: Option<&str>, year: Option<&str>) -> SampleCredit {
        SampleCredit {
            title: "A paper".into(),
            authors: vec![],
            journal: journal.map(Into::into),
            year: year.map(Into::into),
            licence: "CC BY 4.0".into(),
            licence_url: None,
            link: "https://doi.org/10.1/x".into(),
            language: "en".into(),
            made_from: "x".into(),
        }
    }

    #[test]
    fn the_credit_says_where_and_when_as_far_as_known() {
        assert_eq!(credit(Some("eLife"), Some("2015")).published_in().as_deref(), Some("eLife, 2015"));
        assert_eq!(credit(Some("eLife"), None).published_in().as_deref(), Some("eLife"));
        assert_eq!(credit(None, Some("2015")).published_in().as_deref(), Some("2015"));
        assert_eq!(credit(Some(" "), None).published_in(), None);
    }
}
