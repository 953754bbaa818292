;; Factorial with a loop over 64-bit integers. Results wrap around past
;; 20!, as i64 arithmetic does.
;;
;;   wisp run examples/factorial.wat --invoke factorial 20   # prints 2432902008176640000
(module
  (func $factorial (export "factorial") (param $n i64) (result i64)
    (local $product i64)
    (local.set $product (i64.const 1))
    (block $done
      (loop $next
        ;; Stop once every factor down to 2 has been multiplied in.
        (br_if $done (i64.le_u (local.get $n) (i64.const 1)))
        (local.set $product (i64.mul (local.get $product) (local.get $n)))
        (local.set $n (i64.sub (local.get $n) (i64.const 1)))
        (br $next)))
    (local.get $product)))
