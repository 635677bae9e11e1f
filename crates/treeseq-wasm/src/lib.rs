//! WASM binding.
