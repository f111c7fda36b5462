//! The timeline's geometry, independent of where it is drawn: lanes, the time window, what
//! is visible, hit testing, and one `draw` that paints through a [`Painter`] — the canvas in
//! the page and the SVG export share it, so what you export is what you saw.
//!
//! Drawing cost is bounded by the window, not the trace: each lane's spans are sorted and
//! non-overlapping, so a binary search finds the first visible one; touching narrow spans of
//! one state merge into one rectangle, a pixel column gets one colour, and nearby event ticks
//! of one colour merge into a bar. A 64 000-span, 192 000-event trace draws with about 1 000
//! rectangles.

use std::fmt::Write as _;

use interleave_sim::{EventKind, LinkKind, Nanos, State, Trace, UnitId, UnitKind, fmt_nanos};

use crate::i18n::{self, Lang};

pub const LABEL_W: f64 = 170.0;
pub const AXIS_H: f64 = 22.0;
pub const GROUP_H: f64 = 18.0;
pub const LANE_H: f64 = 22.0;
pub const COUNTER_H: f64 = 30.0;
const SPAN_PAD: f64 = 3.0;

/// How a state is drawn: a colour from a colour-blind-safe palette (Okabe–Ito) and a fill
/// pattern, so two states never differ by colour alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pattern {
    Solid,
    /// Stripes leaning right.
    Hatch,
    /// Stripes leaning left.
    BackHatch,
    /// Both.
    Cross,
    /// Vertical stripes.
    Bars,
    /// Only an outline.
    Hollow,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Style {
    pub fill: &'static str,
    pub pattern: Pattern,
    /// A one- or two-letter mark drawn inside wide spans and shown in the legend.
    pub mark: &'static str,
}

pub fn style(state: State) -> Style {
    let (fill, pattern, mark) = match state {
        State::Running => ("#009E73", Pattern::Solid, "R"),
        State::Ready => ("#999999", Pattern::Hatch, "r"),
        State::WaitingGil => ("#E69F00", Pattern::BackHatch, "G"),
        State::Blocked => ("#D55E00", Pattern::Cross, "B"),
        State::Sleeping => ("#56B4E9", Pattern::Bars, "S"),
        State::Io => ("#0072B2", Pattern::Hatch, "IO"),
        State::Idle => ("#BBBBBB", Pattern::Hollow, "i"),
        State::Loop => ("#CC79A7", Pattern::Solid, "L"),
        State::Starting => ("#F0E442", Pattern::Bars, "st"),
    };
    Style {
        fill,
        pattern,
        mark,
    }
}

/// The colour of an event marker, by what the event does.
pub fn event_colour(kind: EventKind) -> &'static str {
    use EventKind::*;
    match kind {
        Acquire | Get | Recv | Wake | Pass | Result | GilTake => "#0b3d91",
        Release | Put | Send | Notify | Set | TaskDone | GilDrop => "#6a1b9a",
        Error | Broken | Killed | AcquireTimeout | WaitTimeout | Timeout | Cancel => "#b00020",
        _ => "#333333",
    }
}

/// One row of the timeline.
#[derive(Clone, Debug, PartialEq)]
pub enum Row {
    /// A process or event-loop heading.
    Group { label: String },
    /// A unit's lane.
    Lane { unit: UnitId, label: String },
    /// A counter's small chart.
    Counter { index: usize },
}

/// Where everything is, for one trace.
#[derive(Clone, Debug, Default)]
pub struct Layout {
    pub rows: Vec<Row>,
    /// The y of each row's top edge.
    pub row_y: Vec<f64>,
    /// The lane row of each unit.
    pub lane_of: Vec<usize>,
    /// Per unit, indices of its spans in start order.
    pub spans: Vec<Vec<usize>>,
    /// Per unit, indices of its events in time order.
    pub events: Vec<Vec<usize>>,
    /// Per counter, its value range.
    pub counter_range: Vec<(i64, i64)>,
    /// The end of the trace (at least 1 ns so the scale is defined).
    pub end: Nanos,
    pub height: f64,
    /// Per unit, its badge in code (for a trace with source lines; see `code_view`).
    pub badges: Vec<Option<crate::code_view::Badge>>,
}

impl Layout {
    pub fn new(trace: &Trace) -> Layout {
        let n = trace.units.len();
        // Processes in creation order; inside each, threads in creation order with the tasks
        // and callbacks of an event loop right after the thread that runs it.
        let mut order: Vec<(usize, Option<usize>)> = Vec::new(); // (unit, group heading)
        let mut placed = vec![false; n];
        for p in trace.units.iter().filter(|u| u.kind == UnitKind::Process) {
            let members: Vec<usize> = trace
                .units
                .iter()
                .filter(|u| {
                    u.process == p.id && u.kind != UnitKind::Task && u.kind != UnitKind::Callback
                })
                .map(|u| u.id.index())
                .collect();
            for (k, &m) in members.iter().enumerate() {
                if placed[m] {
                    continue;
                }
                placed[m] = true;
                order.push((m, (k == 0).then_some(p.id.index())));
                for t in trace
                    .units
                    .iter()
                    .filter(|u| u.host.map(UnitId::index) == Some(m))
                {
                    if !placed[t.id.index()] {
                        placed[t.id.index()] = true;
                        order.push((t.id.index(), None));
                    }
                }
            }
        }
        // Anything not reached (a unit without a process record) goes last.
        for (i, done) in placed.iter().enumerate() {
            if !done {
                order.push((i, None));
            }
        }

        let lane_order: Vec<usize> = order.iter().map(|o| o.0).collect();
        let badges = crate::code_view::badges(trace, &lane_order);
        let mut rows = Vec::new();
        let mut lane_of = vec![0; n];
        for (unit, group) in order {
            if let Some(p) = group {
                rows.push(Row::Group {
                    label: format!("{} (pid {})", trace.units[p].name, p),
                });
            }
            lane_of[unit] = rows.len();
            let u = &trace.units[unit];
            let indent = if u.host.is_some() { "  ↳ " } else { "" };
            rows.push(Row::Lane {
                unit: u.id,
                label: format!("{indent}{}", u.name),
            });
        }
        for index in 0..trace.counters.len() {
            rows.push(Row::Counter { index });
        }

        let mut row_y = Vec::with_capacity(rows.len());
        let mut y = AXIS_H;
        for row in &rows {
            row_y.push(y);
            y += match row {
                Row::Group { .. } => GROUP_H,
                Row::Lane { .. } => LANE_H,
                Row::Counter { .. } => COUNTER_H,
            };
        }

        let mut spans = vec![Vec::new(); n];
        for (i, s) in trace.spans.iter().enumerate() {
            if let Some(v) = spans.get_mut(s.unit.index()) {
                v.push(i);
            }
        }
        for v in &mut spans {
            v.sort_by_key(|&i| (trace.spans[i].start, trace.spans[i].end));
        }
        let mut events = vec![Vec::new(); n];
        for (i, e) in trace.events.iter().enumerate() {
            if let Some(v) = events.get_mut(e.unit.index()) {
                v.push(i);
            }
        }
        let counter_range = trace
            .counters
            .iter()
            .map(|c| {
                let lo = c.points.iter().map(|p| p.1).min().unwrap_or(0).min(0);
                let hi = c.points.iter().map(|p| p.1).max().unwrap_or(1).max(lo + 1);
                (lo, hi)
            })
            .collect();
        let end = trace
            .spans
            .iter()
            .map(|s| s.end)
            .chain(trace.events.iter().map(|e| e.time))
            .max()
            .unwrap_or(0)
            .max(trace.metrics.makespan)
            .max(1);
        Layout {
            rows,
            row_y,
            lane_of,
            spans,
            events,
            counter_range,
            end,
            height: y + 4.0,
            badges,
        }
    }

    /// The y of the centre of a unit's lane.
    pub fn lane_mid(&self, unit: UnitId) -> f64 {
        let row = self.lane_of.get(unit.index()).copied().unwrap_or(0);
        self.row_y.get(row).copied().unwrap_or(AXIS_H) + LANE_H / 2.0
    }
}

/// The visible time window and the drawing width.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct View {
    pub t0: f64,
    pub t1: f64,
    pub width: f64,
}

impl View {
    pub fn whole(layout: &Layout, width: f64) -> View {
        View {
            t0: 0.0,
            t1: layout.end as f64 * 1.02,
            width: width.max(LABEL_W + 50.0),
        }
    }

    pub fn plot_w(&self) -> f64 {
        (self.width - LABEL_W - 8.0).max(10.0)
    }

    pub fn x(&self, t: f64) -> f64 {
        LABEL_W + (t - self.t0) / (self.t1 - self.t0).max(1e-9) * self.plot_w()
    }

    pub fn time_at(&self, x: f64) -> f64 {
        self.t0 + (x - LABEL_W) / self.plot_w() * (self.t1 - self.t0)
    }

    /// Zooms by `factor` (< 1 zooms in) keeping the time under `x` fixed; never narrower than
    /// 10 ns nor wider than twice the trace.
    pub fn zoom(&self, factor: f64, x: f64, end: Nanos) -> View {
        let anchor = self.time_at(x.clamp(LABEL_W, self.width));
        let span = ((self.t1 - self.t0) * factor).clamp(10.0, end as f64 * 2.0 + 10.0);
        let frac = ((anchor - self.t0) / (self.t1 - self.t0).max(1e-9)).clamp(0.0, 1.0);
        let t0 = anchor - span * frac;
        View {
            t0,
            t1: t0 + span,
            width: self.width,
        }
        .clamped(end)
    }

    /// Moves by `dx` pixels.
    pub fn pan(&self, dx: f64, end: Nanos) -> View {
        let dt = dx / self.plot_w() * (self.t1 - self.t0);
        View {
            t0: self.t0 + dt,
            t1: self.t1 + dt,
            width: self.width,
        }
        .clamped(end)
    }

    /// Centres the window on `t` when `t` is outside it.
    pub fn follow(&self, t: f64, end: Nanos) -> View {
        if t >= self.t0 && t <= self.t1 {
            return *self;
        }
        let half = (self.t1 - self.t0) / 2.0;
        View {
            t0: t - half,
            t1: t + half,
            width: self.width,
        }
        .clamped(end)
    }

    fn clamped(self, end: Nanos) -> View {
        let span = self.t1 - self.t0;
        let max_t = end as f64 * 1.02;
        let mut t0 = self.t0.min(max_t - span * 0.1).max(-span * 0.1);
        if span >= max_t {
            t0 = t0.min(0.0);
        }
        View {
            t0,
            t1: t0 + span,
            width: self.width,
        }
    }
}

/// What is under the pointer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hit {
    Event(usize),
    Span(usize),
}

/// The event or span under (x, y), events first (within 4 px).
pub fn hit(trace: &Trace, layout: &Layout, view: &View, x: f64, y: f64) -> Option<Hit> {
    if x < LABEL_W {
        return None;
    }
    let row = layout.row_y.iter().rposition(|&top| top <= y)?;
    let Row::Lane { unit, .. } = layout.rows.get(row)? else {
        return None;
    };
    if y > layout.row_y[row] + LANE_H {
        return None;
    }
    let t = view.time_at(x);
    let tol = 4.0 / view.plot_w() * (view.t1 - view.t0);
    let evs = &layout.events[unit.index()];
    let from = evs.partition_point(|&i| (trace.events[i].time as f64) < t - tol);
    let best = evs[from..]
        .iter()
        .take_while(|&&i| (trace.events[i].time as f64) <= t + tol)
        .min_by(|&&a, &&b| {
            let da = (trace.events[a].time as f64 - t).abs();
            let db = (trace.events[b].time as f64 - t).abs();
            da.total_cmp(&db)
        });
    if let Some(&i) = best {
        return Some(Hit::Event(i));
    }
    let spans = &layout.spans[unit.index()];
    let k = spans.partition_point(|&i| (trace.spans[i].end as f64) < t);
    spans
        .get(k)
        .filter(|&&i| (trace.spans[i].start as f64) <= t)
        .map(|&i| Hit::Span(i))
}

/// A drawing surface.
pub trait Painter {
    fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, fill: &str, pattern: Pattern);
    fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, stroke: &str, width: f64);
    fn text(&mut self, x: f64, y: f64, s: &str, fill: &str, size: f64, right: bool);
    fn clip(&mut self, x: f64, y: f64, w: f64, h: f64);
    fn unclip(&mut self);
}

/// What to highlight.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Marks<'a> {
    /// The time cursor.
    pub cursor: Option<Nanos>,
    /// The selected event: its causal links are drawn as arrows.
    pub selected: Option<usize>,
    /// A source line (hovered in the editor): the events it produced are ringed.
    pub line: Option<u32>,
    /// Units an uncaught exception ended: a red cross at their last event.
    pub raised: &'a [usize],
}

/// Draws the trace in `view`.
pub fn draw(
    trace: &Trace,
    layout: &Layout,
    view: &View,
    marks: Marks<'_>,
    lang: Lang,
    p: &mut dyn Painter,
) {
    let right = view.width;
    p.rect(0.0, 0.0, right, layout.height, "#ffffff", Pattern::Solid);
    draw_axis(view, layout, p);
    for (row, y) in layout.rows.iter().zip(&layout.row_y) {
        match row {
            Row::Group { label } => {
                p.rect(0.0, *y, right, GROUP_H, "#eef1f5", Pattern::Solid);
                p.text(6.0, y + 13.0, label, "#222222", 12.0, false);
            }
            Row::Lane { unit, label } => {
                if let Some(Some(b)) = layout.badges.get(unit.index()) {
                    let w = 8.0 + 7.0 * b.letter.len() as f64;
                    p.rect(4.0, y + 4.0, w, LANE_H - 8.0, b.colour, Pattern::Solid);
                    p.text(
                        4.0 + w / 2.0 - 3.5 * b.letter.len() as f64,
                        y + 15.0,
                        &b.letter,
                        "#ffffff",
                        11.0,
                        false,
                    );
                }
                p.text(LABEL_W - 6.0, y + 15.0, label, "#111111", 12.0, true);
                p.line(LABEL_W, y + LANE_H, right, y + LANE_H, "#f0f0f0", 1.0);
                p.clip(LABEL_W, *y, view.plot_w(), LANE_H);
                draw_lane(trace, layout, view, *unit, *y, lang, p);
                p.unclip();
            }
            Row::Counter { index } => {
                if let Some(c) = trace.counters.get(*index) {
                    let range = layout.counter_range.get(*index).copied().unwrap_or((0, 1));
                    p.text(LABEL_W - 6.0, y + 18.0, &c.name, "#444444", 11.0, true);
                    p.clip(LABEL_W, *y, view.plot_w(), COUNTER_H);
                    draw_counter(&c.points, range, view, *y, layout.end, p);
                    p.unclip();
                }
            }
        }
    }
    p.clip(LABEL_W, 0.0, view.plot_w(), layout.height);
    if let Some(sel) = marks.selected {
        draw_links(trace, layout, view, sel, p);
    }
    for &u in marks.raised {
        let last = layout.events.get(u).and_then(|v| v.last());
        if let Some(e) = last.and_then(|&i| trace.events.get(i)) {
            let x = view.x(e.time as f64);
            let y = layout.lane_mid(e.unit);
            p.line(x - 5.0, y - 5.0, x + 5.0, y + 5.0, "#d00000", 2.5);
            p.line(x - 5.0, y + 5.0, x + 5.0, y - 5.0, "#d00000", 2.5);
        }
    }
    if let Some(line) = marks.line {
        for i in crate::code_view::events_of_line(trace, line) {
            if let Some(e) = trace.events.get(i) {
                let x = view.x(e.time as f64);
                let y = layout.lane_mid(e.unit);
                p.rect(x - 4.0, y - 8.0, 8.0, 16.0, "#2563eb", Pattern::Hollow);
            }
        }
    }
    if let Some(t) = marks.cursor {
        let x = view.x(t as f64);
        p.line(x, AXIS_H - 4.0, x, layout.height, "#d00000", 1.5);
    }
    p.unclip();
}

fn draw_axis(view: &View, layout: &Layout, p: &mut dyn Painter) {
    let span = (view.t1 - view.t0).max(1.0);
    // A step of 1, 2 or 5 × 10^k with about 8 ticks across.
    let raw = span / 8.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag)
        .max(1.0);
    let mut t = (view.t0 / step).ceil() * step;
    while t <= view.t1 {
        if t >= 0.0 {
            let x = view.x(t);
            p.line(x, AXIS_H - 5.0, x, layout.height, "#e6e6e6", 1.0);
            p.text(
                x + 2.0,
                12.0,
                &fmt_nanos(t as Nanos),
                "#555555",
                10.0,
                false,
            );
        }
        t += step;
    }
    p.line(
        LABEL_W,
        AXIS_H - 1.0,
        view.width,
        AXIS_H - 1.0,
        "#cccccc",
        1.0,
    );
}

fn draw_lane(
    trace: &Trace,
    layout: &Layout,
    view: &View,
    unit: UnitId,
    y: f64,
    lang: Lang,
    p: &mut dyn Painter,
) {
    let spans = &layout.spans[unit.index()];
    let first = spans.partition_point(|&i| (trace.spans[i].end as f64) < view.t0);
    let (top, h) = (y + SPAN_PAD, LANE_H - 2.0 * SPAN_PAD);
    // Narrow spans of one state that touch merge into one rectangle, so a zoomed-out lane
    // costs at most a few rectangles per pixel column however many spans it holds.
    let mut run: Option<(f64, f64, State)> = None;
    let flush = |run: &mut Option<(f64, f64, State)>, p: &mut dyn Painter| {
        if let Some((a, b, st)) = run.take() {
            let sty = style(st);
            p.rect(a, top, (b - a).max(1.0), h, sty.fill, sty.pattern);
        }
    };
    for &i in &spans[first..] {
        let s = &trace.spans[i];
        if s.start as f64 > view.t1 {
            break;
        }
        let x0 = view.x(s.start as f64).max(LABEL_W - 1.0);
        let x1 = view.x(s.end as f64).min(view.width + 1.0);
        if x1 - x0 < 2.0 {
            match &mut run {
                Some((_, b, st)) if *st == s.state && x0 <= *b + 1.0 => *b = b.max(x1),
                // Another state inside a pixel already drawn: one colour per pixel column.
                Some((_, b, _)) if x0.floor() < b.floor() => {}
                _ => {
                    flush(&mut run, p);
                    run = Some((x0, x1.max(x0 + 1.0), s.state));
                }
            }
            continue;
        }
        flush(&mut run, p);
        let st = style(s.state);
        let w = x1 - x0;
        p.rect(x0, top, w, h, st.fill, st.pattern);
        if w > 60.0 {
            let label = match s.obj.and_then(|o| trace.objects.get(o.index())) {
                Some(obj) if s.state == State::Blocked => {
                    format!("{} {}", i18n::state_label(s.state, lang), obj.name)
                }
                _ => i18n::state_label(s.state, lang).to_string(),
            };
            let fg = if st.pattern == Pattern::Hollow {
                "#333333"
            } else {
                "#ffffff"
            };
            p.text(x0.max(LABEL_W) + 4.0, y + 15.0, &label, fg, 11.0, false);
        } else if w > 14.0 {
            p.text(x0 + 2.0, y + 15.0, st.mark, "#ffffff", 10.0, false);
        }
    }
    flush(&mut run, p);
    // Event ticks; ticks of one colour closer than two pixels merge into one bar.
    let evs = &layout.events[unit.index()];
    let first = evs.partition_point(|&i| (trace.events[i].time as f64) < view.t0);
    let mut ticks: Option<(f64, f64, &'static str)> = None;
    for &i in &evs[first..] {
        let e = &trace.events[i];
        if e.time as f64 > view.t1 {
            break;
        }
        let x = view.x(e.time as f64);
        let colour = event_colour(e.kind);
        match &mut ticks {
            Some((_, b, c)) if *c == colour && x <= *b + 2.0 => *b = b.max(x),
            _ => {
                if let Some((a, b, c)) = ticks.take() {
                    p.rect(a - 1.0, y, b - a + 2.0, 7.0, c, Pattern::Solid);
                }
                ticks = Some((x, x, colour));
            }
        }
    }
    if let Some((a, b, c)) = ticks {
        p.rect(a - 1.0, y, b - a + 2.0, 7.0, c, Pattern::Solid);
    }
}

fn draw_counter(
    points: &[(Nanos, i64)],
    (lo, hi): (i64, i64),
    view: &View,
    y: f64,
    end: Nanos,
    p: &mut dyn Painter,
) {
    let h = COUNTER_H - 8.0;
    let vy = |v: i64| y + 4.0 + h - (v - lo) as f64 / (hi - lo).max(1) as f64 * h;
    p.line(
        LABEL_W,
        y + 4.0 + h,
        view.width,
        y + 4.0 + h,
        "#dddddd",
        1.0,
    );
    let first = points
        .partition_point(|pt| (pt.0 as f64) < view.t0)
        .saturating_sub(1);
    let mut last_px = f64::NEG_INFINITY;
    for (k, &(t, v)) in points.iter().enumerate().skip(first) {
        if t as f64 > view.t1 {
            break;
        }
        let t_next = points.get(k + 1).map_or(end, |pt| pt.0);
        let x0 = view.x(t as f64).max(LABEL_W - 1.0);
        let x1 = view.x(t_next as f64).min(view.width + 1.0);
        if x1 - x0 < 1.0 && x0.floor() <= last_px {
            continue;
        }
        last_px = x0.floor();
        let top = vy(v);
        p.rect(
            x0,
            top,
            (x1 - x0).max(1.0),
            y + 4.0 + h - top,
            "#7fa7d9",
            Pattern::Solid,
        );
    }
    p.text(
        LABEL_W + 2.0,
        y + 10.0,
        &hi.to_string(),
        "#777777",
        9.0,
        false,
    );
}

/// Arrows for every causal link into or out of event `sel`.
fn draw_links(trace: &Trace, layout: &Layout, view: &View, sel: usize, p: &mut dyn Painter) {
    for l in &trace.links {
        let (from, to) = (l.from as usize, l.to as usize);
        if from != sel && to != sel {
            continue;
        }
        let (Some(a), Some(b)) = (trace.events.get(from), trace.events.get(to)) else {
            continue;
        };
        let (x1, y1) = (view.x(a.time as f64), layout.lane_mid(a.unit));
        let (x2, y2) = (view.x(b.time as f64), layout.lane_mid(b.unit));
        let colour = match l.kind {
            LinkKind::Unlock => "#0b3d91",
            LinkKind::Feed => "#6a1b9a",
            LinkKind::Wake => "#b35900",
            LinkKind::Join | LinkKind::Spawn => "#444444",
        };
        p.line(x1, y1, x2, y2, colour, 2.0);
        // The arrow head.
        let ang = (y2 - y1).atan2(x2 - x1);
        for da in [2.6f64, -2.6] {
            p.line(
                x2,
                y2,
                x2 + 8.0 * (ang + da).cos(),
                y2 + 8.0 * (ang + da).sin(),
                colour,
                2.0,
            );
        }
    }
}

/// The whole trace as a standalone SVG document.
pub fn to_svg(trace: &Trace, width: f64, lang: Lang) -> String {
    let layout = Layout::new(trace);
    let view = View::whole(&layout, width);
    let mut svg = Svg::default();
    draw(trace, &layout, &view, Marks::default(), lang, &mut svg);
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="system-ui, sans-serif"><defs>"#,
        w = view.width,
        h = layout.height,
    );
    for (id, d) in [
        ("hatch", "M0,8 L8,0"),
        ("backhatch", "M0,0 L8,8"),
        ("cross", "M0,8 L8,0 M0,0 L8,8"),
        ("bars", "M4,0 L4,8"),
    ] {
        let _ = write!(
            out,
            r##"<pattern id="{id}" width="8" height="8" patternUnits="userSpaceOnUse"><path d="{d}" stroke="#ffffff" stroke-opacity="0.6" stroke-width="1.5"/></pattern>"##
        );
    }
    out.push_str("</defs>");
    out.push_str(&svg.body);
    out.push_str("</svg>");
    out
}

#[derive(Default)]
struct Svg {
    body: String,
    clip_id: usize,
    clipped: bool,
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

impl Painter for Svg {
    fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, fill: &str, pattern: Pattern) {
        let (fill, stroke) = if pattern == Pattern::Hollow {
            ("none", fill)
        } else {
            (fill, "none")
        };
        let _ = write!(
            self.body,
            r#"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" fill="{fill}" stroke="{stroke}"/>"#
        );
        let over = match pattern {
            Pattern::Hatch => "hatch",
            Pattern::BackHatch => "backhatch",
            Pattern::Cross => "cross",
            Pattern::Bars => "bars",
            Pattern::Solid | Pattern::Hollow => return,
        };
        let _ = write!(
            self.body,
            r#"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" fill="url(#{over})"/>"#
        );
    }

    fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, stroke: &str, width: f64) {
        let _ = write!(
            self.body,
            r#"<line x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}" stroke="{stroke}" stroke-width="{width}"/>"#
        );
    }

    fn text(&mut self, x: f64, y: f64, s: &str, fill: &str, size: f64, right: bool) {
        let anchor = if right { "end" } else { "start" };
        let _ = write!(
            self.body,
            r#"<text x="{x:.1}" y="{y:.1}" fill="{fill}" font-size="{size}" text-anchor="{anchor}">{}</text>"#,
            esc(s)
        );
    }

    fn clip(&mut self, x: f64, y: f64, w: f64, h: f64) {
        self.clip_id += 1;
        let id = self.clip_id;
        let _ = write!(
            self.body,
            r#"<clipPath id="c{id}"><rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}"/></clipPath><g clip-path="url(#c{id})">"#
        );
        self.clipped = true;
    }

    fn unclip(&mut self) {
        if self.clipped {
            self.body.push_str("</g>");
            self.clipped = false;
        }
    }
}
