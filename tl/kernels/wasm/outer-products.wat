;; Hand-written because no library has it: the weight gradient of a 1x1 convolution,
;;   out[i, j] += sum over p < rows of x[p, i] * dy[p, j]      (x: rows x inCount, dy: rows x outCount)
;; in WebAssembly SIMD, straight from the row-major activations. tfjs's wasm backend computes it as
;; a transpose and an XNNPACK matmul whose inner dimension (N*H*W, tens of thousands) XNNPACK does
;; not block, so it runs at a third of its usual speed; the caller here feeds 64 rows at
;; a time, which stay in cache while every 4 x 8 block of out is updated from them.
;; inCount must be a multiple of 4 and outCount of 8; out is accumulated into, not overwritten.
(module
  (memory (export "memory") 1)
  (func (export "accumulateOuterProducts")
    (param $x i32) (param $dy i32) (param $out i32) (param $rows i32) (param $inCount i32) (param $outCount i32)
    (local $xStride i32) (local $dStride i32) (local $i i32) (local $j i32) (local $p i32)
    (local $xp i32) (local $dp i32) (local $o0 i32) (local $o1 i32) (local $o2 i32) (local $o3 i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local $d0 v128) (local $d1 v128) (local $s v128)
    (local.set $xStride (i32.shl (local.get $inCount) (i32.const 2)))
    (local.set $dStride (i32.shl (local.get $outCount) (i32.const 2)))
    (block $iDone
      (loop $iLoop
        (br_if $iDone (i32.ge_u (local.get $i) (local.get $inCount)))
        (local.set $j (i32.const 0))
        (block $jDone
          (loop $jLoop
            (br_if $jDone (i32.ge_u (local.get $j) (local.get $outCount)))
            ;; the 4 x 8 block of out at row i, column j
            (local.set $o0 (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $outCount)) (local.get $j)) (i32.const 2))))
            (local.set $o1 (i32.add (local.get $o0) (local.get $dStride)))
            (local.set $o2 (i32.add (local.get $o1) (local.get $dStride)))
            (local.set $o3 (i32.add (local.get $o2) (local.get $dStride)))
            (local.set $a0 (v128.load offset=0 (local.get $o0)))
            (local.set $a1 (v128.load offset=16 (local.get $o0)))
            (local.set $a2 (v128.load offset=0 (local.get $o1)))
            (local.set $a3 (v128.load offset=16 (local.get $o1)))
            (local.set $a4 (v128.load offset=0 (local.get $o2)))
            (local.set $a5 (v128.load offset=16 (local.get $o2)))
            (local.set $a6 (v128.load offset=0 (local.get $o3)))
            (local.set $a7 (v128.load offset=16 (local.get $o3)))
            (local.set $xp (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 2))))
            (local.set $dp (i32.add (local.get $dy) (i32.shl (local.get $j) (i32.const 2))))
            (local.set $p (local.get $rows))
            (block $pDone
              (loop $pLoop
                (br_if $pDone (i32.eqz (local.get $p)))
                (local.set $d0 (v128.load offset=0 (local.get $dp)))
                (local.set $d1 (v128.load offset=16 (local.get $dp)))
                (local.set $s (v128.load32_splat offset=0 (local.get $xp)))
                (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $s) (local.get $d0))))
                (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $s) (local.get $d1))))
                (local.set $s (v128.load32_splat offset=4 (local.get $xp)))
                (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $s) (local.get $d0))))
                (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $s) (local.get $d1))))
                (local.set $s (v128.load32_splat offset=8 (local.get $xp)))
                (local.set $a4 (f32x4.add (local.get $a4) (f32x4.mul (local.get $s) (local.get $d0))))
                (local.set $a5 (f32x4.add (local.get $a5) (f32x4.mul (local.get $s) (local.get $d1))))
                (local.set $s (v128.load32_splat offset=12 (local.get $xp)))
                (local.set $a6 (f32x4.add (local.get $a6) (f32x4.mul (local.get $s) (local.get $d0))))
                (local.set $a7 (f32x4.add (local.get $a7) (f32x4.mul (local.get $s) (local.get $d1))))
                (local.set $xp (i32.add (local.get $xp) (local.get $xStride)))
                (local.set $dp (i32.add (local.get $dp) (local.get $dStride)))
                (local.set $p (i32.sub (local.get $p) (i32.const 1)))
                (br $pLoop)))
            (v128.store offset=0 (local.get $o0) (local.get $a0))
            (v128.store offset=16 (local.get $o0) (local.get $a1))
            (v128.store offset=0 (local.get $o1) (local.get $a2))
            (v128.store offset=16 (local.get $o1) (local.get $a3))
            (v128.store offset=0 (local.get $o2) (local.get $a4))
            (v128.store offset=16 (local.get $o2) (local.get $a5))
            (v128.store offset=0 (local.get $o3) (local.get $a6))
            (v128.store offset=16 (local.get $o3) (local.get $a7))
            (local.set $j (i32.add (local.get $j) (i32.const 8)))
            (br $jLoop)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $iLoop)))))
