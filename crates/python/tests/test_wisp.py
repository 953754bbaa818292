"""Tests of the wisp package: calls, traps, limits, WASI, memories and
host functions, in both tiers where it matters."""

import threading

import pytest

import wisp

TIERS = ["interp", "cranelift"]


def instantiate(wat, config=None, linker=None, store=None):
    engine = wisp.Engine(config)
    module = wisp.Module(engine, wat)
    store = store or wisp.Store(engine)
    linker = linker or wisp.Linker(engine)
    return store, linker.instantiate(store, module)


@pytest.mark.parametrize("tier", TIERS)
def test_call_converts_by_signature(tier):
    store, instance = instantiate(
        """(module
             (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
             (func (export "wide") (param i64 f32 f64) (result i64 f32 f64)
               (local.get 0) (local.get 1) (local.get 2)))""",
        wisp.Config(tier=tier),
    )
    assert instance["add"](2, 3) == 5
    assert instance["add"](0xFFFFFFFF, 0) == -1
    assert instance["wide"](-(2**63), 1.5, 0.25) == (-(2**63), 1.5, 0.25)
    with pytest.raises(TypeError):
        instance["add"](1)
    with pytest.raises(OverflowError):
        instance["add"](2**32, 0)
    assert instance["add"].type == wisp.FuncType(["i32", "i32"], ["i32"])


@pytest.mark.parametrize("tier", TIERS)
def test_trap_has_kind_and_message(tier):
    _, instance = instantiate(
        """(module
             (func $inner (unreachable))
             (func (export "boom") (call $inner))
             (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1))))""",
        wisp.Config(tier=tier),
    )
    with pytest.raises(wisp.Trap) as trap:
        instance["boom"]()
    assert trap.value.kind == "unreachable"
    assert trap.value.message == "unreachable"
    assert len(trap.value.frames) >= 1
    assert isinstance(trap.value, wisp.WispError)
    with pytest.raises(wisp.Trap) as trap:
        instance["div"](1, 0)
    assert trap.value.kind == "integer_division_by_zero"


LOOP = '(module (func (export "spin") (loop $l (br $l))))'


@pytest.mark.parametrize("tier", TIERS)
def test_fuel_exhaustion(tier):
    engine = wisp.Engine(wisp.Config(tier=tier, consume_fuel=True))
    store = wisp.Store(engine)
    store.set_fuel(10_000)
    instance = wisp.Linker(engine).instantiate(store, wisp.Module(engine, LOOP))
    with pytest.raises(wisp.Trap) as trap:
        instance["spin"]()
    assert trap.value.kind == "out_of_fuel"
    assert store.get_fuel() == 0
    # Fuel off: asking for it is an error, not a crash.
    with pytest.raises(wisp.WispError):
        wisp.Store(wisp.Engine()).set_fuel(1)


@pytest.mark.parametrize("tier", TIERS)
def test_epoch_interrupts_from_another_thread(tier):
    engine = wisp.Engine(wisp.Config(tier=tier, epoch_interruption=True))
    store = wisp.Store(engine)
    store.set_epoch_deadline(1)
    instance = wisp.Linker(engine).instantiate(store, wisp.Module(engine, LOOP))
    timer = threading.Timer(0.05, engine.increment_epoch)
    timer.start()
    with pytest.raises(wisp.Trap) as trap:
        instance["spin"]()
    timer.join()
    assert trap.value.kind == "interrupted"


@pytest.mark.parametrize(
    "source, kind",
    [
        (b"\0asm\x01\0\0\0\x01", "wasm"),
        (b"not wasm at all", "text"),
        ("(module (func (result i32)))", "wasm"),
        ("(module (func (export \"f\") (i32.add)))", "wasm"),
    ],
)
def test_bad_modules_raise(source, kind):
    with pytest.raises(wisp.WispError) as err:
        wisp.Module(wisp.Engine(), source)
    assert err.value.kind == kind
    with pytest.raises(wisp.WispError):
        wisp.Module.validate(wisp.Engine(), b"\0asm\x02\0\0\0")


def test_link_errors_raise():
    engine = wisp.Engine()
    module = wisp.Module(engine, '(module (import "env" "f" (func)))')
    with pytest.raises(wisp.WispError) as err:
        wisp.Linker(engine).instantiate(wisp.Store(engine), module)
    assert err.value.kind == "link"
    assert module.imports == [("env", "f", wisp.FuncType([], []))]


MEMORY = """(module
  (memory (export "memory") 1 4)
  (data (i32.const 16) "hello")
  (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))"""


@pytest.mark.parametrize("tier", TIERS)
def test_memory_read_write_and_view(tier):
    _, instance = instantiate(MEMORY, wisp.Config(tier=tier))
    memory = instance["memory"]
    assert memory.size() == 1
    assert len(memory) == 65536
    assert memory.read(16, 5) == b"hello"
    memory.write(0, b"\x2a")
    assert instance["load"](0) == 42
    with pytest.raises(IndexError):
        memory.read(65535, 2)

    with memoryview(memory) as view:
        assert view.nbytes == 65536 and not view.readonly
        assert bytes(view[16:21]) == b"hello"
        view[1] = 7
        assert instance["load"](1) == 7
        # A view pins the memory: growing would move it under the view.
        assert instance["grow"](1) == -1
        with pytest.raises(BufferError):
            memory.grow(1)
    assert instance["grow"](1) == 1
    assert memory.grow(1) == 2
    assert memory.size() == 3
    assert bytes(memoryview(memory)[16:21]) == b"hello"


def test_memory_limits():
    engine = wisp.Engine(wisp.Config(max_memory_bytes=2 * 65536))
    store = wisp.Store(engine)
    instance = wisp.Linker(engine).instantiate(store, wisp.Module(engine, MEMORY))
    assert instance["grow"](1) == 1
    assert instance["grow"](1) == -1
    store.set_limits(memory_bytes=2 * 65536, trap_on_grow_failure=True)
    with pytest.raises(wisp.Trap) as trap:
        instance["grow"](1)
    assert trap.value.kind == "limit_exceeded"
    store.set_limits(instances=1)
    with pytest.raises(wisp.WispError) as err:
        wisp.Linker(engine).instantiate(store, wisp.Module(engine, MEMORY))
    assert err.value.kind == "resource"


@pytest.mark.parametrize("tier", TIERS)
def test_host_functions_call_back_into_the_guest(tier):
    engine = wisp.Engine(wisp.Config(tier=tier))
    module = wisp.Module(
        engine,
        """(module
             (import "host" "log" (func $log (param i32 i32)))
             (import "host" "twice" (func $twice (param i32) (result i32)))
             (memory (export "memory") 1)
             (data (i32.const 100) "from the guest")
             (func (export "double") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2)))
             (func (export "run") (param i32) (result i32)
               (call $log (i32.const 100) (i32.const 14))
               (call $twice (local.get 0))))""",
    )
    logged = []

    def log(caller, ptr, length):
        memory = caller["memory"]
        logged.append(memory.read(ptr, length))
        with memoryview(memory) as view:
            view[0:2] = b"ok"

    def twice(caller, x):
        # Re-enters the guest while it is calling us.
        double = caller.get_export("double")
        return double(double(x))

    linker = wisp.Linker(engine)
    linker.define_func("host", "log", wisp.FuncType(["i32", "i32"], []), log, access_caller=True)
    linker.define_func("host", "twice", wisp.FuncType(["i32"], ["i32"]), twice, access_caller=True)
    store = wisp.Store(engine)
    instance = linker.instantiate(store, module)
    assert instance["run"](5) == 20
    assert logged == [b"from the guest"]
    assert instance["memory"].read(0, 2) == b"ok"


def test_host_exceptions_propagate_through_the_guest():
    engine = wisp.Engine()
    module = wisp.Module(
        engine,
        """(module (import "host" "fail" (func $fail))
                   (func (export "run") (call $fail)))""",
    )

    class Oops(Exception):
        pass

    def fail():
        raise Oops("from Python")

    linker = wisp.Linker(engine)
    linker.define_func("host", "fail", wisp.FuncType([], []), fail)
    instance = linker.instantiate(wisp.Store(engine), module)
    with pytest.raises(Oops, match="from Python"):
        instance["run"]()
    # The store is usable afterwards.
    with pytest.raises(Oops):
        instance["run"]()


def test_funcs_globals_tables_and_externrefs():
    engine = wisp.Engine()
    store = wisp.Store(engine)
    seen = []
    callback = wisp.Func(store, wisp.FuncType(["externref"], []), seen.append)
    counter = wisp.Global(store, wisp.GlobalType("i32", mutable=True), 1)
    linker = wisp.Linker(engine)
    linker.define(store, "env", "cb", callback)
    linker.define(store, "env", "counter", counter)
    module = wisp.Module(
        engine,
        """(module
             (import "env" "cb" (func $cb (param externref)))
             (import "env" "counter" (global $g (mut i32)))
             (table (export "table") 2 funcref)
             (func $bump (export "bump") (global.set $g (i32.add (global.get $g) (i32.const 1))))
             (elem (i32.const 0) $bump)
             (func (export "pass") (param externref) (call $cb (local.get 0))))""",
    )
    instance = linker.instantiate(store, module)
    marker = object()
    instance["pass"](marker)
    assert seen == [marker]
    instance["bump"]()
    assert counter.value == 2
    counter.value = 10
    table = instance["table"]
    assert len(table) == 2 and table.get(1) is None
    table.get(0)()
    assert counter.value == 11
    assert table.grow(1) == 2
    with pytest.raises(IndexError):
        table.get(5)


WASI = r"""(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; 0: iovec, 8: result fd / count, 16: path, 1024: buffer
  ;; Asks for fd_read (bit 1) or fd_write (bit 6) on the file opened.
  (func $open_at (param $path_len i32) (param $oflags i32) (param $rights i64) (result i32)
    (call $open (i32.const 3) (i32.const 0) (i32.const 16) (local.get $path_len)
      (local.get $oflags) (local.get $rights) (i64.const 0) (i32.const 0) (i32.const 8)))
  ;; Copies the file named at 16 to stdout; returns an errno.
  (func (export "cat") (param $path_len i32) (result i32)
    (local $err i32)
    (local.set $err (call $open_at (local.get $path_len) (i32.const 0) (i64.const 2)))
    (if (local.get $err) (then (return (local.get $err))))
    (i32.store (i32.const 0) (i32.const 1024))
    (i32.store (i32.const 4) (i32.const 4096))
    (local.set $err (call $read (i32.load (i32.const 8)) (i32.const 0) (i32.const 1) (i32.const 12)))
    (if (local.get $err) (then (return (local.get $err))))
    (i32.store (i32.const 4) (i32.load (i32.const 12)))
    (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 12)))
  ;; Creates the file named at 16 with "made"; returns an errno.
  (func (export "create") (param $path_len i32) (result i32)
    (local $err i32)
    (local.set $err (call $open_at (local.get $path_len) (i32.const 1) (i64.const 64)))
    (if (local.get $err) (then (return (local.get $err))))
    (i32.store (i32.const 1024) (i32.const 0x6564616d))
    (i32.store (i32.const 0) (i32.const 1024))
    (i32.store (i32.const 4) (i32.const 4))
    (call $write (i32.load (i32.const 8)) (i32.const 0) (i32.const 1) (i32.const 12))))"""


@pytest.mark.parametrize("writable", [False, True])
def test_wasi_preopened_dir(tmp_path, writable):
    (tmp_path / "input.txt").write_text("file contents\n")
    engine = wisp.Engine()
    config = wisp.WasiConfig()
    config.capture_stdout()
    config.preopen_dir(tmp_path, "/data", writable=writable)
    store = wisp.Store(engine, wasi=config)
    linker = wisp.Linker(engine)
    linker.define_wasi()
    instance = linker.instantiate(store, wisp.Module(engine, WASI))
    memory = instance["memory"]

    def call(name, path):
        memory.write(16, path)
        return instance[name](len(path))

    assert call("cat", b"input.txt") == 0
    assert store.stdout == b"file contents\n"
    assert call("cat", b"../escape") != 0
    errno = call("create", b"new.txt")
    if writable:
        assert errno == 0
        assert (tmp_path / "new.txt").read_text() == "made"
    else:
        assert errno != 0
        assert not (tmp_path / "new.txt").exists()


def test_wasi_grants_nothing_by_default_and_exits():
    engine = wisp.Engine()
    store = wisp.Store(engine, wasi=wisp.WasiConfig())
    linker = wisp.Linker(engine)
    linker.define_wasi()
    instance = linker.instantiate(store, wisp.Module(engine, WASI))
    instance["memory"].write(16, b"input.txt")
    assert instance["cat"](9) != 0
    exits = wisp.Module(
        engine,
        """(module (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
                   (func (export "_start") (call $exit (i32.const 3))))""",
    )
    with pytest.raises(wisp.ExitError) as err:
        linker.instantiate(store, exits)["_start"]()
    assert err.value.status == 3


def test_serialize_round_trip():
    engine = wisp.Engine(wisp.Config(tier="cranelift"))
    module = wisp.Module(engine, '(module (func (export "one") (result i32) (i32.const 1)))')
    again = wisp.Module.deserialize(engine, module.serialize())
    assert [name for name, _ in again.exports] == ["one"]
    store = wisp.Store(engine)
    assert wisp.Linker(engine).instantiate(store, again)["one"]() == 1
    with pytest.raises(wisp.WispError):
        wisp.Module.deserialize(engine, b"garbage")
