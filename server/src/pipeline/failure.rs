//! How a step fails, as types. Each crate of the pipeline has its own kinds (`paper`:
//! [`ReadErrorKind`], `video`: [`VideoErrorKind`], and the pipeline's own here: storage, scratch
//! folders, artifacts, the database); [`FailureKind`] gathers them, and `From` conversions let
//! steps use `?` on any of them. The kebab-case strings are what the API, the status page and
//! the jobs table show; they never change once shipped.

use app::storage::StoreError;
use paper::{
    failure::{DiskProblem, Kind},
    ReadErrorKind,
};
use video::VideoErrorKind;

paper::failure_kinds! {
    /// Failures of the pipeline's own machinery, not of reading a paper or making a video.
    pub enum PipelineErrorKind {
        /// The object store did not answer; waited out longer than other failures.
        StorageUnavailable = "storage-unavailable", transient;
        /// A file an earlier step wrote is gone.
        MissingArtifact = "missing-artifact", permanent;
        /// A file an earlier step wrote cannot be parsed (or was edited into something invalid).
        DamagedArtifact = "damaged-artifact", permanent;
        /// The uploaded file is no longer stored.
        UploadMissing = "upload-missing", permanent;
        /// The reader crashed on the file.
        UnreadableFile = "unreadable-file", permanent;
        ScratchUnavailable = "scratch-unavailable", transient;
        /// The disk (the store's, or the scratch folder's) is full: not an outage, so not
        /// waited out; the job fails with a message and the operator gets an error line.
        StorageFull = "storage-full", permanent;
        /// The disk is mounted read-only; as for a full one.
        StorageReadOnly = "storage-read-only", permanent;
        /// The database did not answer while the run reported progress.
        Database = "database", transient;
        Internal = "internal", permanent;
    }
}

/// Any failure kind a job can end with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FailureKind {
    Read(ReadErrorKind),
    Video(VideoErrorKind),
    Pipeline(PipelineErrorKind),
}

impl FailureKind {
    /// A paid provider's daily allowance is used up (this server's budget or the provider's own
    /// per-day quota): the job waits for it to renew rather than failing.
    pub fn is_quota(self) -> bool {
        matches!(self, FailureKind::Video(VideoErrorKind::ProviderQuota | VideoErrorKind::GeminiQuota))
    }

    /// The stable kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::Read(k) => k.as_str(),
            FailureKind::Video(k) => k.as_str(),
            FailureKind::Pipeline(k) => k.as_str(),
        }
    }

    /// Every kind of every crate (the one table a reader of the API needs).
    pub fn all() -> impl Iterator<Item = FailureKind> {
        let read = ReadErrorKind::ALL.iter().map(|k| FailureKind::Read(*k));
        let video = VideoErrorKind::ALL.iter().map(|k| FailureKind::Video(*k));
        let pipeline = PipelineErrorKind::ALL.iter().map(|k| FailureKind::Pipeline(*k));
        read.chain(video).chain(pipeline)
    }
}

impl Kind for FailureKind {
    fn as_str(self) -> &'static str {
        FailureKind::as_str(self)
    }

    fn is_transient(self) -> bool {
        match self {
            FailureKind::Read(k) => k.is_transient(),
            FailureKind::Video(k) => k.is_transient(),
            FailureKind::Pipeline(k) => k.is_transient(),
        }
    }
}

impl From<ReadErrorKind> for FailureKind {
    fn from(kind: ReadErrorKind) -> Self {
        FailureKind::Read(kind)
    }
}

impl From<VideoErrorKind> for FailureKind {
    fn from(kind: VideoErrorKind) -> Self {
        FailureKind::Video(kind)
    }
}

impl From<PipelineErrorKind> for FailureKind {
    fn from(kind: PipelineErrorKind) -> Self {
        FailureKind::Pipeline(kind)
    }
}

impl std::fmt::Display for FailureKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for FailureKind {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// One failure of a step, of any crate's kind: the same shape as `paper::ReadError` and
/// `video::VideoError`, which convert into it with `?`.
pub type Failure = paper::failure::Failure<FailureKind>;

/// Why a step stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StepError {
    /// It failed; the runner retries it when `transient`, else fails the job.
    Failed(Failure),
    /// Someone cancelled the job.
    Cancelled,
    /// The run must let go at once: shutdown, or the lease was lost to another claim.
    Interrupted,
}

impl StepError {
    /// A failure of the pipeline's machinery; transient as its kind says.
    pub fn pipeline(kind: PipelineErrorKind, message: impl Into<String>) -> Self {
        StepError::Failed(Failure::new(kind.into(), message))
    }

    /// A full or read-only disk: the person reads what happened and what to do, the operator
    /// gets `detail` (which file, which folder) in an error line.
    pub fn disk(problem: DiskProblem, detail: &str) -> Self {
        tracing::error!(%detail, problem = problem.as_str(), "the disk takes no more writes; jobs fail until it does");
        let kind = match problem {
            DiskProblem::Full => PipelineErrorKind::StorageFull,
            DiskProblem::ReadOnly => PipelineErrorKind::StorageReadOnly,
        };
        StepError::pipeline(kind, problem.message())
    }
}

/// A reading or video failure, with its kind, message, transience and wait kept.
impl<K: Kind + Into<FailureKind>> From<paper::failure::Failure<K>> for StepError {
    fn from(e: paper::failure::Failure<K>) -> Self {
        StepError::Failed(Failure {
            kind: e.kind.into(),
            message: e.message,
            transient: e.transient,
            retry_after_ms: e.retry_after_ms,
        })
    }
}

impl From<StoreError> for StepError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(key) => StepError::pipeline(
                PipelineErrorKind::MissingArtifact,
                format!(
                    "A file this step needs ({}) is missing; retry the job to make it again.",
                    key.rsplit('/').next().unwrap_or("?")
                ),
            ),
            StoreError::BadKey(key) => {
                StepError::pipeline(PipelineErrorKind::Internal, format!("not a valid object key: {key}"))
            }
            StoreError::Unavailable(detail) => {
                tracing::warn!(error = %detail, "object store");
                StepError::pipeline(PipelineErrorKind::StorageUnavailable, "The file store did not answer.")
            }
            StoreError::Full(detail) => StepError::disk(DiskProblem::Full, &detail),
            StoreError::ReadOnly(detail) => StepError::disk(DiskProblem::ReadOnly, &detail),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_string_is_unique_and_kebab_case() {
        let names: Vec<&str> = FailureKind::all().map(FailureKind::as_str).collect();
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        let repeated: Vec<&&str> = names.iter().filter(|n| names.iter().filter(|m| m == n).count() > 1).collect();
        // These mean the same in the video crate and the pipeline.
        let shared = ["internal", "storage-full", "storage-read-only"];
        assert!(repeated.iter().all(|n| shared.contains(*n)), "{repeated:?}");
        assert!(names.iter().all(|n| n.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')), "{names:?}");
    }

    #[test]
    fn conversions_keep_kind_transience_and_wait() {
        let read = paper::ReadError::new(ReadErrorKind::NcbiRateLimited, "slow down").retry_after(1500);
        let StepError::Failed(f) = StepError::from(read) else { panic!() };
        assert_eq!(
            (f.kind, f.transient, f.retry_after_ms),
            (FailureKind::Read(ReadErrorKind::NcbiRateLimited), true, Some(1500))
        );
        // A video failure keeps the transience it was made with, even against its kind's default.
        let video = video::VideoError::permanent(VideoErrorKind::GeminiBadAnswer, "no usable script");
        let StepError::Failed(f) = StepError::from(video) else { panic!() };
        assert!(!f.transient && f.kind == "gemini-bad-answer");
        let StepError::Failed(f) = StepError::from(StoreError::Unavailable("down".into())) else { panic!() };
        assert!(f.transient && f.kind == "storage-unavailable");
        let StepError::Failed(f) = StepError::from(StoreError::NotFound("jobs/x/script.json".into())) else { panic!() };
        assert!(!f.transient && f.message.contains("script.json"));
    }

    #[test]
    fn a_full_or_read_only_disk_is_not_waited_out() {
        let StepError::Failed(f) = StepError::from(StoreError::Full("jobs/x/paper.json: no space".into())) else {
            panic!()
        };
        assert_eq!(f.kind, FailureKind::Pipeline(PipelineErrorKind::StorageFull));
        assert!(!f.transient, "a full disk is not retried like an outage");
        assert!(f.message.contains("disk is full") && !f.message.contains("paper.json"), "{}", f.message);
        let StepError::Failed(f) = StepError::from(StoreError::ReadOnly("x".into())) else { panic!() };
        assert!(!f.transient && f.kind == "storage-read-only" && f.message.contains("read-only"));
        // ffmpeg on a full disk (a video failure) ends with the same kind string.
        let video = video::disk_error(DiskProblem::Full, "ffmpeg: No space left on device");
        let StepError::Failed(f) = StepError::from(video) else { panic!() };
        assert!(!f.transient && f.kind == "storage-full");
    }
}
