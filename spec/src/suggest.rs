//! "Did you mean" suggestions.

/// The candidate closest to `word`, if it is close enough to be a plausible typo.
pub fn did_you_mean<'a, I>(word: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let word_lower = word.to_ascii_lowercase();
    let mut best: Option<(usize, &'a str)> = None;
    for cand in candidates {
        // The word itself was just rejected: suggesting it back would contradict the error.
        if cand == word {
            continue;
        }
        let cand_lower = cand.to_ascii_lowercase();
        let distance = if cand_lower == word_lower { 0 } else { levenshtein(&word_lower, &cand_lower) };
        // A third of the length, at least one edit: catches `strng`, `Usr`, `max_lenght` without
        // proposing unrelated short words.
        let limit = (word.chars().count().max(cand.chars().count()) / 3).max(1);
        if distance <= limit && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, cand));
        }
    }
    best.map(|(_, c)| c)
}

/// Edit distance where swapping two neighbours is one edit (optimal string alignment): `titel` is one
/// edit from `title`, as a typist made it.
fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // d[i][j]: distance between the first i chars of a and the first j of b.
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j - 1] + cost).min(d[i - 1][j] + 1).min(d[i][j - 1] + 1);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::did_you_mean;

    #[test]
    fn finds_typos_not_strangers() {
        let types = ["string", "text", "int", "bigint", "uuid"];
        assert_eq!(did_you_mean("strng", types), Some("string"));
        assert_eq!(did_you_mean("bignt", types), Some("bigint"));
        assert_eq!(did_you_mean("Usr", ["User", "Article"]), Some("User"));
        assert_eq!(did_you_mean("max_lenght", ["max_length", "min_length"]), Some("max_length"));
        assert_eq!(did_you_mean("banana", types), None);
        assert_eq!(did_you_mean("authors", ["authors", "author"]), Some("author"));
        assert_eq!(did_you_mean("authors", ["authors"]), None);
        assert_eq!(did_you_mean("titel", ["title", "body"]), Some("title"));
    }
}
