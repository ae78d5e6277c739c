// SPDX-License-Identifier: GPL-2.0

//! The module's KUnit suite, run in the kernel on `insmod` (with `CONFIG_KUNIT`); the runner
//! reads its KTAP from the guest's console. The catalog and parser cases are the ones
//! `cargo test` runs on the host; the others test the module's own kernel-facing code.

#[kernel::prelude::kunit_tests(panicgen)]
mod suite {
    use crate::{
        catalog::{
            cases,
            line_cases, //
        },
        cpu_state, //
    };

    #[test]
    fn parses_names() {
        assert_eq!(cases::parses_names(), Ok(()));
    }

    #[test]
    fn parses_options() {
        assert_eq!(cases::parses_options(), Ok(()));
    }

    #[test]
    fn rejects_bad_commands() {
        assert_eq!(cases::rejects_bad_commands(), Ok(()));
    }

    #[test]
    fn catalog_is_consistent() {
        assert_eq!(cases::catalog_is_consistent(), Ok(()));
    }

    #[test]
    fn contexts_follow_the_catalog() {
        assert_eq!(cases::contexts_follow_the_catalog(), Ok(()));
    }

    #[test]
    fn parses_at() {
        assert_eq!(cases::parses_at(), Ok(()));
    }

    #[test]
    fn rejects_bad_at() {
        assert_eq!(cases::rejects_bad_at(), Ok(()));
    }

    #[test]
    fn points_are_consistent() {
        assert_eq!(cases::points_are_consistent(), Ok(()));
    }

    #[test]
    fn lines_read_back() {
        assert_eq!(line_cases::lines_read_back(), Ok(()));
    }

    #[test]
    fn lines_read_as_nothing_else() {
        assert_eq!(line_cases::lines_read_as_nothing_else(), Ok(()));
    }

    #[test]
    fn listings_read_back() {
        assert_eq!(line_cases::listings_read_back(), Ok(()));
    }

    #[test]
    fn templates_are_well_formed() {
        assert_eq!(line_cases::templates_are_well_formed(), Ok(()));
    }

    /// A fault that disables interrupts, run where they are already off (HARDLOCKUP in the
    /// `irqoff` context, in a hardirq, from a kprobe's handler), leaves them off; the outer
    /// section then puts back the state the test began with.
    #[test]
    fn irqs_stay_disabled_when_nested() {
        let before = cpu_state::irqs_disabled();
        let (inside, after_inner) = cpu_state::with_irqs_disabled(|| {
            let inside = cpu_state::irqs_disabled();
            cpu_state::with_irqs_disabled(|| ());
            (inside, cpu_state::irqs_disabled())
        });
        assert!(inside);
        assert!(after_inner);
        assert_eq!(cpu_state::irqs_disabled(), before);
    }
}
