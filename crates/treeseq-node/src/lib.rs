//! Node-API binding.
