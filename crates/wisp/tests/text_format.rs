//! The text format comes with the `wat` feature (on by default). Without
//! it, text is refused with an error that says why, and binary modules work
//! as ever. The second half runs with
//! `cargo test -p wisp --no-default-features --test text_format`.

use wisp::{Engine, Module};

const TEXT: &str = r#"(module (func (export "f")))"#;

#[cfg(feature = "wat")]
#[test]
fn text_modules_are_read() {
    let engine = Engine::default();
    let module = Module::new(&engine, TEXT).unwrap();
    assert!(module.get_export("f").is_some());
}

#[cfg(not(feature = "wat"))]
#[test]
fn without_the_feature_text_is_refused_clearly() {
    let engine = Engine::default();
    let check = |err: wisp::Error| {
        assert!(matches!(err.kind(), wisp::ErrorKind::Unsupported(_)), "{err:?}");
        assert!(err.to_string().contains("text format support not compiled in"), "{err}");
    };
    check(Module::new(&engine, TEXT).unwrap_err());
    let path = std::env::temp_dir().join(format!("wisp-text-format-{}.wat", std::process::id()));
    std::fs::write(&path, TEXT).unwrap();
    let from_file = Module::from_file(&engine, &path);
    std::fs::remove_file(&path).unwrap();
    check(from_file.unwrap_err());
    // The binary format needs no parser.
    let binary = wat::parse_str(TEXT).unwrap();
    assert!(Module::new(&engine, &binary).unwrap().get_export("f").is_some());
}
