//! The timeline painted on a canvas.

use web_sys::CanvasRenderingContext2d;

use crate::timeline::{Painter, Pattern};

/// Paints on a 2D context. Styles are cached: every call into the canvas crosses from wasm
/// to JavaScript, and a redraw of a big trace makes tens of thousands of them.
pub struct CanvasPainter<'a> {
    cx: &'a CanvasRenderingContext2d,
    fill: String,
    stroke: String,
    width: f64,
    font: String,
}

impl<'a> CanvasPainter<'a> {
    pub fn new(cx: &'a CanvasRenderingContext2d) -> Self {
        CanvasPainter {
            cx,
            fill: String::new(),
            stroke: String::new(),
            width: -1.0,
            font: String::new(),
        }
    }

    fn set_fill(&mut self, fill: &str) {
        if self.fill != fill {
            self.cx.set_fill_style_str(fill);
            self.fill.clear();
            self.fill.push_str(fill);
        }
    }

    fn set_stroke(&mut self, stroke: &str, width: f64) {
        if self.stroke != stroke {
            self.cx.set_stroke_style_str(stroke);
            self.stroke.clear();
            self.stroke.push_str(stroke);
        }
        if self.width != width {
            self.cx.set_line_width(width);
            self.width = width;
        }
    }

    /// After `restore()` the context's styles are the saved ones again: forget the cache.
    fn forget(&mut self) {
        self.fill.clear();
        self.stroke.clear();
        self.width = -1.0;
        self.font.clear();
    }

    /// Stripes inside a rectangle; save/restore leaves the cached styles valid.
    fn stripes(&self, x: f64, y: f64, w: f64, h: f64, dirs: &[f64]) {
        let cx = self.cx;
        cx.save();
        cx.begin_path();
        cx.rect(x, y, w, h);
        cx.clip();
        cx.set_stroke_style_str("rgba(255,255,255,0.6)");
        cx.set_line_width(1.5);
        cx.begin_path();
        for &dir in dirs {
            let mut k = x - h;
            while k < x + w + h {
                if dir == 0.0 {
                    cx.move_to(k, y);
                    cx.line_to(k, y + h);
                } else {
                    cx.move_to(k, y + h);
                    cx.line_to(k + dir * h, y);
                }
                k += 6.0;
            }
        }
        cx.stroke();
        cx.restore();
    }
}

impl Painter for CanvasPainter<'_> {
    fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, fill: &str, pattern: Pattern) {
        if pattern == Pattern::Hollow {
            self.set_stroke(fill, 1.0);
            self.cx
                .stroke_rect(x + 0.5, y + 0.5, (w - 1.0).max(0.5), h - 1.0);
            return;
        }
        self.set_fill(fill);
        self.cx.fill_rect(x, y, w, h);
        if w >= 4.0 {
            match pattern {
                Pattern::Hatch => self.stripes(x, y, w, h, &[1.0]),
                Pattern::BackHatch => self.stripes(x, y, w, h, &[-1.0]),
                Pattern::Cross => self.stripes(x, y, w, h, &[1.0, -1.0]),
                Pattern::Bars => self.stripes(x, y, w, h, &[0.0]),
                Pattern::Solid | Pattern::Hollow => {}
            }
        }
    }

    fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, stroke: &str, width: f64) {
        self.set_stroke(stroke, width);
        let cx = self.cx;
        cx.begin_path();
        cx.move_to(x1, y1);
        cx.line_to(x2, y2);
        cx.stroke();
    }

    fn text(&mut self, x: f64, y: f64, s: &str, fill: &str, size: f64, right: bool) {
        self.set_fill(fill);
        let font = format!("{size}px system-ui, sans-serif");
        if self.font != font {
            self.cx.set_font(&font);
            self.font = font;
        }
        self.cx.set_text_align(if right { "right" } else { "left" });
        let _ = self.cx.fill_text(s, x, y);
    }

    fn clip(&mut self, x: f64, y: f64, w: f64, h: f64) {
        let cx = self.cx;
        cx.save();
        cx.begin_path();
        cx.rect(x, y, w, h);
        cx.clip();
    }

    fn unclip(&mut self) {
        self.cx.restore();
        self.forget();
    }
}
