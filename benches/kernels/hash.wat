;; hash.wat: FNV-1a (64-bit) over a linear-memory buffer.
;;
;;   hash(rounds: i32) -> i64
;;
;; Fills a 64 KiB buffer with bytes from a 32-bit xorshift generator
;; (x ^= x << 13; x ^= x >> 17; x ^= x << 5; seed 0x9e3779b9; each step
;; emits its low byte), then feeds the buffer through FNV-1a-64 `rounds`
;; times in a row, i.e. hashes the buffer repeated `rounds` times:
;;
;;   h = 0xcbf29ce484222325;  for each byte b: h = (h ^ b) * 0x100000001b3
;;
;; Returns h with the top bit cleared, so that signed and unsigned
;; renderings of the result agree.
;;
;; Default argument: 1800  ->  8461525073242904773
(module
  (memory 1)

  (func $hash (export "hash") (param $rounds i32) (result i64)
    (local $x i32)
    (local $i i32)
    (local $r i32)
    (local $h i64)

    ;; Fill the buffer.
    (local.set $x (i32.const 0x9e3779b9))
    (local.set $i (i32.const 0))
    (loop $fill
      (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 13))))
      (local.set $x (i32.xor (local.get $x) (i32.shr_u (local.get $x) (i32.const 17))))
      (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 5))))
      (i32.store8 (local.get $i) (local.get $x))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $fill (i32.lt_u (local.get $i) (i32.const 65536))))

    ;; Hash it `rounds` times.
    (local.set $h (i64.const 0xcbf29ce484222325))
    (local.set $r (i32.const 0))
    (block $done
      (loop $round
        (br_if $done (i32.ge_u (local.get $r) (local.get $rounds)))
        (local.set $i (i32.const 0))
        (loop $byte
          (local.set $h
            (i64.mul
              (i64.xor (local.get $h) (i64.load8_u (local.get $i)))
              (i64.const 0x100000001b3)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $byte (i32.lt_u (local.get $i) (i32.const 65536))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $round)))

    (i64.and (local.get $h) (i64.const 0x7fffffffffffffff)))
)
