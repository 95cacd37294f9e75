//! What a rendered diagnostic shows of a file: long lines are cut to windows around the
//! places diagnostics point at, so that an error in a 2 MB one-line file renders as a few
//! short lines instead of the whole line twice (once as source, once as underline padding).

/// Lines longer than this many bytes are cut.
pub(super) const MAX_LINE: usize = 240;
/// Bytes kept on each side of a place pointed at.
const CONTEXT: usize = 40;
/// Stands for the bytes cut out.
const GAP: &str = "…";

/// A file's text with its long lines cut, and the way back from original offsets.
#[derive(Debug)]
pub(super) struct Excerpt {
    pub(super) text: String,
    /// Kept pieces: (original start, original end, start in `text`), in order.
    pieces: Vec<(usize, usize, usize)>,
}

impl Excerpt {
    /// `None` when no line of `text` is too long (the text is shown as it is).
    pub(super) fn of(text: &str, points: &[usize]) -> Option<Self> {
        if !text.split('\n').any(|line| line.len() > MAX_LINE) {
            return None;
        }
        let mut points: Vec<usize> = points.iter().map(|p| (*p).min(text.len())).collect();
        points.sort_unstable();
        let mut excerpt = Excerpt {
            text: String::new(),
            pieces: Vec::new(),
        };
        let mut start = 0;
        for line in text.split_inclusive('\n') {
            let end = start + line.trim_end_matches('\n').len();
            if end - start <= MAX_LINE {
                excerpt.keep(text, start, start + line.len());
            } else {
                excerpt.cut_line(text, start, end, &points);
                excerpt.keep(text, end, start + line.len());
            }
            start += line.len();
        }
        Some(excerpt)
    }

    /// Keeps windows of the line `start..end` around the points inside it.
    fn cut_line(&mut self, text: &str, start: usize, end: usize, points: &[usize]) {
        let first = points.partition_point(|p| *p < start);
        let inside = points[first..].iter().take_while(|p| **p <= end);
        let mut windows: Vec<(usize, usize)> = Vec::new();
        for &point in inside.chain(std::iter::once(&start)) {
            let from = floor(text, point.saturating_sub(CONTEXT).max(start));
            let to = ceil(text, (point + CONTEXT).min(end));
            match windows.iter_mut().find(|(a, b)| from <= *b && *a <= to) {
                Some(window) => *window = (window.0.min(from), window.1.max(to)),
                None => windows.push((from, to)),
            }
        }
        windows.sort_unstable();
        let mut at = start;
        for (from, to) in windows {
            let from = from.max(at);
            if from > at {
                self.text.push_str(GAP);
            }
            if to > from {
                self.keep(text, from, to);
            }
            at = at.max(to);
        }
        if at < end {
            self.text.push_str(GAP);
        }
    }

    fn keep(&mut self, text: &str, from: usize, to: usize) {
        if from < to {
            self.pieces.push((from, to, self.text.len()));
            self.text.push_str(&text[from..to]);
        }
    }

    /// Where an original offset is shown: inside a cut-out gap, at the gap's start.
    pub(super) fn map(&self, offset: usize) -> usize {
        let index = self.pieces.partition_point(|(from, _, _)| *from <= offset);
        let Some(&(from, to, shown)) = index.checked_sub(1).and_then(|i| self.pieces.get(i)) else {
            return 0;
        };
        shown + offset.min(to) - from
    }
}

fn floor(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

fn ceil(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset += 1;
    }
    offset
}

/// `text` made safe to print: control and bidirectional-override characters escaped (a name
/// in a schema must not be able to colour or reorder the terminal), cut to `most` characters
/// with a note of its length.
pub(super) fn shorten(text: &str, most: usize) -> String {
    let mut shown = String::new();
    for c in text.chars().take(most) {
        let bidi = matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        if (c.is_control() && c != '\n') || bidi {
            shown.extend(c.escape_unicode());
        } else {
            shown.push(c);
        }
    }
    let length = text.chars().count();
    if length > most {
        shown.push_str(&format!("… ({length} characters)"));
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_lines_are_shown_as_they_are() {
        assert!(Excerpt::of("a: 1\nb: 2\n", &[3]).is_none());
    }

    #[test]
    fn long_lines_keep_windows_around_points() {
        let long = format!("k: [{}]", "x".repeat(1000));
        let text = format!("first: 1\n{long}\nlast: 2\n");
        let point = 9 + 500;
        let excerpt = Excerpt::of(&text, &[point]).expect("a long line");
        let shown = excerpt.text.lines().nth(1).expect("second line");
        assert!(shown.len() < 2 * CONTEXT + 2 * MAX_LINE / 4, "{shown}");
        assert!(shown.starts_with("k: ["), "{shown}");
        assert!(shown.contains('…'));
        assert_eq!(&excerpt.text[excerpt.map(point)..][..1], "x");
        assert_eq!(&excerpt.text[excerpt.map(0)..][..5], "first");
        let last = text.find("last").expect("last");
        assert_eq!(&excerpt.text[excerpt.map(last)..][..4], "last");
    }

    #[test]
    fn messages_are_shortened_on_character_boundaries() {
        assert_eq!(shorten("abc", 5), "abc");
        assert_eq!(shorten("ééééé", 2), "éé… (5 characters)");
        assert_eq!(
            shorten("a\u{1b}[31mb\u{202e}c", 20),
            "a\\u{1b}[31mb\\u{202e}c"
        );
    }
}
