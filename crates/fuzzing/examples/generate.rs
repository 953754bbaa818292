//! Writes the module the seeded tests generate from a seed:
//! `cargo run -p wisp-fuzzing --example generate -- differential|instantiate SEED OUT.wasm|OUT.wat`.

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [kind, seed, out] = &args[..] else {
        anyhow::bail!("usage: generate differential|instantiate SEED OUT.wasm");
    };
    let seed: u64 = seed.parse()?;
    let data = wisp_fuzzing::generators::seeded_input(seed, kind == "instantiate");
    let mut u = arbitrary::Unstructured::new(&data);
    let config = match kind.as_str() {
        "differential" => wisp_fuzzing::generators::differential_config(&mut u)?,
        "instantiate" => wisp_fuzzing::generators::instantiate_config(&mut u)?,
        _ => anyhow::bail!("unknown kind {kind}"),
    };
    let wasm = wisp_fuzzing::generators::module(&mut u, config)?;
    if out.ends_with(".wat") {
        std::fs::write(out, wasmprinter::print_bytes(&wasm)?)?;
    } else {
        std::fs::write(out, wasm)?;
    }
    Ok(())
}
