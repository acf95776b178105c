//! Text as searches compare it: lower case, accents and other marks removed, compatibility forms
//! folded (`Café Nº 1` and `cafe no 1` match), runs of white space as one space.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// The folded form of `text`.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.nfkd().filter(|c| !is_combining_mark(*c)).flat_map(char::to_lowercase) {
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn case_accents_and_spaces_fold() {
        assert_eq!(fold("  Clínica  Riverside\tÉTAGE "), "clinica riverside etage");
        assert_eq!(fold("Nº 24-017"), "no 24-017");
        assert_eq!(fold("Straße"), "straße");
        assert!(fold("J-1042 Riverside Clinic").contains(&fold("riverside CLÍNIC")));
        assert_eq!(fold(""), "");
    }
}
