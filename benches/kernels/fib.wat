;; fib.wat: naive doubly-recursive Fibonacci.
;;
;;   fib(n: i32) -> i64
;;
;; fib(0) = 0, fib(1) = 1, fib(n) = fib(n-1) + fib(n-2). Evaluating fib(n)
;; makes 2*fib(n+1) - 1 calls, so the kernel measures call/return overhead
;; plus a little i32/i64 arithmetic.
;;
;; Default argument: 35  ->  9227465
(module
  (func $fib (export "fib") (param $n i32) (result i64)
    (if (result i64) (i32.lt_u (local.get $n) (i32.const 2))
      (then (i64.extend_i32_u (local.get $n)))
      (else
        (i64.add
          (call $fib (i32.sub (local.get $n) (i32.const 1)))
          (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
)
