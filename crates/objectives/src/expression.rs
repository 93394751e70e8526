//! 1-D functions written as text, `"x^2 - 4*x + sin(x)"`, with exact derivatives.
//!
//! The text is parsed by [pest](https://pest.rs) from a small grammar
//! (`expression.pest`) into a syntax tree, which is evaluated over second-order dual numbers
//! ([num-dual](https://docs.rs/num-dual)): one evaluation gives `f(x)`, `f′(x)` and `f″(x)`,
//! exact to rounding. There are no finite differences.
//!
//! The syntax is the usual one:
//!
//! | | |
//! |---|---|
//! | numbers | `3`, `0.5`, `.5`, `1e-3`, `2.5E4` |
//! | the variable | `x` |
//! | operators | `+ - * /`, powers `^` or `**` |
//! | constants | `pi` (`π`), `e`, `tau` (`τ`) |
//! | functions | `sin cos tan asin acos atan sinh cosh tanh asinh acosh atanh exp ln log log2 log10 sqrt cbrt abs sigmoid` |
//!
//! Precedence is that of mathematics and Python: `^` binds tightest and groups to the
//! right, then unary minus, then `* /`, then `+ -`. So `-x^2` is `-(x²)`, `2^3^2` is
//! `2⁹ = 512`, and `2^-x` is `2^(−x)`. `log` is the natural logarithm, as in Python and
//! NumPy; `sigmoid(z) = 1/(1 + e^−z)` is the course's inverse logit.
//!
//! A syntax error or an unknown name is an [`ExpressionError`] with the 1-based character
//! position where it was found.
//!
//! ```
//! use descent_objectives::expression::Expression;
//! use descent_objectives::{Gradient, Hessian, Objective};
//!
//! let f: Expression = "x^2 - 4*x".parse()?;
//! assert_eq!(f.value(&1.0), -3.0);
//! assert_eq!(f.gradient(&1.0), -2.0); // 2x − 4
//! assert_eq!(f.hessian(&1.0), 2.0);
//! assert_eq!("-x^2".parse::<Expression>()?.value(&3.0), -9.0);
//!
//! let error = "x^2 +* 3".parse::<Expression>().unwrap_err();
//! assert_eq!(error.position, 6);
//! assert_eq!(
//!     error.to_string(),
//!     "position 6: found '*' where a number, x, a function or '(' was expected"
//! );
//! # Ok::<(), descent_objectives::expression::ExpressionError>(())
//! ```

use crate::{Gradient, Hessian, Objective};
use num_dual::{Dual2_64, DualNum};
use pest::error::{ErrorVariant, InputLocation};
use pest::iterators::{Pair, Pairs};
use pest::pratt_parser::{Assoc, Op, PrattParser};
use pest::Parser as _;
use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

/// The generated parser, in a private module: its `Rule` enum is not part of the API.
mod grammar {
    #[derive(pest_derive::Parser)]
    #[grammar = "expression.pest"]
    pub(super) struct Grammar;
}
use grammar::{Grammar, Rule};

/// Why a text is not a function of `x`, and where (1-based character position).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("position {position}: {message}")]
pub struct ExpressionError {
    /// The 1-based position, in characters, of the offending text.
    pub position: usize,
    /// What is wrong there.
    pub message: String,
}

/// A function of `x` parsed from text, with automatic first and second derivatives.
///
/// It implements [`Objective`], [`Gradient`] and [`Hessian`] for `f64`, so every 1-D solver
/// minimizes it. See the [module documentation](self) for the syntax.
#[derive(Debug, Clone, PartialEq)]
pub struct Expression {
    text: String,
    root: Node,
}

#[derive(Debug, Clone, PartialEq)]
enum Node {
    Number(f64),
    X,
    Negate(Box<Node>),
    Binary(BinaryOp, Box<Node>, Box<Node>),
    Call(Function, Box<Node>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BinaryOp {
    Add,
    Subtract,
    Multiply,
    Divide,
    Power,
}

/// The functions of one argument the grammar accepts, by name.
macro_rules! functions {
    ($($name:literal => $variant:ident),* $(,)?) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        enum Function { $($variant),* }

        impl Function {
            const NAMES: &'static [&'static str] = &[$($name),*];

            fn from_name(name: &str) -> Option<Function> {
                match name {
                    $($name => Some(Function::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

functions! {
    "sin" => Sin, "cos" => Cos, "tan" => Tan, "asin" => Asin, "acos" => Acos, "atan" => Atan,
    "sinh" => Sinh, "cosh" => Cosh, "tanh" => Tanh, "asinh" => Asinh, "acosh" => Acosh,
    "atanh" => Atanh, "exp" => Exp, "ln" => Ln, "log" => Log, "log2" => Log2,
    "log10" => Log10, "sqrt" => Sqrt, "cbrt" => Cbrt, "abs" => Abs, "sigmoid" => Sigmoid,
}

fn constant(name: &str) -> Option<f64> {
    match name {
        "pi" | "PI" | "π" => Some(std::f64::consts::PI),
        "e" | "E" => Some(std::f64::consts::E),
        "tau" | "TAU" | "τ" => Some(std::f64::consts::TAU),
        _ => None,
    }
}

fn pratt() -> &'static PrattParser<Rule> {
    static PRATT: OnceLock<PrattParser<Rule>> = OnceLock::new();
    PRATT.get_or_init(|| {
        PrattParser::new()
            .op(Op::infix(Rule::add, Assoc::Left) | Op::infix(Rule::sub, Assoc::Left))
            .op(Op::infix(Rule::mul, Assoc::Left) | Op::infix(Rule::div, Assoc::Left))
            .op(Op::prefix(Rule::neg) | Op::prefix(Rule::plus))
            .op(Op::infix(Rule::pow, Assoc::Right))
    })
}

impl Expression {
    /// Parses `text` as a function of `x`.
    ///
    /// # Errors
    /// A syntax error, an unknown name, a function used without parentheses (or a name that
    /// is not a function called like one), each with its position.
    pub fn parse(text: &str) -> Result<Self, ExpressionError> {
        let mut pairs =
            Grammar::parse(Rule::function, text).map_err(|error| syntax_error(text, &error))?;
        let expr = pairs
            .next()
            .and_then(|function| function.into_inner().next())
            .ok_or_else(|| ExpressionError {
                position: 1,
                message: "the expression is empty".into(),
            })?;
        let root = build(text, expr.into_inner())?;
        Ok(Expression {
            text: text.trim().to_owned(),
            root,
        })
    }

    /// The text it was parsed from (trimmed).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// `(f(x), f′(x), f″(x))` from one evaluation over dual numbers.
    pub fn derivatives(&self, x: f64) -> (f64, f64, f64) {
        let y = evaluate(&self.root, Dual2_64::from_re(x).derivative());
        (y.re, y.v1, y.v2)
    }
}

impl FromStr for Expression {
    type Err = ExpressionError;
    fn from_str(text: &str) -> Result<Self, ExpressionError> {
        Expression::parse(text)
    }
}

impl fmt::Display for Expression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Objective for Expression {
    type Param = f64;
    fn value(&self, x: &f64) -> f64 {
        evaluate(&self.root, *x)
    }
}

impl Gradient for Expression {
    fn gradient(&self, x: &f64) -> f64 {
        self.derivatives(*x).1
    }
    fn value_and_gradient(&self, x: &f64) -> (f64, f64) {
        let (f, df, _) = self.derivatives(*x);
        (f, df)
    }
}

impl Hessian for Expression {
    fn hessian(&self, x: &f64) -> f64 {
        self.derivatives(*x).2
    }
}

/// The 1-based character position of a byte offset into `text`.
fn position(text: &str, byte: usize) -> usize {
    text.get(..byte)
        .map_or(1, |before| before.chars().count() + 1)
}

fn error_at(text: &str, byte: usize, message: String) -> ExpressionError {
    ExpressionError {
        position: position(text, byte),
        message,
    }
}

/// Turns pest's "expected one of these rules" into what a person reading the text needs.
fn syntax_error(text: &str, error: &pest::error::Error<Rule>) -> ExpressionError {
    if text.trim().is_empty() {
        return error_at(text, 0, "the expression is empty".into());
    }
    let byte = match error.location {
        InputLocation::Pos(byte) | InputLocation::Span((byte, _)) => byte,
    };
    let wanted_operand = match &error.variant {
        ErrorVariant::ParsingError { positives, .. } => positives.iter().any(|rule| {
            matches!(
                rule,
                Rule::expr | Rule::primary | Rule::number | Rule::name | Rule::call | Rule::neg
            )
        }),
        ErrorVariant::CustomError { .. } => false,
    };
    // `sin x`: a function name followed by something other than '('.
    let before = text.get(..byte).unwrap_or("").trim_end();
    let word_start = before
        .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
        .map_or(0, |i| {
            i + before[i..].chars().next().map_or(1, char::len_utf8)
        });
    let word = &before[word_start..];
    if !wanted_operand && Function::from_name(word).is_some() {
        return error_at(
            text,
            word_start,
            format!("'{word}' is a function: write {word}(…)"),
        );
    }
    let found = text.get(byte..).and_then(|rest| rest.chars().next());
    let open = text.get(..byte).map_or(0, |before| {
        before.matches('(').count() as isize - before.matches(')').count() as isize
    });
    let message = match (found, wanted_operand) {
        (None, true) => {
            "the expression ends where a number, x, a function or '(' was expected".to_owned()
        }
        (None, false) => format!(
            "the expression ends with {open} unclosed '(' (add {})",
            ")".repeat(open.max(1) as usize)
        ),
        (Some(c), true) => {
            format!("found '{c}' where a number, x, a function or '(' was expected")
        }
        (Some(')'), false) => "this ')' has no matching '('".to_owned(),
        (Some(c), false) if c.is_alphanumeric() || c == '(' || c == '.' => format!(
            "found '{c}' where an operator was expected (multiplication needs '*': 2*x, not 2x)"
        ),
        (Some(c), false) => {
            let closing = if open > 0 { " or ')'" } else { "" };
            format!("found '{c}' where an operator (+ - * / ^){closing} was expected")
        }
    };
    error_at(text, byte, message)
}

/// Builds the syntax tree from the parse of an `expr`, checking names.
fn build(text: &str, pairs: Pairs<'_, Rule>) -> Result<Node, ExpressionError> {
    pratt()
        .map_primary(|primary| build_primary(text, primary))
        .map_prefix(|op, operand| {
            let operand = operand?;
            Ok(match op.as_rule() {
                Rule::neg => Node::Negate(Box::new(operand)),
                _ => operand,
            })
        })
        .map_infix(|left, op, right| {
            let op = match op.as_rule() {
                Rule::add => BinaryOp::Add,
                Rule::sub => BinaryOp::Subtract,
                Rule::mul => BinaryOp::Multiply,
                Rule::div => BinaryOp::Divide,
                _ => BinaryOp::Power,
            };
            Ok(Node::Binary(op, Box::new(left?), Box::new(right?)))
        })
        .parse(pairs)
}

fn build_primary(text: &str, pair: Pair<'_, Rule>) -> Result<Node, ExpressionError> {
    let start = pair.as_span().start();
    match pair.as_rule() {
        Rule::number => pair
            .as_str()
            .parse()
            .map(Node::Number)
            .map_err(|_| error_at(text, start, format!("'{}' is not a number", pair.as_str()))),
        Rule::name => match pair.as_str() {
            "x" => Ok(Node::X),
            name if Function::from_name(name).is_some() => Err(error_at(
                text,
                start,
                format!("'{name}' is a function: write {name}(…)"),
            )),
            name => constant(name).map(Node::Number).ok_or_else(|| {
                error_at(
                    text,
                    start,
                    format!(
                        "unknown name '{name}': the variable is x, the constants pi, e and tau"
                    ),
                )
            }),
        },
        Rule::call => {
            let mut inner = pair.into_inner();
            let (Some(name), Some(argument)) = (inner.next(), inner.next()) else {
                return Err(error_at(text, start, "empty function call".into()));
            };
            let function = Function::from_name(name.as_str()).ok_or_else(|| {
                error_at(
                    text,
                    start,
                    format!(
                        "unknown function '{}' (known: {})",
                        name.as_str(),
                        Function::NAMES.join(", ")
                    ),
                )
            })?;
            if let Some(extra) = inner.next() {
                return Err(error_at(
                    text,
                    extra.as_span().start(),
                    format!("{} takes one argument", name.as_str()),
                ));
            }
            Ok(Node::Call(
                function,
                Box::new(build(text, argument.into_inner())?),
            ))
        }
        // A parenthesized group.
        _ => build(text, pair.into_inner()),
    }
}

/// Whether `node` depends on `x`.
fn has_x(node: &Node) -> bool {
    match node {
        Node::Number(_) => false,
        Node::X => true,
        Node::Negate(inner) | Node::Call(_, inner) => has_x(inner),
        Node::Binary(_, left, right) => has_x(left) || has_x(right),
    }
}

/// Evaluates `node` at `x`, over `f64` or dual numbers.
fn evaluate<D: DualNum<Primitive = f64> + Copy>(node: &Node, x: D) -> D {
    match node {
        Node::Number(value) => D::from(*value),
        Node::X => x,
        Node::Negate(inner) => -evaluate(inner, x),
        Node::Binary(op, left, right) => {
            let a = evaluate(left, x);
            match op {
                BinaryOp::Add => a + evaluate(right, x),
                BinaryOp::Subtract => a - evaluate(right, x),
                BinaryOp::Multiply => a * evaluate(right, x),
                BinaryOp::Divide => a / evaluate(right, x),
                BinaryOp::Power => power(a, right, x),
            }
        }
        Node::Call(function, inner) => {
            let a = evaluate(inner, x);
            match function {
                Function::Sin => a.sin(),
                Function::Cos => a.cos(),
                Function::Tan => a.tan(),
                Function::Asin => a.asin(),
                Function::Acos => a.acos(),
                Function::Atan => a.atan(),
                Function::Sinh => a.sinh(),
                Function::Cosh => a.cosh(),
                Function::Tanh => a.tanh(),
                Function::Asinh => a.asinh(),
                Function::Acosh => a.acosh(),
                Function::Atanh => a.atanh(),
                Function::Exp => a.exp(),
                Function::Ln | Function::Log => a.ln(),
                Function::Log2 => a.log2(),
                Function::Log10 => a.log10(),
                Function::Sqrt => a.sqrt(),
                Function::Cbrt => a.cbrt(),
                // |a|, with derivative sign(a) (0 at a = 0, a subgradient).
                Function::Abs => {
                    if a.re() < 0.0 {
                        -a
                    } else {
                        a
                    }
                }
                // 1/(1 + e^−a), written so that neither branch overflows.
                Function::Sigmoid => {
                    if a.re() >= 0.0 {
                        (D::from(1.0) + (-a).exp()).recip()
                    } else {
                        let e = a.exp();
                        e / (D::from(1.0) + e)
                    }
                }
            }
        }
    }
}

/// `base^exponent`: an integer constant exponent through `powi` (so `(−2)^3 = −8`), another
/// constant through `powf`, and an exponent that depends on `x` as `exp(exponent·ln(base))`.
fn power<D: DualNum<Primitive = f64> + Copy>(base: D, exponent: &Node, x: D) -> D {
    if has_x(exponent) {
        return base.powd(evaluate(exponent, x));
    }
    let n = evaluate(exponent, 0.0_f64);
    if n.fract() == 0.0 && n.abs() <= f64::from(i32::MAX) {
        // The exponent is an integer that fits, so the cast is exact.
        base.powi(n as i32)
    } else {
        base.powf(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str, x: f64) -> (f64, f64, f64) {
        Expression::parse(text).unwrap().derivatives(x)
    }

    fn error(text: &str) -> ExpressionError {
        Expression::parse(text).unwrap_err()
    }

    #[test]
    fn precedence_is_that_of_mathematics() {
        assert_eq!(at("-x^2", 3.0).0, -9.0);
        assert_eq!(at("2^3^2", 0.0).0, 512.0);
        assert_eq!(at("2^-x", 1.0).0, 0.5);
        assert_eq!(at("x/-x^2", 2.0).0, -0.5);
        assert_eq!(at("1 - 2 - 3", 0.0).0, -4.0);
        assert_eq!(at("8 / 4 / 2", 0.0).0, 1.0);
        assert_eq!(at("2 + 3 * x", 2.0).0, 8.0);
        assert_eq!(at("(2 + 3) * x", 2.0).0, 10.0);
        assert_eq!(at("--x", 2.0).0, 2.0);
        assert_eq!(at("x**2", 3.0).0, 9.0);
        assert_eq!(at("(-2)^3 + 0*x", 0.0).0, -8.0);
        assert_eq!(at("1.5e2 * x + .5", 1.0).0, 150.5);
        assert_eq!(at("tau/pi", 0.0).0, 2.0);
        assert_eq!(at("π*e", 0.0).0, std::f64::consts::PI * std::f64::consts::E);
    }

    #[test]
    fn derivatives_are_exact() {
        // f = (x − 1)² eˣ: f′ = (x² − 1)eˣ, f″ = (x² + 2x − 1)eˣ.
        let (f, df, d2f) = at("(x - 1)^2 * exp(x)", 2.0);
        let e2 = 2.0_f64.exp();
        assert!((f - e2).abs() < 1e-12);
        assert!((df - 3.0 * e2).abs() < 1e-12);
        assert!((d2f - 7.0 * e2).abs() < 1e-12);
        // x^x = e^{x ln x}: derivative x^x (ln x + 1).
        let (f, df, _) = at("x^x", 2.0);
        assert!((f - 4.0).abs() < 1e-12 && (df - 4.0 * (2.0_f64.ln() + 1.0)).abs() < 1e-12);
        assert_eq!(at("abs(x - 1)", 3.0), (2.0, 1.0, 0.0));
        assert_eq!(at("abs(x - 1)", -3.0), (4.0, -1.0, 0.0));
        let (s, ds, _) = at("sigmoid(x)", 0.0);
        assert_eq!((s, ds), (0.5, 0.25));
        // No overflow far out on either side.
        assert_eq!(at("sigmoid(x)", -800.0).0, 0.0);
        assert_eq!(at("sigmoid(x)", 800.0).0, 1.0);
    }

    #[test]
    fn errors_say_what_and_where() {
        let cases = [
            ("x^2 +* 3", 6, "found '*' where a number"),
            ("2x", 2, "multiplication needs '*'"),
            ("sin(x", 6, "1 unclosed '('"),
            ("x + 1)", 6, "no matching '('"),
            ("x^2 + y", 7, "unknown name 'y'"),
            ("foo(x)", 1, "unknown function 'foo'"),
            ("sin x", 1, "'sin' is a function"),
            ("", 1, "empty"),
            ("   ", 1, "empty"),
            ("x +", 4, "ends where a number"),
            ("x $ 2", 3, "found '$'"),
            ("(x - 1) y", 9, "multiplication needs '*'"),
            ("log(x, 2)", 8, "takes one argument"),
            ("π*x + ÿ", 7, "found 'ÿ'"),
        ];
        for (text, position, message) in cases {
            let e = error(text);
            assert_eq!(e.position, position, "{text:?}: {e}");
            assert!(e.message.contains(message), "{text:?}: {e}");
        }
    }

    /// Functions whose derivatives exercise each rule: products, quotients, chains, powers
    /// with constant and variable exponents, and every function of the grammar.
    const SMOOTH: &[&str] = &[
        "x^3 - 2*x^2 + x/3 - 7",
        "(x - 1)^2 * exp(-x/4)",
        "sin(x)*cos(2*x) + tan(x/4)",
        "sqrt(x^2 + 1) + cbrt(x + 10)",
        "ln(x^2 + 1) + log2(x^2 + 2) - log10(x^2 + 3)",
        "x^x^0.5 + 2^-x",
        "sigmoid(3*x - 1) + sinh(x/3) + cosh(x/4) + tanh(x)",
        "atan(x) + asinh(x) + acosh(x^2 + 2) + asin(x/5) + acos(x/6) + atanh(x/7)",
        "1/(1 + x^2) - abs(x - 100)",
    ];

    proptest::proptest! {
        #[test]
        fn derivatives_match_finite_differences(x in 0.1f64..4.5, which in 0usize..9) {
            let f = Expression::parse(SMOOTH[which]).unwrap();
            let (value, slope, curvature) = f.derivatives(x);
            let h = 1e-5;
            let value_at = |t: f64| Objective::value(&f, &t);
            let slope_at = |t: f64| f.derivatives(t).1;
            let df = (value_at(x + h) - value_at(x - h)) / (2.0 * h);
            let d2f = (slope_at(x + h) - slope_at(x - h)) / (2.0 * h);
            proptest::prop_assert!(value.is_finite());
            proptest::prop_assert!((slope - df).abs() <= 1e-6 * (1.0 + df.abs()), "{}: f′ {slope} vs {df}", SMOOTH[which]);
            proptest::prop_assert!((curvature - d2f).abs() <= 1e-6 * (1.0 + d2f.abs()), "{}: f″ {curvature} vs {d2f}", SMOOTH[which]);
        }
    }
}
