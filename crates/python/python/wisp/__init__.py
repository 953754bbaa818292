"""Wisp, a WebAssembly runtime: the embedding API for Python.

An ``Engine`` compiles ``Module``\\ s; a ``Store`` holds instances and their
host data; a ``Linker`` resolves imports by name (host functions written in
Python, WASI, other instances' exports) and instantiates modules; an
``Instance``'s exports are ``Func``, ``Memory``, ``Table`` and ``Global``
objects.

>>> import wisp
>>> engine = wisp.Engine()
>>> module = wisp.Module(engine, '(module (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))')
>>> store = wisp.Store(engine)
>>> instance = wisp.Linker(engine).instantiate(store, module)
>>> instance["add"](2, 3)
5

Traps raise ``Trap`` (with ``kind`` and ``message``), a WASI exit raises
``ExitError`` (with ``status``), every other failure ``WispError``; all
three are ``WispError``\\ s.
"""

from ._wisp import (
    Caller,
    Config,
    Engine,
    ExitError,
    Func,
    FuncType,
    Global,
    GlobalType,
    Instance,
    Linker,
    Memory,
    MemoryType,
    Module,
    Store,
    Table,
    TableType,
    Trap,
    WasiConfig,
    WispError,
)

__all__ = [
    "Caller",
    "Config",
    "Engine",
    "ExitError",
    "Func",
    "FuncType",
    "Global",
    "GlobalType",
    "Instance",
    "Linker",
    "Memory",
    "MemoryType",
    "Module",
    "Store",
    "Table",
    "TableType",
    "Trap",
    "WasiConfig",
    "WispError",
]
