//! Schema files as read, and places in them: the lowest layer, used by every stage (the syntax
//! tree, diagnostics and the IR all point into the files with a [`Span`]).

/// Where something was written: a file of the catalogue and a byte range in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Span {
    /// Index into the files read (`Catalogue::files`, `Diagnostics::files`).
    pub file: usize,
    /// Byte offset of the start.
    pub start: usize,
    /// Byte offset of the end (exclusive).
    pub end: usize,
}

/// One schema file that was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Path as given (relative to the working directory of the build).
    pub path: String,
    /// The whole text.
    pub text: String,
}
