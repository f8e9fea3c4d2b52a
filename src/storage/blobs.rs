//! One facade over `object_store` with domain names. Blobs are content
//! addressed: an original file is stored once under its SHA-256, however many
//! records name it, and is never overwritten with other bytes. Renditions
//! (searchable PDFs) live apart from originals; the parts a PDF is assembled
//! from (`parts/`) are kept only until it is written; the access ledger's
//! signed checkpoints and archive segments are copied under `ledger/`.
//!
//! `file://DIR` (the default) keeps blobs in a local folder and fsyncs each one
//! before `put_original` returns, so an acknowledged scan survives power loss.
//! `s3://BUCKET[/PREFIX]` keeps them in an S3-compatible store (AWS, Garage,
//! MinIO, Ceph): credentials and region from the usual `AWS_*` variables, the
//! endpoint from `SOHOA_S3_ENDPOINT` (path-style; `http://` allowed for
//! on-premises clusters). An S3 PUT is durable once acknowledged. Calls time
//! out quickly and retry briefly, so an unreachable store turns into a clear
//! `storage_unavailable` rather than a hung upload. Deduplication never relies
//! on conditional PUTs (Garage ignores `If-None-Match`): a second PUT of the
//! same digest writes the same bytes.

use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

use crate::domain::Sha256Digest;
use crate::storage::spool::FileContent;

/// Size of one part when a large original is stored in parts (S3 wants 5 MiB
/// or more, all parts but the last the same size).
const PART_BYTES: usize = 8 * 1024 * 1024;
use crate::telemetry::spawn_blocking_in_span;

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("blob store URL {0:?} is not supported (use file://DIR or s3://BUCKET[/PREFIX])")]
    UnsupportedUrl(String),
    #[error("blob {0} not found")]
    NotFound(Sha256Digest),
    #[error("blob {digest} is corrupt: its bytes hash to {actual}")]
    Corrupt {
        digest: Sha256Digest,
        actual: Sha256Digest,
    },
    #[error("blob store unavailable: {0}")]
    Unavailable(String),
}

impl From<object_store::Error> for BlobError {
    fn from(e: object_store::Error) -> Self {
        BlobError::Unavailable(e.to_string())
    }
}

#[derive(Clone)]
pub struct BlobStore {
    store: Arc<dyn ObjectStore>,
    /// Set for local folders, so that writes can be fsynced.
    local_root: Option<PathBuf>,
}

impl BlobStore {
    /// Opens the store named by `url`; `s3_endpoint` is used for `s3://` URLs.
    pub fn open(url: &str, s3_endpoint: Option<&str>) -> Result<Self, BlobError> {
        if let Some(rest) = url.strip_prefix("s3://") {
            return Self::open_s3(rest, s3_endpoint);
        }
        if let Some(dir) = url.strip_prefix("file://") {
            let root = PathBuf::from(dir);
            std::fs::create_dir_all(&root)
                .map_err(|e| BlobError::Unavailable(format!("{}: {e}", root.display())))?;
            let root = root
                .canonicalize()
                .map_err(|e| BlobError::Unavailable(format!("{}: {e}", root.display())))?;
            let store = LocalFileSystem::new_with_prefix(&root)?;
            return Ok(Self {
                store: Arc::new(store),
                local_root: Some(root),
            });
        }
        Err(BlobError::UnsupportedUrl(url.to_owned()))
    }

    fn open_s3(bucket_and_prefix: &str, endpoint: Option<&str>) -> Result<Self, BlobError> {
        use object_store::aws::AmazonS3Builder;
        use object_store::{BackoffConfig, ClientOptions, RetryConfig};
        // TLS through rustls on ring; a second install is a harmless no-op.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let (bucket, prefix) = bucket_and_prefix
            .split_once('/')
            .unwrap_or((bucket_and_prefix, ""));
        if bucket.is_empty() {
            return Err(BlobError::UnsupportedUrl(format!(
                "s3://{bucket_and_prefix}"
            )));
        }
        let mut builder = AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .with_client_options(
                ClientOptions::new()
                    .with_connect_timeout(std::time::Duration::from_secs(3))
                    .with_timeout(std::time::Duration::from_secs(60)),
            )
            .with_retry(RetryConfig {
                backoff: BackoffConfig::default(),
                max_retries: 2,
                retry_timeout: std::time::Duration::from_secs(10),
            });
        if let Some(endpoint) = endpoint.filter(|e| !e.is_empty()) {
            builder = builder
                .with_endpoint(endpoint)
                .with_virtual_hosted_style_request(false)
                .with_allow_http(endpoint.starts_with("http://"));
        }
        let s3 = builder.build()?;
        let store: Arc<dyn ObjectStore> = match prefix.trim_matches('/') {
            "" => Arc::new(s3),
            p => Arc::new(object_store::prefix::PrefixStore::new(s3, p)),
        };
        Ok(Self {
            store,
            local_root: None,
        })
    }

    /// An in-memory store, for unit tests.
    pub fn in_memory() -> Self {
        Self {
            store: Arc::new(object_store::memory::InMemory::new()),
            local_root: None,
        }
    }

    fn original_path(digest: &Sha256Digest) -> Path {
        Self::path_in("originals", digest)
    }

    /// Renditions (searchable PDFs) live apart from originals, so that an
    /// original can never be overwritten by something sohoa made.
    fn rendition_path(digest: &Sha256Digest) -> Path {
        Self::path_in("renditions", digest)
    }

    /// A page's part for the searchable PDF, kept until the PDF is written;
    /// named by record and page, so records never share one.
    fn part_path(record_id: &str, n: u32, digest: &Sha256Digest) -> Path {
        Path::from(format!("parts/{record_id}/{n}-{}", digest.to_hex()))
    }

    fn path_in(folder: &str, digest: &Sha256Digest) -> Path {
        let hex = digest.to_hex();
        Path::from(format!("{folder}/{}/{}/{}", &hex[..2], &hex[2..4], hex))
    }

    /// Stores an original file under its digest, durably (the same bytes
    /// again when they are already there).
    pub async fn put_original(&self, digest: &Sha256Digest, bytes: Bytes) -> Result<(), BlobError> {
        self.put_at(Self::original_path(digest), bytes).await
    }

    /// Stores an uploaded file as an original: in one PUT when it is small,
    /// streamed from its spool file in parts when it is large, so that
    /// storing never holds more than a few parts in memory.
    pub async fn put_original_content(
        &self,
        digest: &Sha256Digest,
        content: &FileContent,
    ) -> Result<(), BlobError> {
        let path = Self::original_path(digest);
        match content {
            FileContent::Memory(bytes) => self.put_at(path, bytes.clone()).await,
            FileContent::Spooled(file) if self.local_root.is_some() => {
                self.copy_local(path, file.path()).await
            }
            FileContent::Spooled(file) if file.len() <= PART_BYTES as u64 => {
                let bytes = tokio::fs::read(file.path())
                    .await
                    .map_err(|e| BlobError::Unavailable(format!("spooled upload: {e}")))?;
                self.put_at(path, bytes.into()).await
            }
            FileContent::Spooled(file) => self.put_file_at(path, file.path()).await,
        }
    }

    /// Into a local folder: the kernel copies the spool file beside its place
    /// (no bytes pass through memory), it is fsynced, then renamed into
    /// place, as `LocalFileSystem` writes.
    async fn copy_local(&self, path: Path, file: &std::path::Path) -> Result<(), BlobError> {
        let root = self.local_root.clone().expect("a local store");
        let (source, target) = (file.to_path_buf(), root.join(path.as_ref()));
        spawn_blocking_in_span(move || -> std::io::Result<()> {
            let dir = target.parent().expect("blob paths have folders");
            std::fs::create_dir_all(dir)?;
            let staging = dir.join(format!(".{}.part", uuid::Uuid::now_v7().simple()));
            let copied = std::fs::copy(&source, &staging)
                .and_then(|_| std::fs::File::open(&staging)?.sync_all())
                .and_then(|_| std::fs::rename(&staging, &target));
            if copied.is_err() {
                let _ = std::fs::remove_file(&staging);
            }
            copied?;
            std::fs::File::open(dir)?.sync_all()
        })
        .await
        .map_err(|e| BlobError::Unavailable(e.to_string()))?
        .map_err(|e| BlobError::Unavailable(format!("storing an original: {e}")))
    }

    /// A multipart PUT from a local file, one part in flight beside the one
    /// being filled.
    async fn put_file_at(&self, path: Path, file: &std::path::Path) -> Result<(), BlobError> {
        use tokio::io::AsyncReadExt;
        let spool_error =
            |e: std::io::Error| BlobError::Unavailable(format!("spooled upload: {e}"));
        let mut source = tokio::fs::File::open(file).await.map_err(spool_error)?;
        let upload = self.store.put_multipart(&path).await?;
        let mut writer = object_store::WriteMultipart::new_with_chunk_size(upload, PART_BYTES);
        let mut buf = vec![0u8; 1024 * 1024];
        loop {
            let n = match source.read(&mut buf).await {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) => {
                    let _ = writer.abort().await;
                    return Err(spool_error(e));
                }
            };
            if let Err(e) = writer.wait_for_capacity(1).await {
                let _ = writer.abort().await;
                return Err(e.into());
            }
            writer.write(&buf[..n]);
        }
        writer.finish().await?;
        self.sync(&path).await
    }

    /// Reads an original back, checking that its bytes still match its name.
    pub async fn get_original(&self, digest: &Sha256Digest) -> Result<Bytes, BlobError> {
        self.get_at(Self::original_path(digest), digest).await
    }

    /// Stores a rendition under its digest, durably.
    pub async fn put_rendition(
        &self,
        digest: &Sha256Digest,
        bytes: Bytes,
    ) -> Result<(), BlobError> {
        self.put_at(Self::rendition_path(digest), bytes).await
    }

    /// Reads a rendition back, checking that its bytes still match its name.
    pub async fn get_rendition(&self, digest: &Sha256Digest) -> Result<Bytes, BlobError> {
        self.get_at(Self::rendition_path(digest), digest).await
    }

    /// Stores page `n`'s part of a record's searchable PDF, durably.
    pub async fn put_part(
        &self,
        record_id: &str,
        n: u32,
        digest: &Sha256Digest,
        bytes: Bytes,
    ) -> Result<(), BlobError> {
        self.put_at(Self::part_path(record_id, n, digest), bytes)
            .await
    }

    /// Reads a part back, checking its bytes against its digest.
    pub async fn get_part(
        &self,
        record_id: &str,
        n: u32,
        digest: &Sha256Digest,
    ) -> Result<Bytes, BlobError> {
        self.get_at(Self::part_path(record_id, n, digest), digest)
            .await
    }

    /// Removes a part once the PDF holding it is stored; a part already gone
    /// is no error.
    pub async fn delete_part(
        &self,
        record_id: &str,
        n: u32,
        digest: &Sha256Digest,
    ) -> Result<(), BlobError> {
        match self
            .store
            .delete(&Self::part_path(record_id, n, digest))
            .await
        {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    async fn put_at(&self, path: Path, bytes: Bytes) -> Result<(), BlobError> {
        // Written even when already there: the same bytes, and a fresh
        // modification time, so that `sohoa gc` (which spares what is younger
        // than its grace period) never removes a file an upload in flight
        // is about to name.
        self.store.put(&path, PutPayload::from(bytes)).await?;
        self.sync(&path).await
    }

    async fn get_at(&self, path: Path, digest: &Sha256Digest) -> Result<Bytes, BlobError> {
        let bytes = match self.store.get(&path).await {
            Ok(result) => result.bytes().await?,
            Err(object_store::Error::NotFound { .. }) => return Err(BlobError::NotFound(*digest)),
            Err(e) => return Err(e.into()),
        };
        let actual = Sha256Digest::of(&bytes);
        if actual != *digest {
            return Err(BlobError::Corrupt {
                digest: *digest,
                actual,
            });
        }
        Ok(bytes)
    }

    /// Stores a file of the access ledger (a checkpoint, an archive
    /// segment) under `ledger/NAME`, durably, replacing one left by an
    /// attempt that did not commit.
    pub async fn put_ledger(&self, name: &str, bytes: Bytes) -> Result<(), BlobError> {
        let path = Path::from(format!("ledger/{name}"));
        self.store.put(&path, PutPayload::from(bytes)).await?;
        self.sync(&path).await
    }

    /// A file of the access ledger, or none when there is no such file.
    pub async fn get_ledger(&self, name: &str) -> Result<Option<Bytes>, BlobError> {
        match self.store.get(&Path::from(format!("ledger/{name}"))).await {
            Ok(result) => Ok(Some(result.bytes().await?)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Every file under `originals` or `renditions`, with when it was written.
    pub async fn list_files(
        &self,
        folder: &str,
    ) -> Result<Vec<(Sha256Digest, chrono::DateTime<chrono::Utc>)>, BlobError> {
        use futures_util::StreamExt;
        let mut listing = self.store.list(Some(&Path::from(folder)));
        let mut files = Vec::new();
        while let Some(meta) = listing.next().await {
            let meta = meta?;
            if let Some(digest) = meta.location.filename().and_then(Sha256Digest::parse) {
                files.push((digest, meta.last_modified));
            }
        }
        Ok(files)
    }

    /// Removes a file under `originals` or `renditions`; one already gone is no error.
    pub async fn delete_file(&self, folder: &str, digest: &Sha256Digest) -> Result<(), BlobError> {
        match self.store.delete(&Self::path_in(folder, digest)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn has_original(&self, digest: &Sha256Digest) -> Result<bool, BlobError> {
        self.exists(&Self::original_path(digest)).await
    }

    /// A cheap round trip to the store, for health checks.
    pub async fn ping(&self) -> Result<(), BlobError> {
        self.exists(&Path::from("healthz")).await.map(|_| ())
    }

    async fn exists(&self, path: &Path) -> Result<bool, BlobError> {
        match self.store.head(path).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// fsyncs a freshly written local file and its folder. Object stores
    /// acknowledge durability themselves.
    async fn sync(&self, path: &Path) -> Result<(), BlobError> {
        let Some(root) = &self.local_root else {
            return Ok(());
        };
        let file = root.join(path.as_ref());
        spawn_blocking_in_span(move || -> std::io::Result<()> {
            std::fs::File::open(&file)?.sync_all()?;
            if let Some(dir) = file.parent() {
                std::fs::File::open(dir)?.sync_all()?;
            }
            Ok(())
        })
        .await
        .map_err(|e| BlobError::Unavailable(e.to_string()))?
        .map_err(|e| BlobError::Unavailable(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_original_comes_back_byte_identical_and_is_stored_once() {
        let store = BlobStore::in_memory();
        let bytes = Bytes::from_static(b"scan bytes");
        let digest = Sha256Digest::of(&bytes);
        assert!(!store.has_original(&digest).await.unwrap());
        store.put_original(&digest, bytes.clone()).await.unwrap();
        store.put_original(&digest, bytes.clone()).await.unwrap();
        assert_eq!(store.get_original(&digest).await.unwrap(), bytes);
    }

    #[tokio::test]
    async fn a_missing_original_is_not_found() {
        let store = BlobStore::in_memory();
        let digest = Sha256Digest::of(b"nothing");
        assert!(matches!(
            store.get_original(&digest).await,
            Err(BlobError::NotFound(_))
        ));
    }

    #[tokio::test]
    async fn a_local_folder_store_writes_files_under_their_digest() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::open(&format!("file://{}", dir.path().display()), None).unwrap();
        let bytes = Bytes::from_static(b"page");
        let digest = Sha256Digest::of(&bytes);
        store.put_original(&digest, bytes).await.unwrap();
        let hex = digest.to_hex();
        assert!(
            dir.path()
                .join(format!("originals/{}/{}/{}", &hex[..2], &hex[2..4], hex))
                .exists()
        );
    }
}
