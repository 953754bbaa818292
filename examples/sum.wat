;; Sums 32-bit integers stored in linear memory. A data segment puts the
;; numbers 1 to 10 at address 0; `sum` adds up `count` of them from `start`.
;;
;;   wisp run examples/sum.wat --invoke sum 0 10    # prints 55
;;   wisp run examples/sum.wat --invoke sum 16 3    # prints 18 (5 + 6 + 7)
(module
  (memory (export "memory") 1)
  (data (i32.const 0)
    "\01\00\00\00\02\00\00\00\03\00\00\00\04\00\00\00\05\00\00\00"
    "\06\00\00\00\07\00\00\00\08\00\00\00\09\00\00\00\0a\00\00\00")

  ;; `start` is a byte address; reading past the memory traps.
  (func $sum (export "sum") (param $start i32) (param $count i32) (result i32)
    (local $total i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $count)))
        (local.set $total (i32.add (local.get $total) (i32.load (local.get $start))))
        (local.set $start (i32.add (local.get $start) (i32.const 4)))
        (local.set $count (i32.sub (local.get $count) (i32.const 1)))
        (br $next)))
    (local.get $total)))
