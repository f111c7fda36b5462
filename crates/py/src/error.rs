//! Errors found before a program runs: syntax errors, unsupported constructs, and inputs too
//! large or too deeply nested to parse safely. Each names a position and renders in English
//! and Chinese.

use crate::ast::Pos;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceErrorKind {
    /// The text is not Python (the parser's message).
    Syntax,
    /// Valid Python that the playground does not run; `construct` names it.
    Unsupported,
    /// Brackets, blocks or expressions nested deeper than the limit.
    TooDeep,
    /// The source is longer than the limit.
    TooLarge,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceError {
    pub kind: SourceErrorKind,
    /// English text without the position (for `Unsupported`, the construct, e.g. `match`).
    pub message: String,
    pub pos: Pos,
}

impl SourceError {
    pub fn new(kind: SourceErrorKind, message: impl Into<String>, pos: Pos) -> Self {
        SourceError {
            kind,
            message: message.into(),
            pos,
        }
    }

    pub fn unsupported(construct: impl Into<String>, pos: Pos) -> Self {
        SourceError::new(SourceErrorKind::Unsupported, construct, pos)
    }

    /// One line, as shown to a user: `lang` is `"en"` or `"zh"`.
    pub fn render(&self, lang: &str) -> String {
        let zh = lang == "zh";
        let line = self.pos.line;
        match self.kind {
            SourceErrorKind::Syntax if zh => {
                format!(
                    "语法错误（第 {line} 行，第 {} 列）：{}",
                    self.pos.col, self.message
                )
            }
            SourceErrorKind::Syntax => format!(
                "SyntaxError: {} (line {line}, column {})",
                self.message, self.pos.col
            ),
            SourceErrorKind::Unsupported if zh => {
                format!("演练场不支持：`{}`（第 {line} 行）", self.message)
            }
            SourceErrorKind::Unsupported => {
                format!(
                    "not supported in the playground: `{}` (line {line})",
                    self.message
                )
            }
            SourceErrorKind::TooDeep if zh => format!("嵌套过深（第 {line} 行）：{}", self.message),
            SourceErrorKind::TooDeep => {
                format!("nested too deeply (line {line}): {}", self.message)
            }
            SourceErrorKind::TooLarge if zh => format!("程序过长：{}", self.message),
            SourceErrorKind::TooLarge => format!("program too long: {}", self.message),
        }
    }
}
