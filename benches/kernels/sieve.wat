;; sieve.wat: sieve of Eratosthenes over linear memory.
;;
;;   sieve(n: i32) -> i32
;;
;; Counts the primes below n using one byte per candidate in linear memory
;; (memory is grown as needed). The whole sieve (word-wise reset of the
;; flags, crossing out, counting) is repeated PASSES = 10 times; every pass
;; must find the same count, otherwise the kernel traps. Returns the count.
;;
;; Default argument: 4000000  ->  283146
(module
  (memory 1)

  (func $sieve (export "sieve") (param $n i32) (result i32)
    (local $pass i32)
    (local $i i32)
    (local $j i32)
    (local $count i32)
    (local $first i32)
    (local $words i32)
    (local $have i32)
    (local $need i32)

    ;; Make room for n flag bytes, rounded up to whole words.
    (local.set $words (i32.shr_u (i32.add (local.get $n) (i32.const 3)) (i32.const 2)))
    (local.set $need
      (i32.shr_u (i32.add (i32.shl (local.get $words) (i32.const 2)) (i32.const 0xffff))
                 (i32.const 16)))
    (local.set $have (memory.size))
    (if (i32.gt_u (local.get $need) (local.get $have))
      (then
        (if (i32.eq (memory.grow (i32.sub (local.get $need) (local.get $have))) (i32.const -1))
          (then (unreachable)))))

    (local.set $first (i32.const -1))
    (local.set $pass (i32.const 0))
    (loop $passes
      ;; Mark every candidate as prime, one word (four flags) at a time.
      (local.set $i (i32.const 0))
      (block $filled
        (loop $fill
          (br_if $filled (i32.ge_u (local.get $i) (local.get $words)))
          (i32.store (i32.shl (local.get $i) (i32.const 2)) (i32.const 0x01010101))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $fill)))

      ;; Walk the candidates; each surviving flag is a prime whose
      ;; multiples from i*i on are crossed out.
      (local.set $count (i32.const 0))
      (local.set $i (i32.const 2))
      (block $scanned
        (loop $scan
          (br_if $scanned (i32.ge_u (local.get $i) (local.get $n)))
          (if (i32.load8_u (local.get $i))
            (then
              (local.set $count (i32.add (local.get $count) (i32.const 1)))
              ;; i <= (n - 1) / i  <=>  i * i < n, without overflow.
              (if (i32.le_u (local.get $i)
                            (i32.div_u (i32.sub (local.get $n) (i32.const 1)) (local.get $i)))
                (then
                  (local.set $j (i32.mul (local.get $i) (local.get $i)))
                  (block $crossed
                    (loop $cross
                      (br_if $crossed (i32.ge_u (local.get $j) (local.get $n)))
                      (i32.store8 (local.get $j) (i32.const 0))
                      (local.set $j (i32.add (local.get $j) (local.get $i)))
                      (br $cross)))))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $scan)))

      ;; All passes must agree.
      (if (i32.eq (local.get $first) (i32.const -1))
        (then (local.set $first (local.get $count)))
        (else
          (if (i32.ne (local.get $first) (local.get $count))
            (then (unreachable)))))

      (local.set $pass (i32.add (local.get $pass) (i32.const 1)))
      (br_if $passes (i32.lt_u (local.get $pass) (i32.const 10))))

    (local.get $count))
)
