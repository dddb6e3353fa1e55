//! Bookmarks (`zfs bookmark`): what a snapshot was, kept after the snapshot
//! is gone, so that an incremental stream can still start from it.
//!
//! A bookmark is `zfs_bookmark_phys_t`'s fields: the snapshot's guid,
//! creation txg and time, and the sizes it referenced. It holds no blocks.
//! Simplified: the lab keeps bookmarks in memory with the rest of the DSL's
//! bookkeeping, not in a ZAP in the MOS. ZFS finds what changed since a
//! bookmark by the blocks' birth txgs; the lab's send stream compares
//! files, so a bookmark also keeps a digest of each of the snapshot's files
//! (`contents`), which the console computes.

use super::dsl::Dataset;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZfsBookmark {
    /// The part after `#`.
    pub name: String,
    /// `zbm_guid`: the snapshot's guid, which a receiver matches.
    pub guid: u64,
    pub txg: u64,
    pub creation_time: u64,
    pub referenced_bytes: u64,
    pub compressed_referenced_bytes: u64,
    pub logical_referenced_bytes: u64,
    /// The snapshot's paths with a digest of each file's bytes (`None` for
    /// a directory), or a volume's written blocks by offset; `None` when
    /// there was more than the lab digests (256 MiB of a volume).
    pub contents: Option<Vec<(String, Option<u64>)>>,
}

/// Why `lzc_bookmark` refused (the texts are `zfs_do_bookmark`'s).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BookmarkError {
    /// `EXDEV`.
    DifferentPool,
    /// `ZFS_ERR_BOOKMARK_SOURCE_NOT_ANCESTOR`.
    NotAncestor,
    /// `EEXIST`.
    Exists,
    /// `ENOENT`: the bookmark's dataset (or the source) does not exist.
    NoDataset,
    /// `EINVAL`: a name ZFS does not accept.
    Invalid,
}

impl BookmarkError {
    pub fn reason(self) -> &'static str {
        match self {
            BookmarkError::DifferentPool => "bookmark is in a different pool",
            BookmarkError::NotAncestor => "source is not an ancestor of the new bookmark's dataset",
            BookmarkError::Exists => "bookmark exists",
            BookmarkError::NoDataset => "dataset does not exist",
            BookmarkError::Invalid => "invalid argument",
        }
    }
}

impl Dataset {
    pub fn bookmark(&self, name: &str) -> Option<&ZfsBookmark> {
        self.bookmarks.iter().find(|b| b.name == name)
    }
}
