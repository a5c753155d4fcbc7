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

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
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
    }
}
