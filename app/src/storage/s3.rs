//! The S3 back end, through aws-sdk-s3: AWS S3, Garage, MinIO and R2 alike. Objects larger than
//! one part go up as a multipart upload, several parts at a time, so memory stays bounded by
//! `PART_SIZE * PARTS_IN_FLIGHT` whatever the file's size.

use super::{ByteRange, ByteStream, Key, ObjectMeta, RangeSpec, Read, StoreError};
use crate::backend::config::{ExposeSecret, S3Settings};
use aws_sdk_s3::{
    config::{
        http::HttpResponse, retry::RetryConfig, timeout::TimeoutConfig, BehaviorVersion, Credentials, Region,
        RequestChecksumCalculation, ResponseChecksumValidation,
    },
    error::{ProvideErrorMetadata, SdkError},
    presigning::PresigningConfig,
    primitives::ByteStream as Body,
    types::{CompletedMultipartUpload, CompletedPart, Delete, ObjectIdentifier},
    Client,
};
use bytes::{Bytes, BytesMut};
use futures::{StreamExt, TryStreamExt};
use std::time::Duration;

/// Objects up to this size go up in one request; larger ones in parts of this size (S3's
/// minimum part is 5 MiB).
pub(super) const PART_SIZE: usize = 8 * 1024 * 1024;
/// Parts uploaded at once.
const PARTS_IN_FLIGHT: usize = 4;

pub(super) struct S3Store {
    client: Client,
    bucket: String,
    presign_ttl: Duration,
    part_size: usize,
}

impl S3Store {
    pub(super) fn new(settings: &S3Settings) -> S3Store {
        let credentials = Credentials::new(
            settings.access_key_id.clone(),
            settings.secret_access_key.expose_secret().to_owned(),
            None,
            None,
            "hidden-hill-config",
        );
        let mut config = aws_sdk_s3::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(settings.region.clone()))
            .credentials_provider(credentials)
            .force_path_style(settings.path_style)
            // Checksums only where S3 requires them: not every S3-compatible store accepts the
            // newer checksum headers the SDK would otherwise add to every upload.
            .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
            .response_checksum_validation(ResponseChecksumValidation::WhenRequired)
            // Fail fast when the store is down: the job runner retries with its own backoff.
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(3))
                    .read_timeout(Duration::from_secs(30))
                    .build(),
            )
            .retry_config(RetryConfig::standard().with_max_attempts(3));
        if let Some(endpoint) = &settings.endpoint {
            config = config.endpoint_url(endpoint);
        }
        S3Store {
            client: Client::from_conf(config.build()),
            bucket: settings.bucket.clone(),
            presign_ttl: settings.presign_ttl,
            part_size: PART_SIZE,
        }
    }

    /// Smaller parts, for tests of the multipart path with small files.
    pub(super) fn with_part_size(mut self, part_size: usize) -> S3Store {
        self.part_size = part_size.max(5 * 1024 * 1024);
        self
    }

    pub(super) fn bucket(&self) -> &str {
        &self.bucket
    }

    pub(super) async fn put_stream(&self, key: &Key, body: ByteStream) -> Result<(), StoreError> {
        let mut parts = Parts { body, carry: None, size: self.part_size };
        let first = parts.next().await.map_err(|e| read_failed(key, e))?;
        if first.len() < self.part_size {
            return self.put_object(key, first).await;
        }
        let upload = self
            .client
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(key.as_str())
            .send()
            .await
            .map_err(|e| s3_error(key, e))?;
        let upload_id =
            upload.upload_id().ok_or_else(|| StoreError::Unavailable(format!("{key}: no upload id")))?.to_owned();
        match self.upload_parts(key, &upload_id, first, parts).await {
            Ok(parts) => {
                let done = CompletedMultipartUpload::builder().set_parts(Some(parts)).build();
                let completed = self
                    .client
                    .complete_multipart_upload()
                    .bucket(&self.bucket)
                    .key(key.as_str())
                    .upload_id(&upload_id)
                    .multipart_upload(done)
                    .send()
                    .await
                    .map_err(|e| s3_error(key, e));
                if completed.is_err() {
                    self.abort(key, &upload_id).await;
                }
                completed.map(drop)
            }
            Err(e) => {
                self.abort(key, &upload_id).await;
                Err(e)
            }
        }
    }

    /// Sends the parts, `PARTS_IN_FLIGHT` at a time, in order of their numbers.
    async fn upload_parts(
        &self,
        key: &Key,
        upload_id: &str,
        first: Bytes,
        mut rest: Parts,
    ) -> Result<Vec<CompletedPart>, StoreError> {
        let mut in_flight = futures::stream::FuturesOrdered::new();
        let mut parts = Vec::new();
        let mut next = Some(first);
        let mut number = 0;
        loop {
            while in_flight.len() < PARTS_IN_FLIGHT {
                let Some(bytes) = next.take() else { break };
                number += 1;
                in_flight.push_back(self.upload_part(key, upload_id, number, bytes));
                let more = rest.next().await.map_err(|e| read_failed(key, e))?;
                if !more.is_empty() {
                    next = Some(more);
                }
            }
            match in_flight.next().await {
                Some(part) => parts.push(part?),
                None => return Ok(parts),
            }
        }
    }

    async fn upload_part(
        &self,
        key: &Key,
        upload_id: &str,
        number: i32,
        bytes: Bytes,
    ) -> Result<CompletedPart, StoreError> {
        let out = self
            .client
            .upload_part()
            .bucket(&self.bucket)
            .key(key.as_str())
            .upload_id(upload_id)
            .part_number(number)
            .body(Body::from(bytes))
            .send()
            .await
            .map_err(|e| s3_error(key, e))?;
        Ok(CompletedPart::builder().part_number(number).set_e_tag(out.e_tag().map(str::to_owned)).build())
    }

    /// Best effort: an upload left unfinished costs storage until the bucket's lifecycle rule or
    /// the next `orphans` run, but never shows as an object.
    async fn abort(&self, key: &Key, upload_id: &str) {
        if let Err(e) = self
            .client
            .abort_multipart_upload()
            .bucket(&self.bucket)
            .key(key.as_str())
            .upload_id(upload_id)
            .send()
            .await
        {
            tracing::warn!(%key, error = %s3_error(key, e), "could not abort a multipart upload");
        }
    }

    async fn put_object(&self, key: &Key, bytes: Bytes) -> Result<(), StoreError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .body(Body::from(bytes))
            .send()
            .await
            .map(drop)
            .map_err(|e| s3_error(key, e))
    }

    pub(super) async fn head(&self, key: &Key) -> Result<Option<ObjectMeta>, StoreError> {
        match self.client.head_object().bucket(&self.bucket).key(key.as_str()).send().await {
            Ok(out) => Ok(Some(ObjectMeta {
                size: out.content_length().unwrap_or(0).max(0) as u64,
                version: out.e_tag().unwrap_or_default().trim_matches('"').to_owned(),
            })),
            Err(e) => match s3_error(key, e) {
                StoreError::NotFound(_) => Ok(None),
                e => Err(e),
            },
        }
    }

    pub(super) async fn read(&self, key: &Key, range: Option<RangeSpec>) -> Result<Read, StoreError> {
        let request = self.client.get_object().bucket(&self.bucket).key(key.as_str());
        let out = match request.set_range(range.map(RangeSpec::header)).send().await {
            Ok(out) => out,
            // None of the range exists: only then is the size asked for separately.
            Err(e) if is_invalid_range(&e) => {
                let meta = self.head(key).await?.ok_or_else(|| StoreError::NotFound(key.to_string()))?;
                return Ok(Read::Unsatisfiable { meta });
            }
            Err(e) => return Err(s3_error(key, e)),
        };
        let version = out.e_tag().unwrap_or_default().trim_matches('"').to_owned();
        // A ranged answer says which bytes, of how many, in Content-Range; a whole one its length.
        let (range, size) = match out.content_range().and_then(parse_content_range) {
            Some((range, size)) => (Some(range), size),
            None => (None, out.content_length().unwrap_or(0).max(0) as u64),
        };
        let body = tokio_util::io::ReaderStream::with_capacity(out.body.into_async_read(), 64 * 1024).boxed();
        Ok(Read::Bytes { meta: ObjectMeta { size, version }, range, body })
    }

    pub(super) async fn list(&self, prefix: &Key) -> Result<Vec<Key>, StoreError> {
        let mut pages =
            self.client.list_objects_v2().bucket(&self.bucket).prefix(prefix.as_str()).into_paginator().send();
        let mut keys = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| s3_error(prefix, e))?;
            for object in page.contents() {
                match object.key().map(Key::parse) {
                    Some(Ok(key)) => keys.push(key),
                    // Not written by Hidden Hill: leave it alone.
                    _ => tracing::warn!(key = ?object.key(), "object with a key Hidden Hill does not make"),
                }
            }
        }
        Ok(keys)
    }

    pub(super) async fn delete_prefix(&self, prefix: &Key) -> Result<(), StoreError> {
        // Listed first, then deleted in batches of S3's maximum, until nothing is left: a write
        // that raced the listing is caught by the next round.
        for _round in 0..3 {
            let keys = self.list(prefix).await?;
            if keys.is_empty() {
                return Ok(());
            }
            for batch in keys.chunks(1000) {
                let objects = batch
                    .iter()
                    .map(|k| ObjectIdentifier::builder().key(k.as_str()).build())
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| StoreError::Unavailable(e.to_string()))?;
                let delete = Delete::builder()
                    .set_objects(Some(objects))
                    .quiet(true)
                    .build()
                    .map_err(|e| StoreError::Unavailable(e.to_string()))?;
                let out = self
                    .client
                    .delete_objects()
                    .bucket(&self.bucket)
                    .delete(delete)
                    .send()
                    .await
                    .map_err(|e| s3_error(prefix, e))?;
                if let Some(failed) = out.errors().first() {
                    return Err(StoreError::Unavailable(format!(
                        "could not delete {}: {}",
                        failed.key().unwrap_or("?"),
                        failed.message().unwrap_or("no reason given")
                    )));
                }
            }
        }
        Err(StoreError::Unavailable(format!("{prefix}: objects keep appearing while deleting")))
    }

    /// The names under `jobs/`, one per job folder.
    pub(super) async fn job_folders(&self) -> Result<Vec<String>, StoreError> {
        let mut pages =
            self.client.list_objects_v2().bucket(&self.bucket).prefix("jobs/").delimiter("/").into_paginator().send();
        let mut names = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| StoreError::Unavailable(describe(&e)))?;
            for folder in page.common_prefixes() {
                if let Some(name) =
                    folder.prefix().and_then(|p| p.strip_prefix("jobs/")).map(|p| p.trim_end_matches('/'))
                {
                    names.push(name.to_owned());
                }
            }
        }
        Ok(names)
    }

    /// A URL that fetches the object without credentials until it expires; `attachment` (a
    /// whole `Content-Disposition` value) makes the browser save it under that name.
    pub(super) async fn presigned_get(
        &self,
        key: &Key,
        content_type: &str,
        attachment: Option<&str>,
    ) -> Result<String, StoreError> {
        let config =
            PresigningConfig::expires_in(self.presign_ttl).map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let request = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .response_content_type(content_type)
            .set_response_content_disposition(attachment.map(str::to_owned))
            .presigned(config)
            .await
            .map_err(|e| s3_error(key, e))?;
        Ok(request.uri().to_owned())
    }
}

/// Cuts a stream of chunks into parts of exactly `size` bytes (the last may be shorter).
struct Parts {
    body: ByteStream,
    /// What the previous part could not take.
    carry: Option<Bytes>,
    size: usize,
}

impl Parts {
    /// The next part; empty at the end of the stream.
    async fn next(&mut self) -> std::io::Result<Bytes> {
        let mut part = BytesMut::with_capacity(self.size.min(1024 * 1024));
        while part.len() < self.size {
            let chunk = match self.carry.take() {
                Some(chunk) => chunk,
                None => match self.body.try_next().await? {
                    Some(chunk) => chunk,
                    None => break,
                },
            };
            let room = self.size - part.len();
            if chunk.len() > room {
                self.carry = Some(chunk.slice(room..));
            }
            part.extend_from_slice(&chunk[..chunk.len().min(room)]);
        }
        Ok(part.freeze())
    }
}

fn read_failed(key: &Key, e: std::io::Error) -> StoreError {
    StoreError::local(&format!("{key}: reading what was to be stored"), e)
}

/// Missing objects become `NotFound`; a store out of space (507 Insufficient Storage, MinIO's
/// `XMinioStorageFull`) is `Full`; everything else (unreachable, refused, 5xx) is
/// `Unavailable`, which callers may retry.
fn s3_error<E>(key: &Key, e: SdkError<E, HttpResponse>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let (status, code) = match &e {
        SdkError::ServiceError(service) => (Some(service.raw().status().as_u16()), service.err().code()),
        _ => (None, None),
    };
    match s3_error_kind(status, code) {
        S3ErrorKind::Missing => StoreError::NotFound(key.to_string()),
        S3ErrorKind::Full => StoreError::Full(format!("{key}: {}", describe(&e))),
        S3ErrorKind::Other => StoreError::Unavailable(format!("{key}: {}", describe(&e))),
    }
}

#[derive(Debug, PartialEq)]
enum S3ErrorKind {
    Missing,
    Full,
    Other,
}

/// S3 answers 416 `InvalidRange` when no byte of the range exists.
fn is_invalid_range<E: ProvideErrorMetadata>(e: &SdkError<E, HttpResponse>) -> bool {
    match e {
        SdkError::ServiceError(service) => {
            service.raw().status().as_u16() == 416 || service.err().code() == Some("InvalidRange")
        }
        _ => false,
    }
}

/// `bytes 0-1023/4096` → the range and the object's whole size.
fn parse_content_range(header: &str) -> Option<(ByteRange, u64)> {
    let (span, size) = header.trim().strip_prefix("bytes ")?.split_once('/')?;
    let (first, last) = span.split_once('-')?;
    let range = ByteRange { first: first.trim().parse().ok()?, last: last.trim().parse().ok()? };
    (range.first <= range.last).then_some((range, size.trim().parse().ok()?))
}

/// What an S3 error response's status and code mean.
fn s3_error_kind(status: Option<u16>, code: Option<&str>) -> S3ErrorKind {
    match (status, code) {
        (Some(404), _) | (_, Some("NoSuchKey" | "NotFound")) => S3ErrorKind::Missing,
        (Some(507), _) | (_, Some("XMinioStorageFull" | "StorageFull" | "InsufficientStorage")) => S3ErrorKind::Full,
        _ => S3ErrorKind::Other,
    }
}

/// The SDK's error with its causes, which its own Display leaves out ("dispatch failure").
fn describe(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::{parse_content_range, s3_error_kind, ByteRange, S3ErrorKind};

    #[test]
    fn content_range_gives_the_bytes_and_the_whole_size() {
        assert_eq!(parse_content_range("bytes 0-1023/4096"), Some((ByteRange { first: 0, last: 1023 }, 4096)));
        assert_eq!(parse_content_range("bytes 4095-4095/4096"), Some((ByteRange { first: 4095, last: 4095 }, 4096)));
        for unusable in ["bytes */4096", "bytes 10-5/4096", "items 0-1/2", "bytes 0-1/*", ""] {
            assert_eq!(parse_content_range(unusable), None, "{unusable:?}");
        }
    }

    #[test]
    fn a_full_bucket_is_not_an_outage() {
        assert_eq!(s3_error_kind(Some(507), None), S3ErrorKind::Full);
        assert_eq!(s3_error_kind(Some(500), Some("XMinioStorageFull")), S3ErrorKind::Full);
        assert_eq!(s3_error_kind(Some(404), None), S3ErrorKind::Missing);
        assert_eq!(s3_error_kind(Some(400), Some("NoSuchKey")), S3ErrorKind::Missing);
        assert_eq!(s3_error_kind(Some(503), Some("SlowDown")), S3ErrorKind::Other);
        assert_eq!(s3_error_kind(None, None), S3ErrorKind::Other);
    }
}
