;; A plugin whose result lies beyond the end of its memory.
(module
  (memory (export "memory") 1)
  (func (export "alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "transform") (param i32 i32) (result i64)
    ;; 16 bytes at 0xfffffff0: far past the single page.
    (i64.const 0xfffffff000000010)))
