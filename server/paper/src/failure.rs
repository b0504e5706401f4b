//! Failures as types, one shape for every crate of the pipeline. Each crate declares its kinds
//! once, with [`failure_kinds!`]: the variant, the stable kebab-case string that the API, the
//! status page and the tests match on, and whether trying again may help. A failure is a
//! [`Failure`] of such a kind ([`ReadError`] here, `video::VideoError`, and the server's step
//! failures over `server::pipeline::FailureKind`, which gathers every crate's kinds).

/// What every failure-kind enum can say about itself (implemented by [`failure_kinds!`]).
pub trait Kind: Copy + std::fmt::Debug + PartialEq {
    /// The stable kebab-case name (API, status page, logs).
    fn as_str(self) -> &'static str;
    /// Whether the same work may succeed if tried again later, unless the failure says otherwise.
    fn is_transient(self) -> bool;
}

/// One failure: a `kind`, a `message` for a person that says what to do next, whether trying
/// the same work again may help, and how long to wait first when the other side said so.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Failure<K> {
    pub kind: K,
    pub message: String,
    pub transient: bool,
    /// The wait the other side asked for (Retry-After, a quota's reset), in milliseconds.
    pub retry_after_ms: Option<u64>,
}

impl<K: Kind> Failure<K> {
    /// A failure, transient as its kind's table says.
    pub fn new(kind: K, message: impl Into<String>) -> Self {
        Failure { kind, message: message.into(), transient: kind.is_transient(), retry_after_ms: None }
    }

    /// A failure that trying again will not mend, whatever its kind usually is.
    pub fn permanent(kind: K, message: impl Into<String>) -> Self {
        Failure { transient: false, ..Failure::new(kind, message) }
    }

    /// A failure worth trying again, whatever its kind usually is.
    pub fn transient(kind: K, message: impl Into<String>) -> Self {
        Failure { transient: true, ..Failure::new(kind, message) }
    }

    /// The same failure with the wait the other side asked for, in milliseconds.
    pub fn retry_after(mut self, ms: u64) -> Self {
        self.retry_after_ms = Some(ms);
        self
    }

    /// Worth trying again later (rate limit, a service down); the worker retries these.
    pub fn is_transient(&self) -> bool {
        self.transient
    }
}

/// Declares a failure-kind enum from one table of `Variant = "kebab-case", transient|permanent;`
/// rows. The enum gets `ALL`, `as_str`, `is_transient`, `Display`, and comparison with a `&str`
/// (so `error.kind == "not-found"` reads as the API shows it).
#[macro_export]
macro_rules! failure_kinds {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal, $retry:ident; )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )*
        }

        impl $crate::failure::Kind for $name {
            fn as_str(self) -> &'static str {
                $name::as_str(self)
            }
            fn is_transient(self) -> bool {
                $name::is_transient(self)
            }
        }

        impl $name {
            /// Every kind, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The stable kebab-case name (API, status page, logs).
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),* }
            }

            /// Whether the same step may succeed if tried again later.
            pub const fn is_transient(self) -> bool {
                match self { $($name::$variant => $crate::failure_kinds!(@retry $retry)),* }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }
    };
    (@retry transient) => { true };
    (@retry permanent) => { false };
}

failure_kinds! {
    /// Why a source could not become a [`crate::Paper`].
    pub enum ReadErrorKind {
        EmptyFile = "empty-file", permanent;
        UnsupportedFormat = "unsupported-format", permanent;
        CorruptFile = "corrupt-file", permanent;
        NotAWordDocument = "not-a-word-document", permanent;
        InvalidXml = "invalid-xml", permanent;
        NotJats = "not-jats", permanent;
        NoText = "no-text", permanent;
        NoTextLayer = "no-text-layer", permanent;
        PasswordProtected = "password-protected", permanent;
        /// The quality gate: a template's "Lorem ipsum", not a paper.
        PlaceholderText = "placeholder-text", permanent;
        /// The quality gate: text that does not read as words (glyph codes, symbols, markup).
        GarbledText = "garbled-text", permanent;
        /// The quality gate: no title that reads as words.
        NoTitle = "no-title", permanent;
        /// The quality gate: too few words in the paper's main language for a script.
        NotEnoughText = "not-enough-text", permanent;
        ProcessingTimeout = "processing-timeout", permanent;
        ToolMissing = "tool-missing", permanent;
        /// A scratch file could not be written or read.
        IoError = "io-error", transient;
        InvalidId = "invalid-id", permanent;
        NotFound = "not-found", permanent;
        NotOpenAccess = "not-open-access", permanent;
        NcbiBadApiKey = "ncbi-bad-api-key", permanent;
        /// NCBI answered with an HTTP error that retrying will not change.
        NcbiError = "ncbi-error", permanent;
        NcbiBadResponse = "ncbi-bad-response", transient;
        NcbiUnavailable = "ncbi-unavailable", transient;
        NcbiTimeout = "ncbi-timeout", transient;
        NcbiRateLimited = "ncbi-rate-limited", transient;
        /// An old binary Word `.doc` (OLE2 compound file): to be saved again as .docx or PDF.
        LegacyWordDocument = "legacy-word-document", permanent;
    }
}

/// Why a source could not become a paper.
pub type ReadError = Failure<ReadErrorKind>;

/// A local disk that takes no more writes: full (ENOSPC, EDQUOT) or mounted read-only (EROFS).
/// Its own failure in every crate, not an outage: waiting does not mend it, an operator does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiskProblem {
    Full,
    ReadOnly,
}

impl DiskProblem {
    /// The problem an I/O error stands for, if it is one of these.
    pub fn of_io(e: &std::io::Error) -> Option<DiskProblem> {
        use std::io::ErrorKind;
        match e.kind() {
            ErrorKind::StorageFull | ErrorKind::QuotaExceeded => Some(DiskProblem::Full),
            ErrorKind::ReadOnlyFilesystem => Some(DiskProblem::ReadOnly),
            // Errors wrapped in another (a copy, a stream) may only keep the text.
            _ => DiskProblem::of_message(&e.to_string()),
        }
    }

    /// The problem a tool's error output reports (ffmpeg says "No space left on device").
    pub fn of_message(text: &str) -> Option<DiskProblem> {
        if text.contains("No space left on device") || text.contains("Disk quota exceeded") {
            Some(DiskProblem::Full)
        } else if text.contains("Read-only file system") {
            Some(DiskProblem::ReadOnly)
        } else {
            None
        }
    }

    /// The stable kebab-case name of the failure kind every crate gives it.
    pub fn as_str(self) -> &'static str {
        match self {
            DiskProblem::Full => "storage-full",
            DiskProblem::ReadOnly => "storage-read-only",
        }
    }

    /// What the person whose job it stopped reads.
    pub fn message(self) -> &'static str {
        match self {
            DiskProblem::Full => {
                "The server's disk is full, so your video could not be saved. Nothing is lost: retry once the operator has made room."
            }
            DiskProblem::ReadOnly => {
                "The server's disk cannot be written to (it is read-only), so your video could not be saved. Nothing is lost: retry once the operator has fixed it."
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_unique_kebab_case() {
        let names: Vec<&str> = ReadErrorKind::ALL.iter().map(|k| k.as_str()).collect();
        let mut unique = names.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "{names:?}");
        assert!(names.iter().all(|n| n.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')));
        assert!(ReadErrorKind::NcbiRateLimited.is_transient() && !ReadErrorKind::NotFound.is_transient());
        assert_eq!(ReadErrorKind::NotFound, "not-found");
    }

    #[test]
    fn full_and_read_only_disks_are_recognised() {
        use std::io::{Error, ErrorKind};
        assert_eq!(DiskProblem::of_io(&Error::from(ErrorKind::StorageFull)), Some(DiskProblem::Full));
        assert_eq!(DiskProblem::of_io(&Error::from(ErrorKind::QuotaExceeded)), Some(DiskProblem::Full));
        assert_eq!(DiskProblem::of_io(&Error::from(ErrorKind::ReadOnlyFilesystem)), Some(DiskProblem::ReadOnly));
        assert_eq!(DiskProblem::of_io(&Error::from_raw_os_error(28)), Some(DiskProblem::Full));
        assert_eq!(DiskProblem::of_io(&Error::from_raw_os_error(30)), Some(DiskProblem::ReadOnly));
        assert_eq!(
            DiskProblem::of_io(&Error::other("copying: No space left on device (os error 28)")),
            Some(DiskProblem::Full)
        );
        assert_eq!(DiskProblem::of_io(&Error::from(ErrorKind::PermissionDenied)), None);
        assert_eq!(DiskProblem::of_io(&Error::from(ErrorKind::ConnectionRefused)), None);
        let ffmpeg = "Error writing trailer of /tmp/x/final.mp4: No space left on device";
        assert_eq!(DiskProblem::of_message(ffmpeg), Some(DiskProblem::Full));
        assert_eq!(DiskProblem::of_message("Invalid data found when processing input"), None);
    }

    /// A real write to a full device: `/dev/full` answers every write with ENOSPC.
    #[test]
    fn a_write_to_a_full_device_is_a_full_disk() {
        use std::io::Write;
        let Ok(mut full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
            eprintln!("skipped: no /dev/full on this system");
            return;
        };
        let e = full.write_all(b"x").and_then(|()| full.flush()).unwrap_err();
        assert_eq!(DiskProblem::of_io(&e), Some(DiskProblem::Full));
    }
}
