//! String formatting exactly as CPython 3.11 does it: `repr(float)`, `format(value, spec)` for
//! int, bool, float and str, printf-style `fmt % args`, and the template parser behind
//! `str.format`.
//!
//! The module knows nothing of the interpreter's values: it takes plain Rust values and returns a
//! string or a [`FormatError`] naming the Python exception to raise. It follows CPython's
//! `Python/formatter_unicode.c`, `Python/pystrtod.c`, `Objects/unicodeobject.c` (the `%`
//! operator) and `Objects/stringlib/unicode_format.h` (templates) step by step, so that odd
//! corners (zero padding with grouping, `'%(a)%'`, which error wins) behave the same.
//!
//! Decimal digits come from Rust's float formatting, which is exact like CPython's `dtoa.c`:
//! `{:e}` gives the shortest digits that round-trip and `{:.*e}` / `{:.*}` correctly rounded ones
//! (ties of the exact binary value go to even). CPython's layout rules are applied to them here.
//!
//! Known differences: a conversion asked to build more than [`MAX_LENGTH`] characters of padding
//! or digits fails with a `MemoryError` (CPython would try); `%c` / `format(i, 'c')` of a lone
//! surrogate code point gives U+FFFD, because a Rust string cannot hold a surrogate; `'n'` always
//! formats as in the C locale (as CPython does unless the program calls `locale.setlocale`);
//! [`parse_template`] reports a template's syntax errors before the caller renders anything.

use std::fmt;

/// The longest padding or run of digits a single conversion may build. CPython tries to allocate
/// whatever it is asked for; beyond this the playground raises `MemoryError` instead.
pub const MAX_LENGTH: usize = 10_000_000;

/// C's `INT_MAX`, the bound CPython puts on float precisions.
const INT_MAX: i64 = i32::MAX as i64;

/// The most significant digits an exact `f64` has (767); more are zeros, so asking Rust for
/// more is wasted work (and Rust refuses precisions above `u16::MAX`).
const MAX_SIG_DIGITS: i64 = 800;

/// The most digits after the point an exact `f64` has (1074, for the smallest subnormal).
const MAX_FRAC_DIGITS: i64 = 1100;

/// An error: the Python exception class to raise and its message.
#[derive(Debug, Clone, PartialEq)]
pub struct FormatError {
    /// The exception class.
    pub kind: FormatErrorKind,
    /// The message, exactly as CPython words it.
    pub message: String,
}

/// The Python exception classes formatting can raise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormatErrorKind {
    /// `ValueError`, for a malformed spec or template and most misuses.
    ValueError,
    /// `TypeError`, for arguments of the wrong type or number.
    TypeError,
    /// `KeyError`, for a `%(key)s` the mapping lacks.
    KeyError,
    /// `IndexError`; the parsers here never raise it, but callers rendering templates do.
    IndexError,
    /// `OverflowError`, for `%c` / `'c'` of an int outside `range(0x110000)` and similar.
    OverflowError,
    /// `MemoryError`, for a conversion longer than [`MAX_LENGTH`].
    MemoryError,
}

impl FormatErrorKind {
    /// The Python name of the exception class.
    pub fn name(self) -> &'static str {
        match self {
            Self::ValueError => "ValueError",
            Self::TypeError => "TypeError",
            Self::KeyError => "KeyError",
            Self::IndexError => "IndexError",
            Self::OverflowError => "OverflowError",
            Self::MemoryError => "MemoryError",
        }
    }
}

impl FormatError {
    /// An error of the given class with the given message.
    pub fn new(kind: FormatErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    fn value(message: impl Into<String>) -> Self {
        Self::new(FormatErrorKind::ValueError, message)
    }

    fn type_error(message: impl Into<String>) -> Self {
        Self::new(FormatErrorKind::TypeError, message)
    }

    fn overflow(message: impl Into<String>) -> Self {
        Self::new(FormatErrorKind::OverflowError, message)
    }

    fn memory() -> Self {
        Self::new(
            FormatErrorKind::MemoryError,
            format!("formatted value longer than {MAX_LENGTH} characters"),
        )
    }
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.name(), self.message)
    }
}

impl std::error::Error for FormatError {}

/// Fails with `MemoryError` when a conversion would build more than [`MAX_LENGTH`] characters.
fn check_len(n: i64) -> Result<(), FormatError> {
    if n > MAX_LENGTH as i64 {
        Err(FormatError::memory())
    } else {
        Ok(())
    }
}

/// Converts a non-negative count to `usize`, saturating (the counts here are bounded by
/// [`MAX_LENGTH`] before they are used to build anything).
fn to_usize(n: i64) -> usize {
    usize::try_from(n.max(0)).unwrap_or(usize::MAX)
}

/// Converts a `usize` to `i64`, saturating.
fn to_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Appends `n` copies of `c` (nothing when `n <= 0`).
fn push_n(s: &mut String, c: char, n: i64) {
    s.extend(std::iter::repeat_n(c, to_usize(n)));
}

/// The first code point of every run of ten Unicode decimal digits (Unicode 14.0, CPython
/// 3.11's `Py_UNICODE_TODECIMAL`): format specs and template field names accept them all.
const DECIMAL_ZEROS: [u32; 66] = [
    0x30, 0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66,
    0xDE6, 0xE50, 0xED0, 0xF20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90,
    0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10,
    0x104A0, 0x10D30, 0x11066, 0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0, 0x11650,
    0x116C0, 0x11730, 0x118E0, 0x11950, 0x11C50, 0x11D50, 0x11DA0, 0x16A60, 0x16AC0, 0x16B50,
    0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0, 0x1E950, 0x1FBF0,
];

/// The value of a Unicode decimal digit, as `Py_UNICODE_TODECIMAL` gives it.
fn decimal_value(c: char) -> Option<i64> {
    let c = u32::from(c);
    let i = DECIMAL_ZEROS.partition_point(|&zero| zero <= c);
    let zero = *DECIMAL_ZEROS.get(i.checked_sub(1)?)?;
    let d = c - zero;
    (d < 10).then_some(i64::from(d))
}

/// Reads a run of decimal digits at `pos` as CPython's `get_integer` does: `None` when there
/// is none, an error beyond `PY_SSIZE_T_MAX`.
fn read_integer(c: &[char], pos: &mut usize) -> Result<Option<i64>, FormatError> {
    let mut acc: i64 = 0;
    let mut any = false;
    while let Some(d) = c.get(*pos).and_then(|&ch| decimal_value(ch)) {
        if acc > (i64::MAX - d) / 10 {
            return Err(FormatError::value(
                "Too many decimal digits in format string",
            ));
        }
        acc = acc * 10 + d;
        *pos += 1;
        any = true;
    }
    Ok(any.then_some(acc))
}

/// A presentation type as CPython's messages show it: the character itself when it is
/// printable ASCII, else `\x` and its code in hex.
fn show_type(t: char) -> String {
    let u = u32::from(t);
    if u > 32 && u < 128 {
        t.to_string()
    } else {
        format!("\\x{u:x}")
    }
}

/// The error for a presentation type a value's type does not know.
fn unknown_type(t: char, type_name: &str) -> FormatError {
    FormatError::value(format!(
        "Unknown format code '{}' for object of type '{type_name}'",
        show_type(t)
    ))
}

/// A parsed format spec, `[[fill]align][sign][z][#][0][width][grouping][.precision][type]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    /// The fill character: the one given before an alignment, else `'0'` when the `0` flag is
    /// given, else a space.
    pub fill: char,
    /// The alignment given (`<`, `>`, `=` or `^`); `None` means the type's default (`>` for
    /// numbers, or `=` with the `0` flag; `<` for strings).
    pub align: Option<char>,
    /// The sign option given (`+`, `-` or a space).
    pub sign: Option<char>,
    /// The `z` option: negative zero (after rounding) prints as zero. Floats only.
    pub z: bool,
    /// The `#` option (alternate form).
    pub alternate: bool,
    /// The `0` flag (only recognised when no fill character was given).
    pub zero: bool,
    /// The minimum width.
    pub width: Option<usize>,
    /// The thousands separator, `,` or `_`.
    pub grouping: Option<char>,
    /// The precision.
    pub precision: Option<usize>,
    /// The presentation type; `None` means the type's default.
    pub ty: Option<char>,
}

/// Parses a format spec with no type in mind: the checks that depend on the value's type (which
/// presentation types and options it allows) are left to the `format_*` functions, except that
/// a thousands separator must suit the explicit type. An over-long spec is reported as for an
/// `object`.
pub fn parse_spec(spec: &str) -> Result<Spec, FormatError> {
    parse_spec_for(spec, "object", None)
}

/// Parses a format spec as CPython's `parse_internal_render_format_spec` does for a value of type
/// `type_name` whose default presentation type is `default_type` (`Some('d')` for int,
/// `Some('s')` for str, `None` for float); both only shape the error messages and the check of
/// the thousands separator.
pub fn parse_spec_for(
    spec: &str,
    type_name: &str,
    default_type: Option<char>,
) -> Result<Spec, FormatError> {
    let c: Vec<char> = spec.chars().collect();
    let end = c.len();
    let at = |i: usize| c.get(i).copied();
    let is_align = |ch: Option<char>| matches!(ch, Some('<' | '>' | '=' | '^'));
    let mut pos = 0;
    let mut fill = ' ';
    let mut align = None;
    let mut fill_given = false;
    if end >= 2 && is_align(at(1)) {
        align = at(1);
        fill = c[0];
        fill_given = true;
        pos = 2;
    } else if is_align(at(0)) {
        align = at(0);
        pos = 1;
    }
    let mut sign = None;
    if let Some(s @ ('+' | '-' | ' ')) = at(pos) {
        sign = Some(s);
        pos += 1;
    }
    let z = at(pos) == Some('z');
    if z {
        pos += 1;
    }
    let alternate = at(pos) == Some('#');
    if alternate {
        pos += 1;
    }
    let zero = !fill_given && at(pos) == Some('0');
    if zero {
        fill = '0';
        pos += 1;
    }
    let width = read_integer(&c, &mut pos)?;
    let mut grouping = None;
    if at(pos) == Some(',') {
        grouping = Some(',');
        pos += 1;
    }
    if at(pos) == Some('_') {
        if grouping.is_some() {
            return Err(FormatError::value("Cannot specify both ',' and '_'."));
        }
        grouping = Some('_');
        pos += 1;
    }
    if at(pos) == Some(',') && grouping == Some('_') {
        return Err(FormatError::value("Cannot specify both ',' and '_'."));
    }
    let mut precision = None;
    if at(pos) == Some('.') {
        pos += 1;
        precision = read_integer(&c, &mut pos)?;
        if precision.is_none() {
            return Err(FormatError::value("Format specifier missing precision"));
        }
    }
    if end - pos > 1 {
        return Err(FormatError::value(format!(
            "Invalid format specifier '{spec}' for object of type '{type_name}'"
        )));
    }
    let ty = at(pos);
    if let Some(sep) = grouping {
        match ty.or(default_type) {
            None | Some('d' | 'e' | 'f' | 'g' | 'E' | 'G' | '%' | 'F') => {}
            Some('b' | 'o' | 'x' | 'X') if sep == '_' => {}
            Some(t) => {
                return Err(FormatError::value(format!(
                    "Cannot specify '{sep}' with '{}'.",
                    show_type(t)
                )));
            }
        }
    }
    Ok(Spec {
        fill,
        align,
        sign,
        z,
        alternate,
        zero,
        width: width.map(to_usize),
        grouping,
        precision: precision.map(to_usize),
        ty,
    })
}

/// The padding a spec asks for, with the type's default alignment resolved.
struct Layout {
    fill: char,
    align: char,
    sign: Option<char>,
    width: Option<usize>,
}

impl Layout {
    fn new(spec: &Spec, default_align: char) -> Self {
        let align = spec.align.unwrap_or(if spec.zero && default_align == '>' {
            '='
        } else {
            default_align
        });
        Self {
            fill: spec.fill,
            align,
            sign: spec.sign,
            width: spec.width,
        }
    }

    /// The width as a signed count, `-1` when none was given (CPython's convention).
    fn width(&self) -> Result<i64, FormatError> {
        match self.width {
            Some(w) => {
                let w = to_i64(w);
                check_len(w)?;
                Ok(w)
            }
            None => Ok(-1),
        }
    }
}

/// Groups `digits` (ASCII) with `sep` every `size` digits from the right, first padding them with
/// zeros to at least `min_width` characters, as `_PyUnicode_InsertThousandsGrouping` does.
fn group_digits(digits: &str, min_width: i64, grouping: Option<(char, usize)>) -> String {
    let digits = digits.as_bytes();
    let mut min_width = min_width.max(0);
    let mut remaining = to_i64(digits.len());
    let mut end = digits.len();
    // The groups from the right, each written as zeros, digits, then the separator that follows.
    let mut groups: Vec<String> = Vec::new();
    let mut take = |n_chars: i64, n_zeros: i64, sep: Option<char>| {
        let mut g = String::new();
        push_n(&mut g, '0', n_zeros);
        let start = end.saturating_sub(to_usize(n_chars));
        g.extend(
            digits
                .get(start..end)
                .unwrap_or_default()
                .iter()
                .map(|&b| char::from(b)),
        );
        end = start;
        g.extend(sep);
        groups.push(g);
    };
    let mut use_sep = false;
    let mut broken = false;
    if let Some((sep, size)) = grouping {
        let size = to_i64(size);
        loop {
            let len = size.min(remaining.max(min_width).max(1));
            let n_zeros = (len - remaining).max(0);
            let n_chars = remaining.min(len).max(0);
            take(n_chars, n_zeros, use_sep.then_some(sep));
            use_sep = true;
            remaining -= n_chars;
            min_width -= len;
            if remaining <= 0 && min_width <= 0 {
                broken = true;
                break;
            }
            min_width -= 1;
        }
    }
    if !broken {
        let len = remaining.max(min_width).max(1);
        let n_zeros = (len - remaining).max(0);
        let n_chars = remaining.min(len).max(0);
        take(
            n_chars,
            n_zeros,
            grouping.filter(|_| use_sep).map(|(sep, _)| sep),
        );
    }
    groups.iter().rev().map(String::as_str).collect()
}

/// Lays out a number as CPython's `calc_number_widths` and `fill_number` do:
/// `<lpadding><sign><prefix><spadding><grouped digits><decimal point><remainder><rpadding>`.
fn layout_number(
    negative: bool,
    prefix: &str,
    digits: &str,
    decimal: bool,
    remainder: &str,
    layout: &Layout,
    grouping: Option<(char, usize)>,
) -> Result<String, FormatError> {
    let width = layout.width()?;
    let sign = match layout.sign {
        Some('+') => Some(if negative { '-' } else { '+' }),
        Some(' ') => Some(if negative { '-' } else { ' ' }),
        _ => negative.then_some('-'),
    };
    let non_digits = i64::from(sign.is_some())
        + to_i64(prefix.chars().count())
        + i64::from(decimal)
        + to_i64(remainder.chars().count());
    let min_width = if layout.fill == '0' && layout.align == '=' {
        width - non_digits
    } else {
        0
    };
    let grouped = if digits.is_empty() {
        String::new()
    } else {
        group_digits(digits, min_width, grouping)
    };
    let padding = width - (non_digits + to_i64(grouped.len()));
    let (left, middle, right) = if padding > 0 {
        match layout.align {
            '<' => (0, 0, padding),
            '^' => (padding / 2, 0, padding - padding / 2),
            '=' => (0, padding, 0),
            _ => (padding, 0, 0),
        }
    } else {
        (0, 0, 0)
    };
    let mut out = String::with_capacity(grouped.len() + remainder.len() + to_usize(padding) + 4);
    push_n(&mut out, layout.fill, left);
    out.extend(sign);
    out.push_str(prefix);
    push_n(&mut out, layout.fill, middle);
    out.push_str(&grouped);
    if decimal {
        out.push('.');
    }
    out.push_str(remainder);
    push_n(&mut out, layout.fill, right);
    Ok(out)
}

/// Pads `s` (of `len` characters) to the width as CPython's `calc_padding` does for strings.
fn pad_str(s: &str, len: usize, layout: &Layout) -> Result<String, FormatError> {
    let width = layout.width()?;
    let len = to_i64(len);
    let total = width.max(len);
    let left = match layout.align {
        '>' => total - len,
        '^' => (total - len) / 2,
        _ => 0,
    };
    let mut out = String::with_capacity(s.len() + to_usize(total - len));
    push_n(&mut out, layout.fill, left);
    out.push_str(s);
    push_n(&mut out, layout.fill, total - len - left);
    Ok(out)
}

/// The digits of an exact decimal, CPython's `_Py_dg_dtoa` style: the value is
/// `0.<digits> * 10**decpt`, with no leading or trailing zeros; zero is `"0"` with `decpt` 1.
struct Digits {
    digits: Vec<u8>,
    decpt: i64,
}

impl Digits {
    fn normalized(digits: &[u8], decpt: i64) -> Self {
        let lead = digits.iter().take_while(|&&d| d == b'0').count();
        let rest = digits.get(lead..).unwrap_or_default();
        let trail = rest.iter().rev().take_while(|&&d| d == b'0').count();
        let kept = rest.get(..rest.len() - trail).unwrap_or_default();
        if kept.is_empty() {
            Self {
                digits: b"0".to_vec(),
                decpt: 1,
            }
        } else {
            Self {
                digits: kept.to_vec(),
                decpt: decpt - to_i64(lead),
            }
        }
    }

    /// Reads Rust's exponent form, `d.ddde-7`.
    fn from_exponent_form(s: &str) -> Self {
        let (mantissa, exp) = s.split_once('e').unwrap_or((s, "0"));
        let exp: i64 = exp.parse().unwrap_or(0);
        let digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
        Self::normalized(&digits, exp + 1)
    }

    /// The shortest digits that round-trip (mode 0), the nearest such when several are. Rust and
    /// `dtoa.c` agree except on an exact tie between the two nearest, where `dtoa.c` takes the one
    /// ending in an even digit and Rust may take the other: `2**-25` is exactly
    /// `2.98023223876953125e-08`, which Rust shortens to `...313` and CPython to `...312`.
    fn shortest(a: f64) -> Self {
        let rust = Self::from_exponent_form(&format!("{a:e}"));
        let n = rust.digits.len();
        // A tie at n digits means the exact value has n + 1 digits, the last a 5.
        let more = format!("{a:.n$e}");
        let (mantissa, exp) = more.split_once('e').unwrap_or((&more, "0"));
        let mut digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
        if digits.last() != Some(&b'5') || digits.len() != n + 1 {
            return rust;
        }
        let exact = format!("{a:.p$e}", p = to_usize(MAX_SIG_DIGITS));
        let exact_digits = exact.split_once('e').map_or("", |(m, _)| m).bytes();
        if exact_digits
            .filter(u8::is_ascii_digit)
            .skip(n + 1)
            .any(|d| d != b'0')
        {
            return rust;
        }
        digits.pop();
        let mut decpt = exp.parse::<i64>().unwrap_or(0) + 1;
        if digits.last().is_some_and(|d| d % 2 == 1) {
            // The even candidate is the upper one: add one unit in the last place.
            let mut i = digits.len();
            loop {
                let Some(i_prev) = i.checked_sub(1) else {
                    digits.insert(0, b'1');
                    decpt += 1;
                    break;
                };
                i = i_prev;
                if digits[i] == b'9' {
                    digits[i] = b'0';
                } else {
                    digits[i] += 1;
                    break;
                }
            }
        }
        let even = Self::normalized(&digits, decpt);
        // Only a candidate that reads back as `a` will do.
        let text: String = even.digits.iter().map(|&b| char::from(b)).collect();
        let back = format!("0.{text}e{}", even.decpt).parse::<f64>();
        if back == Ok(a) { even } else { rust }
    }

    /// `n >= 1` significant digits, correctly rounded (mode 2).
    fn significant(a: f64, n: i64) -> Self {
        let p = to_usize(n.clamp(1, MAX_SIG_DIGITS) - 1);
        Self::from_exponent_form(&format!("{a:.p$e}"))
    }

    /// `n >= 0` digits after the point, correctly rounded (mode 3).
    fn fixed(a: f64, n: i64) -> Self {
        let p = to_usize(n.clamp(0, MAX_FRAC_DIGITS));
        let s = format!("{a:.p$}");
        let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
        let mut digits = int.as_bytes().to_vec();
        digits.extend_from_slice(frac.as_bytes());
        Self::normalized(&digits, to_i64(int.len()))
    }
}

/// The options of CPython's `PyOS_double_to_string` (callers here add any `+` themselves).
#[derive(Clone, Copy, Default)]
struct DtoaFlags {
    /// `Py_DTSF_ADD_DOT_0`: `.0` after integers in fixed notation (`'r'` and `'g'`).
    add_dot_0: bool,
    /// `Py_DTSF_ALT`: the `#` form (keep the point and trailing zeros).
    alt: bool,
    /// `Py_DTSF_NO_NEG_0`: no minus sign on a zero (after rounding).
    no_neg_0: bool,
}

/// CPython's `PyOS_double_to_string`: `code` is one of `e E f F g G r`.
fn double_to_string(
    val: f64,
    code: char,
    precision: usize,
    flags: DtoaFlags,
) -> Result<String, FormatError> {
    let upper = code.is_ascii_uppercase();
    let code = code.to_ascii_lowercase();
    let precision = to_i64(precision);
    let precision = match code {
        'e' => precision + 1,
        'g' => precision.max(1),
        'r' => 0,
        _ => precision,
    };
    if !val.is_finite() {
        let mut s = String::new();
        if val.is_infinite() && val < 0.0 {
            s.push('-');
        }
        s.push_str(match (val.is_nan(), upper) {
            (true, false) => "nan",
            (true, true) => "NAN",
            (false, false) => "inf",
            (false, true) => "INF",
        });
        return Ok(s);
    }
    let a = val.abs();
    let Digits { digits, mut decpt } = match code {
        'e' | 'g' => Digits::significant(a, precision),
        'f' => Digits::fixed(a, precision),
        _ => Digits::shortest(a),
    };
    let digits_len = to_i64(digits.len());
    let mut vdigits_end = digits_len;
    let mut use_exp = false;
    match code {
        'e' => {
            use_exp = true;
            vdigits_end = precision;
        }
        'f' => vdigits_end = decpt + precision,
        'g' => {
            let limit = if flags.add_dot_0 {
                precision - 1
            } else {
                precision
            };
            use_exp = decpt <= -4 || decpt > limit;
            if flags.alt {
                vdigits_end = precision;
            }
        }
        _ => use_exp = decpt <= -4 || decpt > 16,
    }
    let mut exp = 0;
    if use_exp {
        exp = decpt - 1;
        decpt = 1;
    }
    let vdigits_start = if decpt <= 0 { decpt - 1 } else { 0 };
    vdigits_end = if !use_exp && flags.add_dot_0 {
        vdigits_end.max(decpt + 1)
    } else {
        vdigits_end.max(decpt)
    };
    check_len(vdigits_end - vdigits_start)?;
    let digit_str = |d: &[u8]| d.iter().map(|&b| char::from(b)).collect::<String>();
    let mut s = String::with_capacity(to_usize(vdigits_end - vdigits_start) + 8);
    if val.is_sign_negative() && !(flags.no_neg_0 && digits == b"0") {
        s.push('-');
    }
    if decpt <= 0 {
        push_n(&mut s, '0', decpt - vdigits_start);
        s.push('.');
        push_n(&mut s, '0', -decpt);
    } else {
        push_n(&mut s, '0', -vdigits_start);
    }
    match digits.split_at_checked(to_usize(decpt)) {
        Some((int, frac)) if decpt > 0 => {
            s.push_str(&digit_str(int));
            s.push('.');
            s.push_str(&digit_str(frac));
        }
        _ => s.push_str(&digit_str(&digits)),
    }
    if digits_len < decpt {
        push_n(&mut s, '0', decpt - digits_len);
        s.push('.');
        push_n(&mut s, '0', vdigits_end - decpt);
    } else {
        push_n(&mut s, '0', vdigits_end - digits_len);
    }
    if s.ends_with('.') && !flags.alt {
        s.pop();
    }
    if use_exp {
        s.push(if upper { 'E' } else { 'e' });
        s.push_str(&format!("{exp:+03}"));
    }
    Ok(s)
}

/// `repr(x)` (and `str(x)`) of a float as CPython gives it: the shortest digits that round-trip,
/// in fixed notation when `1e-4 <= |x| < 1e16` (with `.0` after an integer), else as `1e+16`,
/// `1.5e-05`; `inf`, `-inf`, `nan`.
pub fn float_repr(x: f64) -> String {
    let flags = DtoaFlags {
        add_dot_0: true,
        ..DtoaFlags::default()
    };
    // A repr is at most a few dozen characters long, so the length check cannot fail.
    double_to_string(x, 'r', 0, flags).unwrap_or_default()
}

/// `format(x, spec)` for a float: types `e E f F g G n %` and none (like `g` but with at least
/// one digit after the point, and `repr` when no precision is given); fill, alignment, sign,
/// `z`, `#`, `0`, width, grouping and precision; `inf` and `nan`.
pub fn format_float(x: f64, spec: &str) -> Result<String, FormatError> {
    if spec.is_empty() {
        return Ok(float_repr(x));
    }
    let spec = parse_spec_for(spec, "float", None)?;
    match spec.ty {
        None | Some('e' | 'E' | 'f' | 'F' | 'g' | 'G' | 'n' | '%') => format_float_spec(x, &spec),
        Some(t) => Err(unknown_type(t, "float")),
    }
}

/// CPython's `format_float_internal`: formats `x` with a parsed spec whose type suits a float.
fn format_float_spec(x: f64, spec: &Spec) -> Result<String, FormatError> {
    if spec.precision.is_some_and(|p| to_i64(p) > INT_MAX) {
        return Err(FormatError::value("precision too big"));
    }
    let mut ty = spec.ty.unwrap_or('r');
    let mut default_precision = 6;
    let mut flags = DtoaFlags {
        alt: spec.alternate,
        no_neg_0: spec.z,
        ..DtoaFlags::default()
    };
    if spec.ty.is_none() {
        flags.add_dot_0 = true;
        default_precision = 0;
    }
    if ty == 'n' {
        ty = 'g';
    }
    let mut val = x;
    let percent = ty == '%';
    if percent {
        ty = 'f';
        val *= 100.0;
    }
    let precision = match spec.precision {
        None => default_precision,
        Some(p) => {
            if ty == 'r' {
                ty = 'g';
            }
            p
        }
    };
    let mut buf = double_to_string(val, ty, precision, flags)?;
    if percent {
        buf.push('%');
    }
    let (negative, body) = match buf.strip_prefix('-') {
        Some(body) => (true, body),
        None => (false, buf.as_str()),
    };
    let (digits, rest) = body.split_at(body.bytes().take_while(u8::is_ascii_digit).count());
    let (decimal, remainder) = match rest.strip_prefix('.') {
        Some(remainder) => (true, remainder),
        None => (false, rest),
    };
    let grouping = if spec.ty == Some('n') {
        None
    } else {
        spec.grouping.map(|sep| (sep, 3))
    };
    layout_number(
        negative,
        "",
        digits,
        decimal,
        remainder,
        &Layout::new(spec, '>'),
        grouping,
    )
}

/// `format(i, spec)` for an int: types `b c d o x X n` and, through float, `e E f F g G %`;
/// fill, alignment (including `=`), sign, `#`, `0`, width and grouping (`,` and `_`, every four
/// digits for `b o x X`). The empty spec gives `str(i)`.
pub fn format_int(i: i64, spec: &str) -> Result<String, FormatError> {
    format_int_typed(i, spec, "int")
}

/// `format(b, spec)` for a bool: `str(b)` (`True`/`False`) for the empty spec, else as the int
/// 0 or 1, with `bool` in error messages.
pub fn format_bool(b: bool, spec: &str) -> Result<String, FormatError> {
    if spec.is_empty() {
        return Ok(if b { "True" } else { "False" }.to_string());
    }
    format_int_typed(i64::from(b), spec, "bool")
}

/// `format(i, spec)` for an int whose type is called `type_name` in error messages.
fn format_int_typed(i: i64, spec: &str, type_name: &str) -> Result<String, FormatError> {
    if spec.is_empty() {
        return Ok(i.to_string());
    }
    let spec = parse_spec_for(spec, type_name, Some('d'))?;
    match spec.ty.unwrap_or('d') {
        'b' | 'c' | 'd' | 'o' | 'x' | 'X' | 'n' => format_int_spec(i, &spec),
        // CPython converts the int to the nearest float, as `as` does.
        'e' | 'E' | 'f' | 'F' | 'g' | 'G' | '%' => format_float_spec(i as f64, &spec),
        t => Err(unknown_type(t, type_name)),
    }
}

/// The character of code point `i` for `%c` and `'c'`.
fn code_point_char(i: i64) -> Result<char, FormatError> {
    if !(0..=0x10FFFF).contains(&i) {
        return Err(FormatError::overflow("%c arg not in range(0x110000)"));
    }
    // A lone surrogate cannot live in a Rust string: it becomes U+FFFD.
    Ok(u32::try_from(i)
        .ok()
        .and_then(char::from_u32)
        .unwrap_or('\u{FFFD}'))
}

/// The digits of `mag` in `base` (2, 8, 10 or 16).
fn digits_in_base(mut mag: u64, base: u64, upper: bool) -> String {
    let table: &[u8; 16] = if upper {
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    let mut out = Vec::new();
    loop {
        let d = usize::try_from(mag % base).unwrap_or(0);
        out.push(table.get(d).copied().unwrap_or(b'0'));
        mag /= base;
        if mag == 0 {
            break;
        }
    }
    out.iter().rev().map(|&b| char::from(b)).collect()
}

/// CPython's `format_long_internal`: formats `i` with a parsed spec whose type suits an int.
fn format_int_spec(i: i64, spec: &Spec) -> Result<String, FormatError> {
    if spec.precision.is_some() {
        return Err(FormatError::value(
            "Precision not allowed in integer format specifier",
        ));
    }
    if spec.z {
        return Err(FormatError::value(
            "Negative zero coercion (z) not allowed in integer format specifier",
        ));
    }
    let layout = Layout::new(spec, '>');
    let ty = spec.ty.unwrap_or('d');
    if ty == 'c' {
        if spec.sign.is_some() {
            return Err(FormatError::value(
                "Sign not allowed with integer format specifier 'c'",
            ));
        }
        if spec.alternate {
            return Err(FormatError::value(
                "Alternate form (#) not allowed with integer format specifier 'c'",
            ));
        }
        let c = code_point_char(i)?.to_string();
        return layout_number(false, "", "", false, &c, &layout, None);
    }
    let (base, prefix) = match ty {
        'b' => (2, "0b"),
        'o' => (8, "0o"),
        'x' => (16, "0x"),
        'X' => (16, "0X"),
        _ => (10, ""),
    };
    let digits = digits_in_base(i.unsigned_abs(), base, ty == 'X');
    let prefix = if spec.alternate { prefix } else { "" };
    let grouping = if ty == 'n' {
        None
    } else {
        spec.grouping
            .map(|sep| (sep, if base == 10 { 3 } else { 4 }))
    };
    layout_number(i < 0, prefix, &digits, false, "", &layout, grouping)
}

/// `format(s, spec)` for a str: fill, alignment, width, precision (truncation) and type `s` or
/// none; CPython's errors for the rest.
pub fn format_str(s: &str, spec: &str) -> Result<String, FormatError> {
    if spec.is_empty() {
        return Ok(s.to_string());
    }
    let spec = parse_spec_for(spec, "str", Some('s'))?;
    let ty = spec.ty.unwrap_or('s');
    if ty != 's' {
        return Err(unknown_type(ty, "str"));
    }
    match spec.sign {
        Some(' ') => {
            return Err(FormatError::value(
                "Space not allowed in string format specifier",
            ));
        }
        Some(_) => {
            return Err(FormatError::value(
                "Sign not allowed in string format specifier",
            ));
        }
        None => {}
    }
    if spec.z {
        return Err(FormatError::value(
            "Negative zero coercion (z) not allowed in string format specifier",
        ));
    }
    if spec.alternate {
        return Err(FormatError::value(
            "Alternate form (#) not allowed in string format specifier",
        ));
    }
    let layout = Layout::new(&spec, '<');
    if layout.align == '=' {
        return Err(FormatError::value(
            "'=' alignment not allowed in string format specifier",
        ));
    }
    let mut len = s.chars().count();
    let mut s = s;
    if let Some(p) = spec.precision.filter(|&p| p < len) {
        len = p;
        s = s.char_indices().nth(p).map_or(s, |(at, _)| &s[..at]);
    }
    pad_str(s, len, &layout)
}

/// An argument as the `%` operator needs it.
#[derive(Debug, Clone, PartialEq)]
pub enum PercentArg {
    /// An int.
    Int(i64),
    /// A bool: an int for the numeric conversions, `True`/`False` for `%s` and `%r`.
    Bool(bool),
    /// A float.
    Float(f64),
    /// A str, with its `repr()`.
    Str {
        /// The string itself.
        str: String,
        /// Its `repr()`.
        repr: String,
    },
    /// Any other object, with its type's name (for error messages), `str()` and `repr()`.
    Other {
        /// The type's name, as in `not list`.
        type_name: String,
        /// Its `str()`.
        str: String,
        /// Its `repr()`.
        repr: String,
    },
}

impl PercentArg {
    fn type_name(&self) -> &str {
        match self {
            Self::Int(_) => "int",
            Self::Bool(_) => "bool",
            Self::Float(_) => "float",
            Self::Str { .. } => "str",
            Self::Other { type_name, .. } => type_name,
        }
    }

    fn to_str(&self) -> String {
        match self {
            Self::Int(i) => i.to_string(),
            Self::Bool(b) => if *b { "True" } else { "False" }.to_string(),
            Self::Float(x) => float_repr(*x),
            Self::Str { str, .. } | Self::Other { str, .. } => str.clone(),
        }
    }

    fn to_repr(&self) -> String {
        match self {
            Self::Str { repr, .. } | Self::Other { repr, .. } => repr.clone(),
            _ => self.to_str(),
        }
    }

    /// The int a `*` width or precision takes from this argument.
    fn star_int(&self) -> Result<i64, FormatError> {
        match self {
            Self::Int(i) => Ok(*i),
            Self::Bool(b) => Ok(i64::from(*b)),
            _ => Err(FormatError::type_error("* wants int")),
        }
    }
}

/// What the right-hand side of `fmt % args` gave.
pub enum PercentArgs<'a> {
    /// A tuple of values; a single value that is neither a tuple nor a mapping is a sequence of
    /// one.
    Seq(Vec<PercentArg>),
    /// A mapping, for `%(name)s`: the lookup gives `None` for a missing key (a `KeyError`).
    /// A conversion without a key would use the mapping itself, which this variant cannot give:
    /// it fails with "not enough arguments for format string" (use [`PercentArgs::Mapping`]).
    Map(&'a dyn Fn(&str) -> Option<PercentArg>),
    /// A mapping as CPython decides it: anything with `__getitem__` that is not a tuple or a
    /// str, so a list too (`'abc' % []` is `'abc'`, where a sequence of one would fail with "not
    /// all arguments converted"). `whole` serves conversions without a key (`'%s' % {'a': 1}`);
    /// the lookup raises what `__getitem__` would (a `KeyError` whose message is the key's repr,
    /// see [`str_repr`], or for a list "list indices must be integers or slices, not str").
    Mapping {
        /// The mapping itself.
        whole: PercentArg,
        /// `mapping[key]`.
        lookup: &'a dyn Fn(&str) -> Result<PercentArg, FormatError>,
    },
}

/// How the `%` operator finds its mapping's items.
enum Lookup<'a> {
    None,
    Optional(&'a dyn Fn(&str) -> Option<PercentArg>),
    Fallible(&'a dyn Fn(&str) -> Result<PercentArg, FormatError>),
}

/// The arguments of the `%` operator, walked as CPython's `unicode_format_getnextarg` does:
/// `arglen < 0` means a single object (the right-hand side or the last looked-up item).
struct PercentState<'a> {
    seq: Vec<Option<PercentArg>>,
    single: Option<PercentArg>,
    argidx: i64,
    arglen: i64,
    lookup: Lookup<'a>,
}

impl PercentState<'_> {
    fn is_mapping(&self) -> bool {
        !matches!(self.lookup, Lookup::None)
    }

    fn next(&mut self) -> Result<PercentArg, FormatError> {
        let not_enough = || FormatError::type_error("not enough arguments for format string");
        if self.argidx >= self.arglen {
            return Err(not_enough());
        }
        let i = self.argidx;
        self.argidx += 1;
        if self.arglen < 0 {
            return self.single.take().ok_or_else(not_enough);
        }
        usize::try_from(i)
            .ok()
            .and_then(|i| self.seq.get_mut(i))
            .and_then(Option::take)
            .ok_or_else(not_enough)
    }

    fn look_up(&self, key: &str) -> Result<PercentArg, FormatError> {
        match self.lookup {
            Lookup::None => Err(FormatError::type_error("format requires a mapping")),
            Lookup::Optional(f) => {
                f(key).ok_or_else(|| FormatError::new(FormatErrorKind::KeyError, str_repr(key)))
            }
            Lookup::Fallible(f) => f(key),
        }
    }
}

/// `fmt % args`, printf-style formatting as CPython's `PyUnicode_Format` does it: flags `-+ #0`,
/// width and precision (`*` takes them from the arguments), the length modifiers `h l L`
/// (ignored), conversions `d i u o x X e E f F g G c r s a %`, and `%(key)s` with a mapping.
pub fn percent_format(fmt: &str, args: PercentArgs<'_>) -> Result<String, FormatError> {
    let mut st = match args {
        PercentArgs::Seq(v) => PercentState {
            arglen: to_i64(v.len()),
            seq: v.into_iter().map(Some).collect(),
            single: None,
            argidx: 0,
            lookup: Lookup::None,
        },
        PercentArgs::Map(f) => PercentState {
            seq: Vec::new(),
            single: None,
            argidx: -2,
            arglen: -1,
            lookup: Lookup::Optional(f),
        },
        PercentArgs::Mapping { whole, lookup } => PercentState {
            seq: Vec::new(),
            single: Some(whole),
            argidx: -2,
            arglen: -1,
            lookup: Lookup::Fallible(lookup),
        },
    };
    let chars: Vec<char> = fmt.chars().collect();
    let mut out = String::with_capacity(fmt.len() + 16);
    let mut pos = 0;
    while let Some(&c) = chars.get(pos) {
        if c == '%' {
            pos += 1;
            percent_conversion(&chars, &mut pos, &mut st, &mut out)?;
        } else {
            out.push(c);
            pos += 1;
        }
    }
    if st.argidx < st.arglen && !st.is_mapping() {
        return Err(FormatError::type_error(
            "not all arguments converted during string formatting",
        ));
    }
    Ok(out)
}

/// The `%` flags.
#[derive(Clone, Copy, Default)]
struct PercentFlags {
    ljust: bool,
    sign: bool,
    blank: bool,
    alt: bool,
    zero: bool,
}

/// One conversion of the `%` operator, `pos` just after its `%` (CPython's
/// `unicode_format_arg`). `left` mirrors CPython's `fmtcnt`: the characters left from `pos`,
/// going below zero when the format ends early.
fn percent_conversion(
    chars: &[char],
    pos: &mut usize,
    st: &mut PercentState<'_>,
    out: &mut String,
) -> Result<(), FormatError> {
    let at = |p: usize| chars.get(p).copied().unwrap_or('\0');
    let mut ch = at(*pos);
    if ch == '%' {
        out.push('%');
        *pos += 1;
        return Ok(());
    }
    let mut left = to_i64(chars.len().saturating_sub(*pos));
    let read = |pos: &mut usize, left: &mut i64, ch: &mut char| {
        *left -= 1;
        if *left < 0 {
            return false;
        }
        *ch = at(*pos);
        *pos += 1;
        true
    };
    if ch == '(' {
        if !st.is_mapping() {
            return Err(FormatError::type_error("format requires a mapping"));
        }
        *pos += 1;
        left -= 1;
        let key_start = *pos;
        let mut depth = 1;
        while depth > 0 && read(pos, &mut left, &mut ch) {
            match ch {
                ')' => depth -= 1,
                '(' => depth += 1,
                _ => {}
            }
        }
        if left < 0 || depth > 0 {
            return Err(FormatError::value("incomplete format key"));
        }
        let key: String = chars
            .get(key_start..*pos - 1)
            .unwrap_or_default()
            .iter()
            .collect();
        st.single = Some(st.look_up(&key)?);
        st.arglen = -1;
        st.argidx = -2;
    }
    let mut flags = PercentFlags::default();
    while read(pos, &mut left, &mut ch) {
        match ch {
            '-' => flags.ljust = true,
            '+' => flags.sign = true,
            ' ' => flags.blank = true,
            '#' => flags.alt = true,
            '0' => flags.zero = true,
            _ => break,
        }
    }
    let mut width: i64 = -1;
    if ch == '*' {
        width = st.next()?.star_int()?;
        if width < 0 {
            flags.ljust = true;
            // As in C, negating the most negative width leaves it negative: no padding.
            width = width.wrapping_neg();
        }
        read(pos, &mut left, &mut ch);
    } else if let Some(d) = ch.to_digit(10) {
        width = i64::from(d);
        while read(pos, &mut left, &mut ch) {
            let Some(d) = ch.to_digit(10).map(i64::from) else {
                break;
            };
            if width > (i64::MAX - d) / 10 {
                return Err(FormatError::value("width too big"));
            }
            width = width * 10 + d;
        }
    }
    let mut prec: i64 = -1;
    if ch == '.' {
        prec = 0;
        read(pos, &mut left, &mut ch);
        if ch == '*' {
            let p = st.next()?.star_int()?;
            if i32::try_from(p).is_err() {
                return Err(FormatError::overflow(
                    "Python int too large to convert to C int",
                ));
            }
            prec = p.max(0);
            read(pos, &mut left, &mut ch);
        } else if let Some(d) = ch.to_digit(10) {
            prec = i64::from(d);
            while read(pos, &mut left, &mut ch) {
                let Some(d) = ch.to_digit(10).map(i64::from) else {
                    break;
                };
                if prec > (INT_MAX - d) / 10 {
                    return Err(FormatError::value("precision too big"));
                }
                prec = prec * 10 + d;
            }
        }
    }
    if left >= 0 && matches!(ch, 'h' | 'l' | 'L') {
        read(pos, &mut left, &mut ch);
    }
    if left < 0 {
        return Err(FormatError::value("incomplete format"));
    }
    let arg = st.next()?;
    let (s, numeric) = match ch {
        's' => (arg.to_str(), false),
        'r' => (arg.to_repr(), false),
        'a' => (ascii_escape(&arg.to_repr()), false),
        'd' | 'i' | 'u' | 'o' | 'x' | 'X' => (percent_int(&arg, ch, flags.alt, prec)?, true),
        'e' | 'E' | 'f' | 'F' | 'g' | 'G' => {
            let x = match arg {
                PercentArg::Float(x) => x,
                PercentArg::Int(i) => i as f64,
                PercentArg::Bool(b) => f64::from(u8::from(b)),
                _ => {
                    return Err(FormatError::type_error(format!(
                        "must be real number, not {}",
                        arg.type_name()
                    )));
                }
            };
            let prec = if prec < 0 { 6 } else { to_usize(prec) };
            let dtoa = DtoaFlags {
                alt: flags.alt,
                ..DtoaFlags::default()
            };
            (double_to_string(x, ch, prec, dtoa)?, true)
        }
        'c' => (percent_char(&arg)?.to_string(), false),
        _ => {
            let code = u32::from(ch);
            let shown = if (31..=126).contains(&code) { ch } else { '?' };
            return Err(FormatError::value(format!(
                "unsupported format character '{shown}' (0x{code:x}) at index {}",
                *pos - 1
            )));
        }
    };
    percent_output(out, ch, flags, width, prec, numeric, &s)?;
    if st.is_mapping() && st.argidx < st.arglen {
        return Err(FormatError::type_error(
            "not all arguments converted during string formatting",
        ));
    }
    Ok(())
}

/// `%d %i %u %o %x %X` of an argument, with the precision as a minimum digit count
/// (CPython's `mainformatlong` and `_PyUnicode_FormatLong`).
fn percent_int(arg: &PercentArg, ch: char, alt: bool, prec: i64) -> Result<String, FormatError> {
    let hexoct = matches!(ch, 'o' | 'x' | 'X');
    let wrong_type = || {
        let what = if hexoct {
            "an integer"
        } else {
            "a real number"
        };
        FormatError::type_error(format!(
            "%{ch} format: {what} is required, not {}",
            arg.type_name()
        ))
    };
    let (negative, mag, from_float) = match arg {
        PercentArg::Int(i) => (*i < 0, i.unsigned_abs(), None),
        PercentArg::Bool(b) => (false, u64::from(*b), None),
        PercentArg::Float(_) if hexoct => return Err(wrong_type()),
        PercentArg::Float(x) if x.is_nan() => {
            return Err(FormatError::value("cannot convert float NaN to integer"));
        }
        PercentArg::Float(x) if x.is_infinite() => {
            return Err(FormatError::overflow(
                "cannot convert float infinity to integer",
            ));
        }
        PercentArg::Float(x) => {
            let t = x.trunc();
            (t < 0.0, 0, Some(format!("{:.0}", t.abs())))
        }
        _ => return Err(wrong_type()),
    };
    if prec > INT_MAX - 3 {
        return Err(FormatError::overflow("precision too large"));
    }
    check_len(prec)?;
    let digits = match from_float {
        Some(d) => d,
        None => digits_in_base(
            mag,
            match ch {
                'o' => 8,
                'x' | 'X' => 16,
                _ => 10,
            },
            ch == 'X',
        ),
    };
    let mut s = String::with_capacity(digits.len().max(to_usize(prec)) + 3);
    if negative {
        s.push('-');
    }
    if alt && hexoct {
        s.push('0');
        s.push(if ch == 'o' { 'o' } else { ch });
    }
    push_n(&mut s, '0', prec - to_i64(digits.len()));
    s.push_str(&digits);
    Ok(s)
}

/// `%c` of an argument (CPython's `formatchar`).
fn percent_char(arg: &PercentArg) -> Result<char, FormatError> {
    let wrong = || FormatError::type_error("%c requires int or char");
    match arg {
        PercentArg::Str { str, .. } => {
            let mut chars = str.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => Ok(c),
                _ => Err(wrong()),
            }
        }
        PercentArg::Int(i) => code_point_char(*i),
        PercentArg::Bool(b) => code_point_char(i64::from(*b)),
        _ => Err(wrong()),
    }
}

/// Writes one converted `%` argument with its sign, prefix and padding (CPython's
/// `unicode_format_arg_output`). `numeric` says the conversion was a number, whose sign the
/// flags may add and whose padding the `0` flag makes zeros.
fn percent_output(
    out: &mut String,
    ch: char,
    flags: PercentFlags,
    width: i64,
    prec: i64,
    numeric: bool,
    s: &str,
) -> Result<(), FormatError> {
    check_len(width)?;
    let fill = if numeric && flags.zero { '0' } else { ' ' };
    let chars: Vec<char> = s.chars().collect();
    let mut len = to_i64(chars.len());
    if matches!(ch, 's' | 'r' | 'a') && prec >= 0 && len > prec {
        len = prec;
    }
    let mut start = 0;
    let mut sign = None;
    if numeric {
        match chars.first() {
            Some(&c @ ('-' | '+')) => {
                sign = Some(c);
                len -= 1;
                start = 1;
            }
            _ if flags.sign => sign = Some('+'),
            _ if flags.blank => sign = Some(' '),
            _ => {}
        }
    }
    let mut width = width.max(len);
    let prefix = flags.alt && matches!(ch, 'x' | 'X' | 'o');
    if let Some(sign) = sign {
        if fill != ' ' {
            out.push(sign);
        }
        if width > len {
            width -= 1;
        }
    }
    if prefix {
        if fill != ' ' {
            out.extend(chars.get(start..start + 2).unwrap_or_default());
            start += 2;
        }
        width = (width - 2).max(0);
        len -= 2;
    }
    if width > len && !flags.ljust {
        push_n(out, fill, width - len);
        width = len;
    }
    if fill == ' ' {
        out.extend(sign);
        if prefix {
            out.extend(chars.get(start..start + 2).unwrap_or_default());
            start += 2;
        }
    }
    out.extend(chars.iter().skip(start).take(to_usize(len)));
    if width > len {
        push_n(out, ' ', width - len);
    }
    Ok(())
}

/// `ascii()` from `repr()`: every non-ASCII character escaped as `\xhh`, `\uhhhh` or
/// `\Uhhhhhhhh`.
fn ascii_escape(repr: &str) -> String {
    let mut out = String::with_capacity(repr.len());
    for c in repr.chars() {
        let u = u32::from(c);
        match u {
            0..=0x7F => out.push(c),
            0x80..=0xFF => out.push_str(&format!("\\x{u:02x}")),
            0x100..=0xFFFF => out.push_str(&format!("\\u{u:04x}")),
            _ => out.push_str(&format!("\\U{u:08x}")),
        }
    }
    out
}

/// Whether `repr()` of a str escapes `c`: control characters and the usual separators,
/// format and private-use characters. CPython asks the Unicode database (`str.isprintable`),
/// which also escapes unassigned code points; this table is an approximation of it, used only
/// for the message of a `KeyError`.
fn repr_escapes(c: char) -> bool {
    matches!(
        u32::from(c),
        0..=0x1F
            | 0x7F..=0xA0
            | 0xAD
            | 0x600..=0x605
            | 0x61C
            | 0x6DD
            | 0x70F
            | 0x1680
            | 0x180E
            | 0x2000..=0x200F
            | 0x2028..=0x202F
            | 0x205F..=0x2064
            | 0x2066..=0x206F
            | 0x3000
            | 0xD800..=0xF8FF
            | 0xFEFF
            | 0xFFF9..=0xFFFB
            | 0xFFFE..=0xFFFF
            | 0xE0001
            | 0xE0020..=0xE007F
            | 0xF0000..=0x10FFFF
    )
}

/// `repr()` of a str, as the message of a `KeyError` for a missing `%(key)s` gives it. Which
/// non-ASCII characters CPython escapes depends on the Unicode database; this escapes controls,
/// separators, format and private-use characters, which covers every assigned code point but
/// keeps unassigned ones as they are.
pub fn str_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if repr_escapes(c) => {
                let u = u32::from(c);
                if u <= 0xFF {
                    out.push_str(&format!("\\x{u:02x}"));
                } else if u <= 0xFFFF {
                    out.push_str(&format!("\\u{u:04x}"));
                } else {
                    out.push_str(&format!("\\U{u:08x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// The first part of a `str.format` field name.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldName {
    /// `{}`: the next positional argument ([`number_fields`] turns it into an index).
    Auto,
    /// `{0}`: a positional argument.
    Index(usize),
    /// `{name}`: a keyword argument.
    Name(String),
}

/// A `.attr` or `[key]` after a field name.
#[derive(Debug, Clone, PartialEq)]
pub enum Accessor {
    /// `.name`: an attribute.
    Attr(String),
    /// `[0]`: an item by integer index (only decimal digits make an index).
    Index(usize),
    /// `[key]`: an item by string key (`[-1]` is the key `"-1"`).
    Key(String),
}

/// A piece of a parsed `str.format` template.
#[derive(Debug, Clone, PartialEq)]
pub enum Piece {
    /// Literal text, with `{{` and `}}` already turned into single braces.
    Lit(String),
    /// A replacement field, `{name.attr[key]!conversion:spec}`.
    Field {
        /// What the field names first.
        name: FieldName,
        /// The attributes and items taken from it, in order.
        accessors: Vec<Accessor>,
        /// The character after `!`, if any (CPython checks it is `r`, `s` or `a` only when
        /// rendering the field: "Unknown conversion specifier X").
        conversion: Option<char>,
        /// The format spec, which may itself contain fields (`{:{width}}`); empty for none.
        spec: Vec<Piece>,
    },
}

/// Parses a `str.format` template, `"a{0}b{name.attr[0]!r:>{w}}"`, as CPython's
/// `MarkupIterator` and `parse_field` do; `{{` and `}}` are literal braces. Fields in a spec may
/// have specs of their own but those may not contain fields ("Max string recursion exceeded").
///
/// CPython finds some errors only when it reaches them while rendering (a bad field name after
/// an earlier field raised `IndexError`, say); this parser reports every syntax error up front.
/// It leaves [`FieldName::Auto`] in place: [`number_fields`] numbers the fields and checks that
/// automatic and manual numbering are not mixed.
pub fn parse_template(s: &str) -> Result<Vec<Piece>, FormatError> {
    let chars: Vec<char> = s.chars().collect();
    parse_markup(&chars, 2)
}

/// Parses `chars` as a template with `depth` levels of nesting allowed (CPython's
/// `build_string` starts at 2).
fn parse_markup(chars: &[char], depth: u32) -> Result<Vec<Piece>, FormatError> {
    if depth == 0 {
        return Err(FormatError::value("Max string recursion exceeded"));
    }
    let mut pieces = Vec::new();
    let mut literal = String::new();
    let end = chars.len();
    let mut pos = 0;
    while pos < end {
        let start = pos;
        let mut c = '\0';
        let mut markup = false;
        while let Some(&ch) = chars.get(pos) {
            pos += 1;
            c = ch;
            if c == '{' || c == '}' {
                markup = true;
                break;
            }
        }
        let next = chars.get(pos).copied();
        if c == '}' && next != Some('}') {
            return Err(FormatError::value(
                "Single '}' encountered in format string",
            ));
        }
        if next.is_none() && c == '{' {
            return Err(FormatError::value(
                "Single '{' encountered in format string",
            ));
        }
        let mut len = pos - start;
        if next.is_some() {
            if next == Some(c) {
                // An escaped brace: the first one is kept as literal text.
                pos += 1;
                markup = false;
            } else {
                len -= 1;
            }
        }
        literal.extend(chars.get(start..start + len).unwrap_or_default());
        if markup {
            if !literal.is_empty() {
                pieces.push(Piece::Lit(std::mem::take(&mut literal)));
            }
            pieces.push(parse_field(chars, &mut pos, depth)?);
        }
    }
    if !literal.is_empty() {
        pieces.push(Piece::Lit(literal));
    }
    Ok(pieces)
}

/// Parses one replacement field, `pos` just after its `{` (CPython's `parse_field`).
fn parse_field(chars: &[char], pos: &mut usize, depth: u32) -> Result<Piece, FormatError> {
    let name_start = *pos;
    let mut c = '\0';
    while let Some(&ch) = chars.get(*pos) {
        *pos += 1;
        c = ch;
        match c {
            '{' => return Err(FormatError::value("unexpected '{' in field name")),
            '[' => {
                while chars.get(*pos).is_some_and(|&ch| ch != ']') {
                    *pos += 1;
                }
            }
            '}' | ':' | '!' => break,
            _ => {}
        }
    }
    let name = chars
        .get(name_start..pos.saturating_sub(1))
        .unwrap_or_default();
    let mut conversion = None;
    let mut spec_text: &[char] = &[];
    let mut nested = false;
    if c == '!' || c == ':' {
        let mut closed = false;
        if c == '!' {
            let Some(&conv) = chars.get(*pos) else {
                return Err(FormatError::value(
                    "end of string while looking for conversion specifier",
                ));
            };
            conversion = Some(conv);
            *pos += 1;
            if let Some(&next) = chars.get(*pos) {
                *pos += 1;
                if next == '}' {
                    closed = true;
                } else if next != ':' {
                    return Err(FormatError::value(
                        "expected ':' after conversion specifier",
                    ));
                }
            }
        }
        if !closed {
            let spec_start = *pos;
            let mut count = 1;
            loop {
                let Some(&ch) = chars.get(*pos) else {
                    return Err(FormatError::value("unmatched '{' in format spec"));
                };
                *pos += 1;
                match ch {
                    '{' => {
                        nested = true;
                        count += 1;
                    }
                    '}' => {
                        count -= 1;
                        if count == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
            }
            spec_text = chars.get(spec_start..*pos - 1).unwrap_or_default();
        }
    } else if c != '}' {
        return Err(FormatError::value("expected '}' before end of string"));
    }
    // CPython looks the field up (splitting its name) before it expands the spec.
    let (name, accessors) = split_field_name(name)?;
    let spec = if nested {
        parse_markup(spec_text, depth - 1)?
    } else if spec_text.is_empty() {
        Vec::new()
    } else {
        vec![Piece::Lit(spec_text.iter().collect())]
    };
    Ok(Piece::Field {
        name,
        accessors,
        conversion,
        spec,
    })
}

/// Reads a field name or item key as an index when it is all decimal digits (CPython's
/// `get_integer` in `unicode_format.h`).
fn field_index(s: &[char]) -> Result<Option<usize>, FormatError> {
    let mut pos = 0;
    match read_integer(s, &mut pos)? {
        Some(n) if pos == s.len() => Ok(Some(usize::try_from(n).unwrap_or(usize::MAX))),
        _ => Ok(None),
    }
}

/// Splits a field name into its first part and its accessors (CPython's `field_name_split` and
/// `FieldNameIterator`).
fn split_field_name(name: &[char]) -> Result<(FieldName, Vec<Accessor>), FormatError> {
    let first_len = name
        .iter()
        .position(|&c| c == '.' || c == '[')
        .unwrap_or(name.len());
    let (first, mut rest) = name.split_at(first_len);
    let field = if first.is_empty() {
        FieldName::Auto
    } else if let Some(i) = field_index(first)? {
        FieldName::Index(i)
    } else {
        FieldName::Name(first.iter().collect())
    };
    let mut accessors = Vec::new();
    while let Some((&c, tail)) = rest.split_first() {
        let (text, accessor): (&[char], _) = match c {
            '.' => {
                let n = tail
                    .iter()
                    .position(|&c| c == '.' || c == '[')
                    .unwrap_or(tail.len());
                let (text, after) = tail.split_at(n);
                rest = after;
                (text, Accessor::Attr(text.iter().collect()))
            }
            '[' => {
                let Some(n) = tail.iter().position(|&c| c == ']') else {
                    return Err(FormatError::value("Missing ']' in format string"));
                };
                let (text, after) = tail.split_at(n);
                rest = after.get(1..).unwrap_or_default();
                let accessor = match field_index(text)? {
                    Some(i) => Accessor::Index(i),
                    None => Accessor::Key(text.iter().collect()),
                };
                (text, accessor)
            }
            _ => {
                return Err(FormatError::value(
                    "Only '.' or '[' may follow ']' in format field specifier",
                ));
            }
        };
        if text.is_empty() {
            return Err(FormatError::value("Empty attribute in format string"));
        }
        accessors.push(accessor);
    }
    Ok((field, accessors))
}

/// Numbers the automatic fields of a parsed template in CPython's order (a field, then the
/// fields in its spec), turning each [`FieldName::Auto`] into an index, and fails as CPython
/// does when automatic and manual numbering are mixed.
pub fn number_fields(pieces: &mut [Piece]) -> Result<(), FormatError> {
    let mut state = AutoNumber::default();
    state.number(pieces)
}

/// The numbering state of a template's fields (CPython's `AutoNumber`).
#[derive(Default)]
struct AutoNumber {
    /// `None` until a positional field is seen, then whether numbering is automatic.
    automatic: Option<bool>,
    next: usize,
}

impl AutoNumber {
    fn number(&mut self, pieces: &mut [Piece]) -> Result<(), FormatError> {
        for piece in pieces {
            let Piece::Field { name, spec, .. } = piece else {
                continue;
            };
            let auto = matches!(name, FieldName::Auto);
            if auto || matches!(name, FieldName::Index(_)) {
                match *self.automatic.get_or_insert(auto) {
                    true if !auto => {
                        return Err(FormatError::value(
                            "cannot switch from automatic field numbering to manual field \
                             specification",
                        ));
                    }
                    false if auto => {
                        return Err(FormatError::value(
                            "cannot switch from manual field specification to automatic field \
                             numbering",
                        ));
                    }
                    _ => {}
                }
            }
            if auto {
                *name = FieldName::Index(self.next);
                self.next += 1;
            }
            self.number(spec)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    //! Hand-picked cases whose expectations CPython 3.11 computed (a bigger generated set is
    //! checked outside the repository). An error is written `!Kind: message`.

    use super::*;

    fn show(r: Result<String, FormatError>) -> String {
        r.unwrap_or_else(|e| format!("!{}: {}", e.kind.name(), e.message))
    }

    /// An argument of the `%` table; `L` is the list `[1]`.
    #[derive(Clone, Copy)]
    enum A {
        I(i64),
        B(bool),
        F(f64),
        S(&'static str),
        L,
    }

    impl A {
        fn arg(self) -> PercentArg {
            match self {
                A::I(i) => PercentArg::Int(i),
                A::B(b) => PercentArg::Bool(b),
                A::F(x) => PercentArg::Float(x),
                A::S(s) => PercentArg::Str {
                    str: s.into(),
                    repr: str_repr(s),
                },
                A::L => list("[1]"),
            }
        }
    }

    fn list(repr: &str) -> PercentArg {
        PercentArg::Other {
            type_name: "list".into(),
            str: repr.into(),
            repr: repr.into(),
        }
    }

    /// The right-hand side of a `%` case: a tuple, a single value, or a dict (with its repr).
    enum Args {
        T(&'static [A]),
        One(A),
        M(&'static str, &'static [(&'static str, A)]),
    }
    use Args::{M, One, T};

    fn percent(fmt: &str, args: &Args) -> Result<String, FormatError> {
        match args {
            T(v) => percent_format(fmt, PercentArgs::Seq(v.iter().map(|a| a.arg()).collect())),
            // A list is a mapping to the `%` operator: it has `__getitem__`.
            One(A::L) => {
                let lookup = |_: &str| {
                    Err(FormatError::new(
                        FormatErrorKind::TypeError,
                        "list indices must be integers or slices, not str",
                    ))
                };
                percent_format(
                    fmt,
                    PercentArgs::Mapping {
                        whole: A::L.arg(),
                        lookup: &lookup,
                    },
                )
            }
            One(a) => percent_format(fmt, PercentArgs::Seq(vec![a.arg()])),
            M(repr, items) => {
                let lookup = |key: &str| {
                    let item = items.iter().find(|(k, _)| *k == key).map(|(_, a)| a.arg());
                    item.ok_or_else(|| FormatError::new(FormatErrorKind::KeyError, str_repr(key)))
                };
                let whole = PercentArg::Other {
                    type_name: "dict".into(),
                    str: (*repr).into(),
                    repr: (*repr).into(),
                };
                percent_format(
                    fmt,
                    PercentArgs::Mapping {
                        whole,
                        lookup: &lookup,
                    },
                )
            }
        }
    }

    /// A parsed template in the tables' notation: `L<len>:<text>` for literal text and
    /// `F(<name>;<accessors>;<conversion>;[<spec>])` for a field.
    fn ser(pieces: &[Piece]) -> String {
        let counted = |s: &str| format!("{}:{s}", s.chars().count());
        let parts: Vec<String> = pieces
            .iter()
            .map(|p| match p {
                Piece::Lit(s) => format!("L{}", counted(s)),
                Piece::Field {
                    name,
                    accessors,
                    conversion,
                    spec,
                } => {
                    let name = match name {
                        FieldName::Auto => "A".to_string(),
                        FieldName::Index(i) => format!("I{i}"),
                        FieldName::Name(s) => format!("N{}", counted(s)),
                    };
                    let accessors: String = accessors
                        .iter()
                        .map(|a| match a {
                            Accessor::Attr(s) => format!(".{}", counted(s)),
                            Accessor::Index(i) => format!("#{i}"),
                            Accessor::Key(s) => format!("K{}", counted(s)),
                        })
                        .collect();
                    let conversion = conversion.map_or("-".to_string(), |c| format!("C{c}"));
                    format!("F({name};{accessors};{conversion};{})", ser(spec))
                }
            })
            .collect();
        format!("[{}]", parts.join(","))
    }

    /// A template's parse, then numbering, in the tables' notation.
    fn template(t: &str) -> String {
        match parse_template(t) {
            Err(e) => format!("ERR:{}:{}", e.kind.name(), e.message),
            Ok(pieces) => {
                let mut numbered = pieces.clone();
                match number_fields(&mut numbered) {
                    Err(e) => format!("NUMERR:{}:{}|{}", e.kind.name(), e.message, ser(&pieces)),
                    Ok(()) => format!("OK:{}", ser(&pieces)),
                }
            }
        }
    }

    #[rustfmt::skip]
    const REPRS: &[(f64, &str)] = &[
        (0.0, "0.0"),
        (-0.0, "-0.0"),
        (1.0, "1.0"),
        (-1.5, "-1.5"),
        (0.1, "0.1"),
        (0.30000000000000004, "0.30000000000000004"),
        (0.3333333333333333, "0.3333333333333333"),
        (100.0, "100.0"),
        (4.35, "4.35"),
        (123.456, "123.456"),
        (0.5, "0.5"),
        (1e+16, "1e+16"),
        (1000000000000000.0, "1000000000000000.0"),
        (9999999999999998.0, "9999999999999998.0"),
        (1e+17, "1e+17"),
        (2.000000000000001e+16, "2.000000000000001e+16"),
        (123456789012345.0, "123456789012345.0"),
        (1234567890123456.0, "1234567890123456.0"),
        (1e+22, "1e+22"),
        (1e+23, "1e+23"),
        (0.0001, "0.0001"),
        (1e-05, "1e-05"),
        (0.00011, "0.00011"),
        (2.5e-05, "2.5e-05"),
        (1e-07, "1e-07"),
        (5e-324, "5e-324"),
        (2.2250738585072014e-308, "2.2250738585072014e-308"),
        (1.7976931348623157e+308, "1.7976931348623157e+308"),
        (1.5e+300, "1.5e+300"),
        (9007199254740992.0, "9007199254740992.0"),
        (9.223372036854776e+18, "9.223372036854776e+18"),
        (-1e-300, "-1e-300"),
        (f64::INFINITY, "inf"),
        (f64::NEG_INFINITY, "-inf"),
        (f64::NAN, "nan"),
        (2.9802322387695312e-08, "2.9802322387695312e-08"),
        (0.00010156631469726562, "0.00010156631469726562"),
    ];

    #[rustfmt::skip]
    const FLOATS: &[(f64, &str, &str)] = &[
        (1.0, "", "1.0"),
        (1.5, ".3", "1.5"),
        (123.0, ".3", "1.23e+02"),
        (100.0, ".3", "1e+02"),
        (1e+16, "#", "1.e+16"),
        (1.5, "#.3", "1.50"),
        (1.0, ".0", "1e+00"),
        (0.1, "10", "       0.1"),
        (0.125, ".2f", "0.12"),
        (0.375, ".2f", "0.38"),
        (2.5, ".0f", "2"),
        (0.5, ".0f", "0"),
        (1.5, ".0f", "2"),
        (-0.5, ".0f", "-0"),
        (-0.5, "z.0f", "0"),
        (0.3333333333333333, ".20f", "0.33333333333333331483"),
        (5e-324, ".3f", "0.000"),
        (0.1, ".30f", "0.100000000000000005551115123126"),
        (1.0, "#.0f", "1."),
        (2.675, ".2f", "2.67"),
        (1e+16, "f", "10000000000000000.000000"),
        (-1e-10, "F", "-0.000000"),
        (0.0, "e", "0.000000e+00"),
        (123456.789, ".3e", "1.235e+05"),
        (1e-05, "E", "1.000000E-05"),
        (5e-324, ".0e", "5e-324"),
        (1.0, "#.0e", "1.e+00"),
        (9.9999, ".2e", "1.00e+01"),
        (1e+300, ".1e", "1.0e+300"),
        (0.0001, "g", "0.0001"),
        (1e-05, "g", "1e-05"),
        (123456.0, "g", "123456"),
        (1234567.0, "g", "1.23457e+06"),
        (1e+16, "g", "1e+16"),
        (0.0001, "#g", "0.000100000"),
        (100.0, "#.3g", "100."),
        (1.0, ".0g", "1"),
        (0.5, "G", "0.5"),
        (1e-10, "G", "1E-10"),
        (9.5, ".1g", "1e+01"),
        (0.95, ".1g", "0.9"),
        (1e+16, ".17g", "10000000000000000"),
        (0.1, "%", "10.000000%"),
        (0.125, ".1%", "12.5%"),
        (-0.0, "%", "-0.000000%"),
        (-1e-07, "z.1%", "0.0%"),
        (f64::INFINITY, "%", "inf%"),
        (0.1, ".0%", "10%"),
        (1234567.891, "n", "1.23457e+06"),
        (1e+20, "n", "1e+20"),
        (1234567.891, ",.2f", "1,234,567.89"),
        (1234567.891, "_.3f", "1_234_567.891"),
        (1234567.891, ",e", "1.234568e+06"),
        (1234567.0, ",", "1,234,567.0"),
        (-1234.5, "012,.1f", "-0,001,234.5"),
        (1234.5, "0=12,.1f", "00,001,234.5"),
        (1234.5, "<012,.1f", "1,234.500000"),
        (1e+22, ",", "1e+22"),
        (1234.5, "09,", "001,234.5"),
        (0.5, "020_.3%", "000_000_000_050.000%"),
        (4.56789, "*^12.3f", "***4.568****"),
        (-4.56, "=+10.2f", "-     4.56"),
        (4.56, "+", "+4.56"),
        (4.56, " .1f", " 4.6"),
        (-4.56, " .1f", "-4.6"),
        (f64::NAN, "+", "+nan"),
        (f64::NAN, "", "nan"),
        (f64::NAN, "010", "0000000nan"),
        (f64::NEG_INFINITY, "010", "-000000inf"),
        (f64::INFINITY, "=^10", "===inf===="),
        (f64::INFINITY, "F", "INF"),
        (f64::NAN, "E", "NAN"),
        (-0.0, "z", "0.0"),
        (-0.0, "z+.2e", "!ValueError: Invalid format specifier 'z+.2e' for object of type 'float'"),
        (-0.0001, "z.2f", "0.00"),
        (-0.0, "", "-0.0"),
        (1.0, "\u{e9}>6", "\u{e9}\u{e9}\u{e9}1.0"),
        (1.5, "0<6", "1.5000"),
        (1.5, "06", "0001.5"),
        (-1.5, "^+9", "  -1.5   "),
        (1.0, "d", "!ValueError: Unknown format code 'd' for object of type 'float'"),
        (1.0, "s", "!ValueError: Unknown format code 's' for object of type 'float'"),
        (1.0, ",n", "!ValueError: Cannot specify ',' with 'n'."),
        (1.0, "x", "!ValueError: Unknown format code 'x' for object of type 'float'"),
        (1.0, ".", "!ValueError: Format specifier missing precision"),
        (1.0, ",_", "!ValueError: Cannot specify both ',' and '_'."),
        (1.0, "_,", "!ValueError: Cannot specify both ',' and '_'."),
        (1.0, "abc", "!ValueError: Invalid format specifier 'abc' for object of type 'float'"),
        (1.0, ".3000000000f", "!ValueError: precision too big"),
        (1.0, "999999999999999999999999999999", "!ValueError: Too many decimal digits in format string"),
        (1.0, ".999999999999999999999999999999", "!ValueError: Too many decimal digits in format string"),
        (1.0, ",c", "!ValueError: Cannot specify ',' with 'c'."),
        (1.0, "\u{1}", "!ValueError: Unknown format code '\\x1' for object of type 'float'"),
        (1.0, "\u{e9}", "!ValueError: Unknown format code '\\xe9' for object of type 'float'"),
        (1.0, " ", " 1.0"),
        (1.0, ".100000000g", "1"),
        (1.0, "\u{665}", "  1.0"),
        (2.5, "1\u{660}.\u{661}f", "       2.5"),
    ];

    #[rustfmt::skip]
    const INTS: &[(i64, &str, &str)] = &[
        (0, "", "0"),
        (-7, "", "-7"),
        (10, "b", "1010"),
        (10, "#b", "0b1010"),
        (8, "o", "10"),
        (8, "#o", "0o10"),
        (255, "x", "ff"),
        (255, "#x", "0xff"),
        (255, "#X", "0XFF"),
        (-255, "#X", "-0XFF"),
        (65, "c", "A"),
        (128512, "c", "\u{1f600}"),
        (65, "^5c", "  A  "),
        (1114112, "c", "!OverflowError: %c arg not in range(0x110000)"),
        (-1, "c", "!OverflowError: %c arg not in range(0x110000)"),
        (65, "+c", "!ValueError: Sign not allowed with integer format specifier 'c'"),
        (65, "#c", "!ValueError: Alternate form (#) not allowed with integer format specifier 'c'"),
        (65, ",c", "!ValueError: Cannot specify ',' with 'c'."),
        (1234567, "n", "1234567"),
        (1234567, ",", "1,234,567"),
        (1234567, "_", "1_234_567"),
        (255, "_b", "1111_1111"),
        (16777215, "#_x", "0xff_ffff"),
        (255, "020_x", "0_0000_0000_0000_00ff"),
        (1234, "019,", "000,000,000,001,234"),
        (1234, "08,", "0,001,234"),
        (1234, "<010,", "1,23400000"),
        (5, "0=10,", "00,000,005"),
        (5, "=^10", "====5====="),
        (5, "*^9", "****5****"),
        (5, " d", " 5"),
        (5, "+d", "+5"),
        (5, "-d", "5"),
        (-42, "=+8", "-     42"),
        (-42, "08", "-0000042"),
        (5, "#010b", "0b00000101"),
        (-5, "#010b", "-0b0000101"),
        (255, "#^10x", "####ff####"),
        (123456789, "e", "1.234568e+08"),
        (10, ".2f", "10.00"),
        (1, "%", "100.000000%"),
        (9007199254740993, "g", "9.0072e+15"),
        (9007199254740993, ".0f", "9007199254740992"),
        (7, "z", "!ValueError: Negative zero coercion (z) not allowed in integer format specifier"),
        (7, ".2", "!ValueError: Precision not allowed in integer format specifier"),
        (7, "s", "!ValueError: Unknown format code 's' for object of type 'int'"),
        (7, ",x", "!ValueError: Cannot specify ',' with 'x'."),
        (7, ",b", "!ValueError: Cannot specify ',' with 'b'."),
        (7, "_n", "!ValueError: Cannot specify '_' with 'n'."),
        (7, "r", "!ValueError: Unknown format code 'r' for object of type 'int'"),
        (7, "\u{e9}", "!ValueError: Unknown format code '\\xe9' for object of type 'int'"),
        (7, "\u{1}", "!ValueError: Unknown format code '\\x1' for object of type 'int'"),
        (7, "\u{665}", "    7"),
        (7, "1\u{660}", "         7"),
        (i64::MIN, "x", "-8000000000000000"),
        (i64::MIN, "#b", "-0b1000000000000000000000000000000000000000000000000000000000000000"),
        (i64::MAX, ",", "9,223,372,036,854,775,807"),
        (i64::MAX, "_o", "7_7777_7777_7777_7777_7777"),
        (i64::MIN, "", "-9223372036854775808"),
        (1000, "+,", "+1,000"),
        (-1000, " 012_", "-000_001_000"),
        (12, "X", "C"),
        (3, "0<5", "30000"),
        (3, "x<05", "3xxxx"),
        (3, "05", "00003"),
    ];

    #[rustfmt::skip]
    const BOOLS: &[(bool, &str, &str)] = &[
        (true, "", "True"),
        (false, "", "False"),
        (true, "d", "1"),
        (false, ">5", "    0"),
        (true, "s", "!ValueError: Unknown format code 's' for object of type 'bool'"),
        (true, "f", "1.000000"),
        (true, "#x", "0x1"),
        (true, "z", "!ValueError: Negative zero coercion (z) not allowed in integer format specifier"),
    ];

    #[rustfmt::skip]
    const STRS: &[(&str, &str, &str)] = &[
        ("abc", "", "abc"),
        ("abc", "5", "abc  "),
        ("abc", ">5", "  abc"),
        ("abc", "^6", " abc  "),
        ("abc", "*^7", "**abc**"),
        ("abc", ".2", "ab"),
        ("abc", "10.2", "ab        "),
        ("abc", ".0", ""),
        ("ab", "05", "ab000"),
        ("ab", "0>5", "000ab"),
        ("abc", "x<05", "abcxx"),
        ("abc", "s", "abc"),
        ("abc", "2", "abc"),
        ("", "3", "   "),
        ("\u{65e5}\u{672c}\u{8a9e}", "^7", "  \u{65e5}\u{672c}\u{8a9e}  "),
        ("\u{e9}t\u{e9}", ".1", "\u{e9}"),
        ("\u{1f600}z", ".1", "\u{1f600}"),
        ("abc", "}^9", "}}}abc}}}"),
        ("abc", "=5", "!ValueError: '=' alignment not allowed in string format specifier"),
        ("abc", "+", "!ValueError: Sign not allowed in string format specifier"),
        ("abc", " ", "!ValueError: Space not allowed in string format specifier"),
        ("abc", "-", "!ValueError: Sign not allowed in string format specifier"),
        ("abc", "z", "!ValueError: Negative zero coercion (z) not allowed in string format specifier"),
        ("abc", "#", "!ValueError: Alternate form (#) not allowed in string format specifier"),
        ("abc", ",", "!ValueError: Cannot specify ',' with 's'."),
        ("abc", "_", "!ValueError: Cannot specify '_' with 's'."),
        ("abc", ",d", "!ValueError: Unknown format code 'd' for object of type 'str'"),
        ("abc", "d", "!ValueError: Unknown format code 'd' for object of type 'str'"),
        ("abc", "abc", "!ValueError: Invalid format specifier 'abc' for object of type 'str'"),
        ("abc", ".", "!ValueError: Format specifier missing precision"),
        ("abc", ".x", "!ValueError: Format specifier missing precision"),
        ("abc", "999999999999999999999999999999", "!ValueError: Too many decimal digits in format string"),
        ("abc", ".999999999999999999", "abc"),
        ("abc", "\u{665}", "abc  "),
        ("abc", "\u{1}", "!ValueError: Unknown format code '\\x1' for object of type 'str'"),
    ];

    #[rustfmt::skip]
    const PERCENTS: &[(&str, Args, &str)] = &[
        ("%s", T(&[A::S("abc")]), "abc"),
        ("%r", T(&[A::S("abc")]), "'abc'"),
        ("%a", T(&[A::S("\u{e9}\u{1f600}")]), "'\\xe9\\U0001f600'"),
        ("%s", T(&[A::F(1.5)]), "1.5"),
        ("%r", T(&[A::B(true)]), "True"),
        ("%s", T(&[A::L]), "[1]"),
        ("%d", T(&[A::I(42)]), "42"),
        ("%i", T(&[A::I(-42)]), "-42"),
        ("%u", T(&[A::I(7)]), "7"),
        ("%d", T(&[A::F(3.99)]), "3"),
        ("%d", T(&[A::F(-3.99)]), "-3"),
        ("%d", T(&[A::F(1e+20)]), "100000000000000000000"),
        ("%d", T(&[A::B(true)]), "1"),
        ("%5d|%-5d|%05d", T(&[A::I(1), A::I(2), A::I(-3)]), "    1|2    |-0003"),
        ("%+d % d", T(&[A::I(5), A::I(5)]), "+5  5"),
        ("%.5d", T(&[A::I(-3)]), "-00003"),
        ("%-05d", T(&[A::I(-3)]), "-3   "),
        ("%0-5d|", T(&[A::I(3)]), "3    |"),
        ("%x %X %o", T(&[A::I(255), A::I(255), A::I(8)]), "ff FF 10"),
        ("%#x %#X %#o", T(&[A::I(255), A::I(255), A::I(8)]), "0xff 0XFF 0o10"),
        ("%#.5x", T(&[A::I(255)]), "0x000ff"),
        ("%#010x", T(&[A::I(255)]), "0x000000ff"),
        ("%#08o", T(&[A::I(-8)]), "-0o00010"),
        ("%-#8X|", T(&[A::I(255)]), "0XFF    |"),
        ("%+x", T(&[A::I(-255)]), "-ff"),
        ("%+05x", T(&[A::I(255)]), "+00ff"),
        ("%x", T(&[A::I(i64::MIN)]), "-8000000000000000"),
        ("%f", T(&[A::F(1.5)]), "1.500000"),
        ("%.2f", T(&[A::F(2.675)]), "2.67"),
        ("%e", T(&[A::F(1e+300)]), "1.000000e+300"),
        ("%.0e", T(&[A::F(5e-324)]), "5e-324"),
        ("%#.0f", T(&[A::F(1.0)]), "1."),
        ("%#.0e", T(&[A::F(1.0)]), "1.e+00"),
        ("%g", T(&[A::F(1e-05)]), "1e-05"),
        ("%#g", T(&[A::F(0.0001)]), "0.000100000"),
        ("%G", T(&[A::F(1e-10)]), "1E-10"),
        ("%10.3f|", T(&[A::F(4.56789)]), "     4.568|"),
        ("%-10.3e|", T(&[A::F(-4.56789)]), "-4.568e+00|"),
        ("%+.1f", T(&[A::F(0.05)]), "+0.1"),
        ("% .3g", T(&[A::F(2.0)]), " 2"),
        ("%010.2f", T(&[A::F(-4.56789)]), "-000004.57"),
        ("%F %E", T(&[A::F(f64::INFINITY), A::F(f64::NAN)]), "INF NAN"),
        ("%f", T(&[A::I(7)]), "7.000000"),
        ("%f", T(&[A::B(true)]), "1.000000"),
        ("%.*f", T(&[A::I(2), A::F(4.56789)]), "4.57"),
        ("%*d|", T(&[A::I(5), A::I(1)]), "    1|"),
        ("%*d|", T(&[A::I(-5), A::I(1)]), "1    |"),
        ("%-*s|", T(&[A::I(4), A::S("a")]), "a   |"),
        ("%.*s", T(&[A::I(-1), A::S("abc")]), ""),
        ("%*.*f", T(&[A::I(10), A::I(3), A::F(4.56789)]), "     4.568"),
        ("%5.2hs", T(&[A::S("abc")]), "   ab"),
        ("%ld %Lf", T(&[A::I(5), A::F(1.5)]), "5 1.500000"),
        ("%c", T(&[A::I(65)]), "A"),
        ("%c", T(&[A::S("z")]), "z"),
        ("%c", T(&[A::I(128512)]), "\u{1f600}"),
        ("%-3c|", T(&[A::I(65)]), "A  |"),
        ("%5c", T(&[A::S("x")]), "    x"),
        ("%.1r", T(&[A::S("abc")]), "'"),
        ("%.0s", T(&[A::S("abc")]), ""),
        ("%s %s", T(&[A::S("a"), A::S("b")]), "a b"),
        ("%%", T(&[]), "%"),
        ("%%%s%%", T(&[A::S("x")]), "%x%"),
        ("100%% %s", T(&[A::S("sure")]), "100% sure"),
        ("%(a)s %(b)d", M("{'a': 'x', 'b': 3}", &[("a", A::S("x")), ("b", A::I(3))]), "x 3"),
        ("%(a)s %%", M("{'a': 1}", &[("a", A::I(1))]), "1 %"),
        ("%((a))s", M("{'(a)': 2}", &[("(a)", A::I(2))]), "2"),
        ("%s", M("{'a': 1}", &[("a", A::I(1))]), "{'a': 1}"),
        ("%(a)5.1f|", M("{'a': 2.25}", &[("a", A::F(2.25))]), "  2.2|"),
        ("abc", M("{}", &[]), "abc"),
        ("abc", One(A::L), "abc"),
        ("%s", One(A::L), "[1]"),
        ("%s", T(&[]), "!TypeError: not enough arguments for format string"),
        ("%s %s", T(&[A::I(1)]), "!TypeError: not enough arguments for format string"),
        ("%s", T(&[A::I(1), A::I(2)]), "!TypeError: not all arguments converted during string formatting"),
        ("", One(A::I(5)), "!TypeError: not all arguments converted during string formatting"),
        ("abc", One(A::I(5)), "!TypeError: not all arguments converted during string formatting"),
        ("%", T(&[]), "!ValueError: incomplete format"),
        ("abc %", T(&[A::I(1)]), "!ValueError: incomplete format"),
        ("%5", T(&[A::I(1)]), "!ValueError: incomplete format"),
        ("%(a", M("{}", &[]), "!ValueError: incomplete format key"),
        ("%(a)s", One(A::I(1)), "!TypeError: format requires a mapping"),
        ("%(a)s", M("{}", &[]), "!KeyError: 'a'"),
        ("%(a)s %s", M("{'a': 1}", &[("a", A::I(1))]), "!TypeError: not enough arguments for format string"),
        ("%(a)%", M("{'a': 1}", &[("a", A::I(1))]), "!ValueError: unsupported format character '%' (0x25) at index 4"),
        ("%(a)*d", M("{'a': 3}", &[("a", A::I(3))]), "!TypeError: not enough arguments for format string"),
        ("%y", T(&[A::I(1)]), "!ValueError: unsupported format character 'y' (0x79) at index 1"),
        ("%y", T(&[]), "!TypeError: not enough arguments for format string"),
        ("ab%\u{80}", T(&[A::I(1)]), "!ValueError: unsupported format character '?' (0x80) at index 3"),
        ("%\u{e9}", T(&[A::I(1)]), "!ValueError: unsupported format character '?' (0xe9) at index 1"),
        ("%z", T(&[A::I(1)]), "!ValueError: unsupported format character 'z' (0x7a) at index 1"),
        ("%h", T(&[A::I(5)]), "!ValueError: incomplete format"),
        ("%d", T(&[A::S("x")]), "!TypeError: %d format: a real number is required, not str"),
        ("%d", T(&[A::L]), "!TypeError: %d format: a real number is required, not list"),
        ("%x", T(&[A::F(1.5)]), "!TypeError: %x format: an integer is required, not float"),
        ("%X", T(&[A::S("a")]), "!TypeError: %X format: an integer is required, not str"),
        ("%f", T(&[A::S("a")]), "!TypeError: must be real number, not str"),
        ("%c", T(&[A::F(1.5)]), "!TypeError: %c requires int or char"),
        ("%c", T(&[A::S("ab")]), "!TypeError: %c requires int or char"),
        ("%c", T(&[A::S("")]), "!TypeError: %c requires int or char"),
        ("%c", T(&[A::I(-1)]), "!OverflowError: %c arg not in range(0x110000)"),
        ("%c", T(&[A::I(1114112)]), "!OverflowError: %c arg not in range(0x110000)"),
        ("%*d", T(&[A::S("a"), A::I(1)]), "!TypeError: * wants int"),
        ("%.*f", T(&[A::S("a"), A::F(1.0)]), "!TypeError: * wants int"),
        ("%.*f", T(&[A::I(1099511627776), A::F(1.0)]), "!OverflowError: Python int too large to convert to C int"),
        ("%.999999999999f", T(&[A::F(1.0)]), "!ValueError: precision too big"),
        ("%99999999999999999999d", T(&[A::I(1)]), "!ValueError: width too big"),
        ("%.2147483645d", T(&[A::I(1)]), "!OverflowError: precision too large"),
        ("%d", T(&[A::F(f64::INFINITY)]), "!OverflowError: cannot convert float infinity to integer"),
        ("%d", T(&[A::F(f64::NAN)]), "!ValueError: cannot convert float NaN to integer"),
        ("%(a)s", One(A::L), "!TypeError: list indices must be integers or slices, not str"),
    ];

    #[rustfmt::skip]
    const TEMPLATES: &[(&str, &str)] = &[
        ("", "OK:[]"),
        ("abc", "OK:[L3:abc]"),
        ("{}", "OK:[F(A;;-;[])]"),
        ("{0}", "OK:[F(I0;;-;[])]"),
        ("{a}", "OK:[F(N1:a;;-;[])]"),
        ("{{", "OK:[L1:{]"),
        ("}}", "OK:[L1:}]"),
        ("{{}}", "OK:[L2:{}]"),
        ("a{{b}}c", "OK:[L5:a{b}c]"),
        ("{", "ERR:ValueError:Single '{' encountered in format string"),
        ("}", "ERR:ValueError:Single '}' encountered in format string"),
        ("a}b", "ERR:ValueError:Single '}' encountered in format string"),
        ("a{b", "ERR:ValueError:expected '}' before end of string"),
        ("{0} }", "ERR:ValueError:Single '}' encountered in format string"),
        ("a{0}b{name.attr[0]!r:>{w}}", "OK:[L1:a,F(I0;;-;[]),L1:b,F(N4:name;.4:attr#0;Cr;[L1:>,F(N1:w;;-;[])])]"),
        ("{!}}", "OK:[F(A;;C};[])]"),
        ("{:{:{}}}", "ERR:ValueError:Max string recursion exceeded"),
        ("{:{}}", "OK:[F(A;;-;[F(A;;-;[])])]"),
        ("{:{}{}}", "OK:[F(A;;-;[F(A;;-;[]),F(A;;-;[])])]"),
        ("{0:>{1}.{2}}", "OK:[F(I0;;-;[L1:>,F(I1;;-;[]),L1:.,F(I2;;-;[])])]"),
        ("{0.}", "ERR:ValueError:Empty attribute in format string"),
        ("{0[}", "ERR:ValueError:expected '}' before end of string"),
        ("{0]}", "OK:[F(N2:0];;-;[])]"),
        ("{0[0]x}", "ERR:ValueError:Only '.' or '[' may follow ']' in format field specifier"),
        ("{!", "ERR:ValueError:end of string while looking for conversion specifier"),
        ("{!r", "ERR:ValueError:unmatched '{' in format spec"),
        ("{0!rx}", "ERR:ValueError:expected ':' after conversion specifier"),
        ("{:", "ERR:ValueError:unmatched '{' in format spec"),
        ("{0{}", "ERR:ValueError:unexpected '{' in field name"),
        ("{}{0}", "NUMERR:ValueError:cannot switch from automatic field numbering to manual field specification|[F(A;;-;[]),F(I0;;-;[])]"),
        ("{0}{}", "NUMERR:ValueError:cannot switch from manual field specification to automatic field numbering|[F(I0;;-;[]),F(A;;-;[])]"),
        ("{a}{}{b}", "OK:[F(N1:a;;-;[]),F(A;;-;[]),F(N1:b;;-;[])]"),
        ("{99999999999999999999}", "ERR:ValueError:Too many decimal digits in format string"),
        ("{[0]}", "OK:[F(A;#0;-;[])]"),
        ("{.a}", "OK:[F(A;.1:a;-;[])]"),
        ("{0[a.b]}", "OK:[F(I0;K3:a.b;-;[])]"),
        ("{0[-1]}", "OK:[F(I0;K2:-1;-;[])]"),
        ("{ 0}", "OK:[F(N2: 0;;-;[])]"),
        ("{00}", "OK:[F(I0;;-;[])]"),
        ("{\u{661}}", "OK:[F(I1;;-;[])]"),
        ("{0:{{}}}", "OK:[F(I0;;-;[L2:{}])]"),
        ("{:}}}", "OK:[F(A;;-;[]),L1:}]"),
        ("{a[}]}", "OK:[F(N1:a;K1:};-;[])]"),
        ("{x.y.z[1][k]}", "OK:[F(N1:x;.1:y.1:z#1K1:k;-;[])]"),
        ("{0..a}", "ERR:ValueError:Empty attribute in format string"),
        ("{0[]}", "ERR:ValueError:Empty attribute in format string"),
        ("{0.a[}", "ERR:ValueError:expected '}' before end of string"),
        ("{!s}", "OK:[F(A;;Cs;[])]"),
        ("{:%}", "OK:[F(A;;-;[L1:%])]"),
        ("{0!}", "ERR:ValueError:unmatched '{' in format spec"),
        ("{0:{1:{2}}}", "ERR:ValueError:Max string recursion exceeded"),
        ("{{{0}}}", "OK:[L1:{,F(I0;;-;[]),L1:}]"),
        ("{0[0]}[1]", "OK:[F(I0;#0;-;[]),L3:[1]]"),
        ("{:{}}{}", "OK:[F(A;;-;[F(A;;-;[])]),F(A;;-;[])]"),
    ];

    #[test]
    fn float_repr_matches_cpython() {
        for &(x, want) in REPRS {
            assert_eq!(float_repr(x), want, "repr({x:?})");
        }
    }

    #[test]
    fn format_matches_cpython() {
        for &(x, spec, want) in FLOATS {
            assert_eq!(show(format_float(x, spec)), want, "format({x:?}, {spec:?})");
        }
        for &(i, spec, want) in INTS {
            assert_eq!(show(format_int(i, spec)), want, "format({i}, {spec:?})");
        }
        for &(b, spec, want) in BOOLS {
            assert_eq!(show(format_bool(b, spec)), want, "format({b}, {spec:?})");
        }
        for &(s, spec, want) in STRS {
            assert_eq!(show(format_str(s, spec)), want, "format({s:?}, {spec:?})");
        }
    }

    #[test]
    fn percent_matches_cpython() {
        for (fmt, args, want) in PERCENTS {
            assert_eq!(show(percent(fmt, args)), *want, "{fmt:?} % ...");
        }
    }

    #[test]
    fn templates_match_cpython() {
        for &(t, want) in TEMPLATES {
            assert_eq!(template(t), want, "{t:?}");
        }
    }

    #[test]
    fn automatic_fields_are_numbered_outer_field_first() {
        let mut pieces = parse_template("{:{}}{}").unwrap();
        number_fields(&mut pieces).unwrap();
        assert_eq!(ser(&pieces), "[F(I0;;-;[F(I1;;-;[])]),F(I2;;-;[])]");
    }

    #[test]
    fn long_conversions() {
        let exact = "0.1000000000000000055511151231257827021181583404541015625";
        let s = format_float(0.1, ".1100f").unwrap();
        assert_eq!(s.len(), 1102);
        assert!(s.starts_with(exact) && s[exact.len()..].bytes().all(|b| b == b'0'));
        assert_eq!(format_float(1.0, ".20000000g").unwrap(), "1");
        assert_eq!(format_int(7, "10000000").unwrap().len(), MAX_LENGTH);
        let memory = Err(FormatErrorKind::MemoryError);
        assert_eq!(format_int(7, "10000001").map_err(|e| e.kind), memory);
        assert_eq!(format_float(1.0, ".20000000f").map_err(|e| e.kind), memory);
        assert_eq!(format_str("a", "20000000").map_err(|e| e.kind), memory);
        let seq = || PercentArgs::Seq(vec![PercentArg::Int(1)]);
        assert_eq!(
            percent_format("%20000000d", seq()).map_err(|e| e.kind),
            memory
        );
        assert_eq!(
            percent_format("%.20000000d", seq()).map_err(|e| e.kind),
            memory
        );
        // Truncating a string allocates nothing, so any precision will do.
        assert_eq!(format_str("abc", ".99999999999").unwrap(), "abc");
    }

    #[test]
    fn map_without_the_mapping_itself() {
        let lookup = |k: &str| (k == "a").then_some(PercentArg::Int(1));
        assert_eq!(
            percent_format("%(a)s!", PercentArgs::Map(&lookup)).unwrap(),
            "1!"
        );
        assert_eq!(
            show(percent_format("%(b)s", PercentArgs::Map(&lookup))),
            "!KeyError: 'b'"
        );
        assert_eq!(
            show(percent_format("%s", PercentArgs::Map(&lookup))),
            "!TypeError: not enough arguments for format string"
        );
        assert_eq!(
            percent_format("abc", PercentArgs::Map(&lookup)).unwrap(),
            "abc"
        );
    }

    #[test]
    fn spec_fields() {
        let spec = parse_spec("*^+z#12,.3f").unwrap();
        let want = Spec {
            fill: '*',
            align: Some('^'),
            sign: Some('+'),
            z: true,
            alternate: true,
            zero: false,
            width: Some(12),
            grouping: Some(','),
            precision: Some(3),
            ty: Some('f'),
        };
        assert_eq!(spec, want);
        let zero = parse_spec("08").unwrap();
        assert_eq!(
            (zero.fill, zero.align, zero.zero, zero.width),
            ('0', None, true, Some(8))
        );
        let fill = parse_spec("0<08").unwrap();
        assert_eq!(
            (fill.fill, fill.align, fill.zero, fill.width),
            ('0', Some('<'), false, Some(8))
        );
        assert_eq!(
            show(parse_spec("abc").map(|_| String::new())),
            "!ValueError: Invalid format specifier 'abc' for object of type 'object'"
        );
    }

    #[test]
    fn str_repr_quotes_like_python() {
        assert_eq!(str_repr("abc"), "'abc'");
        assert_eq!(str_repr("it's"), "\"it's\"");
        assert_eq!(str_repr("'\""), "'\\'\"'");
        assert_eq!(
            str_repr("a\nb\\\u{7}\u{e9}\u{a0}"),
            "'a\\nb\\\\\\x07\u{e9}\\xa0'"
        );
        let e = FormatError::new(FormatErrorKind::KeyError, str_repr("k"));
        assert_eq!(e.to_string(), "KeyError: 'k'");
    }
}
