//! Wisp's errors as Python exceptions.

use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use wisp::ErrorKind;

pyo3::create_exception!(
    wisp,
    WispError,
    PyException,
    "An error of the runtime: an invalid module, a failed link, a type mismatch, \
     a limit. `kind` names its category (\"wasm\", \"text\", \"link\", \"type\", \
     \"resource\", \"unsupported\", \"host\", \"io\")."
);
pyo3::create_exception!(
    wisp,
    Trap,
    WispError,
    "Execution trapped. `message` says why, `kind` is the trap's code \
     (\"unreachable\", \"out_of_fuel\", \"interrupted\", ...) and `frames` the \
     Wasm backtrace, innermost first."
);
pyo3::create_exception!(
    wisp,
    ExitError,
    WispError,
    "The guest asked to exit (WASI `proc_exit`); `status` is its exit status."
);

/// `CamelCase` to `snake_case`: the Python name of a Rust variant.
fn snake(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// A `WispError` of `kind` with `message`.
pub(crate) fn wisp_error(kind: &str, message: impl std::fmt::Display) -> PyErr {
    Python::attach(|py| {
        let err = WispError::new_err(message.to_string());
        let _ = err.value(py).setattr("kind", kind);
        err
    })
}

/// The Python exception for a Rust API error.
pub(crate) fn to_py(error: wisp::Error) -> PyErr {
    Python::attach(|py| {
        let (err, kind) = match error.kind() {
            ErrorKind::Trap { trap, backtrace } => {
                let err = Trap::new_err(trap.message());
                let value = err.value(py);
                let _ = value.setattr("message", trap.message());
                let frames: Vec<String> = backtrace
                    .frames()
                    .iter()
                    .map(|f| match &f.func_name {
                        Some(name) => name.clone(),
                        None => format!("<wasm function {}>", f.func_index),
                    })
                    .collect();
                let _ = value.setattr("frames", frames);
                (err, snake(&format!("{trap:?}")))
            }
            ErrorKind::Exit(status) => {
                let err = ExitError::new_err(format!("exit with status {status}"));
                let _ = err.value(py).setattr("status", *status);
                (err, "exit".to_string())
            }
            other => {
                let kind = format!("{other:?}");
                let kind = kind.split(['(', ' ', '{']).next().unwrap_or("");
                (WispError::new_err(error.to_string()), snake(kind))
            }
        };
        let _ = err.value(py).setattr("kind", kind);
        err
    })
}

/// `Result` conversion for the Rust API's errors.
pub(crate) trait IntoPyResult<T> {
    /// The value, or the error as a Python exception.
    fn py(self) -> PyResult<T>;
}

impl<T> IntoPyResult<T> for wisp::Result<T> {
    fn py(self) -> PyResult<T> {
        self.map_err(to_py)
    }
}
