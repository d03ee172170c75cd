//! Readers for every restricted-list format unmask knows, with diagnostics, and the bundled dataset
