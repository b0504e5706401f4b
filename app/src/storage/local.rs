//! The filesystem back end: each object is a file under the root, written beside its final name
//! and renamed into place so that readers never see half of it.

use super::{partial_suffix, ByteStream, Key, ObjectMeta, RangeSpec, Read, StoreError};
use bytes::Bytes;
use futures::{StreamExt, TryStreamExt};
use std::{
    io,
    path::{Path, PathBuf},
};
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

pub(super) struct LocalStore {
    pub(super) root: PathBuf,
    /// A work folder of one job (`hidden-hill render --work-dir`): that job's objects are files
    /// directly under the root (`paper.json`, not `jobs/{id}/paper.json`).
    pub(super) one_job: Option<String>,
}

impl LocalStore {
    /// Where an object lives. Only checked keys reach here, so the path stays under the root.
    fn path(&self, key: &Key) -> PathBuf {
        if let Some(job) = &self.one_job {
            let prefix = format!("jobs/{job}/");
            if let Some(name) = key.as_str().strip_prefix(&prefix) {
                return self.root.join(name);
            }
        }
        self.root.join(key.as_str())
    }

    pub(super) async fn put_file(&self, key: &Key, source: &Path) -> Result<(), StoreError> {
        self.put_with(key, |partial| async move { tokio::fs::copy(source, partial).await.map(drop) }).await
    }

    pub(super) async fn put_bytes(&self, key: &Key, bytes: &[u8]) -> Result<(), StoreError> {
        self.put_with(key, |partial| tokio::fs::write(partial, bytes)).await
    }

    pub(super) async fn put_stream(&self, key: &Key, mut body: ByteStream) -> Result<(), StoreError> {
        self.put_with(key, |partial| async move {
            let mut file = tokio::fs::File::create(partial).await?;
            while let Some(chunk) = body.next().await {
                file.write_all(&chunk?).await?;
            }
            file.sync_all().await
        })
        .await
    }

    /// `write` fills a fresh sibling of the object's file, which is then renamed over it; on
    /// failure the sibling is removed.
    async fn put_with<F, Fut>(&self, key: &Key, write: F) -> Result<(), StoreError>
    where
        F: FnOnce(PathBuf) -> Fut,
        Fut: std::future::Future<Output = io::Result<()>>,
    {
        let target = self.path(key);
        let mut name = target.file_name().map(|n| n.to_os_string()).unwrap_or_default();
        name.push(partial_suffix());
        let partial = target.with_file_name(name);
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
        stored.map_err(|e| StoreError::local(key.as_str(), e))
    }

    pub(super) async fn get_bytes(&self, key: &Key) -> Result<Vec<u8>, StoreError> {
        tokio::fs::read(self.path(key)).await.map_err(|e| StoreError::io(key, e))
    }

    pub(super) async fn get_to_file(&self, key: &Key, target: &Path) -> Result<(), StoreError> {
        tokio::fs::copy(self.path(key), target).await.map(drop).map_err(|e| StoreError::io(key, e))
    }

    pub(super) async fn head(&self, key: &Key) -> Result<Option<ObjectMeta>, StoreError> {
        match tokio::fs::metadata(self.path(key)).await {
            Ok(meta) => Ok(Some(object_meta(&meta))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(StoreError::io(key, e)),
        }
    }

    pub(super) async fn read(&self, key: &Key, range: Option<RangeSpec>) -> Result<Read, StoreError> {
        let mut file = tokio::fs::File::open(self.path(key)).await.map_err(|e| StoreError::io(key, e))?;
        // The size and version of the file that is open, whatever is renamed over it meanwhile.
        let meta = object_meta(&file.metadata().await.map_err(|e| StoreError::io(key, e))?);
        let range = match range.map(|spec| spec.resolve(meta.size)).transpose() {
            Ok(range) => range,
            Err(()) => return Ok(Read::Unsatisfiable { meta }),
        };
        let reader: Box<dyn tokio::io::AsyncRead + Send + Unpin> = match range {
            Some(range) => {
                file.seek(io::SeekFrom::Start(range.first)).await.map_err(|e| StoreError::io(key, e))?;
                Box::new(file.take(range.len()))
            }
            None => Box::new(file),
        };
        let body = tokio_util::io::ReaderStream::with_capacity(reader, 64 * 1024).map_ok(Bytes::from).boxed();
        Ok(Read::Bytes { meta, range, body })
    }

    pub(super) async fn list(&self, prefix: &Key) -> Result<Vec<Key>, StoreError> {
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
                    // A write in progress is not an object yet.
                    if !name.contains(".partial-") {
                        keys.push(Key(format!("{}{}", prefix.as_str(), name)));
                    }
                }
            }
        }
        Ok(keys)
    }

    pub(super) async fn delete_prefix(&self, prefix: &Key) -> Result<(), StoreError> {
        match tokio::fs::remove_dir_all(self.path(prefix)).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(StoreError::io(prefix, e)),
        }
    }

    /// The names of the folders under `jobs/`.
    pub(super) async fn job_folders(&self) -> Result<Vec<String>, StoreError> {
        let mut names = Vec::new();
        let mut entries = match tokio::fs::read_dir(self.root.join("jobs")).await {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(names),
            Err(e) => return Err(StoreError::local("jobs/", e)),
        };
        while let Some(entry) = entries.next_entry().await.map_err(|e| StoreError::local("jobs/", e))? {
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
        Ok(names)
    }
}

/// A file's size, and a version that changes whenever it is rewritten (size and mtime).
fn object_meta(meta: &std::fs::Metadata) -> ObjectMeta {
    let modified =
        meta.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map_or(0, |d| d.as_nanos());
    ObjectMeta { size: meta.len(), version: format!("{:x}-{:x}", meta.len(), modified) }
}
