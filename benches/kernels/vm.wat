;; vm.wat: a tiny register-machine interpreter (switch dispatch via br_table).
;;
;;   vm(n: i32) -> i32
;;
;; Linear memory holds 16 i32 registers at address 0 and a bytecode program
;; at address 64. Each instruction is 8 bytes: opcode, a, b, c (one byte
;; each, a/b/c are register numbers) and a little-endian i32 immediate.
;; The dispatch loop decodes one instruction per iteration and selects its
;; handler with br_table; conditional jumps use br_if.
;;
;;   0 HALT  return r[a]          7 ANDI  r[a] = r[b] & imm
;;   1 LOADI r[a] = imm           8 ADDI  r[a] = r[b] + imm
;;   2 ADD   r[a] = r[b] + r[c]   9 JNZ   if r[a] != 0 goto imm
;;   3 SUB   r[a] = r[b] - r[c]  10 JZ    if r[a] == 0 goto imm
;;   4 MUL   r[a] = r[b] * r[c]  11 JMP   goto imm
;;   5 XOR   r[a] = r[b] ^ r[c]  12 ROTLI r[a] = rotl(r[b], imm)
;;   6 SHRI  r[a] = r[b] >>u imm
;;
;; Jump targets are instruction indices. The program runs a linear
;; congruential generator for n steps (n is placed in r0) and folds its
;; output into an accumulator through a data-dependent branch:
;;
;;    0: LOADI r1, 0              ; acc
;;    1: LOADI r2, 12345          ; x
;;    2: LOADI r3, 1103515245
;;    3: LOADI r4, 12345
;;    4: MUL   r2, r2, r3         ; loop: x = x * 1103515245 + 12345
;;    5: ADD   r2, r2, r4
;;    6: SHRI  r5, r2, 16         ; t = x >> 16
;;    7: ANDI  r6, r5, 1
;;    8: JZ    r6, 12
;;    9: ADD   r1, r1, r5         ; t odd:  acc = rotl(acc + t, 5)
;;   10: ROTLI r1, r1, 5
;;   11: JMP   14
;;   12: XOR   r1, r1, r5         ; t even: acc = (acc ^ t) + 7
;;   13: ADDI  r1, r1, 7
;;   14: ADDI  r0, r0, -1
;;   15: JNZ   r0, 4
;;   16: ANDI  r1, r1, 0x7fffffff
;;   17: HALT  r1
;;
;; Returns the final accumulator (top bit cleared, so signed and unsigned
;; renderings agree). n must be at least 1.
;;
;; Default argument: 3000000  ->  2142956771
(module
  (memory 1)

  (data (i32.const 64)
    ;; op  a   b   c     imm
    "\01\01\00\00" "\00\00\00\00"   ;;  0 LOADI r1, 0
    "\01\02\00\00" "\39\30\00\00"   ;;  1 LOADI r2, 12345
    "\01\03\00\00" "\6d\4e\c6\41"   ;;  2 LOADI r3, 1103515245
    "\01\04\00\00" "\39\30\00\00"   ;;  3 LOADI r4, 12345
    "\04\02\02\03" "\00\00\00\00"   ;;  4 MUL   r2, r2, r3
    "\02\02\02\04" "\00\00\00\00"   ;;  5 ADD   r2, r2, r4
    "\06\05\02\00" "\10\00\00\00"   ;;  6 SHRI  r5, r2, 16
    "\07\06\05\00" "\01\00\00\00"   ;;  7 ANDI  r6, r5, 1
    "\0a\06\00\00" "\0c\00\00\00"   ;;  8 JZ    r6, 12
    "\02\01\01\05" "\00\00\00\00"   ;;  9 ADD   r1, r1, r5
    "\0c\01\01\00" "\05\00\00\00"   ;; 10 ROTLI r1, r1, 5
    "\0b\00\00\00" "\0e\00\00\00"   ;; 11 JMP   14
    "\05\01\01\05" "\00\00\00\00"   ;; 12 XOR   r1, r1, r5
    "\08\01\01\00" "\07\00\00\00"   ;; 13 ADDI  r1, r1, 7
    "\08\00\00\00" "\ff\ff\ff\ff"   ;; 14 ADDI  r0, r0, -1
    "\09\00\00\00" "\04\00\00\00"   ;; 15 JNZ   r0, 4
    "\07\01\01\00" "\ff\ff\ff\7f"   ;; 16 ANDI  r1, r1, 0x7fffffff
    "\00\01\00\00" "\00\00\00\00"   ;; 17 HALT  r1
  )

  (func $vm (export "vm") (param $n i32) (result i32)
    (local $pc i32)   ;; byte address of the next instruction
    (local $a i32)    ;; byte address of register a
    (local $b i32)    ;; byte address of register b
    (local $c i32)    ;; byte address of register c
    (local $imm i32)

    (i32.store (i32.const 0) (local.get $n))
    (local.set $pc (i32.const 64))

    (loop $next
      (local.set $a (i32.shl (i32.load8_u offset=1 (local.get $pc)) (i32.const 2)))
      (local.set $b (i32.shl (i32.load8_u offset=2 (local.get $pc)) (i32.const 2)))
      (local.set $c (i32.shl (i32.load8_u offset=3 (local.get $pc)) (i32.const 2)))
      (local.set $imm (i32.load offset=4 (local.get $pc)))
      (block $bad
      (block $rotli
      (block $jmp
      (block $jz
      (block $jnz
      (block $addi
      (block $andi
      (block $shri
      (block $xor
      (block $mul
      (block $sub
      (block $add
      (block $loadi
      (block $halt
        (br_table $halt $loadi $add $sub $mul $xor $shri $andi $addi
                  $jnz $jz $jmp $rotli $bad
          (i32.load8_u (local.get $pc))))
        ;; HALT
        (return (i32.load (local.get $a))))
        ;; LOADI
        (i32.store (local.get $a) (local.get $imm))
        (local.set $pc (i32.add (local.get $pc) (i32.const 8)))
        (br $next))
        ;; ADD
        (i32.store (local.get $a)
          (i32.add (i32.load (local.get $b)) (i32.load (local.get $c))))
        (local.set $pc (i32.add (local.get $pc) (i32.const 8)))
        (br $next))
        ;; SUB
        (i32.store (local.get $a)
          (i32.sub (i32.load (local.get $b)) (i32.load (local.get $c))))
        (local.set $pc (i32.add (local.get $pc) (i32.const 8)))
        (br $next))
        ;; MUL
        (i32.store (local.get $a)
          (i32.mul (i32.load (local.get $b)) (i32.load (local.get $c))))
        (local.set $pc (i32.add (local.get $pc) (i32.const 8)))
        (br $next))
        ;; XOR
        (i32.store (local.get $a)
          (i32.xor (i32.load (local.get $b)) (i32.load (local.get $c))))
        (local.set $pc (i32.add (local.get $pc) (i32.const 8)))
        (br $next))
        ;; SHRI
        (i32.store (local.get $a)
          (i32.shr_u (i32.load (local.get $b)) (local.get $imm)))
        (local.set $pc (i32.add (local.get $pc) (i32.const 8)))
        (br $next))
        ;; ANDI
        (i32.store (local.get $a)
          (i32.and (i32.load (local.get $b)) (local.get $imm)))
        (local.set $pc (i32.add (local.get $pc) (i32.const 8)))
        (br $next))
        ;; ADDI
        (i32.store (local.get $a)
          (i32.add (i32.load (local.get $b)) (local.get $imm)))
        (local.set $pc (i32.add (local.get $pc) (i32.const 8)))
        (br $next))
        ;; JNZ
        (local.set $pc (i32.add (local.get $pc) (i32.const 8)))
        (br_if $next (i32.eqz (i32.load (local.get $a))))
        (local.set $pc (i32.add (i32.const 64) (i32.shl (local.get $imm) (i32.const 3))))
        (br $next))
        ;; JZ
        (local.set $pc (i32.add (local.get $pc) (i32.const 8)))
        (br_if $next (i32.load (local.get $a)))
        (local.set $pc (i32.add (i32.const 64) (i32.shl (local.get $imm) (i32.const 3))))
        (br $next))
        ;; JMP
        (local.set $pc (i32.add (i32.const 64) (i32.shl (local.get $imm) (i32.const 3))))
        (br $next))
        ;; ROTLI
        (i32.store (local.get $a)
          (i32.rotl (i32.load (local.get $b)) (local.get $imm)))
        (local.set $pc (i32.add (local.get $pc) (i32.const 8)))
        (br $next))
      ;; unknown opcode
      (unreachable))
    (unreachable))
)
