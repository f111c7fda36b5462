//! A stand-in for `unicode_names2` with no name tables: `character` knows no names, so the
//! parser reports a `"\N{NAME}"` escape as an error (the interpreter says it is not supported
//! in the playground). It exists only to keep the tables out of the browser build.

/// The character with this Unicode name: none are known here.
pub fn character(_name: &str) -> Option<char> {
    None
}
