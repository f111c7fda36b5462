//! Conway's Game of Life on a torus: a byte-per-cell reference step and a bit-parallel step
//! that updates 64 cells per machine word (bit-sliced addition of the eight neighbour planes),
//! vectorised across the words of a row where the CPU allows.

/// The largest grid side the kernels accept.
pub const MAX_SIDE: usize = 16_384;

/// A grid with one byte (0 or 1) per cell, row-major.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ByteGrid {
    pub height: usize,
    pub width: usize,
    pub cells: Vec<u8>,
}

impl ByteGrid {
    /// An empty grid; sides must be 1 to [`MAX_SIDE`].
    pub fn new(height: usize, width: usize) -> Result<Self, String> {
        check_size(height, width)?;
        Ok(ByteGrid {
            height,
            width,
            cells: vec![0; height * width],
        })
    }

    pub fn get(&self, y: usize, x: usize) -> bool {
        self.cells[y * self.width + x] != 0
    }

    pub fn set(&mut self, y: usize, x: usize, alive: bool) {
        self.cells[(y % self.height) * self.width + x % self.width] = u8::from(alive);
    }

    pub fn alive(&self) -> usize {
        self.cells.iter().filter(|&&c| c != 0).count()
    }

    /// The 5×9 grid with the glider of the source material.
    pub fn glider() -> Self {
        let mut g = ByteGrid {
            height: 5,
            width: 9,
            cells: vec![0; 45],
        };
        for (y, x) in [(0, 3), (1, 4), (2, 2), (2, 3), (2, 4)] {
            g.set(y, x, true);
        }
        g
    }

    /// A reproducible pseudo-random grid with about `density_percent` % live cells.
    pub fn random(
        height: usize,
        width: usize,
        density_percent: u32,
        seed: u64,
    ) -> Result<Self, String> {
        let mut g = ByteGrid::new(height, width)?;
        let mut s = seed | 1;
        for c in g.cells.iter_mut() {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            *c = u8::from((s % 100) < u64::from(density_percent));
        }
        Ok(g)
    }

    /// One generation by the definition: count the eight neighbours of every cell.
    pub fn step_reference(&self) -> ByteGrid {
        let (h, w) = (self.height, self.width);
        let mut next = vec![0u8; h * w];
        for y in 0..h {
            let (up, down) = ((y + h - 1) % h, (y + 1) % h);
            for x in 0..w {
                let (left, right) = ((x + w - 1) % w, (x + 1) % w);
                let n = [
                    (up, x),
                    (up, right),
                    (y, right),
                    (down, right),
                    (down, x),
                    (down, left),
                    (y, left),
                    (up, left),
                ]
                .iter()
                .map(|&(r, c)| self.cells[r * w + c])
                .sum::<u8>();
                let alive = self.cells[y * w + x] != 0;
                next[y * w + x] = u8::from(n == 3 || (alive && n == 2));
            }
        }
        ByteGrid {
            height: h,
            width: w,
            cells: next,
        }
    }
}

fn check_size(height: usize, width: usize) -> Result<(), String> {
    if !(1..=MAX_SIDE).contains(&height) || !(1..=MAX_SIDE).contains(&width) {
        return Err(format!(
            "grid sides must be 1 to {MAX_SIDE}, got {height}×{width}"
        ));
    }
    Ok(())
}

/// A grid packed 64 cells per word; each row is `words` words, unused high bits of a row's last
/// word are zero.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BitGrid {
    pub height: usize,
    pub width: usize,
    pub words: usize,
    pub bits: Vec<u64>,
}

impl BitGrid {
    pub fn new(height: usize, width: usize) -> Result<Self, String> {
        check_size(height, width)?;
        let words = width.div_ceil(64);
        Ok(BitGrid {
            height,
            width,
            words,
            bits: vec![0; height * words],
        })
    }

    pub fn from_bytes(g: &ByteGrid) -> Self {
        let words = g.width.div_ceil(64);
        let mut bits = vec![0u64; g.height * words];
        for y in 0..g.height {
            for x in 0..g.width {
                if g.get(y, x) {
                    bits[y * words + x / 64] |= 1 << (x % 64);
                }
            }
        }
        BitGrid {
            height: g.height,
            width: g.width,
            words,
            bits,
        }
    }

    pub fn to_bytes(&self) -> ByteGrid {
        let mut cells = vec![0u8; self.height * self.width];
        for y in 0..self.height {
            for x in 0..self.width {
                cells[y * self.width + x] =
                    ((self.bits[y * self.words + x / 64] >> (x % 64)) & 1) as u8;
            }
        }
        ByteGrid {
            height: self.height,
            width: self.width,
            cells,
        }
    }

    pub fn alive(&self) -> usize {
        self.bits.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// The mask of valid bits in a row's last word.
    fn last_mask(&self) -> u64 {
        match self.width % 64 {
            0 => u64::MAX,
            r => (1u64 << r) - 1,
        }
    }

    /// One generation into `next` (same size).
    pub fn step_into(&self, next: &mut BitGrid) {
        self.step_band(0..self.height, &mut next.bits);
    }

    /// One generation.
    pub fn step(&self) -> BitGrid {
        let mut next = self.clone();
        self.step_into(&mut next);
        next
    }

    /// Computes rows `rows` of the next generation into `out` (`rows.len() × words` words): the
    /// unit of work the parallel drivers hand out.
    ///
    /// Each row is first summed horizontally — west + self + east as a two-bit number per cell
    /// (`h0`, `h1`) — once, and kept in a three-row window; the vertical sum of three such rows
    /// is the nine-cell total `t` (cell included), and the cell lives when `t == 3`, or when it
    /// is alive and `t == 4`.
    pub fn step_band(&self, rows: std::ops::Range<usize>, out: &mut [u64]) {
        let (h, n) = (self.height, self.words);
        if rows.is_empty() {
            return;
        }
        let row = |r: usize| &self.bits[r * n..(r + 1) * n];
        let mut win = [Sums::new(n), Sums::new(n), Sums::new(n)];
        self.horizontal(row((rows.start + h - 1) % h), &mut win[0]);
        self.horizontal(row(rows.start), &mut win[1]);
        let mask = self.last_mask();
        for (k, y) in rows.enumerate() {
            self.horizontal(row((y + 1) % h), &mut win[2]);
            let dst = &mut out[k * n..(k + 1) * n];
            vertical(&win[0], &win[1], &win[2], row(y), dst);
            dst[n - 1] &= mask;
            win.rotate_left(1);
        }
    }

    /// West + self + east of every cell of a row, as bit planes `h0` (ones) and `h1` (twos),
    /// wrapping at the row's real width.
    fn horizontal(&self, row: &[u64], out: &mut Sums) {
        let n = self.words;
        let top = (self.width - 1) % 64;
        let first_bit = row[0] & 1;
        let last_bit = (row[n - 1] >> top) & 1;
        // West neighbours: shift up one bit, carrying from the word below; east: shift down.
        out.w[0] = (row[0] << 1) | last_bit;
        for ((w, &c), &below) in out.w[1..n].iter_mut().zip(&row[1..n]).zip(&row[..n - 1]) {
            *w = (c << 1) | (below >> 63);
        }
        for ((e, &c), &above) in out.e[..n - 1].iter_mut().zip(&row[..n - 1]).zip(&row[1..n]) {
            *e = (c >> 1) | (above << 63);
        }
        // The last real cell's east neighbour is cell 0.
        out.e[n - 1] = ((row[n - 1] >> 1) & !(1u64 << top)) | (first_bit << top);
        add3(&out.w, row, &out.e, &mut out.h0, &mut out.h1);
    }
}

/// The horizontal three-cell sums of one row, with its shifted planes as scratch.
#[derive(Clone, Debug)]
struct Sums {
    h0: Vec<u64>,
    h1: Vec<u64>,
    w: Vec<u64>,
    e: Vec<u64>,
}

impl Sums {
    fn new(n: usize) -> Self {
        Sums {
            h0: vec![0; n],
            h1: vec![0; n],
            w: vec![0; n],
            e: vec![0; n],
        }
    }
}

/// `h0 + 2·h1 = w + c + e`, bit by bit.
fn add3(w: &[u64], c: &[u64], e: &[u64], h0: &mut [u64], h1: &mut [u64]) {
    #[cfg(target_arch = "x86_64")]
    {
        if is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU supports the features the function is compiled for.
            #[allow(unsafe_code)]
            return unsafe { add3_avx512(w, c, e, h0, h1) };
        }
        if is_x86_feature_detected!("avx2") {
            // SAFETY: as above.
            #[allow(unsafe_code)]
            return unsafe { add3_avx2(w, c, e, h0, h1) };
        }
    }
    add3_portable(w, c, e, h0, h1);
}

macro_rules! add3_body {
    ($w:expr, $c:expr, $e:expr, $h0:expr, $h1:expr) => {{
        let n = $h0
            .len()
            .min($h1.len())
            .min($w.len())
            .min($c.len())
            .min($e.len());
        let (w, c, e) = (&$w[..n], &$c[..n], &$e[..n]);
        let (h0, h1) = (&mut $h0[..n], &mut $h1[..n]);
        for i in 0..n {
            let x = w[i] ^ c[i];
            h0[i] = x ^ e[i];
            h1[i] = (w[i] & c[i]) | (e[i] & x);
        }
    }};
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn add3_avx512(w: &[u64], c: &[u64], e: &[u64], h0: &mut [u64], h1: &mut [u64]) {
    add3_body!(w, c, e, h0, h1)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn add3_avx2(w: &[u64], c: &[u64], e: &[u64], h0: &mut [u64], h1: &mut [u64]) {
    add3_body!(w, c, e, h0, h1)
}

fn add3_portable(w: &[u64], c: &[u64], e: &[u64], h0: &mut [u64], h1: &mut [u64]) {
    add3_body!(w, c, e, h0, h1)
}

/// The vertical step with runtime dispatch to the widest vector unit.
fn vertical(a: &Sums, b: &Sums, c: &Sums, mid: &[u64], out: &mut [u64]) {
    #[cfg(target_arch = "x86_64")]
    {
        if is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU supports the features the function is compiled for.
            #[allow(unsafe_code)]
            return unsafe { vertical_avx512(a, b, c, mid, out) };
        }
        if is_x86_feature_detected!("avx2") {
            // SAFETY: as above.
            #[allow(unsafe_code)]
            return unsafe { vertical_avx2(a, b, c, mid, out) };
        }
    }
    vertical_portable(a, b, c, mid, out);
}

/// Adds three two-bit numbers per cell into the nine-cell total and applies the rule:
/// `t = s0 + 2·(x + carry0)` where `s0`/`carry0` add the ones and `x` the twos.
macro_rules! vertical_body {
    ($a:expr, $b:expr, $c:expr, $mid:expr, $out:expr) => {{
        let (a, b, c, mid, out) = ($a, $b, $c, $mid, $out);
        let n = out
            .len()
            .min(mid.len())
            .min(a.h0.len())
            .min(b.h0.len())
            .min(c.h0.len());
        let (a0, a1, b0, b1, c0, c1) = (
            &a.h0[..n],
            &a.h1[..n],
            &b.h0[..n],
            &b.h1[..n],
            &c.h0[..n],
            &c.h1[..n],
        );
        let (mid, out) = (&mid[..n], &mut out[..n]);
        for i in 0..n {
            // Ones: s0 and a carry into the twos.
            let p = a0[i] ^ b0[i];
            let s0 = p ^ c0[i];
            let k0 = (a0[i] & b0[i]) | (c0[i] & p);
            // Twos: a1 + b1 + c1 + k0 = t0 + 2·t1 + 4·t2.
            let q = a1[i] ^ b1[i];
            let x = q ^ c1[i];
            let y = (a1[i] & b1[i]) | (c1[i] & q);
            let t0 = x ^ k0;
            let k = x & k0;
            let t1 = y ^ k;
            let t2 = y & k;
            // t == 3: s0 = 1, twos = 1.  t == 4: s0 = 0, twos = 2.
            let three = s0 & t0 & !t1 & !t2;
            let four = !s0 & !t0 & t1 & !t2;
            out[i] = three | (mid[i] & four);
        }
    }};
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn vertical_avx512(a: &Sums, b: &Sums, c: &Sums, mid: &[u64], out: &mut [u64]) {
    vertical_body!(a, b, c, mid, out)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn vertical_avx2(a: &Sums, b: &Sums, c: &Sums, mid: &[u64], out: &mut [u64]) {
    vertical_body!(a, b, c, mid, out)
}

fn vertical_portable(a: &Sums, b: &Sums, c: &Sums, mid: &[u64], out: &mut [u64]) {
    vertical_body!(a, b, c, mid, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glider_reference_and_bits_agree_for_four_generations() {
        let mut g = ByteGrid::glider();
        let mut b = BitGrid::from_bytes(&g);
        for _ in 0..4 {
            g = g.step_reference();
            b = b.step();
            assert_eq!(b.to_bytes(), g);
        }
        // Moved one down and one right.
        let mut shifted = ByteGrid {
            height: 5,
            width: 9,
            cells: vec![0; 45],
        };
        for (y, x) in [(0, 3), (1, 4), (2, 2), (2, 3), (2, 4)] {
            shifted.set(y + 1, x + 1, true);
        }
        assert_eq!(g, shifted);
    }

    #[test]
    fn random_grids_of_awkward_sizes_agree() {
        for (h, w) in [
            (1, 1),
            (3, 3),
            (7, 63),
            (5, 64),
            (4, 65),
            (9, 127),
            (6, 128),
            (3, 200),
        ] {
            let g = ByteGrid::random(h, w, 35, (h * 1000 + w) as u64).unwrap();
            let b = BitGrid::from_bytes(&g);
            assert_eq!(b.step().to_bytes(), g.step_reference(), "{h}×{w}");
        }
    }

    #[test]
    fn sizes_out_of_range_are_errors() {
        assert!(ByteGrid::new(0, 5).is_err());
        assert!(BitGrid::new(5, MAX_SIDE + 1).is_err());
    }
}
