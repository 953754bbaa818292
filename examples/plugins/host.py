"""The plugin host, in Python over the `wisp` package.

Usage: python host.py PLUGINS_DIR TEXT

Loads every plugin under PLUGINS_DIR (a directory with a plugin.toml),
runs each on TEXT in a fresh instance with the limits its manifest asks
for, and prints one line per plugin: "NAME: ok: OUTPUT" or
"NAME: error: WHY". Details of failures go to stderr. See README.md.
"""

import sys
import threading
import time
import tomllib
from pathlib import Path

import wisp

PAGE = 65536
UNLIMITED_FUEL = 2**64 - 1


class PluginError(Exception):
    """A plugin failed: the reason shown to the user."""


class Plugin:
    def __init__(self, engine, directory):
        manifest = tomllib.loads((directory / "plugin.toml").read_text())
        self.name = manifest["name"]
        self.export = manifest.get("export", "transform")
        self.fuel = manifest.get("fuel", 0)
        self.memory_bytes = manifest.get("memory_bytes", 16 << 20)
        self.timeout_ms = manifest.get("timeout_ms", 1000)
        self.module = wisp.Module.from_file(engine, directory / manifest["module"])


class Host:
    def __init__(self):
        self.engine = wisp.Engine(wisp.Config(consume_fuel=True, epoch_interruption=True))
        self.linker = wisp.Linker(self.engine)
        # Plugins built with wasi-libc import a few WASI functions; they
        # are granted nothing (no files, no output).
        self.linker.define_wasi()
        # The epoch advances every millisecond, so deadlines are in ms.
        ticker = threading.Thread(target=self._tick, daemon=True)
        ticker.start()

    def _tick(self):
        while True:
            time.sleep(0.001)
            self.engine.increment_epoch()

    def transform(self, plugin, text):
        store = wisp.Store(self.engine, wasi=wisp.WasiConfig())
        store.set_fuel(plugin.fuel or UNLIMITED_FUEL)
        store.set_epoch_deadline(plugin.timeout_ms)
        store.set_limits(memory_bytes=plugin.memory_bytes)
        memory = None
        try:
            instance = self.linker.instantiate(store, plugin.module)
            memory = instance["memory"]
            if instance.get_export("_initialize") is not None:
                instance["_initialize"]()
            data = text.encode()
            ptr = instance["alloc"](len(data)) & 0xFFFFFFFF
            if ptr == 0:
                raise PluginError("alloc failed")
            memory.write(ptr, data)
            packed = instance[plugin.export](ptr, len(data)) & 0xFFFFFFFFFFFFFFFF
        except wisp.Trap as trap:
            print(f"{plugin.name}: {trap.kind}: {trap.message}", file=sys.stderr)
            if trap.kind == "out_of_fuel":
                raise PluginError("out of fuel") from None
            if trap.kind == "interrupted":
                raise PluginError("timed out") from None
            if memory is not None and memory.data_size() * 4 >= plugin.memory_bytes * 3:
                raise PluginError("memory limit") from None
            raise PluginError("trap") from None
        except (wisp.WispError, KeyError) as err:
            print(f"{plugin.name}: {err}", file=sys.stderr)
            raise PluginError("bad plugin") from None
        out_ptr, out_len = packed >> 32, packed & 0xFFFFFFFF
        if out_ptr + out_len > memory.data_size():
            raise PluginError("result out of bounds")
        try:
            return memory.read(out_ptr, out_len).decode()
        except UnicodeDecodeError:
            raise PluginError("invalid UTF-8") from None


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    host = Host()
    for directory in sorted(p for p in Path(argv[1]).iterdir() if (p / "plugin.toml").exists()):
        try:
            plugin = Plugin(host.engine, directory)
        except (OSError, KeyError, tomllib.TOMLDecodeError, wisp.WispError) as err:
            print(f"{directory.name}: {err}", file=sys.stderr)
            print(f"{directory.name}: error: load failed")
            continue
        try:
            print(f"{plugin.name}: ok: {host.transform(plugin, argv[2])}")
        except PluginError as err:
            print(f"{plugin.name}: error: {err}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
