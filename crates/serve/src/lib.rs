//! Wisp's serverless HTTP host: routes map to WebAssembly apps, and every
//! request runs in a fresh instance of its app, made from a template that
//! was compiled and linked once, so that nothing — memory, globals, tables,
//! open files — carries over from one request to the next.
//!
//! ```no_run
//! use std::sync::Arc;
//! use wisp_serve::{FileLoader, ServeConfig, Server};
//!
//! # fn main() -> Result<(), wisp_serve::Error> {
//! let config = ServeConfig::from_file("serve.toml".as_ref())?;
//! let server = Server::start(config, Arc::new(FileLoader))?;
//! println!("listening on http://{}", server.local_addr());
//! // Shuts down gracefully on SIGTERM or SIGINT, reloads serve.toml on SIGHUP.
//! server.run_until_signalled(Some("serve.toml".into()))?;
//! # Ok(())
//! # }
//! ```
//!
//! The pieces, each in its own file:
//! - [`config`]: `serve.toml` and its errors (file, line, key);
//! - [`route`]: exact and prefix routes;
//! - [`guest`]: what a guest interface is — the seam where WAGI lives now
//!   and `wasi:http` will slot in beside it;
//! - [`wagi`]: CGI over WASI preview1;
//! - `app`: an app's template, limits and in-flight bound;
//! - `server`: hyper, admission, statuses, graceful shutdown, reload;
//! - `metrics` and `log`: Prometheus text and JSON access lines.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod app;
pub mod config;
mod error;
pub mod guest;
mod log;
mod metrics;
pub mod route;
mod server;
pub mod wagi;

pub use app::{FileLoader, Loaded, Loader};
pub use config::{DirConfig, ModuleSource, RouteConfig, RouteLimits, ServeConfig, Tier};
pub use error::Error;
pub use server::{Server, ShutdownReport};
