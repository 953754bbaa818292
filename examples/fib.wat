;; Fibonacci numbers, computed the slow recursive way: a small workload that
;; is mostly calls.
;;
;;   wisp run examples/fib.wat --invoke fib 20      # prints 6765
(module
  ;; fib(0) = 0, fib(1) = 1, fib(n) = fib(n - 1) + fib(n - 2).
  ;; A negative n is returned as it is.
  (func $fib (export "fib") (param $n i32) (result i32)
    (if (result i32) (i32.lt_s (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else
        (i32.add
          (call $fib (i32.sub (local.get $n) (i32.const 1)))
          (call $fib (i32.sub (local.get $n) (i32.const 2))))))))
