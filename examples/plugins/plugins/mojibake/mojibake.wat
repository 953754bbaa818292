;; A plugin whose result is not valid UTF-8.
(module
  (memory (export "memory") 1)
  (data (i32.const 16) "ok\ff\fe")
  (func (export "alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "transform") (param i32 i32) (result i64)
    (i64.const 0x0000001000000004)))
