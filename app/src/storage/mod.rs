//! The object store: where every job's files live, under `jobs/{job_id}/…`. One interface for
//! the whole application; the back end is the local filesystem (the embedded default, under
//! `./data/media`). Keys are built only by [`Key::job`], from a job id the database generated and
//! a name the code chose, so no user-supplied string ever becomes a key or a path.

use bytes::Bytes;
use futures::{stream::BoxStream, StreamExt, TryStreamExt};
use std::{
    io,
    path::{Path, PathBuf},
    sync::Arc,
};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

/// A checked object key.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Key(String);

impl Key {
    /// `jobs/{job_id}/{name}`; `name` may have `/`-separated parts of `[A-Za-z0-9._-]`.
    pub fn job(job_id: &str, name: &str) -> Result<Key, StoreError> {
        let id_ok = is_job_id(job_id);
        let name_ok = !name.is_empty()
            && name.split('/').all(|part| {
                !part.is_empty()
                    && !part.starts_with('.')
                    && part.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
            });
        if id_ok && name_ok {
            Ok(Key(format!("jobs/{job_id}/{name}")))
        } else {
            Err(StoreError::BadKey(format!("jobs/{job_id}/{name}")))
        }
    }

    /// The prefix holding all of a job's objects, for listing and deleting.
    pub fn job_prefix(job_id: &str) -> Result<Key, StoreError> {
        if is_job_id(job_id) {
            Ok(Key(format!("jobs/{job_id}/")))
        } else {
            Err(StoreError::BadKey(format!("jobs/{job_id}/")))
        }
    }

    /// Parses a key stored in the database, re-checking it.
    pub fn parse(key: &str) -> Result<Key, StoreError> {
        let rest = key.strip_prefix("jobs/").ok_or_else(|| StoreError::BadKey(key.into()))?;
        let (job_id, name) = rest.split_once('/').ok_or_else(|| StoreError::BadKey(key.into()))?;
        Key::job(job_id, name)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
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
}

impl StoreError {
    fn io(key: &Key, e: io::Error) -> StoreError {
        if e.kind() == io::ErrorKind::NotFound {
            StoreError::NotFound(key.0.clone())
        } else {
            StoreError::Unavailable(format!("{}: {e}", key.0))
        }
    }
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

#[derive(Clone)]
pub struct ObjectStore {
    backend: Arc<Backend>,
}

enum Backend {
    Local { root: PathBuf },
}

impl ObjectStore {
    /// Objects as files under `root` (created when missing).
    pub fn local(root: impl Into<PathBuf>) -> ObjectStore {
        ObjectStore { backend: Arc::new(Backend::Local { root: root.into() }) }
    }

    /// Where the filesystem back end keeps an object. Only checked keys reach here.
    fn path(&self, key: &Key) -> PathBuf {
        match &*self.backend {
            Backend::Local { root } => root.join(&key.0),
        }
    }

    /// Stores the file at `source` under `key`, atomically: readers see the old object or the
    /// whole new one, never half of it.
    pub async fn put_file(&self, key: &Key, source: &Path) -> Result<(), StoreError> {
        self.put_with(key, |partial| async move { tokio::fs::copy(source, partial).await.map(drop) }).await
    }

    pub async fn put_bytes(&self, key: &Key, bytes: &[u8]) -> Result<(), StoreError> {
        self.put_with(key, |partial| tokio::fs::write(partial, bytes)).await
    }

    /// `write` fills a fresh sibling of the object's file, which is then renamed over it; on
    /// failure the sibling is removed.
    async fn put_with<F, Fut>(&self, key: &Key, write: F) -> Result<(), StoreError>
    where
        F: FnOnce(PathBuf) -> Fut,
        Fut: std::future::Future<Output = io::Result<()>>,
    {
        let target = self.path(key);
        let partial = partial_path(&target);
        if let Some(dir) = target.parent() {
            tokio::fs::create_dir_all(dir).await.map_err(|e| StoreError::io(key, e))?;
        }
        let stored = match write(partial.clone()).await {
            Ok(()) => tokio::fs::rename(&partial, &target).await,
            Err(e) => Err(e),
        };
        if stored.is_err() {
            let _ = tokio::fs::remove_file(&partial).await;
        }
        stored.map_err(|e| StoreError::Unavailable(format!("{}: {e}", key.0)))
    }

    pub async fn get_bytes(&self, key: &Key) -> Result<Vec<u8>, StoreError> {
        tokio::fs::read(self.path(key)).await.map_err(|e| StoreError::io(key, e))
    }

    /// Copies the object to a local file (for tools such as ffmpeg that need a path).
    pub async fn get_to_file(&self, key: &Key, target: &Path) -> Result<(), StoreError> {
        if let Some(dir) = target.parent() {
            tokio::fs::create_dir_all(dir).await.map_err(|e| StoreError::Unavailable(e.to_string()))?;
        }
        tokio::fs::copy(self.path(key), target).await.map(drop).map_err(|e| StoreError::io(key, e))
    }

    /// The object's size and version, or None when it does not exist.
    pub async fn head(&self, key: &Key) -> Result<Option<ObjectMeta>, StoreError> {
        match tokio::fs::metadata(self.path(key)).await {
            Ok(meta) => {
                let modified = meta
                    .modified()
                    .ok()
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                    .map_or(0, |d| d.as_nanos());
                Ok(Some(ObjectMeta { size: meta.len(), version: format!("{:x}-{:x}", meta.len(), modified) }))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(StoreError::io(key, e)),
        }
    }

    pub async fn exists(&self, key: &Key) -> Result<bool, StoreError> {
        Ok(self.head(key).await?.is_some())
    }

    /// The object's bytes, all of them or `range`, as a stream (never loaded whole into memory).
    pub async fn get_stream(&self, key: &Key, range: Option<ByteRange>) -> Result<ByteStream, StoreError> {
        let mut file = tokio::fs::File::open(self.path(key)).await.map_err(|e| StoreError::io(key, e))?;
        let reader: Box<dyn tokio::io::AsyncRead + Send + Unpin> = match range {
            Some(range) => {
                file.seek(io::SeekFrom::Start(range.first)).await.map_err(|e| StoreError::io(key, e))?;
                Box::new(file.take(range.len()))
            }
            None => Box::new(file),
        };
        Ok(tokio_util::io::ReaderStream::with_capacity(reader, 64 * 1024).map_ok(Bytes::from).boxed())
    }

    /// Keys under `prefix`, sorted.
    pub async fn list(&self, prefix: &Key) -> Result<Vec<Key>, StoreError> {
        let dir = self.path(prefix);
        let mut keys = Vec::new();
        let mut pending = vec![dir.clone()];
        while let Some(current) = pending.pop() {
            let mut entries = match tokio::fs::read_dir(&current).await {
                Ok(entries) => entries,
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(StoreError::io(prefix, e)),
            };
            while let Some(entry) = entries.next_entry().await.map_err(|e| StoreError::io(prefix, e))? {
                let path = entry.path();
                let kind = entry.file_type().await.map_err(|e| StoreError::io(prefix, e))?;
                if kind.is_dir() {
                    pending.push(path);
                } else if let Ok(rest) = path.strip_prefix(&dir) {
                    let name = rest.to_string_lossy().replace('\\', "/");
                    if !name.contains(".partial-") {
                        keys.push(Key(format!("{}{}", prefix.0, name)));
                    }
                }
            }
        }
        keys.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(keys)
    }

    /// Removes every object under `prefix`; Ok when there was nothing to remove.
    pub async fn delete_prefix(&self, prefix: &Key) -> Result<(), StoreError> {
        match tokio::fs::remove_dir_all(self.path(prefix)).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(StoreError::io(prefix, e)),
        }
    }

    /// Job ids that have objects, for finding orphans.
    pub async fn job_ids(&self) -> Result<Vec<String>, StoreError> {
        let root = match &*self.backend {
            Backend::Local { root } => root.join("jobs"),
        };
        let mut ids = Vec::new();
        let mut entries = match tokio::fs::read_dir(&root).await {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(ids),
            Err(e) => return Err(StoreError::Unavailable(e.to_string())),
        };
        while let Some(entry) = entries.next_entry().await.map_err(|e| StoreError::Unavailable(e.to_string()))? {
            let name = entry.file_name().to_string_lossy().into_owned();
            if is_job_id(&name) {
                ids.push(name);
            }
        }
        ids.sort();
        Ok(ids)
    }
}

/// A unique sibling name for writing before the atomic rename.
fn partial_path(target: &Path) -> PathBuf {
    let mut bytes = [0u8; 6];
    let _ = getrandom::fill(&mut bytes);
    let suffix: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let mut name = target.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(format!(".partial-{suffix}"));
    target.with_file_name(name)
}

/// Parses an HTTP `Range` header against an object of `size` bytes. `Ok(None)`: serve it whole;
/// `Err(())`: unsatisfiable (416). Only single ranges are honoured; a multi-range request gets
/// the whole object, which RFC 9110 allows.
#[allow(clippy::result_unit_err)]
pub fn parse_range(header: Option<&str>, size: u64) -> Result<Option<ByteRange>, ()> {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return Ok(None);
    };
    if spec.contains(',') {
        return Ok(None);
    }
    let (first, last) = spec.split_once('-').ok_or(())?;
    let (first, last) = (first.trim(), last.trim());
    let range = if first.is_empty() {
        // The last N bytes.
        let n: u64 = last.parse().map_err(|_| ())?;
        if n == 0 || size == 0 {
            return Err(());
        }
        ByteRange { first: size.saturating_sub(n), last: size - 1 }
    } else {
        let first: u64 = first.parse().map_err(|_| ())?;
        if first >= size {
            return Err(());
        }
        let last = if last.is_empty() { size - 1 } else { last.parse::<u64>().map_err(|_| ())?.min(size - 1) };
        if last < first {
            return Err(());
        }
        ByteRange { first, last }
    };
    Ok(Some(range))
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
        assert!(Key::parse(&format!("jobs/{JOB}/paper.json")).is_ok());
        assert!(Key::parse("uploads/x").is_err());
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

    fn tempfile_dir() -> PathBuf {
        let mut bytes = [0u8; 8];
        let _ = getrandom::fill(&mut bytes);
        std::env::temp_dir().join(format!("hh-store-{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()))
    }
}
