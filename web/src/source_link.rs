//! A Python program as a URL parameter, for links and embeds that carry their own code: the
//! source compressed with raw DEFLATE (`miniz_oxide`) and written in base64url without
//! padding, after a one-character format version. Reading never panics: a value that is not
//! one of ours, from a newer format, or that would inflate past [`MAX_SOURCE`] is an error the
//! page shows as a notice. Untrusted code read from a link only ever reaches the worker's
//! interpreter.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The format this page writes (the value's first character).
pub const FORMAT: char = '1';

/// The longest program a link may carry, in bytes of source.
pub const MAX_SOURCE: usize = 64 * 1024;

/// The longest parameter value the page writes: longer links are cut by some servers, chat
/// tools and browsers' address bars. A program that does not fit is offered as a file.
pub const MAX_PARAM: usize = 6_000;

/// Why a program cannot travel in a link, or a link's program cannot be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CodeError {
    /// The program is longer than [`MAX_SOURCE`].
    SourceTooLong { bytes: usize },
    /// Compressed, it is still longer than [`MAX_PARAM`] characters.
    LinkTooLong { chars: usize },
    /// The value was written by a newer format.
    NewerFormat(char),
    /// The value is not base64url, not DEFLATE, or not UTF-8.
    Garbled,
}

impl std::fmt::Display for CodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CodeError::SourceTooLong { bytes } => write!(
                f,
                "the program is {bytes} bytes; a link holds at most {MAX_SOURCE}"
            ),
            CodeError::LinkTooLong { chars } => write!(
                f,
                "the program would make a link of {chars} characters (at most {MAX_PARAM}): \
                 download it as a .py file instead"
            ),
            CodeError::NewerFormat(v) => write!(
                f,
                "the code in this link was written by a newer Interleave (format {v})"
            ),
            CodeError::Garbled => write!(f, "the code in this link is damaged"),
        }
    }
}

/// `source` as a link parameter's value.
pub fn encode(source: &str) -> Result<String, CodeError> {
    if source.len() > MAX_SOURCE {
        return Err(CodeError::SourceTooLong {
            bytes: source.len(),
        });
    }
    let packed = miniz_oxide::deflate::compress_to_vec(source.as_bytes(), 9);
    let mut out = String::with_capacity(1 + packed.len().div_ceil(3) * 4);
    out.push(FORMAT);
    URL_SAFE_NO_PAD.encode_string(&packed, &mut out);
    if out.len() > MAX_PARAM {
        return Err(CodeError::LinkTooLong { chars: out.len() });
    }
    Ok(out)
}

/// The program a link parameter's value carries.
pub fn decode(value: &str) -> Result<String, CodeError> {
    let mut chars = value.chars();
    match chars.next() {
        Some(FORMAT) => {}
        Some(v) if v.is_ascii_digit() => return Err(CodeError::NewerFormat(v)),
        _ => return Err(CodeError::Garbled),
    }
    let packed = URL_SAFE_NO_PAD
        .decode(chars.as_str())
        .map_err(|_| CodeError::Garbled)?;
    let bytes = miniz_oxide::inflate::decompress_to_vec_with_limit(&packed, MAX_SOURCE).map_err(
        |e| match e.status {
            miniz_oxide::inflate::TINFLStatus::HasMoreOutput => CodeError::SourceTooLong {
                bytes: MAX_SOURCE + 1,
            },
            _ => CodeError::Garbled,
        },
    )?;
    String::from_utf8(bytes).map_err(|_| CodeError::Garbled)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use proptest::prelude::*;

    const PROGRAM: &str = "import threading\n\ncounter = 0\n\ndef work():\n    global counter\n    for _ in range(1000):\n        counter += 1\n\nts = [threading.Thread(target=work) for _ in range(4)]\nfor t in ts:\n    t.start()\nfor t in ts:\n    t.join()\nprint(counter)\n";

    #[test]
    fn a_program_round_trips_in_url_safe_characters_and_shrinks() {
        let v = encode(PROGRAM).unwrap();
        assert!(v.starts_with(FORMAT));
        assert!(
            v.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
            "{v}"
        );
        assert!(v.len() < PROGRAM.len(), "{} vs {}", v.len(), PROGRAM.len());
        assert_eq!(decode(&v).unwrap(), PROGRAM);
        assert_eq!(decode(&encode("").unwrap()).unwrap(), "");
    }

    #[test]
    fn oversize_programs_are_refused_with_the_reason() {
        let long = "x".repeat(MAX_SOURCE + 1);
        assert_eq!(
            encode(&long),
            Err(CodeError::SourceTooLong {
                bytes: MAX_SOURCE + 1
            })
        );
        // Random-looking text does not compress: it fits the source limit but not a link.
        let mut noise = String::new();
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        while noise.len() < 20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            noise.push(char::from(b'!' + (x % 90) as u8));
        }
        match encode(&noise) {
            Err(e @ CodeError::LinkTooLong { .. }) => {
                assert!(e.to_string().contains(".py"), "{e}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn bad_values_are_errors_not_panics() {
        assert_eq!(decode(""), Err(CodeError::Garbled));
        assert_eq!(decode("1***"), Err(CodeError::Garbled));
        assert_eq!(decode("1AAAA"), Err(CodeError::Garbled));
        assert_eq!(decode("2abc"), Err(CodeError::NewerFormat('2')));
        assert_eq!(decode("xabc"), Err(CodeError::Garbled));
        // Not UTF-8 inside.
        let packed = miniz_oxide::deflate::compress_to_vec(&[0xff, 0xfe], 9);
        let v = format!("{FORMAT}{}", URL_SAFE_NO_PAD.encode(packed));
        assert_eq!(decode(&v), Err(CodeError::Garbled));
    }

    #[test]
    fn a_value_that_inflates_past_the_limit_is_refused() {
        // A megabyte of one letter compresses to about a kilobyte.
        let bomb = miniz_oxide::deflate::compress_to_vec(&vec![b'a'; 1 << 20], 9);
        let v = format!("{FORMAT}{}", URL_SAFE_NO_PAD.encode(&bomb));
        assert!(v.len() < MAX_PARAM, "{}", v.len());
        assert!(matches!(decode(&v), Err(CodeError::SourceTooLong { .. })));
    }

    proptest! {
        #[test]
        fn any_program_that_fits_round_trips(src in any::<String>()) {
            match encode(&src) {
                Ok(v) => prop_assert_eq!(decode(&v).unwrap(), src),
                Err(CodeError::LinkTooLong { chars }) => prop_assert!(chars > MAX_PARAM),
                Err(e) => prop_assert!(false, "{e}"),
            }
        }

        #[test]
        fn any_value_decodes_or_is_an_error(v in ".{0,300}") {
            let _ = decode(&v);
        }

        #[test]
        fn base64_garbage_decodes_or_is_an_error(v in "1[A-Za-z0-9_-]{0,400}") {
            if let Ok(src) = decode(&v) {
                prop_assert!(src.len() <= MAX_SOURCE);
            }
        }
    }
}
