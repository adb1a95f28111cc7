;; BLAKE2b compression (RFC 7693 section 3.2) over 64-bit words, for long inputs; blake2b.ts drives it.
;; JavaScript does the parameter block, the key block, the padding of the last block and the digest: this
;; module only chains blocks, which is where the time goes on large content.
;;
;; Memory (two pages, fixed):
;;   0..63      h, the chaining state; `init` turns the parameter block written here into h = IV ^ P
;;   128..319   the message schedule SIGMA for the 12 rounds, each index pre-multiplied by 8 (a byte offset)
;;   1024..     input: up to 65536 bytes of whole blocks (`blocks`), or one zero-padded block (`last`)
(module
  (memory (export "memory") 2 2)
  ;; Bytes compressed so far (the low word of the 128-bit counter t; inputs stay far below 2^64).
  (global $t (mut i64) (i64.const 0))

  (data (i32.const 128)
    "\00\08\10\18\20\28\30\38\40\48\50\58\60\68\70\78" ;; round 0: 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15
    "\70\50\20\40\48\78\68\30\08\60\00\10\58\38\28\18" ;; round 1: 14 10 4 8 9 15 13 6 1 12 0 2 11 7 5 3
    "\58\40\60\00\28\10\78\68\50\70\18\30\38\08\48\20" ;; round 2: 11 8 12 0 5 2 15 13 10 14 3 6 7 1 9 4
    "\38\48\18\08\68\60\58\70\10\30\28\50\20\00\78\40" ;; round 3: 7 9 3 1 13 12 11 14 2 6 5 10 4 0 15 8
    "\48\00\28\38\10\20\50\78\70\08\58\60\30\40\18\68" ;; round 4: 9 0 5 7 2 4 10 15 14 1 11 12 6 8 3 13
    "\10\60\30\50\00\58\40\18\20\68\38\28\78\70\08\48" ;; round 5: 2 12 6 10 0 11 8 3 4 13 7 5 15 14 1 9
    "\60\28\08\78\70\68\20\50\00\38\30\18\48\10\40\58" ;; round 6: 12 5 1 15 14 13 4 10 0 7 6 3 9 2 8 11
    "\68\58\38\70\60\08\18\48\28\00\78\20\40\30\10\50" ;; round 7: 13 11 7 14 12 1 3 9 5 0 15 4 8 6 2 10
    "\30\78\70\48\58\18\00\40\60\10\68\38\08\20\50\28" ;; round 8: 6 15 14 9 11 3 0 8 12 2 13 7 1 4 10 5
    "\50\10\40\20\38\30\08\28\78\58\48\70\18\60\68\00" ;; round 9: 10 2 8 4 7 6 1 5 15 11 9 14 3 12 13 0
    "\00\08\10\18\20\28\30\38\40\48\50\58\60\68\70\78" ;; round 10 = round 0
    "\70\50\20\40\48\78\68\30\08\60\00\10\58\38\28\18" ;; round 11 = round 1
  )

  ;; h = IV ^ parameter block (the 64 bytes JavaScript wrote at 0); t = 0.
  (func (export "init")
    (i64.store offset=0 (i32.const 0) (i64.xor (i64.load offset=0 (i32.const 0)) (i64.const 0x6a09e667f3bcc908)))
    (i64.store offset=8 (i32.const 0) (i64.xor (i64.load offset=8 (i32.const 0)) (i64.const 0xbb67ae8584caa73b)))
    (i64.store offset=16 (i32.const 0) (i64.xor (i64.load offset=16 (i32.const 0)) (i64.const 0x3c6ef372fe94f82b)))
    (i64.store offset=24 (i32.const 0) (i64.xor (i64.load offset=24 (i32.const 0)) (i64.const 0xa54ff53a5f1d36f1)))
    (i64.store offset=32 (i32.const 0) (i64.xor (i64.load offset=32 (i32.const 0)) (i64.const 0x510e527fade682d1)))
    (i64.store offset=40 (i32.const 0) (i64.xor (i64.load offset=40 (i32.const 0)) (i64.const 0x9b05688c2b3e6c1f)))
    (i64.store offset=48 (i32.const 0) (i64.xor (i64.load offset=48 (i32.const 0)) (i64.const 0x1f83d9abfb41bd6b)))
    (i64.store offset=56 (i32.const 0) (i64.xor (i64.load offset=56 (i32.const 0)) (i64.const 0x5be0cd19137e2179)))
    (global.set $t (i64.const 0)))

  ;; Compresses `n` whole blocks at 1024 that are not the last block of the input.
  (func (export "blocks") (param $n i32)
    (local $p i32)
    (local.set $p (i32.const 1024))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (global.set $t (i64.add (global.get $t) (i64.const 128)))
        (call $compress (local.get $p) (i32.const 0))
        (local.set $p (i32.add (local.get $p) (i32.const 128)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next))))

  ;; Compresses the last block at 1024 (zero-padded by the caller) holding `len` bytes of input, 0..128.
  (func (export "last") (param $len i32)
    (global.set $t (i64.add (global.get $t) (i64.extend_i32_u (local.get $len))))
    (call $compress (i32.const 1024) (i32.const 1)))

  ;; F(h, m at $p, t, last): the 16-word working vector lives in locals; each G takes its message words
  ;; through SIGMA, G(a, b, c, d, x, y): a += b + x; d = rotr(d ^ a, 32); c += d; b = rotr(b ^ c, 24);
  ;; a += b + y; d = rotr(d ^ a, 16); c += d; b = rotr(b ^ c, 63).
  (func $compress (param $p i32) (param $last i32)
    (local $v0 i64) (local $v1 i64) (local $v2 i64) (local $v3 i64)
    (local $v4 i64) (local $v5 i64) (local $v6 i64) (local $v7 i64)
    (local $v8 i64) (local $v9 i64) (local $v10 i64) (local $v11 i64)
    (local $v12 i64) (local $v13 i64) (local $v14 i64) (local $v15 i64)
    (local $s i32)
    (local.set $v0 (i64.load offset=0 (i32.const 0)))
    (local.set $v1 (i64.load offset=8 (i32.const 0)))
    (local.set $v2 (i64.load offset=16 (i32.const 0)))
    (local.set $v3 (i64.load offset=24 (i32.const 0)))
    (local.set $v4 (i64.load offset=32 (i32.const 0)))
    (local.set $v5 (i64.load offset=40 (i32.const 0)))
    (local.set $v6 (i64.load offset=48 (i32.const 0)))
    (local.set $v7 (i64.load offset=56 (i32.const 0)))
    (local.set $v8 (i64.const 0x6a09e667f3bcc908))
    (local.set $v9 (i64.const 0xbb67ae8584caa73b))
    (local.set $v10 (i64.const 0x3c6ef372fe94f82b))
    (local.set $v11 (i64.const 0xa54ff53a5f1d36f1))
    (local.set $v12 (i64.xor (i64.const 0x510e527fade682d1) (global.get $t)))
    (local.set $v13 (i64.const 0x9b05688c2b3e6c1f))
    (local.set $v14 (i64.const 0x1f83d9abfb41bd6b))
    (if (local.get $last) (then (local.set $v14 (i64.xor (local.get $v14) (i64.const -1)))))
    (local.set $v15 (i64.const 0x5be0cd19137e2179))
    ;; $s walks SIGMA one round (16 bytes) at a time.
    (local.set $s (i32.const 128))
    (loop $round
      ;; G0: a=0 b=4 c=8 d=12
      (local.set $v0 (i64.add (i64.add (local.get $v0) (local.get $v4))
        (i64.load (i32.add (local.get $p) (i32.load8_u offset=0 (local.get $s))))))
      (local.set $v12 (i64.rotr (i64.xor (local.get $v12) (local.get $v0)) (i64.const 32)))
      (local.set $v8 (i64.add (local.get $v8) (local.get $v12)))
      (local.set $v4 (i64.rotr (i64.xor (local.get $v4) (local.get $v8)) (i64.const 24)))
      (local.set $v0 (i64.add (i64.add (local.get $v0) (local.get $v4))
        (i64.load (i32.add (local.get $p) (i32.load8_u offset=1 (local.get $s))))))
      (local.set $v12 (i64.rotr (i64.xor (local.get $v12) (local.get $v0)) (i64.const 16)))
      (local.set $v8 (i64.add (local.get $v8) (local.get $v12)))
      (local.set $v4 (i64.rotr (i64.xor (local.get $v4) (local.get $v8)) (i64.const 63)))
      ;; G1: a=1 b=5 c=9 d=13
      (local.set $v1 (i64.add (i64.add (local.get $v1) (local.get $v5))
        (i64.load (i32.add (local.get $p) (i32.load8_u offset=2 (local.get $s))))))
      (local.set $v13 (i64.rotr (i64.xor (local.get $v13) (local.get $v1)) (i64.const 32)))
      (local.set $v9 (i64.add (local.get $v9) (local.get $v13)))
      (local.set $v5 (i64.rotr (i64.xor (local.get $v5) (local.get $v9)) (i64.const 24)))
      (local.set $v1 (i64.add (i64.add (local.get $v1) (local.get $v5))
        (i64.load (i32.add (local.get $p) (i32.load8_u offset=3 (local.get $s))))))
      (local.set $v13 (i64.rotr (i64.xor (local.get $v13) (local.get $v1)) (i64.const 16)))
      (local.set $v9 (i64.add (local.get $v9) (local.get $v13)))
      (local.set $v5 (i64.rotr (i64.xor (local.get $v5) (local.get $v9)) (i64.const 63)))
      ;; G2: a=2 b=6 c=10 d=14
      (local.set $v2 (i64.add (i64.add (local.get $v2) (local.get $v6))
        (i64.load (i32.add (local.get $p) (i32.load8_u offset=4 (local.get $s))))))
      (local.set $v14 (i64.rotr (i64.xor (local.get $v14) (local.get $v2)) (i64.const 32)))
      (local.set $v10 (i64.add (local.get $v10) (local.get $v14)))
      (local.set $v6 (i64.rotr (i64.xor (local.get $v6) (local.get $v10)) (i64.const 24)))
      (local.set $v2 (i64.add (i64.add (local.get $v2) (local.get $v6))
        (i64.load (i32.add (local.get $p) (i32.load8_u offset=5 (local.get $s))))))
      (local.set $v14 (i64.rotr (i64.xor (local.get $v14) (local.get $v2)) (i64.const 16)))
      (local.set $v10 (i64.add (local.get $v10) (local.get $v14)))
      (local.set $v6 (i64.rotr (i64.xor (local.get $v6) (local.get $v10)) (i64.const 63)))
      ;; G3: a=3 b=7 c=11 d=15
      (local.set $v3 (i64.add (i64.add (local.get $v3) (local.get $v7))
        (i64.load (i32.add (local.get $p) (i32.load8_u offset=6 (local.get $s))))))
      (local.set $v15 (i64.rotr (i64.xor (local.get $v15) (local.get $v3)) (i64.const 32)))
      (local.set $v11 (i64.add (local.get $v11) (local.get $v15)))
      (local.set $v7 (i64.rotr (i64.xor (local.get $v7) (local.get $v11)) (i64.const 24)))
      (local.set $v3 (i64.add (i64.add (local.get $v3) (local.get $v7))
        (i64.load (i32.add (local.get $p) (i32.load8_u offset=7 (local.get $s))))))
      (local.set $v15 (i64.rotr (i64.xor (local.get $v15) (local.get $v3)) (i64.const 16)))
      (local.set $v11 (i64.add (local.get $v11) (local.get $v15)))
      (local.set $v7 (i64.rotr (i64.xor (local.get $v7) (local.get $v11)) (i64.const 63)))
      ;; G4: a=0 b=5 c=10 d=15
      (local.set $v0 (i64.add (i64.add (local.get $v0) (local.get $v5))
        (i64.load (i32.add (local.get $p) (i32.load8_u offset=8 (local.get $s))))))
      (local.set $v15 (i64.rotr (i64.xor (local.get $v15) (local.get $v0)) (i64.const 32)))
      (local.set $v10 (i64.add (local.get $v10) (local.get $v15)))
      (local.set $v5 (i64.rotr (i64.xor (local.get $v5) (local.get $v10)) (i64.const 24)))
      (local.set $v0 (i64.add (i64.add (local.get $v0) (local.get $v5))
        (i64.load (i32.add (local.get $p) (i32.load8_u offset=9 (local.get $s))))))
      (local.set $v15 (i64.rotr (i64.xor (local.get $v15) (local.get $v0)) (i64.const 16)))
      (local.set $v10 (i64.add (local.get $v10) (local.get $v15)))
      (local.set $v5 (i64.rotr (i64.xor (local.get $v5) (local.get $v10)) (i64.const 63)))
      ;; G5: a=1 b=6 c=11 d=12
      (local.set $v1 (i64.add (i64.add (local.get $v1) (local.get $v6))
        (i64.load (i32.add (local.get $p) (i32.load8_u offset=10 (local.get $s))))))
      (local.set $v12 (i64.rotr (i64.xor (local.get $v12) (local.get $v1)) (i64.const 32)))
      (local.set $v11 (i64.add (local.get $v11) (local.get $v12)))
      (local.set $v6 (i64.rotr (i64.xor (local.get $v6) (local.get $v11)) (i64.const 24)))
      (local.set $v1 (i64.add (i64.add (local.get $v1) (local.get $v6))
        (i64.load (i32.add (local.get $p) (i32.load8_u offset=11 (local.get $s))))))
      (local.set $v12 (i64.rotr (i64.xor (local.get $v12) (local.get $v1)) (i64.const 16)))
      (local.set $v11 (i64.add (local.get $v11) (local.get $v12)))
      (local.set $v6 (i64.rotr (i64.xor (local.get $v6) (local.get $v11)) (i64.const 63)))
      ;; G6: a=2 b=7 c=8 d=13
      (local.set $v2 (i64.add (i64.add (local.get $v2) (local.get $v7))
        (i64.load (i32.add (local.get $p) (i32.load8_u offset=12 (local.get $s))))))
      (local.set $v13 (i64.rotr (i64.xor (local.get $v13) (local.get $v2)) (i64.const 32)))
      (local.set $v8 (i64.add (local.get $v8) (local.get $v13)))
      (local.set $v7 (i64.rotr (i64.xor (local.get $v7) (local.get $v8)) (i64.const 24)))
      (local.set $v2 (i64.add (i64.add (local.get $v2) (local.get $v7))
        (i64.load (i32.add (local.get $p) (i32.load8_u offset=13 (local.get $s))))))
      (local.set $v13 (i64.rotr (i64.xor (local.get $v13) (local.get $v2)) (i64.const 16)))
      (local.set $v8 (i64.add (local.get $v8) (local.get $v13)))
      (local.set $v7 (i64.rotr (i64.xor (local.get $v7) (local.get $v8)) (i64.const 63)))
      ;; G7: a=3 b=4 c=9 d=14
      (local.set $v3 (i64.add (i64.add (local.get $v3) (local.get $v4))
        (i64.load (i32.add (local.get $p) (i32.load8_u offset=14 (local.get $s))))))
      (local.set $v14 (i64.rotr (i64.xor (local.get $v14) (local.get $v3)) (i64.const 32)))
      (local.set $v9 (i64.add (local.get $v9) (local.get $v14)))
      (local.set $v4 (i64.rotr (i64.xor (local.get $v4) (local.get $v9)) (i64.const 24)))
      (local.set $v3 (i64.add (i64.add (local.get $v3) (local.get $v4))
        (i64.load (i32.add (local.get $p) (i32.load8_u offset=15 (local.get $s))))))
      (local.set $v14 (i64.rotr (i64.xor (local.get $v14) (local.get $v3)) (i64.const 16)))
      (local.set $v9 (i64.add (local.get $v9) (local.get $v14)))
      (local.set $v4 (i64.rotr (i64.xor (local.get $v4) (local.get $v9)) (i64.const 63)))
      (local.set $s (i32.add (local.get $s) (i32.const 16)))
      (br_if $round (i32.lt_u (local.get $s) (i32.const 320))))
    (i64.store offset=0 (i32.const 0) (i64.xor (i64.load offset=0 (i32.const 0)) (i64.xor (local.get $v0) (local.get $v8))))
    (i64.store offset=8 (i32.const 0) (i64.xor (i64.load offset=8 (i32.const 0)) (i64.xor (local.get $v1) (local.get $v9))))
    (i64.store offset=16 (i32.const 0) (i64.xor (i64.load offset=16 (i32.const 0)) (i64.xor (local.get $v2) (local.get $v10))))
    (i64.store offset=24 (i32.const 0) (i64.xor (i64.load offset=24 (i32.const 0)) (i64.xor (local.get $v3) (local.get $v11))))
    (i64.store offset=32 (i32.const 0) (i64.xor (i64.load offset=32 (i32.const 0)) (i64.xor (local.get $v4) (local.get $v12))))
    (i64.store offset=40 (i32.const 0) (i64.xor (i64.load offset=40 (i32.const 0)) (i64.xor (local.get $v5) (local.get $v13))))
    (i64.store offset=48 (i32.const 0) (i64.xor (i64.load offset=48 (i32.const 0)) (i64.xor (local.get $v6) (local.get $v14))))
    (i64.store offset=56 (i32.const 0) (i64.xor (i64.load offset=56 (i32.const 0)) (i64.xor (local.get $v7) (local.get $v15)))))
)
