// SPDX-License-Identifier: GPL-2.0

//! The lists the code knows that the prose repeats, each held against it by a test: a cause
//! added to the runner, or a file added to a results set, fails the host tests until the
//! page that lists them says so too.

#[cfg(test)]
mod tests {
    use crate::{
        model::verdict::Cause,
        output::json, //
    };

    const RESULTS_RST: &str = include_str!("../../../../../Documentation/results.rst");
    const CI_RST: &str = include_str!("../../../../../Documentation/ci.rst");

    /// The words of `page` that are not in it as inline literals (``word``).
    fn missing<'a>(page: &str, words: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
        words
            .into_iter()
            .filter(|w| !page.contains(&format!("``{w}``")))
            .collect()
    }

    #[test]
    fn cause_positions_keep_all_whole() {
        for (i, c) in Cause::ALL.iter().enumerate() {
            assert_eq!(c.position(), i, "{c:?}");
        }
    }

    #[test]
    fn results_rst_names_every_cause() {
        let keys: Vec<String> = Cause::ALL.iter().map(|c| c.key()).collect();
        let gone = missing(RESULTS_RST, keys.iter().map(String::as_str));
        assert!(
            gone.is_empty(),
            "Documentation/results.rst lacks the causes {gone:?}"
        );
        // Planted: a page without one is caught.
        let planted = RESULTS_RST.replace("``pstore-record``", "pstore-record");
        assert_eq!(missing(&planted, ["pstore-record"]), ["pstore-record"]);
    }

    #[test]
    fn ci_rst_names_every_file_merge_writes() {
        let gone = missing(CI_RST, json::FILES);
        assert!(
            gone.is_empty(),
            "Documentation/ci.rst's merge lacks {gone:?}"
        );
    }
}
