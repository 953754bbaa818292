//! Runs one module through the differential oracle and prints what each
//! engine did: `cargo run -p wisp-fuzzing --example differential -- FILE`
//! with a `.wasm` or `.wat` file (for instance one the seeded test saved).
//! Arguments come from the bytes of the optional second argument.

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or_else(|| anyhow::anyhow!("usage: differential FILE [ARGS]"))?;
    let wasm = wat::parse_file(&path)?;
    let input = args.next().unwrap_or_default().into_bytes();
    let mut u = arbitrary::Unstructured::new(&input);
    let budget = wisp_fuzzing::oracles::Budget::default();
    let report = wisp_fuzzing::oracles::differential(&wasm, &mut u, &budget);
    match &report.divergence {
        Some(d) => print!("{d}"),
        None => println!("{report:#?}"),
    }
    Ok(())
}
