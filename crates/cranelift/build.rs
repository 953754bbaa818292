//! Gives the compiler an identity that changes whenever its code does
//! (this crate's sources, or the runtime layout it compiles against), so
//! artifacts and cache entries from another build are never mistaken for
//! current ones, even between releases.

include!("../environ/build_id.rs");

fn main() {
    println!("cargo::rustc-env=WISP_CODEGEN_ID={}", source_id(&["src", "../environ/src"]));
}
