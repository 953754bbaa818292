;; Grows its memory a page at a time, writing to each new page so that it
;; is really resident, until memory.grow fails; then traps. Its route has a
;; max_memory: the server must refuse the growth there, and answer the trap
;; with a 500.
(module
  (memory (export "memory") 1)
  (func (export "_start")
    (local $page i32)
    (loop $grow
      (local.set $page (memory.grow (i32.const 1)))
      (if (i32.ne (local.get $page) (i32.const -1))
        (then
          (i32.store (i32.mul (local.get $page) (i32.const 65536)) (i32.const 1))
          (br $grow))))
    unreachable))
