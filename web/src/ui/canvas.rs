//! The timeline painted on a canvas.

use web_sys::CanvasRenderingContext2d;

use crate::timeline::{Painter, Pattern};

pub struct CanvasPainter<'a> {
    pub cx: &'a CanvasRenderingContext2d,
}

impl CanvasPainter<'_> {
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
        let cx = self.cx;
        if pattern == Pattern::Hollow {
            cx.set_stroke_style_str(fill);
            cx.set_line_width(1.0);
            cx.stroke_rect(x + 0.5, y + 0.5, (w - 1.0).max(0.5), h - 1.0);
            return;
        }
        cx.set_fill_style_str(fill);
        cx.fill_rect(x, y, w, h);
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
        let cx = self.cx;
        cx.set_stroke_style_str(stroke);
        cx.set_line_width(width);
        cx.begin_path();
        cx.move_to(x1, y1);
        cx.line_to(x2, y2);
        cx.stroke();
    }

    fn text(&mut self, x: f64, y: f64, s: &str, fill: &str, size: f64, right: bool) {
        let cx = self.cx;
        cx.set_fill_style_str(fill);
        cx.set_font(&format!("{size}px system-ui, sans-serif"));
        cx.set_text_align(if right { "right" } else { "left" });
        let _ = cx.fill_text(s, x, y);
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
    }
}
