;; matmul.wat: dense f64 matrix multiply.
;;
;;   matmul(n: i32) -> i64
;;
;; Builds two n x n row-major f64 matrices in linear memory (grown as needed)
;;
;;   A[i][j] = ((i + 2j) mod 17 - 8) * 0.5
;;   B[i][j] = ((3i + j) mod 13 - 6) * 0.25
;;
;; computes C = A * B with the textbook i-j-k triple loop, and returns the
;; checksum  sum over all i, j of |C[i][j]| * 8  converted to i64. Every
;; intermediate value is a small multiple of 1/8, so the f64 arithmetic is
;; exact and the checksum does not depend on summation order or rounding.
;;
;; Default argument: 400  ->  23891327
(module
  (memory 1)

  (func $matmul (export "matmul") (param $n i32) (result i64)
    (local $i i32)
    (local $j i32)
    (local $k i32)
    (local $a i32)          ;; byte address of A
    (local $b i32)          ;; byte address of B
    (local $c i32)          ;; byte address of C
    (local $row i32)        ;; bytes per row (n * 8)
    (local $pa i32)
    (local $pb i32)
    (local $have i32)
    (local $need i32)
    (local $sum f64)
    (local $total f64)

    (local.set $row (i32.shl (local.get $n) (i32.const 3)))
    (local.set $a (i32.const 0))
    (local.set $b (i32.mul (local.get $row) (local.get $n)))
    (local.set $c (i32.shl (local.get $b) (i32.const 1)))

    ;; Three matrices of n*n f64 each.
    (local.set $need
      (i32.shr_u (i32.add (i32.add (local.get $c) (local.get $b)) (i32.const 0xffff))
                 (i32.const 16)))
    (local.set $have (memory.size))
    (if (i32.gt_u (local.get $need) (local.get $have))
      (then
        (if (i32.eq (memory.grow (i32.sub (local.get $need) (local.get $have))) (i32.const -1))
          (then (unreachable)))))

    ;; Initialise A and B.
    (local.set $i (i32.const 0))
    (block $init_done
      (loop $init_rows
        (br_if $init_done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $j (i32.const 0))
        (block $init_row_done
          (loop $init_cols
            (br_if $init_row_done (i32.ge_u (local.get $j) (local.get $n)))
            ;; pa = offset of element (i, j) within a matrix
            (local.set $pa
              (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $j))
                       (i32.const 3)))
            (f64.store
              (i32.add (local.get $a) (local.get $pa))
              (f64.mul
                (f64.convert_i32_s
                  (i32.sub
                    (i32.rem_u (i32.add (local.get $i) (i32.shl (local.get $j) (i32.const 1)))
                               (i32.const 17))
                    (i32.const 8)))
                (f64.const 0.5)))
            (f64.store
              (i32.add (local.get $b) (local.get $pa))
              (f64.mul
                (f64.convert_i32_s
                  (i32.sub
                    (i32.rem_u (i32.add (i32.mul (local.get $i) (i32.const 3)) (local.get $j))
                               (i32.const 13))
                    (i32.const 6)))
                (f64.const 0.25)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $init_cols)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $init_rows)))

    ;; C = A * B
    (local.set $i (i32.const 0))
    (block $mul_done
      (loop $rows
        (br_if $mul_done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $j (i32.const 0))
        (block $row_done
          (loop $cols
            (br_if $row_done (i32.ge_u (local.get $j) (local.get $n)))
            (local.set $sum (f64.const 0))
            ;; pa walks row i of A, pb walks column j of B.
            (local.set $pa (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $row))))
            (local.set $pb (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 3))))
            (local.set $k (i32.const 0))
            (block $dot_done
              (loop $dot
                (br_if $dot_done (i32.ge_u (local.get $k) (local.get $n)))
                (local.set $sum
                  (f64.add (local.get $sum)
                           (f64.mul (f64.load (local.get $pa)) (f64.load (local.get $pb)))))
                (local.set $pa (i32.add (local.get $pa) (i32.const 8)))
                (local.set $pb (i32.add (local.get $pb) (local.get $row)))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br $dot)))
            (f64.store
              (i32.add (local.get $c)
                       (i32.add (i32.mul (local.get $i) (local.get $row))
                                (i32.shl (local.get $j) (i32.const 3))))
              (local.get $sum))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $cols)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows)))

    ;; Checksum over C.
    (local.set $total (f64.const 0))
    (local.set $pa (local.get $c))
    (local.set $pb (i32.add (local.get $c) (local.get $b)))
    (block $sum_done
      (loop $sum_loop
        (br_if $sum_done (i32.ge_u (local.get $pa) (local.get $pb)))
        (local.set $total
          (f64.add (local.get $total)
                   (f64.mul (f64.abs (f64.load (local.get $pa))) (f64.const 8))))
        (local.set $pa (i32.add (local.get $pa) (i32.const 8)))
        (br $sum_loop)))

    (i64.trunc_f64_s (local.get $total)))
)
