//! Validation of tables as tskit does at load and in its integrity checks.
