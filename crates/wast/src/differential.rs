//! Running a script in two engines side by side (typically the two tiers)
//! and comparing what the script's own assertions do not look at: the
//! exact results of every call, the kind of every trap, and after every
//! directive the current instance's exported memories and globals.
//!
//! NaNs are compared by kind only (a NaN equals any NaN, also in each
//! 32-bit lane of a v128 and in 32- and 64-bit float results), because the
//! specification leaves their payload and sign open.

use wast::parser::{self, ParseBuffer};
use wast::{Wast, WastDirective};
use wisp::{Config, Extern, Val};

use crate::runner::{Exec, Runner};

/// What [`differential`] found.
#[derive(Debug, Default)]
pub struct DiffOutcome {
    /// Directives run in both engines.
    pub directives: usize,
    /// Calls whose outcomes were compared.
    pub calls: usize,
    /// Exported memories and globals compared after directives.
    pub states: usize,
    /// Every disagreement, with its line.
    pub divergences: Vec<String>,
}

fn parse(script: &str) -> Result<ParseBuffer<'_>, String> {
    let mut lexer = wast::lexer::Lexer::new(script);
    lexer.allow_confusing_unicode(true);
    ParseBuffer::new_with_lexer(lexer).map_err(|e| e.to_string())
}

/// Runs `script` under both configurations and compares them.
pub fn differential(script: &str, a: &Config, b: &Config) -> Result<DiffOutcome, String> {
    let (buf_a, buf_b) = (parse(script)?, parse(script)?);
    let wast_a: Wast<'_> = parser::parse(&buf_a).map_err(|e| e.to_string())?;
    let wast_b: Wast<'_> = parser::parse(&buf_b).map_err(|e| e.to_string())?;
    let mut ra =
        Runner::new(wisp::Engine::new(a).map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
    let mut rb =
        Runner::new(wisp::Engine::new(b).map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
    let mut out = DiffOutcome::default();
    for (da, db) in wast_a.directives.into_iter().zip(wast_b.directives) {
        let (line, _) = da.span().linecol_in(script);
        let line = line + 1;
        out.directives += 1;
        let calls = match (da, db) {
            (
                WastDirective::AssertReturn { exec: ea, .. },
                WastDirective::AssertReturn { exec: eb, .. },
            )
            | (
                WastDirective::AssertTrap { exec: ea, .. },
                WastDirective::AssertTrap { exec: eb, .. },
            ) => Some((ra.execute(ea), rb.execute(eb))),
            (WastDirective::Invoke(ia), WastDirective::Invoke(ib)) => {
                Some((ra.invoke(&ia), rb.invoke(&ib)))
            }
            (da, db) => {
                let (x, y) = (ra.directive(da).is_ok(), rb.directive(db).is_ok());
                if x != y {
                    out.divergences
                        .push(format!("line {line}: directive passes in one engine only"));
                }
                None
            }
        };
        if let Some((x, y)) = calls {
            out.calls += 1;
            if let Some(why) = compare_outcomes(&x, &y) {
                out.divergences.push(format!("line {line}: {why}"));
            }
        }
        let (sa, sb) = (ra.exported_state(), rb.exported_state());
        out.states += sa.len();
        if sa.len() != sb.len() {
            out.divergences.push(format!("line {line}: different exports"));
        }
        for ((name, x), (_, y)) in sa.iter().zip(&sb) {
            if x != y {
                out.divergences
                    .push(format!("line {line}: export `{name}` differs after the directive"));
            }
        }
    }
    Ok(out)
}

fn compare_outcomes(x: &Result<Vec<Val>, Exec>, y: &Result<Vec<Val>, Exec>) -> Option<String> {
    match (x, y) {
        (Ok(a), Ok(b)) => {
            if a.len() != b.len() || a.iter().zip(b).any(|(p, q)| !same_value(p, q)) {
                Some(format!("results differ: {a:?} vs {b:?}"))
            } else {
                None
            }
        }
        (Err(Exec::Wisp(a)), Err(Exec::Wisp(b))) => {
            (a.trap() != b.trap()).then(|| format!("traps differ: {a} vs {b}"))
        }
        (Err(Exec::Harness(_)), Err(Exec::Harness(_))) => None,
        (a, b) => Some(format!("outcomes differ: {} vs {}", show(a), show(b))),
    }
}

fn show(r: &Result<Vec<Val>, Exec>) -> String {
    match r {
        Ok(v) => format!("{v:?}"),
        Err(Exec::Wisp(e)) => e.to_string(),
        Err(Exec::Harness(e)) => e.clone(),
    }
}

fn nan32(bits: u32) -> bool {
    f32::from_bits(bits).is_nan()
}

fn nan64(bits: u64) -> bool {
    f64::from_bits(bits).is_nan()
}

/// Equality with NaNs compared by kind.
fn same_value(a: &Val, b: &Val) -> bool {
    match (a, b) {
        (Val::F32(x), Val::F32(y)) => x == y || (nan32(*x) && nan32(*y)),
        (Val::F64(x), Val::F64(y)) => x == y || (nan64(*x) && nan64(*y)),
        (Val::V128(x), Val::V128(y)) => same_v128(*x, *y),
        (Val::FuncRef(x), Val::FuncRef(y)) => x.is_some() == y.is_some(),
        (Val::ExternRef(x), Val::ExternRef(y)) => x.is_some() == y.is_some(),
        _ => format!("{a:?}") == format!("{b:?}"),
    }
}

fn same_v128(x: u128, y: u128) -> bool {
    if x == y {
        return true;
    }
    let lanes32 = (0..4).all(|i| {
        let (p, q) = ((x >> (32 * i)) as u32, (y >> (32 * i)) as u32);
        p == q || (nan32(p) && nan32(q))
    });
    let lanes64 = (0..2).all(|i| {
        let (p, q) = ((x >> (64 * i)) as u64, (y >> (64 * i)) as u64);
        p == q || (nan64(p) && nan64(q))
    });
    lanes32 || lanes64
}

/// A comparable snapshot of one export.
#[derive(Debug)]
pub(crate) enum State {
    Memory(Vec<u8>),
    Global(Val),
}

impl PartialEq for State {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (State::Memory(a), State::Memory(b)) => a == b,
            (State::Global(a), State::Global(b)) => same_value(a, b),
            _ => false,
        }
    }
}

impl Runner {
    /// The current instance's exported memories and globals, by name.
    pub(crate) fn exported_state(&self) -> Vec<(String, State)> {
        let Some(instance) = self.current else { return Vec::new() };
        instance
            .exports(&self.store)
            .into_iter()
            .filter_map(|(name, ext)| match ext {
                Extern::Memory(m) => Some((name, State::Memory(m.data(&self.store).to_vec()))),
                Extern::Global(g) => Some((name, State::Global(g.get(&self.store)))),
                _ => None,
            })
            .collect()
    }
}
