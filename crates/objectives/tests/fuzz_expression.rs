//! Property-based fuzzing of the expression parser: any text is parsed or refused, never
//! panics; any text that parses evaluates without panicking; and expressions built from a
//! random syntax tree evaluate to what the tree says.
#![cfg(feature = "expression")]

use descent_objectives::expression::{Expression, VectorExpression};
use descent_objectives::{Gradient, Hessian, Objective};
use ndarray::Array1;
use proptest::prelude::*;

/// Text made of the grammar's own pieces, and some that are not, so that random strings get
/// past the first character often enough to reach the deeper rules.
fn fragments() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "x",
        "y",
        "z",
        "x1",
        "x12",
        "+",
        "-",
        "*",
        "/",
        "^",
        "**",
        "(",
        ")",
        ",",
        " ",
        "2",
        "0.5",
        ".5",
        "1e3",
        "1e-400",
        "1e400",
        "pi",
        "e",
        "π",
        "sin",
        "exp",
        "ln",
        "log(",
        "sqrt(",
        "abs(",
        "sigmoid(",
        "−",
        "·",
        "×",
        "$",
        "ÿ",
        "\u{0}",
        "\t",
        "\n",
        "9999999999999999999",
    ]);
    prop::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_text_is_parsed_or_refused(text in "\\PC{0,60}") {
        if let Ok(f) = Expression::parse(&text) {
            let _ = f.derivatives(0.5);
        }
        if let Ok(f) = VectorExpression::parse(&text) {
            let x = Array1::from_elem(f.variables().len(), 0.5);
            let _ = (f.value(&x), f.gradient(&x), f.hessian(&x));
        }
    }

    #[test]
    fn grammar_fragments_are_parsed_or_refused_with_a_position(text in fragments()) {
        match Expression::parse(&text) {
            Ok(f) => {
                let _ = (f.value(&1.5), f.gradient(&-2.0), f.hessian(&1e300));
            }
            Err(e) => {
                prop_assert!(e.position >= 1 && e.position <= text.chars().count() + 1, "{e}");
                prop_assert!(e.to_string().len() < 400, "{e}");
            }
        }
        if let Ok(f) = VectorExpression::parse(&text) {
            let x = Array1::from_elem(f.variables().len(), -0.25);
            let _ = (f.value(&x), f.gradient(&x), f.hessian(&x));
        }
    }
}

/// A syntax tree of the operations the grammar has.
#[derive(Debug, Clone)]
enum Tree {
    Number(f64),
    X,
    Negate(Box<Tree>),
    Add(Box<Tree>, Box<Tree>),
    Subtract(Box<Tree>, Box<Tree>),
    Multiply(Box<Tree>, Box<Tree>),
    Divide(Box<Tree>, Box<Tree>),
    Square(Box<Tree>),
    Sin(Box<Tree>),
    Exp(Box<Tree>),
}

impl Tree {
    /// The value the tree stands for at `x`, computed directly.
    fn value(&self, x: f64) -> f64 {
        match self {
            Tree::Number(v) => *v,
            Tree::X => x,
            Tree::Negate(a) => -a.value(x),
            Tree::Add(a, b) => a.value(x) + b.value(x),
            Tree::Subtract(a, b) => a.value(x) - b.value(x),
            Tree::Multiply(a, b) => a.value(x) * b.value(x),
            Tree::Divide(a, b) => a.value(x) / b.value(x),
            Tree::Square(a) => a.value(x).powi(2),
            Tree::Sin(a) => a.value(x).sin(),
            Tree::Exp(a) => a.value(x).exp(),
        }
    }

    /// The tree as text, every operation parenthesized, with `space` between tokens.
    fn text(&self, space: &str) -> String {
        let s = space;
        match self {
            Tree::Number(v) => format!("{v:?}"),
            Tree::X => "x".to_owned(),
            Tree::Negate(a) => format!("(-{s}{})", a.text(s)),
            Tree::Add(a, b) => format!("({}{s}+{s}{})", a.text(s), b.text(s)),
            Tree::Subtract(a, b) => format!("({}{s}-{s}{})", a.text(s), b.text(s)),
            Tree::Multiply(a, b) => format!("({}{s}*{s}{})", a.text(s), b.text(s)),
            Tree::Divide(a, b) => format!("({}{s}/{s}{})", a.text(s), b.text(s)),
            Tree::Square(a) => format!("({}{s}^{s}2)", a.text(s)),
            Tree::Sin(a) => format!("sin({s}{}{s})", a.text(s)),
            Tree::Exp(a) => format!("exp({s}{}{s})", a.text(s)),
        }
    }
}

fn tree() -> impl Strategy<Value = Tree> {
    let leaf = prop_oneof![(0.0f64..10.0).prop_map(Tree::Number), Just(Tree::X),];
    leaf.prop_recursive(6, 48, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|a| Tree::Negate(Box::new(a))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Tree::Add(Box::new(a), Box::new(b))),
            (inner.clone(), inner.clone())
                .prop_map(|(a, b)| Tree::Subtract(Box::new(a), Box::new(b))),
            (inner.clone(), inner.clone())
                .prop_map(|(a, b)| Tree::Multiply(Box::new(a), Box::new(b))),
            (inner.clone(), inner.clone())
                .prop_map(|(a, b)| Tree::Divide(Box::new(a), Box::new(b))),
            inner.clone().prop_map(|a| Tree::Square(Box::new(a))),
            inner.clone().prop_map(|a| Tree::Sin(Box::new(a))),
            inner.prop_map(|a| Tree::Exp(Box::new(a))),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn printed_trees_evaluate_to_their_value(t in tree(), x in -3.0f64..3.0, spaced in any::<bool>()) {
        let text = t.text(if spaced { " " } else { "" });
        let f = Expression::parse(&text).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        let (expected, got) = (t.value(x), f.value(&x));
        // Constants are folded at compile time, in the same order of operations.
        prop_assert!(
            expected == got
                || (expected.is_nan() && got.is_nan())
                || (expected - got).abs() <= 1e-12 * expected.abs().max(1.0),
            "{text} at {x}: {got} vs {expected}"
        );
    }
}
