//! Errors for reading CoSPLib workbooks: each names the file part (sheet, cell) that is wrong.

use thiserror::Error;

/// Why a CoSPLib instance or solution workbook could not be read.
///
/// Infeasible or poor schedules are not errors: they are scored by the evaluator.
/// Errors are for input the authors' checker would also reject (or crash on).
#[derive(Debug, Error)]
pub enum ReadError {
    /// The file is not a readable .xlsx workbook.
    #[error("cannot open workbook {path}: {source}")]
    Open {
        /// The path given.
        path: String,
        /// What calamine reported.
        #[source]
        source: calamine::XlsxError,
    },
    /// A sheet the checker reads is missing or unreadable.
    #[error("sheet `{sheet}`: {message}")]
    Sheet {
        /// Sheet name.
        sheet: String,
        /// What is wrong with it.
        message: String,
    },
    /// One cell holds something the checker cannot use.
    #[error("sheet `{sheet}`, cell {cell}: {message}")]
    Cell {
        /// Sheet name.
        sheet: String,
        /// Excel reference, e.g. `C7`.
        cell: String,
        /// What is wrong with it.
        message: String,
    },
    /// Names do not agree across sheets (unknown track, duplicate submission, ...).
    #[error("{0}")]
    Inconsistent(String),
}

/// Why a solution workbook could not be written.
#[derive(Debug, Error)]
pub enum WriteError {
    /// Creating or writing the file failed.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The path given.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The zip container could not be built.
    #[error("cannot build the workbook: {0}")]
    Zip(#[from] zip::result::ZipError),
}
