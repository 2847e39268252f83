//! Where things are in a file: lines and columns of byte offsets, and the
//! value a key path leads to in a TOML document.

/// 1-based line and column (in characters) of a byte offset.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let column = text
        .get(line_start..offset)
        .map(|s| s.chars().count())
        .unwrap_or(0)
        + 1;
    (line, column)
}

/// The byte range of 1-based line `line` of `text`, without its line break.
pub(crate) fn line_range(text: &str, line: usize) -> std::ops::Range<usize> {
    let mut start = 0;
    for _ in 1..line {
        match text[start..].find('\n') {
            Some(i) => start += i + 1,
            None => return text.len()..text.len(),
        }
    }
    let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let end = if text[start..end].ends_with('\r') {
        end - 1
    } else {
        end
    };
    start..end
}

/// One step of a path into a TOML document: a key or an array index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    /// A table key.
    Key(String),
    /// An array element.
    Index(usize),
}

impl Seg {
    /// A key step.
    pub fn key(k: &str) -> Self {
        Seg::Key(k.to_owned())
    }
}

/// The byte offset of the value `path` leads to in `text` (as far as the
/// path exists; the document's start when nothing of it does), or `None`
/// when `text` is not TOML.
pub fn offset_of(text: &str, path: &[Seg]) -> Option<usize> {
    let root = toml::de::DeTable::parse(text).ok()?;
    let mut span = root.span();
    let mut table = root.get_ref();
    let mut value: Option<&toml::de::DeValue<'_>> = None;
    for seg in path {
        let next = match (seg, value) {
            (Seg::Key(k), None) => table.get(k.as_str()),
            (Seg::Key(k), Some(v)) => v.as_table().and_then(|t| t.get(k.as_str())),
            (Seg::Index(i), Some(v)) => v.as_array().and_then(|a| a.get(*i)),
            (Seg::Index(_), None) => None,
        };
        let Some(next) = next else { break };
        span = next.span();
        value = Some(next.get_ref());
        if let Some(t) = next.get_ref().as_table() {
            table = t;
        }
    }
    Some(span.start)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_column_counts_characters() {
        let text = "a\nパスワード = x\n";
        let offset = text.find('x').unwrap();
        assert_eq!(line_column(text, offset), (2, 9));
    }

    #[test]
    fn a_path_leads_to_its_value_as_far_as_it_exists() {
        let text = "[[client]]\nname = \"a\"\n[[client]]\nname = \"b\"\n";
        let at = |path: &[Seg]| offset_of(text, path).map(|o| line_column(text, o));
        assert_eq!(
            at(&[Seg::key("client"), Seg::Index(1), Seg::key("name")]),
            Some((4, 8))
        );
        assert_eq!(at(&[Seg::key("nothing")]), Some((1, 1)));
        assert_eq!(offset_of("a = ", &[Seg::key("a")]), None);
    }
}
