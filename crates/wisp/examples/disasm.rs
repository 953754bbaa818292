fn main() {
    let args: Vec<String> = std::env::args().collect();
    let engine = wisp::Engine::default();
    let m = wisp::Module::from_file(&engine, &args[1]).unwrap();
    let f: u32 = args[2].parse().unwrap();
    println!("{}", m.disassemble(f).unwrap());
}
