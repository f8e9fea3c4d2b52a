//! Upload bodies spooled to disk. Each file of an upload streams into a
//! temporary file in the spool folder as it arrives, hashed on the way, so an
//! upload holds a small constant in memory whatever its size; the gate then
//! reads it through a memory map and the blob store copies it in parts.
//!
//! A spooled file is removed when the last handle to it is dropped, answered
//! or not. [`Spool::open`] clears what a killed process left behind. Nothing
//! here is durable: an upload is acknowledged only once its files are in the
//! blob store.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::{Bytes, BytesMut};
use sha2::Digest;
use tokio::io::AsyncWriteExt;

use crate::domain::Sha256Digest;

/// What a spooled file gathers in memory before one write to disk.
const WRITE_BATCH: usize = 256 * 1024;
/// Spool files this much older than now are leftovers of a killed process.
const LEFTOVER_AGE: Duration = Duration::from_secs(3600);
const PREFIX: &str = "upload-";

/// The folder uploads are spooled to.
#[derive(Debug, Clone)]
pub struct Spool {
    dir: PathBuf,
}

impl Spool {
    /// Makes the folder if need be and removes spool files older than an
    /// hour (an instance sharing the folder may have younger ones in use).
    pub fn open(dir: &Path) -> io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let now = SystemTime::now();
        for entry in std::fs::read_dir(dir)?.flatten() {
            let old = entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| now.duration_since(t).ok())
                .is_some_and(|age| age > LEFTOVER_AGE);
            if old && entry.file_name().to_string_lossy().starts_with(PREFIX) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
        Ok(Self {
            dir: dir.to_path_buf(),
        })
    }

    /// A spool in the system's temporary folder, for tests and tools.
    pub fn temporary() -> io::Result<Self> {
        Self::open(&std::env::temp_dir().join("sohoa-spool"))
    }

    /// Starts a new spooled file.
    pub async fn create(&self) -> io::Result<SpoolWriter> {
        let dir = self.dir.clone();
        let (file, path) = tokio::task::spawn_blocking(move || {
            tempfile::Builder::new()
                .prefix(PREFIX)
                .tempfile_in(dir)
                .map(|t| t.into_parts())
        })
        .await
        .map_err(io::Error::other)??;
        Ok(SpoolWriter {
            file: tokio::fs::File::from_std(file),
            path,
            hasher: sha2::Sha256::new(),
            len: 0,
            batch: BytesMut::with_capacity(WRITE_BATCH),
        })
    }
}

/// A spooled file being written.
pub struct SpoolWriter {
    file: tokio::fs::File,
    path: tempfile::TempPath,
    hasher: sha2::Sha256,
    len: u64,
    batch: BytesMut,
}

impl SpoolWriter {
    /// Bytes written so far.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub async fn write(&mut self, chunk: &[u8]) -> io::Result<()> {
        self.hasher.update(chunk);
        self.len += chunk.len() as u64;
        self.batch.extend_from_slice(chunk);
        if self.batch.len() >= WRITE_BATCH {
            self.file.write_all(&self.batch).await?;
            self.batch.clear();
        }
        Ok(())
    }

    /// The whole file, with its digest.
    pub async fn finish(mut self) -> io::Result<SpooledFile> {
        if !self.batch.is_empty() {
            self.file.write_all(&self.batch).await?;
        }
        self.file.flush().await?;
        Ok(SpooledFile {
            path: self.path,
            len: self.len,
            sha256: Sha256Digest::from_hasher(self.hasher),
        })
    }
}

/// A spooled file, removed from disk when dropped.
#[derive(Debug)]
pub struct SpooledFile {
    path: tempfile::TempPath,
    len: u64,
    sha256: Sha256Digest,
}

impl SpooledFile {
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn sha256(&self) -> Sha256Digest {
        self.sha256
    }
}

/// An uploaded file's bytes: in memory (tools, tests, small bodies) or
/// spooled to disk.
#[derive(Debug, Clone)]
pub enum FileContent {
    Memory(Bytes),
    Spooled(Arc<SpooledFile>),
}

impl FileContent {
    pub fn len(&self) -> u64 {
        match self {
            Self::Memory(b) => b.len() as u64,
            Self::Spooled(f) => f.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bytes to read: the memory itself, or the spooled file mapped
    /// (pages come in as they are read, and the kernel may drop them again).
    /// Blocking: call it off the async threads.
    pub fn view(&self) -> io::Result<FileView> {
        match self {
            Self::Memory(b) => Ok(FileView::Memory(b.clone())),
            Self::Spooled(f) if f.is_empty() => Ok(FileView::Memory(Bytes::new())),
            Self::Spooled(f) => {
                let file = std::fs::File::open(f.path())?;
                // SAFETY: the spool file is this process's own, written once
                // and never changed or truncated while a handle to it lives.
                let map = unsafe { memmap2::Mmap::map(&file)? };
                Ok(FileView::Mapped(map))
            }
        }
    }
}

/// Bytes of a [`FileContent`].
pub enum FileView {
    Memory(Bytes),
    Mapped(memmap2::Mmap),
}

impl std::ops::Deref for FileView {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            Self::Memory(b) => b,
            Self::Mapped(m) => m,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_spooled_file_reads_back_hashed_and_is_gone_once_dropped() {
        let spool = Spool::temporary().unwrap();
        let mut writer = spool.create().await.unwrap();
        let data: Vec<u8> = (0..700_000u32).map(|i| (i % 251) as u8).collect();
        for chunk in data.chunks(10_000) {
            writer.write(chunk).await.unwrap();
        }
        let file = writer.finish().await.unwrap();
        assert_eq!(file.len(), data.len() as u64);
        assert_eq!(file.sha256(), Sha256Digest::of(&data));
        let path = file.path().to_path_buf();
        let content = FileContent::Spooled(Arc::new(file));
        assert_eq!(&*content.view().unwrap(), &data[..]);
        assert!(path.exists());
        drop(content);
        assert!(!path.exists(), "the spool file outlived its last handle");
    }

    #[tokio::test]
    async fn an_empty_spooled_file_reads_as_no_bytes() {
        let spool = Spool::temporary().unwrap();
        let file = spool.create().await.unwrap().finish().await.unwrap();
        let content = FileContent::Spooled(Arc::new(file));
        assert!(content.view().unwrap().is_empty());
    }

    #[test]
    fn opening_the_spool_removes_old_leftovers_and_keeps_young_files() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("upload-old");
        let young = dir.path().join("upload-young");
        let other = dir.path().join("notes.txt");
        for p in [&old, &young, &other] {
            std::fs::write(p, b"x").unwrap();
        }
        let past = SystemTime::now() - Duration::from_secs(2 * 3600);
        std::fs::File::options()
            .write(true)
            .open(&old)
            .unwrap()
            .set_modified(past)
            .unwrap();
        std::fs::File::options()
            .write(true)
            .open(&other)
            .unwrap()
            .set_modified(past)
            .unwrap();
        Spool::open(dir.path()).unwrap();
        assert!(!old.exists());
        assert!(young.exists());
        assert!(other.exists(), "only the spool's own files are cleared");
    }
}
