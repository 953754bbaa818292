//! The runtime of executables written by `wisp create-exe`.
//!
//! `wisp create-exe` compiles a WASI command into an object file with
//! [`wisp::linked::write_object`] and links it with this static library,
//! whose C `main` loads the linked module (nothing is compiled at run
//! time: this library has no compiler), grants the capabilities chosen
//! when the executable was built, and runs the program as `wisp run` would:
//! every argument goes to the guest, and exit statuses, trap messages and
//! Wasm backtraces are `wisp run`'s.
//!
//! Its unsafe code is the C boundary: the linked symbols, the exported
//! `main` and the loading of the linked code; each item says why.

#![deny(unsafe_code)]

use std::ffi::{c_char, c_int};

use anyhow::{Context, Result};
use wisp::{Config, Store};
use wisp_launch::Capabilities;

// SAFETY: both symbols are defined by the object `wisp create-exe` links
// into the executable (see `wisp::linked`); nothing writes to them.
#[allow(unsafe_code)]
unsafe extern "C" {
    static wisp_linked_text: u8;
    static wisp_linked_image: u8;
}

/// The executable's entry point.
// SAFETY: the C runtime calls `main`, and this library is linked only into
// executables `wisp create-exe` makes, which define no other `main`.
#[allow(unsafe_code)]
#[unsafe(no_mangle)]
pub extern "C" fn main(_argc: c_int, _argv: *const *const c_char) -> c_int {
    wisp_launch::report::install_panic_hook();
    // Like any Rust program (and `wisp run`): a closed pipe is an error
    // to handle, not a signal that kills the process.
    // SAFETY: setting a signal's disposition to "ignore" has no
    // preconditions.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
    }
    match run() {
        Ok(status) => status,
        Err(e) => c_int::from(wisp_launch::report::report(&e)),
    }
}

// Loads the linked code, which runs as is.
#[allow(unsafe_code)]
fn run() -> Result<c_int> {
    // SAFETY: the symbols are those of the object written by
    // `wisp::linked::write_object` and linked into this executable by
    // `wisp create-exe`.
    let (engine, module, extra) = unsafe {
        wisp::linked::load(
            &Config::new(),
            &raw const wisp_linked_text,
            &raw const wisp_linked_image,
        )
    }?;
    let capabilities = Capabilities::decode(extra).context("damaged executable")?;
    // The guest gets every argument, its own name first, as under
    // `wisp run FILE ARGS...`.
    let argv: Vec<String> = std::env::args_os()
        .map(|a| a.into_string().map_err(|a| anyhow::anyhow!("argument {a:?} is not valid UTF-8")))
        .collect::<Result<_>>()?;
    let mut store = Store::new(&engine, capabilities.context(&argv)?);
    let status = wisp_launch::call(&mut store, &module, "_start", &[], &mut [])?;
    Ok(status.unwrap_or(0))
}
