//! Errors as data: every failure is a stable [`ErrorCode`] plus a message that says what was
//! wrong and where (table, column, row). The bindings turn these into JavaScript
//! `TreeSeqError`s with `code` = [`ErrorCode::as_str`].

use std::fmt;

/// Stable error codes. The string form (`as_str`) is the public contract; never rename one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// Not a kastore file, truncated, overlapping or out-of-range items, unknown types.
    FileFormat,
    /// The file ends before the header does (tskit: EOFError "End of file").
    EndOfFile,
    /// kastore major version newer than 1.
    KastoreVersionTooNew,
    VersionTooOld,
    VersionTooNew,
    /// A required column is absent.
    RequiredColumn,
    /// A column has the wrong element type.
    BadColumnType,
    /// Columns of one table disagree in length.
    ColumnLength,
    /// Only one of a pair of columns that must come together (e.g. the two edge indexes).
    BothColumnsRequired,
    BadOffset,
    TablesNotIndexed,
    BadSequenceLength,
    BadEdges,
    BadNodes,
    BadSites,
    BadMutations,
    BadMigrations,
    BadIndividuals,
    BadPopulations,
    /// A metadata schema (or metadata) that tskit would refuse to decode.
    BadMetadata,
    /// A file too large for this backend (WebAssembly's 4 GiB memory) or for this machine's
    /// memory.
    FileTooLarge,
    /// The operating system could not read a file (missing, no permission, ...): the OS's
    /// message and the path.
    Io,
    BadSampleSets,
    BadWindows,
    BadParam,
    /// A result or working buffer larger than the memory ceiling (`init({ maxMemory })`), or
    /// than the address space; said before anything is allocated.
    OutputTooLarge,
    Disposed,
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        use ErrorCode::*;
        match self {
            FileFormat => "FILE_FORMAT",
            EndOfFile => "END_OF_FILE",
            KastoreVersionTooNew => "KASTORE_VERSION_TOO_NEW",
            VersionTooOld => "VERSION_TOO_OLD",
            VersionTooNew => "VERSION_TOO_NEW",
            RequiredColumn => "REQUIRED_COLUMN",
            BadColumnType => "BAD_COLUMN_TYPE",
            ColumnLength => "COLUMN_LENGTH",
            BothColumnsRequired => "BOTH_COLUMNS_REQUIRED",
            BadOffset => "BAD_OFFSET",
            TablesNotIndexed => "TABLES_NOT_INDEXED",
            BadSequenceLength => "BAD_SEQUENCE_LENGTH",
            BadEdges => "BAD_EDGES",
            BadNodes => "BAD_NODES",
            BadSites => "BAD_SITES",
            BadMutations => "BAD_MUTATIONS",
            BadMigrations => "BAD_MIGRATIONS",
            BadIndividuals => "BAD_INDIVIDUALS",
            BadPopulations => "BAD_POPULATIONS",
            BadMetadata => "BAD_METADATA",
            FileTooLarge => "FILE_TOO_LARGE",
            Io => "IO",
            BadSampleSets => "BAD_SAMPLE_SETS",
            BadWindows => "BAD_WINDOWS",
            BadParam => "BAD_PARAM",
            OutputTooLarge => "OUTPUT_TOO_LARGE",
            Disposed => "DISPOSED",
            Internal => "INTERNAL",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct TreeSeqError {
    pub code: ErrorCode,
    pub message: String,
}

impl TreeSeqError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        TreeSeqError {
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for TreeSeqError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

impl std::error::Error for TreeSeqError {}

pub type Result<T> = std::result::Result<T, TreeSeqError>;

/// `bail!(Code, "fmt", args)` returns early with a [`TreeSeqError`].
#[macro_export]
macro_rules! bail {
    ($code:ident, $($arg:tt)*) => {
        return Err($crate::error::TreeSeqError::new($crate::error::ErrorCode::$code, format!($($arg)*)))
    };
}

impl TreeSeqError {
    /// The one-line form the bindings put in a JavaScript `Error` message; the TypeScript layer
    /// parses it back into a `TreeSeqError` with `code` and `message`.
    pub fn to_wire(&self) -> String {
        format!("TREESEQ:{}:{}", self.code.as_str(), self.message)
    }
}

/// Runs `f`, turning a panic into an `INTERNAL` error: a panic must never cross into the host
/// (in Node it would kill the user's process; in WASM it would trap the instance).
pub fn catch_panics<T>(f: impl FnOnce() -> Result<T>) -> Result<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            Err(TreeSeqError::new(
                ErrorCode::Internal,
                format!("internal error (please report): {what}"),
            ))
        }
    }
}
