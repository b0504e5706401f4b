//! The object store: where every job's files live, under `jobs/{job_id}/…`, and the landing
//! page's sample video under `sample/…`. One interface for the whole application with two back
//! ends: the local filesystem (the embedded default, under `./data/media`, in `local.rs`) and S3
//! through aws-sdk-s3 (`s3.rs`). Keys are built only by [`Key::job`], from a job id the database
//! generated and a name the code chose, and by [`Key::sample`], from a name the code chose, so
//! no user-supplied string ever becomes a key or a path.

mod local;
mod s3;

use crate::backend::config::{Config, S3Settings};
use bytes::Bytes;
use futures::{stream::BoxStream, StreamExt, TryStreamExt};
use std::{
    io,
    path::{Path, PathBuf},
    sync::Arc,
};
use tokio::io::AsyncWriteExt;

/// A checked object key.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Key(String);

impl Key {
    /// `jobs/{job_id}/{name}`; `name` may have `/`-separated parts of `[A-Za-z0-9._-]`.
    pub fn job(job_id: &str, name: &str) -> Result<Key, StoreError> {
        if is_job_id(job_id) && is_name(name) {
            Ok(Key(format!("jobs/{job_id}/{name}")))
        } else {
            Err(StoreError::BadKey(format!("jobs/{job_id}/{name}")))
        }
    }

    /// `sample/{name}`: a file of the landing page's sample video (names in [`crate::sample`]);
    /// `name` as in [`Key::job`].
    pub fn sample(name: &str) -> Result<Key, StoreError> {
        if is_name(name) {
            Ok(Key(format!("{SAMPLE_PREFIX}{name}")))
        } else {
            Err(StoreError::BadKey(format!("{SAMPLE_PREFIX}{name}")))
        }
    }

    /// `jobs/{job_id}/{folder}/`: the prefix of the objects in one folder of a job (its
    /// figures, say), for listing and deleting them together; `folder` as a name of [`Key::job`].
    pub fn job_folder(job_id: &str, folder: &str) -> Result<Key, StoreError> {
        Key::job(job_id, folder).map(|key| Key(format!("{}/", key.0)))
    }

    /// The prefix holding all of a job's objects, for listing and deleting.
    pub fn job_prefix(job_id: &str) -> Result<Key, StoreError> {
        if is_job_id(job_id) {
            Ok(Key(format!("jobs/{job_id}/")))
        } else {
            Err(StoreError::BadKey(format!("jobs/{job_id}/")))
        }
    }

    /// The prefix holding the sample video's files, for listing them.
    pub fn sample_prefix() -> Key {
        Key(SAMPLE_PREFIX.to_owned())
    }

    /// Parses a key stored in the database or listed by the store, re-checking it.
    pub fn parse(key: &str) -> Result<Key, StoreError> {
        if let Some(name) = key.strip_prefix(SAMPLE_PREFIX) {
            return Key::sample(name);
        }
        let rest = key.strip_prefix("jobs/").ok_or_else(|| StoreError::BadKey(key.into()))?;
        let (job_id, name) = rest.split_once('/').ok_or_else(|| StoreError::BadKey(key.into()))?;
        Key::job(job_id, name)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

const SAMPLE_PREFIX: &str = "sample/";

/// A name inside a job's folder or the sample's: `/`-separated parts of `[A-Za-z0-9._-]`, none
/// empty or hidden (so never `..`).
fn is_name(name: &str) -> bool {
    !name.is_empty()
        && name.split('/').all(|part| {
            !part.is_empty()
                && !part.starts_with('.')
                && part.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        })
}

/// A job id as the database makes them (a UUID): hex digits and dashes only.
fn is_job_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no object at {0}")]
    NotFound(String),
    #[error("not a valid object key: {0}")]
    BadKey(String),
    /// The store could not be reached or failed; worth trying again.
    #[error("the object store failed: {0}")]
    Unavailable(String),
    /// The disk (or bucket) is full: no write succeeds until an operator makes room, so this is
    /// not retried like an outage.
    #[error("the disk is full: {0}")]
    Full(String),
    /// The disk is mounted read-only: no write succeeds until an operator fixes it.
    #[error("the disk is read-only: {0}")]
    ReadOnly(String),
}

impl StoreError {
    fn io(key: &Key, e: io::Error) -> StoreError {
        if e.kind() == io::ErrorKind::NotFound {
            StoreError::NotFound(key.0.clone())
        } else {
            StoreError::local(key.as_str(), e)
        }
    }

    /// A local file operation on `what` (a key or a path) that failed: a full or read-only disk
    /// is its own error, anything else `Unavailable`.
    pub fn local(what: &str, e: io::Error) -> StoreError {
        match e.kind() {
            io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded => StoreError::Full(format!("{what}: {e}")),
            io::ErrorKind::ReadOnlyFilesystem => StoreError::ReadOnly(format!("{what}: {e}")),
            _ => StoreError::Unavailable(format!("{what}: {e}")),
        }
    }

    /// Whether this is a disk that takes no more writes (full or read-only).
    pub fn is_disk_problem(&self) -> bool {
        matches!(self, StoreError::Full(_) | StoreError::ReadOnly(_))
    }
}

/// Whether the local folder `dir` (or, while it does not exist yet, the nearest folder above
/// it) can take writes: `Full` when less than `min_free` bytes are free to unprivileged
/// writers (statvfs `f_bavail`), `ReadOnly` when it is mounted read-only, and either when a
/// probe write of a few bytes fails that way. Other failures are `Unavailable`.
pub async fn check_local_disk(dir: &Path, min_free: u64) -> Result<(), StoreError> {
    let dir = dir.to_owned();
    tokio::task::spawn_blocking(move || check_local_disk_now(&dir, min_free))
        .await
        .unwrap_or_else(|e| Err(StoreError::Unavailable(format!("disk check: {e}"))))
}

fn check_local_disk_now(dir: &Path, min_free: u64) -> Result<(), StoreError> {
    let existing = dir.ancestors().find(|d| d.is_dir()).unwrap_or(dir);
    let what = existing.display().to_string();
    let stats = rustix::fs::statvfs(existing).map_err(|e| StoreError::local(&what, e.into()))?;
    if stats.f_flag.contains(rustix::fs::StatVfsMountFlags::RDONLY) {
        return Err(StoreError::ReadOnly(format!("{what} is on a read-only file system")));
    }
    let free = stats.f_bavail.saturating_mul(stats.f_frsize);
    if free < min_free {
        return Err(StoreError::Full(format!("{what}: {free} bytes free, fewer than the {min_free} required")));
    }
    // The numbers can say yes while writes fail (quotas, a full inode table): try one.
    let probe = existing.join(format!(".disk-probe{}", partial_suffix()));
    let written = std::fs::write(&probe, b"probe");
    let _ = std::fs::remove_file(&probe);
    written.map_err(|e| StoreError::local(&what, e))
}

/// Size and a validator of a stored object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectMeta {
    pub size: u64,
    /// Changes whenever the object is rewritten (for ETag).
    pub version: String,
}

/// A byte range, both ends inclusive, as in an HTTP `Content-Range`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ByteRange {
    pub first: u64,
    pub last: u64,
}

impl ByteRange {
    pub fn len(&self) -> u64 {
        self.last - self.first + 1
    }

    pub fn is_empty(&self) -> bool {
        false
    }
}

pub type ByteStream = BoxStream<'static, io::Result<Bytes>>;

/// Where jobs' files live. Cheap to clone; every clone uses the same back end.
#[derive(Clone)]
pub struct ObjectStore {
    backend: Arc<Backend>,
}

enum Backend {
    Local(local::LocalStore),
    S3(s3::S3Store),
}

impl ObjectStore {
    /// The back end the configuration names: S3 when `HH_S3_BUCKET` is set, else files.
    pub fn from_config(config: &Config) -> ObjectStore {
        match &config.s3 {
            Some(settings) => ObjectStore::s3(settings),
            None => ObjectStore::local(&config.media_dir),
        }
    }

    /// Objects as files under `root` (created when missing).
    pub fn local(root: impl Into<PathBuf>) -> ObjectStore {
        ObjectStore { backend: Arc::new(Backend::Local(local::LocalStore { root: root.into(), one_job: None })) }
    }

    /// The files of the one job `job_id` directly under `folder` (`folder/paper.json`, …), for
    /// `hidden-hill render --work-dir`: a person can read and edit them there. Fails with
    /// `BadKey` when `job_id` is not a job id.
    pub fn work_folder(folder: impl Into<PathBuf>, job_id: &str) -> Result<ObjectStore, StoreError> {
        Key::job_prefix(job_id)?;
        let store = local::LocalStore { root: folder.into(), one_job: Some(job_id.to_owned()) };
        Ok(ObjectStore { backend: Arc::new(Backend::Local(store)) })
    }

    /// Objects in an S3 bucket. Nothing is contacted until the first call.
    pub fn s3(settings: &S3Settings) -> ObjectStore {
        ObjectStore { backend: Arc::new(Backend::S3(s3::S3Store::new(settings))) }
    }

    /// An S3 store that switches to multipart upload at `part_size` bytes (at least 5 MiB),
    /// so tests can exercise multipart upload without huge files.
    pub fn s3_with_part_size(settings: &S3Settings, part_size: usize) -> ObjectStore {
        ObjectStore { backend: Arc::new(Backend::S3(s3::S3Store::new(settings).with_part_size(part_size))) }
    }

    /// For logs: which back end, and where.
    pub fn describe(&self) -> String {
        match &*self.backend {
            Backend::Local(store) => format!("files under {}", store.root.display()),
            Backend::S3(store) => format!("S3 bucket {}", store.bucket()),
        }
    }

    /// Ok when the store answers (a listing of an empty prefix), for the health check.
    pub async fn ping(&self) -> Result<(), StoreError> {
        let nobody = Key::job_prefix("00000000-0000-0000-0000-000000000000")?;
        self.list(&nobody).await.map(drop)
    }

    /// Whether the store can take writes, for the health check: on files, [`check_local_disk`]
    /// of its folder with `min_free` bytes; a bucket reports a full disk only when written to.
    pub async fn check_writable(&self, min_free: u64) -> Result<(), StoreError> {
        match &*self.backend {
            Backend::Local(store) => check_local_disk(&store.root, min_free).await,
            Backend::S3(_) => Ok(()),
        }
    }

    /// Stores the file at `source` under `key`, atomically: readers see the old object or the
    /// whole new one, never half of it.
    pub async fn put_file(&self, key: &Key, source: &Path) -> Result<(), StoreError> {
        match &*self.backend {
            Backend::Local(store) => store.put_file(key, source).await,
            Backend::S3(store) => {
                let file = tokio::fs::File::open(source).await.map_err(|e| StoreError::local(key.as_str(), e))?;
                store.put_stream(key, tokio_util::io::ReaderStream::with_capacity(file, 256 * 1024).boxed()).await
            }
        }
    }

    pub async fn put_bytes(&self, key: &Key, bytes: &[u8]) -> Result<(), StoreError> {
        match &*self.backend {
            Backend::Local(store) => store.put_bytes(key, bytes).await,
            Backend::S3(store) => {
                let bytes = Bytes::copy_from_slice(bytes);
                store.put_stream(key, futures::stream::once(async move { Ok(bytes) }).boxed()).await
            }
        }
    }

    /// Stores what `body` yields, atomically as `put_file` does; an error from `body` stores
    /// nothing.
    pub async fn put_stream(&self, key: &Key, body: ByteStream) -> Result<(), StoreError> {
        match &*self.backend {
            Backend::Local(store) => store.put_stream(key, body).await,
            Backend::S3(store) => store.put_stream(key, body).await,
        }
    }

    /// Copies the object at `from` to `to`, streamed through this process; atomic at `to` as
    /// `put_stream` is. `NotFound` when `from` does not exist.
    pub async fn copy(&self, from: &Key, to: &Key) -> Result<(), StoreError> {
        let body = self.get_stream(from, None).await?;
        self.put_stream(to, body).await
    }

    pub async fn get_bytes(&self, key: &Key) -> Result<Vec<u8>, StoreError> {
        match &*self.backend {
            Backend::Local(store) => store.get_bytes(key).await,
            Backend::S3(_) => {
                let chunks: Vec<Bytes> = self
                    .get_stream(key, None)
                    .await?
                    .try_collect()
                    .await
                    .map_err(|e| StoreError::Unavailable(format!("{key}: {e}")))?;
                Ok(chunks.concat())
            }
        }
    }

    /// Copies the object to a local file (for tools such as ffmpeg that need a path).
    pub async fn get_to_file(&self, key: &Key, target: &Path) -> Result<(), StoreError> {
        let local_error = |e: io::Error| StoreError::local(&target.display().to_string(), e);
        if let Some(dir) = target.parent() {
            tokio::fs::create_dir_all(dir).await.map_err(local_error)?;
        }
        match &*self.backend {
            Backend::Local(store) => store.get_to_file(key, target).await,
            Backend::S3(_) => {
                let mut body = self.get_stream(key, None).await?;
                let mut file = tokio::fs::File::create(target).await.map_err(local_error)?;
                while let Some(chunk) = body.next().await {
                    let chunk = chunk.map_err(|e| StoreError::Unavailable(format!("{key}: {e}")))?;
                    file.write_all(&chunk).await.map_err(local_error)?;
                }
                file.flush().await.map_err(local_error)
            }
        }
    }

    /// The object's size and version, or None when it does not exist.
    pub async fn head(&self, key: &Key) -> Result<Option<ObjectMeta>, StoreError> {
        match &*self.backend {
            Backend::Local(store) => store.head(key).await,
            Backend::S3(store) => store.head(key).await,
        }
    }

    pub async fn exists(&self, key: &Key) -> Result<bool, StoreError> {
        Ok(self.head(key).await?.is_some())
    }

    /// The object's bytes, all of them or `range`, as a stream (never loaded whole into memory).
    /// A range that starts past the end is `NotFound`.
    pub async fn get_stream(&self, key: &Key, range: Option<ByteRange>) -> Result<ByteStream, StoreError> {
        match self.read(key, range.map(RangeSpec::from)).await? {
            Read::Bytes { body, .. } => Ok(body),
            Read::Unsatisfiable { .. } => {
                Err(StoreError::NotFound(format!("{key} from byte {}", range.map_or(0, |r| r.first))))
            }
        }
    }

    /// The object's size and version together with its bytes, all of them or the `range` a
    /// client asked for, in one request to the store (an S3 `GetObject` whose answer carries
    /// the size in `Content-Range`). `NotFound` when there is no object.
    pub async fn read(&self, key: &Key, range: Option<RangeSpec>) -> Result<Read, StoreError> {
        match &*self.backend {
            Backend::Local(store) => store.read(key, range).await,
            Backend::S3(store) => store.read(key, range).await,
        }
    }

    /// Keys under `prefix`, sorted.
    pub async fn list(&self, prefix: &Key) -> Result<Vec<Key>, StoreError> {
        let mut keys = match &*self.backend {
            Backend::Local(store) => store.list(prefix).await?,
            Backend::S3(store) => store.list(prefix).await?,
        };
        keys.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(keys)
    }

    /// Removes every object under `prefix`; Ok when there was nothing to remove.
    pub async fn delete_prefix(&self, prefix: &Key) -> Result<(), StoreError> {
        match &*self.backend {
            Backend::Local(store) => store.delete_prefix(prefix).await,
            Backend::S3(store) => store.delete_prefix(prefix).await,
        }
    }

    /// Job ids that have objects, sorted, for finding orphans.
    pub async fn job_ids(&self) -> Result<Vec<String>, StoreError> {
        let mut ids = match &*self.backend {
            Backend::Local(store) => store.job_folders().await?,
            Backend::S3(store) => store.job_folders().await?,
        };
        ids.retain(|id| is_job_id(id));
        ids.sort();
        Ok(ids)
    }

    /// A short-lived URL that fetches the object directly from the store, with `content_type`
    /// and, for a download, `attachment` as its `Content-Disposition` (made by
    /// [`crate::url::content_disposition`]). `None` for the filesystem back end,
    /// whose files only the app itself can serve.
    pub async fn presigned_get(
        &self,
        key: &Key,
        content_type: &str,
        attachment: Option<&str>,
    ) -> Result<Option<String>, StoreError> {
        match &*self.backend {
            Backend::Local(_) => Ok(None),
            Backend::S3(store) => store.presigned_get(key, content_type, attachment).await.map(Some),
        }
    }
}

/// A unique suffix for a file being written before its atomic rename.
fn partial_suffix() -> String {
    let mut bytes = [0u8; 6];
    let _ = getrandom::fill(&mut bytes);
    let suffix: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(".partial-{suffix}")
}

/// One byte range as a client asked for it (an HTTP `Range` header), before the object's size
/// is known: the store resolves it as it reads, so a ranged read is one request to the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RangeSpec {
    /// `bytes=first-` or `bytes=first-last` (`last` may lie past the end: it is clamped).
    From { first: u64, last: Option<u64> },
    /// `bytes=-n`: the last `n` bytes.
    Suffix(u64),
}

impl RangeSpec {
    /// Parses an HTTP `Range` header. `Ok(None)`: serve it whole (no header, another unit, or
    /// several ranges, which RFC 9110 lets a server answer whole); `Err(())`: malformed, which
    /// is answered as unsatisfiable (416).
    #[allow(clippy::result_unit_err)]
    pub fn parse(header: Option<&str>) -> Result<Option<RangeSpec>, ()> {
        // The unit is case-insensitive (RFC 9110 §14.1); any other unit is ignored.
        let Some(spec) = header
            .map(str::trim)
            .and_then(|h| h.get(..6).filter(|unit| unit.eq_ignore_ascii_case("bytes=")).map(|_| &h[6..]))
        else {
            return Ok(None);
        };
        if spec.contains(',') {
            return Ok(None);
        }
        // A position past what u64 holds is still past the end: it is clamped, not refused.
        let number = |digits: &str| -> Result<u64, ()> {
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(());
            }
            Ok(digits.parse().unwrap_or(u64::MAX))
        };
        let (first, last) = spec.split_once('-').ok_or(())?;
        let (first, last) = (first.trim(), last.trim());
        let range = if first.is_empty() {
            RangeSpec::Suffix(number(last)?)
        } else {
            let first = number(first)?;
            let last = if last.is_empty() { None } else { Some(number(last)?) };
            if last.is_some_and(|last| last < first) {
                return Err(());
            }
            RangeSpec::From { first, last }
        };
        Ok(Some(range))
    }

    /// The bytes of an object of `size` bytes this asks for; `Err(())` when none of them
    /// exist (416).
    #[allow(clippy::result_unit_err)]
    pub fn resolve(self, size: u64) -> Result<ByteRange, ()> {
        match self {
            RangeSpec::Suffix(n) if n == 0 || size == 0 => Err(()),
            RangeSpec::Suffix(n) => Ok(ByteRange { first: size.saturating_sub(n), last: size - 1 }),
            RangeSpec::From { first, .. } if first >= size => Err(()),
            RangeSpec::From { first, last } => {
                Ok(ByteRange { first, last: last.map_or(size - 1, |l| l.min(size - 1)) })
            }
        }
    }

    /// As an HTTP `Range` header value, for the S3 request.
    fn header(self) -> String {
        match self {
            RangeSpec::Suffix(n) => format!("bytes=-{n}"),
            RangeSpec::From { first, last: Some(last) } => format!("bytes={first}-{last}"),
            RangeSpec::From { first, last: None } => format!("bytes={first}-"),
        }
    }
}

impl From<ByteRange> for RangeSpec {
    fn from(range: ByteRange) -> RangeSpec {
        RangeSpec::From { first: range.first, last: Some(range.last) }
    }
}

/// What [`ObjectStore::read`] found.
pub enum Read {
    /// The object's size and version, the bytes served (`None`: all of them) and the bytes.
    Bytes { meta: ObjectMeta, range: Option<ByteRange>, body: ByteStream },
    /// The object (its size and version) exists, but none of the range asked for does (416
    /// with `bytes */size`).
    Unsatisfiable { meta: ObjectMeta },
}

#[cfg(test)]
mod tests {
    use super::*;

    const JOB: &str = "0192f1c2-3b4a-7c5d-8e6f-0123456789ab";

    #[test]
    fn keys_accept_only_job_ids_and_plain_names() {
        assert_eq!(Key::job(JOB, "final.mp4").unwrap().as_str(), format!("jobs/{JOB}/final.mp4"));
        assert_eq!(Key::job(JOB, "audio/scene-01.wav").unwrap().as_str(), format!("jobs/{JOB}/audio/scene-01.wav"));
        for bad in ["../etc/passwd", "a/../b", ".hidden", "a//b", "x y", "", "a\\b", "é.mp4"] {
            assert!(Key::job(JOB, bad).is_err(), "{bad:?} must be refused");
        }
        assert!(Key::job("../../x", "final.mp4").is_err());
        assert!(Key::job("", "final.mp4").is_err());
        assert_eq!(Key::job_prefix(JOB).unwrap().as_str(), format!("jobs/{JOB}/"));
        assert_eq!(Key::job_folder(JOB, "figures").unwrap().as_str(), format!("jobs/{JOB}/figures/"));
        assert!(Key::job_folder(JOB, "../x").is_err() && Key::job_folder(JOB, "").is_err());
        assert!(Key::parse(&format!("jobs/{JOB}/paper.json")).is_ok());
        assert!(Key::parse("uploads/x").is_err());
    }

    #[test]
    fn sample_keys_have_their_own_prefix_and_the_same_name_rules() {
        assert_eq!(Key::sample("video.mp4").unwrap().as_str(), "sample/video.mp4");
        assert_eq!(Key::sample_prefix().as_str(), "sample/");
        for bad in ["../jobs/x", "", ".hidden", "a//b", "x y"] {
            assert!(Key::sample(bad).is_err(), "{bad:?} must be refused");
        }
        assert_eq!(Key::parse("sample/credit.json").unwrap(), Key::sample("credit.json").unwrap());
        assert!(Key::parse("sample/../jobs").is_err() && Key::parse("sample/").is_err());
    }

    /// A `Range` header against an object of `size` bytes, as the store answers it: `Ok(None)`
    /// whole, `Err(())` unsatisfiable (416).
    fn parse_range(header: Option<&str>, size: u64) -> Result<Option<ByteRange>, ()> {
        RangeSpec::parse(header)?.map(|spec| spec.resolve(size)).transpose()
    }

    #[test]
    fn ranges_follow_rfc_9110() {
        assert_eq!(parse_range(None, 100), Ok(None));
        assert_eq!(parse_range(Some("bytes=0-"), 100), Ok(Some(ByteRange { first: 0, last: 99 })));
        assert_eq!(parse_range(Some("bytes=10-19"), 100), Ok(Some(ByteRange { first: 10, last: 19 })));
        assert_eq!(parse_range(Some("bytes=90-500"), 100), Ok(Some(ByteRange { first: 90, last: 99 })));
        assert_eq!(parse_range(Some("bytes=-10"), 100), Ok(Some(ByteRange { first: 90, last: 99 })));
        assert_eq!(parse_range(Some("bytes=-500"), 100), Ok(Some(ByteRange { first: 0, last: 99 })));
        assert_eq!(parse_range(Some("bytes=0-1,5-6"), 100), Ok(None));
        assert_eq!(parse_range(Some("bytes=100-"), 100), Err(()));
        assert_eq!(parse_range(Some("bytes=20-10"), 100), Err(()));
        assert_eq!(parse_range(Some("bytes=abc"), 100), Err(()));
        assert_eq!(parse_range(Some("BYTES=10-19"), 100), Ok(Some(ByteRange { first: 10, last: 19 })));
        assert_eq!(parse_range(Some("Bytes=90-"), 100), Ok(Some(ByteRange { first: 90, last: 99 })));
        let far = Some("bytes=10-99999999999999999999999");
        assert_eq!(parse_range(far, 100), Ok(Some(ByteRange { first: 10, last: 99 })), "an end past u64 is clamped");
        assert_eq!(
            parse_range(Some("bytes=-99999999999999999999999"), 100),
            Ok(Some(ByteRange { first: 0, last: 99 }))
        );
        assert_eq!(parse_range(Some("bytes=+1-5"), 100), Err(()));
        assert_eq!(parse_range(Some("items=0-5"), 100), Ok(None));
        assert_eq!(parse_range(Some("items=0-1"), 100), Ok(None));
    }

    #[tokio::test]
    async fn local_store_round_trips_and_deletes_by_prefix() {
        let dir = tempfile_dir();
        let store = ObjectStore::local(&dir);
        let key = Key::job(JOB, "clips/scene-01.mp4").unwrap();
        assert_eq!(store.head(&key).await.unwrap(), None);
        store.put_bytes(&key, b"0123456789").await.unwrap();
        assert_eq!(store.head(&key).await.unwrap().unwrap().size, 10);
        assert_eq!(store.get_bytes(&key).await.unwrap(), b"0123456789");
        let part: Vec<Bytes> =
            store.get_stream(&key, Some(ByteRange { first: 2, last: 4 })).await.unwrap().try_collect().await.unwrap();
        assert_eq!(part.concat(), b"234");
        let other = Key::job(JOB, "final.mp4").unwrap();
        store.put_bytes(&other, b"x").await.unwrap();
        let prefix = Key::job_prefix(JOB).unwrap();
        assert_eq!(store.list(&prefix).await.unwrap(), vec![key.clone(), other.clone()]);
        assert_eq!(store.job_ids().await.unwrap(), vec![JOB.to_owned()]);
        store.delete_prefix(&prefix).await.unwrap();
        assert!(store.list(&prefix).await.unwrap().is_empty());
        assert!(matches!(store.get_bytes(&key).await, Err(StoreError::NotFound(_))));
        store.delete_prefix(&prefix).await.unwrap();
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn full_and_read_only_disks_are_their_own_errors() {
        let full = StoreError::local("jobs/x/final.mp4", io::Error::from(io::ErrorKind::StorageFull));
        assert!(matches!(full, StoreError::Full(_)) && full.is_disk_problem(), "{full:?}");
        let quota = StoreError::local("x", io::Error::from_raw_os_error(122));
        assert!(matches!(quota, StoreError::Full(_)), "EDQUOT: {quota:?}");
        let read_only = StoreError::local("x", io::Error::from_raw_os_error(30));
        assert!(matches!(read_only, StoreError::ReadOnly(_)), "{read_only:?}");
        let other = StoreError::local("x", io::Error::from(io::ErrorKind::PermissionDenied));
        assert!(matches!(other, StoreError::Unavailable(_)) && !other.is_disk_problem());
        let key = Key::job(JOB, "paper.json").unwrap();
        assert!(matches!(StoreError::io(&key, io::Error::from(io::ErrorKind::NotFound)), StoreError::NotFound(_)));
    }

    #[tokio::test]
    async fn the_disk_check_sees_free_space_below_the_threshold() {
        let dir = tempfile_dir();
        // Not created yet: the folder above it is checked.
        check_local_disk(&dir, 0).await.unwrap();
        let err = check_local_disk(&dir, u64::MAX).await.unwrap_err();
        assert!(matches!(err, StoreError::Full(_)), "{err:?}");
    }

    fn tempfile_dir() -> PathBuf {
        let mut bytes = [0u8; 8];
        let _ = getrandom::fill(&mut bytes);
        std::env::temp_dir().join(format!("hh-store-{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()))
    }
}
