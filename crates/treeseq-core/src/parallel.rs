//! Helpers for running core work on rayon.
