//! Builds the small C helper that catches traps (`setjmp`/`longjmp` cannot
//! be written in Rust).

fn main() {
    println!("cargo:rerun-if-changed=src/vm/unwind.c");
    cc::Build::new().file("src/vm/unwind.c").warnings(true).compile("wisp_unwind");
}
