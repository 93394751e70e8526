//! Functions written as text, `"x^2 - 4*x + sin(x)"` or `"(1 - x)^2 + 100*(y - x^2)^2"`, with
//! exact derivatives.
//!
//! The text is parsed by [pest](https://pest.rs) from a small grammar (`expression.pest`)
//! and compiled into a postfix program, which is evaluated with an explicit stack over
//! dual numbers ([num-dual](https://docs.rs/num-dual)): one evaluation gives the value, the
//! gradient and the Hessian, exact to rounding. There are no finite differences.
//!
//! The syntax is the usual one:
//!
//! | | |
//! |---|---|
//! | numbers | `3`, `0.5`, `.5`, `1e-3`, `2.5E4` |
//! | variables | `x` ([`Expression`]); `x`, `y`, `z`, `x1`, `x2`, … ([`VectorExpression`]) |
//! | operators | `+ - * /`, powers `^` or `**` |
//! | constants | `pi` (`π`), `e`, `tau` (`τ`) |
//! | functions | `sin cos tan asin acos atan sinh cosh tanh asinh acosh atanh exp ln log log2 log10 sqrt cbrt abs sigmoid` |
//!
//! Precedence is that of mathematics and Python: `^` binds tightest and groups to the
//! right, then unary minus, then `* /`, then `+ -`. So `-x^2` is `-(x²)`, `2^3^2` is
//! `2⁹ = 512`, and `2^-x` is `2^(−x)`. `log` is the natural logarithm, as in Python and
//! NumPy; `sigmoid(z) = 1/(1 + e^−z)` is the course's inverse logit.
//!
//! **Limits.** A text may be at most [`MAX_LENGTH`] characters long, and parentheses may be
//! nested at most [`MAX_NESTING`] deep. Within those, any text is safe: compiling and
//! evaluating use explicit stacks, never recursion over the length of the text, so a sum of
//! ten thousand terms or a chain of ten thousand minus signs cannot overflow the call
//! stack. Error messages quote at most a few dozen characters of the text.
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
use nalgebra::DVector;
use ndarray::{Array1, Array2};
use num_dual::{Dual2DVec64, Dual2_64, DualNum};
use pest::error::{ErrorVariant, InputLocation};
use pest::iterators::{Pair, Pairs};
use pest::Parser as _;
use std::fmt;
use std::str::FromStr;

/// The generated parser, in a private module: its `Rule` enum is not part of the API.
mod grammar {
    #[derive(pest_derive::Parser)]
    #[grammar = "expression.pest"]
    pub(super) struct Grammar;
}
use grammar::{Grammar, Rule};

/// The longest text accepted, in characters.
pub const MAX_LENGTH: usize = 100_000;
/// The deepest nesting of parentheses accepted (function calls count).
pub const MAX_NESTING: usize = 64;
/// The most characters of the text an error message quotes.
const QUOTED: usize = 40;

/// Why a text is not a function, and where (1-based character position).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("position {position}: {message}")]
pub struct ExpressionError {
    /// The 1-based position, in characters, of the offending text.
    pub position: usize,
    /// What is wrong there.
    pub message: String,
}

/// `text`, or its first few dozen characters and how long it is: what a message may quote.
pub fn abbreviate(text: &str) -> String {
    let length = text.chars().count();
    if length <= QUOTED {
        text.to_owned()
    } else {
        let start: String = text.chars().take(QUOTED).collect();
        format!("{start}… ({length} characters)")
    }
}

/// A function of `x` parsed from text, with automatic first and second derivatives.
///
/// It implements [`Objective`], [`Gradient`] and [`Hessian`] for `f64`, so every 1-D solver
/// minimizes it. See the [module documentation](self) for the syntax.
#[derive(Debug, Clone, PartialEq)]
pub struct Expression {
    text: String,
    program: Program,
}

/// A function of several variables parsed from text, with an exact gradient and Hessian.
///
/// The variables are `x`, `y`, `z` and `x1`, `x2`, …, ordered that way: `x`, `y`, `z`
/// first, then the numbered ones by number; a parameter vector holds them in that order
/// ([`variables`](Self::variables)). It implements [`Objective`], [`Gradient`] and
/// [`Hessian`] for `Array1<f64>`. Each evaluation of the gradient or Hessian carries `n`
/// first and `n²` second derivatives through every operation, which suits the few variables
/// of a function typed by hand.
///
/// ```
/// use descent_objectives::expression::VectorExpression;
/// use descent_objectives::{Gradient, Hessian, Objective};
/// use ndarray::array;
///
/// // Rosenbrock's function: minimum 0 at (1, 1).
/// let f: VectorExpression = "(1 - x)^2 + 100*(y - x^2)^2".parse()?;
/// assert_eq!(f.variables(), ["x", "y"]);
/// assert_eq!(f.value(&array![1.0, 1.0]), 0.0);
/// assert_eq!(f.gradient(&array![0.0, 0.0]), array![-2.0, 0.0]);
/// assert_eq!(f.hessian(&array![1.0, 1.0]), array![[802.0, -400.0], [-400.0, 200.0]]);
/// # Ok::<(), descent_objectives::expression::ExpressionError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct VectorExpression {
    text: String,
    variables: Vec<String>,
    program: Program,
}

/// One step of a postfix program.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Instruction {
    Number(f64),
    Variable(usize),
    Negate,
    Add,
    Subtract,
    Multiply,
    Divide,
    /// `a^b` with an exponent that depends on the variables: `exp(b·ln a)`.
    Power,
    /// `a^n` with a constant exponent: `powi` for a whole `n` (so `(−2)^3 = −8`), `powf`
    /// otherwise.
    PowerOf(f64),
    Call(Function),
}

/// A compiled function: instructions in postfix order, run with a stack of values.
#[derive(Debug, Clone, PartialEq)]
struct Program {
    instructions: Vec<Instruction>,
    /// The most values on the stack at once.
    depth: usize,
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

/// How names become variables: the one variable `x`, or `x`, `y`, `z`, `x1`, `x2`, ….
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Variables {
    X,
    Many,
}

impl Variables {
    /// Whether `name` is a variable under this rule.
    fn admits(self, name: &str) -> bool {
        match self {
            Variables::X => name == "x",
            Variables::Many => {
                matches!(name, "x" | "y" | "z")
                    || name
                        .strip_prefix('x')
                        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            }
        }
    }

    /// What the message for an unknown name says the variables are.
    fn described(self) -> &'static str {
        match self {
            Variables::X => "the variable is x",
            Variables::Many => "the variables are x, y, z and x1, x2, …",
        }
    }
}

/// The order of variables: `x`, `y`, `z`, then `x1`, `x2`, … by number.
fn variable_order(name: &str) -> (u8, u128, usize) {
    match name {
        "x" => (0, 0, 0),
        "y" => (1, 0, 0),
        "z" => (2, 0, 0),
        _ => {
            let digits = &name[1..];
            // Numbers too long for u128 sort after all others, by length.
            (3, digits.parse().unwrap_or(u128::MAX), digits.len())
        }
    }
}

/// Parses and compiles `text`, with the variables `rule` admits; returns the program and
/// the variables in order.
fn compile(text: &str, rule: Variables) -> Result<(Program, Vec<String>), ExpressionError> {
    check_limits(text)?;
    let mut pairs =
        Grammar::parse(Rule::function, text).map_err(|error| syntax_error(text, &error))?;
    let expr = pairs
        .next()
        .and_then(|function| function.into_inner().next())
        .ok_or_else(|| ExpressionError {
            position: 1,
            message: "the expression is empty".into(),
        })?;
    let mut names = Vec::new();
    collect_variables(expr.clone(), rule, &mut names);
    names.sort_by_key(|n| variable_order(n));
    names.dedup();
    let mut compiler = Compiler {
        text,
        rule,
        variables: &names,
        program: Vec::new(),
        operands: Vec::new(),
    };
    compiler.expression(expr.into_inner())?;
    let instructions = compiler.program;
    let depth = stack_depth(&instructions);
    Ok((
        Program {
            instructions,
            depth,
        },
        names,
    ))
}

/// Rejects texts beyond [`MAX_LENGTH`] and [`MAX_NESTING`], before parsing.
fn check_limits(text: &str) -> Result<(), ExpressionError> {
    let length = text.chars().count();
    if length > MAX_LENGTH {
        return Err(ExpressionError {
            position: MAX_LENGTH + 1,
            message: format!(
                "the expression is {length} characters long; the most accepted is {MAX_LENGTH}"
            ),
        });
    }
    let mut depth = 0usize;
    for (i, c) in text.chars().enumerate() {
        match c {
            '(' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(ExpressionError {
                        position: i + 1,
                        message: format!("parentheses nested more than {MAX_NESTING} deep"),
                    });
                }
            }
            ')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// The names in `pair` that `rule` admits as variables (with repeats).
fn collect_variables(pair: Pair<'_, Rule>, rule: Variables, names: &mut Vec<String>) {
    // The flattened token stream of the whole expression, without recursion.
    for token in pair.into_inner().flatten() {
        if token.as_rule() == Rule::name && rule.admits(token.as_str()) {
            names.push(token.as_str().to_owned());
        }
    }
}

/// The most values a postfix program holds on its stack at once.
fn stack_depth(program: &[Instruction]) -> usize {
    let (mut depth, mut most) = (0usize, 0usize);
    for instruction in program {
        match instruction {
            Instruction::Number(_) | Instruction::Variable(_) => depth += 1,
            Instruction::Add
            | Instruction::Subtract
            | Instruction::Multiply
            | Instruction::Divide
            | Instruction::Power => depth = depth.saturating_sub(1),
            Instruction::Negate | Instruction::PowerOf(_) | Instruction::Call(_) => {}
        }
        most = most.max(depth);
    }
    most
}

/// An operator waiting on the shunting-yard stack.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Pending {
    Negate,
    Infix(Instruction),
}

impl Pending {
    /// Binding power: `+ -` 1, `* /` 2, unary minus 3, `^` 4.
    fn precedence(self) -> u8 {
        match self {
            Pending::Infix(Instruction::Add | Instruction::Subtract) => 1,
            Pending::Infix(Instruction::Multiply | Instruction::Divide) => 2,
            Pending::Negate => 3,
            Pending::Infix(_) => 4,
        }
    }
}

/// Compiles the token streams of pest into one postfix program, by Dijkstra's shunting-yard
/// algorithm (iterative, whatever the length of a chain of operators), folding constants.
struct Compiler<'t> {
    text: &'t str,
    rule: Variables,
    variables: &'t [String],
    program: Vec<Instruction>,
    /// For each value the program has pushed so far: whether it is a constant (and so the
    /// last instruction, a `Number`).
    operands: Vec<bool>,
}

impl Compiler<'_> {
    /// Compiles the inner tokens of one `expr`: `prefix* primary (infix prefix* primary)*`.
    /// Recursion happens only into parentheses and call arguments, whose depth is bounded by
    /// [`MAX_NESTING`].
    fn expression(&mut self, tokens: Pairs<'_, Rule>) -> Result<(), ExpressionError> {
        let mut stack: Vec<Pending> = Vec::new();
        for token in tokens {
            match token.as_rule() {
                Rule::neg => stack.push(Pending::Negate),
                Rule::plus => {}
                Rule::add | Rule::sub | Rule::mul | Rule::div | Rule::pow => {
                    let op = Pending::Infix(match token.as_rule() {
                        Rule::add => Instruction::Add,
                        Rule::sub => Instruction::Subtract,
                        Rule::mul => Instruction::Multiply,
                        Rule::div => Instruction::Divide,
                        _ => Instruction::Power,
                    });
                    let right_associative = op.precedence() == 4;
                    while let Some(&top) = stack.last() {
                        let binds_first = top.precedence() > op.precedence()
                            || (top.precedence() == op.precedence() && !right_associative);
                        if !binds_first {
                            break;
                        }
                        stack.pop();
                        self.apply(top);
                    }
                    stack.push(op);
                }
                _ => self.primary(token)?,
            }
        }
        while let Some(op) = stack.pop() {
            self.apply(op);
        }
        Ok(())
    }

    fn push(&mut self, instruction: Instruction) {
        self.operands
            .push(matches!(instruction, Instruction::Number(_)));
        self.program.push(instruction);
    }

    /// Emits an operator, or folds it when its operands are constants.
    fn apply(&mut self, op: Pending) {
        let arity = match op {
            Pending::Negate => 1,
            Pending::Infix(_) => 2,
        };
        let at = self.operands.len().saturating_sub(arity);
        let constant = self.operands[at..].iter().all(|&c| c);
        let instruction = match op {
            Pending::Negate => Instruction::Negate,
            // A constant exponent: a power of a fixed number.
            Pending::Infix(Instruction::Power) if self.operands.last() == Some(&true) => {
                match self.program.last() {
                    Some(&Instruction::Number(n)) if !constant => {
                        self.program.pop();
                        self.operands.pop();
                        self.operands.pop();
                        self.operands.push(false);
                        self.program.push(Instruction::PowerOf(n));
                        return;
                    }
                    _ => Instruction::Power,
                }
            }
            Pending::Infix(instruction) => instruction,
        };
        self.operands.truncate(at);
        if constant {
            // Evaluate the constant operands now and leave one number.
            let start = self.program.len() - arity;
            let mut tail: Vec<Instruction> = self.program.drain(start..).collect();
            tail.push(instruction);
            let value = run(&tail, arity, &[] as &[f64]);
            self.push(Instruction::Number(value));
        } else {
            self.operands.push(false);
            self.program.push(instruction);
        }
    }

    fn primary(&mut self, pair: Pair<'_, Rule>) -> Result<(), ExpressionError> {
        let start = pair.as_span().start();
        match pair.as_rule() {
            Rule::number => {
                let value = pair.as_str().parse().map_err(|_| {
                    error_at(
                        self.text,
                        start,
                        format!("'{}' is not a number", abbreviate(pair.as_str())),
                    )
                })?;
                self.push(Instruction::Number(value));
            }
            Rule::name => {
                let name = pair.as_str();
                if let Some(i) = self.variables.iter().position(|v| v == name) {
                    self.push(Instruction::Variable(i));
                } else if Function::from_name(name).is_some() {
                    return Err(error_at(
                        self.text,
                        start,
                        format!("'{name}' is a function: write {name}(…)"),
                    ));
                } else if let Some(value) = constant(name) {
                    self.push(Instruction::Number(value));
                } else {
                    return Err(error_at(
                        self.text,
                        start,
                        format!(
                            "unknown name '{}': {}, the constants pi, e and tau",
                            abbreviate(name),
                            self.rule.described()
                        ),
                    ));
                }
            }
            Rule::call => {
                let mut inner = pair.into_inner();
                let (Some(name), Some(argument)) = (inner.next(), inner.next()) else {
                    return Err(error_at(self.text, start, "empty function call".into()));
                };
                let function = Function::from_name(name.as_str()).ok_or_else(|| {
                    error_at(
                        self.text,
                        start,
                        format!(
                            "unknown function '{}' (known: {})",
                            abbreviate(name.as_str()),
                            Function::NAMES.join(", ")
                        ),
                    )
                })?;
                if let Some(extra) = inner.next() {
                    return Err(error_at(
                        self.text,
                        extra.as_span().start(),
                        format!("{} takes one argument", name.as_str()),
                    ));
                }
                self.expression(argument.into_inner())?;
                let constant = self.operands.last() == Some(&true);
                if constant {
                    let Some(Instruction::Number(a)) = self.program.pop() else {
                        unreachable!("a constant operand is a number")
                    };
                    self.operands.pop();
                    let value = run(
                        &[Instruction::Number(a), Instruction::Call(function)],
                        1,
                        &[] as &[f64],
                    );
                    self.push(Instruction::Number(value));
                } else {
                    self.program.push(Instruction::Call(function));
                }
            }
            // A parenthesized group.
            _ => self.expression(pair.into_inner())?,
        }
        Ok(())
    }
}

/// Runs a postfix program on the values of its variables, over `f64` or dual numbers.
/// `depth` is the most values it holds at once.
fn run<D: DualNum<Primitive = f64>>(program: &[Instruction], depth: usize, variables: &[D]) -> D {
    let mut stack: Vec<D> = Vec::with_capacity(depth);
    for instruction in program {
        match *instruction {
            Instruction::Number(value) => stack.push(D::from(value)),
            Instruction::Variable(i) => stack.push(variables[i].clone()),
            Instruction::Negate => {
                if let Some(a) = stack.pop() {
                    stack.push(-a);
                }
            }
            Instruction::PowerOf(n) => {
                if let Some(a) = stack.pop() {
                    stack.push(if n.fract() == 0.0 && n.abs() <= f64::from(i32::MAX) {
                        // A whole exponent that fits, so the cast is exact.
                        a.powi(n as i32)
                    } else {
                        a.powf(n)
                    });
                }
            }
            Instruction::Call(function) => {
                if let Some(a) = stack.pop() {
                    stack.push(call(function, a));
                }
            }
            binary => {
                let (Some(b), Some(a)) = (stack.pop(), stack.pop()) else {
                    break;
                };
                stack.push(match binary {
                    Instruction::Add => a + b,
                    Instruction::Subtract => a - b,
                    Instruction::Multiply => a * b,
                    Instruction::Divide => a / b,
                    _ => a.powd(b),
                });
            }
        }
    }
    // A compiled program always leaves exactly one value.
    stack.pop().unwrap_or_else(|| D::from(f64::NAN))
}

fn call<D: DualNum<Primitive = f64>>(function: Function, a: D) -> D {
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
                e.clone() / (D::from(1.0) + e)
            }
        }
    }
}

impl Program {
    fn run<D: DualNum<Primitive = f64>>(&self, variables: &[D]) -> D {
        run(&self.instructions, self.depth, variables)
    }
}

impl Expression {
    /// Parses `text` as a function of `x`.
    ///
    /// # Errors
    /// A syntax error, an unknown name, a function used without parentheses (or a name that
    /// is not a function called like one), each with its position; a text longer than
    /// [`MAX_LENGTH`] or nested deeper than [`MAX_NESTING`].
    pub fn parse(text: &str) -> Result<Self, ExpressionError> {
        let (program, _) = compile(text, Variables::X)?;
        Ok(Expression {
            text: text.trim().to_owned(),
            program,
        })
    }

    /// The text it was parsed from (trimmed).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// `(f(x), f′(x), f″(x))` from one evaluation over dual numbers.
    pub fn derivatives(&self, x: f64) -> (f64, f64, f64) {
        let y = self.program.run(&[Dual2_64::from_re(x).derivative()]);
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
        self.program.run(&[*x])
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

impl VectorExpression {
    /// Parses `text` as a function of the variables `x`, `y`, `z`, `x1`, `x2`, … it uses.
    ///
    /// # Errors
    /// As [`Expression::parse`], and a text without any variable.
    pub fn parse(text: &str) -> Result<Self, ExpressionError> {
        let (program, variables) = compile(text, Variables::Many)?;
        if variables.is_empty() {
            return Err(ExpressionError {
                position: 1,
                message: "the expression has no variables (x, y, z, x1, x2, …)".into(),
            });
        }
        Ok(VectorExpression {
            text: text.trim().to_owned(),
            variables,
            program,
        })
    }

    /// The text it was parsed from (trimmed).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The variables, in the order of the parameter vector.
    pub fn variables(&self) -> &[String] {
        &self.variables
    }

    /// `(f(x), ∇f(x), ∇²f(x))` from one evaluation over second-order dual numbers.
    ///
    /// # Panics
    /// `x` has another length than [`variables`](Self::variables).
    pub fn derivatives(&self, x: &Array1<f64>) -> (f64, Array1<f64>, Array2<f64>) {
        let n = self.variables.len();
        assert_eq!(x.len(), n, "one value per variable");
        let at = DVector::from_iterator(n, x.iter().copied());
        let (value, gradient, hessian) = num_dual::hessian(
            |v: DVector<Dual2DVec64>| self.program.run(v.as_slice()),
            &at,
        );
        (
            value,
            Array1::from_iter(gradient.iter().copied()),
            Array2::from_shape_fn((n, n), |(i, j)| hessian[(i, j)]),
        )
    }
}

impl FromStr for VectorExpression {
    type Err = ExpressionError;
    fn from_str(text: &str) -> Result<Self, ExpressionError> {
        VectorExpression::parse(text)
    }
}

impl fmt::Display for VectorExpression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Objective for VectorExpression {
    type Param = Array1<f64>;
    fn value(&self, x: &Array1<f64>) -> f64 {
        match x.as_slice() {
            Some(values) => self.program.run(values),
            None => self.program.run(&x.to_vec()),
        }
    }
    fn dimension(&self) -> Option<usize> {
        Some(self.variables.len())
    }
}

impl Gradient for VectorExpression {
    fn gradient(&self, x: &Array1<f64>) -> Array1<f64> {
        self.derivatives(x).1
    }
    fn value_and_gradient(&self, x: &Array1<f64>) -> (f64, Array1<f64>) {
        let (f, g, _) = self.derivatives(x);
        (f, g)
    }
}

impl Hessian for VectorExpression {
    fn hessian(&self, x: &Array1<f64>) -> Array2<f64> {
        self.derivatives(x).2
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
            "the expression ends where a number, a variable, a function or '(' was expected"
                .to_owned()
        }
        (None, false) => format!(
            "the expression ends with {open} unclosed '(' (add {})",
            ")".repeat(open.clamp(1, MAX_NESTING as isize) as usize)
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
        assert_eq!(at("2^-x^2", 2.0).0, 2f64.powi(-4));
        assert_eq!(at("x/-x^2", 2.0).0, -0.5);
        assert_eq!(at("1 - 2 - 3", 0.0).0, -4.0);
        assert_eq!(at("8 / 4 / 2", 0.0).0, 1.0);
        assert_eq!(at("2 + 3 * x", 2.0).0, 8.0);
        assert_eq!(at("(2 + 3) * x", 2.0).0, 10.0);
        assert_eq!(at("--x", 2.0).0, 2.0);
        assert_eq!(at("-x * 3 + 1", 2.0).0, -5.0);
        assert_eq!(at("x * -3 - -1", 2.0).0, -5.0);
        assert_eq!(at("x**2", 3.0).0, 9.0);
        assert_eq!(at("(-2)^3 + 0*x", 0.0).0, -8.0);
        assert_eq!(at("x^3", -2.0).0, -8.0);
        assert_eq!(at("1.5e2 * x + .5", 1.0).0, 150.5);
        assert_eq!(at("tau/pi", 0.0).0, 2.0);
        assert_eq!(at("π*e", 0.0).0, std::f64::consts::PI * std::f64::consts::E);
        assert_eq!(at("+x - +1", 3.0).0, 2.0);
    }

    #[test]
    fn constants_are_folded_into_one_number() {
        let f = Expression::parse("2^3^2 + sin(0) * x + (1 + 2)").unwrap();
        // 512, sin(0) = 0, x, ×, +, 3, +
        assert_eq!(
            f.program.instructions,
            [
                Instruction::Number(512.0),
                Instruction::Number(0.0),
                Instruction::Variable(0),
                Instruction::Multiply,
                Instruction::Add,
                Instruction::Number(3.0),
                Instruction::Add
            ]
        );
        let g = Expression::parse("x^2.5").unwrap();
        assert_eq!(
            g.program.instructions,
            [Instruction::Variable(0), Instruction::PowerOf(2.5)]
        );
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

    #[test]
    fn long_and_deep_texts_neither_overflow_nor_echo() {
        // Long chains compile and evaluate with explicit stacks.
        let sum = vec!["x"; 30_000].join("+");
        assert_eq!(at(&sum, 2.0), (60_000.0, 30_000.0, 0.0));
        let negations = format!("{}x", "-".repeat(50_000));
        assert_eq!(at(&negations, 3.0).0, 3.0);
        let tower = vec!["1"; 20_000].join("^") + "^x";
        assert_eq!(at(&tower, 2.0).0, 1.0);
        let product = vec!["(x+1)"; 10_000].join("*");
        assert!(at(&product, 0.0).0 == 1.0);
        // Limits, with short messages.
        let deep = format!("{}x{}", "(".repeat(100_000), ")".repeat(100_000));
        let e = error(&deep);
        assert!(
            e.message.contains("longest") || e.message.contains("most accepted"),
            "{e}"
        );
        let nested = format!("{}x{}", "(".repeat(65), ")".repeat(65));
        let e = error(&nested);
        assert_eq!(e.position, 65);
        assert!(e.message.contains("nested more than 64"), "{e}");
        assert!(Expression::parse(&format!("{}x{}", "(".repeat(64), ")".repeat(64))).is_ok());
        let e = error(&format!("x + {}", "y".repeat(5000)));
        assert!(e.to_string().len() < 200, "{e}");
    }

    #[test]
    fn vector_expressions_order_their_variables() {
        let f = VectorExpression::parse("x3*z + x1 + y^2 + x10").unwrap();
        assert_eq!(f.variables(), ["y", "z", "x1", "x3", "x10"]);
        let x = Array1::from(vec![2.0, 3.0, 5.0, 7.0, 11.0]);
        assert_eq!(f.value(&x), 4.0 + 21.0 + 5.0 + 11.0);
        let (_, g, h) = f.derivatives(&x);
        assert_eq!(g, Array1::from(vec![4.0, 7.0, 1.0, 3.0, 1.0]));
        assert_eq!(h[[0, 0]], 2.0);
        assert_eq!(h[[1, 3]], 1.0);
        assert_eq!(h[[3, 1]], 1.0);
        assert!(VectorExpression::parse("3 + pi").is_err());
        assert!(VectorExpression::parse("x + w")
            .unwrap_err()
            .message
            .contains("x1, x2"));
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

        #[test]
        fn vector_derivatives_match_finite_differences(
            x in 0.2f64..2.0, y in -1.5f64..1.5, z in 0.1f64..3.0
        ) {
            let f = VectorExpression::parse(
                "(1 - x)^2 + 100*(y - x^2)^2 + sin(x*y*z) + z^x + exp(-y^2)/z"
            ).unwrap();
            let point = Array1::from(vec![x, y, z]);
            let (_, g, h) = f.derivatives(&point);
            for i in 0..3 {
                let step = 1e-5 * point[i].abs().max(1.0);
                let (mut up, mut down) = (point.clone(), point.clone());
                up[i] += step;
                down[i] -= step;
                let df = (f.value(&up) - f.value(&down)) / (up[i] - down[i]);
                proptest::prop_assert!((g[i] - df).abs() <= 1e-5 * (1.0 + df.abs()), "∂{i}: {} vs {df}", g[i]);
                let dg = (f.gradient(&up) - f.gradient(&down)) / (up[i] - down[i]);
                for j in 0..3 {
                    proptest::prop_assert!((h[[j, i]] - dg[j]).abs() <= 1e-4 * (1.0 + dg[j].abs()), "∂²{j}{i}: {} vs {}", h[[j, i]], dg[j]);
                }
            }
        }
    }
}
