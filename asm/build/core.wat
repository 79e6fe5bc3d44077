(module
 (type $0 (func (param i32 i32) (result i32)))
 (type $1 (func (param i32 i32)))
 (type $2 (func (param i32)))
 (type $3 (func (param i32) (result i32)))
 (type $4 (func (param i32 i32 i32) (result i32)))
 (type $5 (func))
 (type $6 (func (param i32 i32 i32 i32 f64 i32 i32)))
 (type $7 (func (param i32 i32 i32 f64 f64 i32)))
 (type $8 (func (param i32 i32 i32 i32) (result i32)))
 (type $9 (func (result i32)))
 (type $10 (func (param i32 i32 i32 f64) (result i32)))
 (global $asm/core/C (mut i32) (i32.const 0))
 (global $asm/core/heapTop (mut i32) (i32.const 0))
 (global $asm/core/bytesHeld (mut i32) (i32.const 0))
 (global $asm/core/inCap (mut i32) (i32.const 0))
 (global $asm/core/slotCap (mut i32) (i32.const 0))
 (global $asm/core/inPtr (mut i32) (i32.const 0))
 (global $asm/core/rdyLen (mut i32) (i32.const 0))
 (global $asm/core/nWaiting (mut i32) (i32.const 0))
 (global $asm/core/nCancelled (mut i32) (i32.const 0))
 (global $asm/core/nReady (mut i32) (i32.const 0))
 (global $asm/core/nFailed (mut i32) (i32.const 0))
 (global $asm/core/nLive (mut i32) (i32.const 0))
 (global $asm/core/cancLen (mut i32) (i32.const 0))
 (global $asm/core/rdyPtr (mut i32) (i32.const 0))
 (global $asm/core/failLen (mut i32) (i32.const 0))
 (global $asm/core/failPtr (mut i32) (i32.const 0))
 (global $asm/core/cancPtr (mut i32) (i32.const 0))
 (global $asm/core/nDone (mut i32) (i32.const 0))
 (global $asm/core/fresh (mut i32) (i32.const 0))
 (global $asm/core/slots (mut i32) (i32.const 0))
 (global $asm/core/broken (mut i32) (i32.const 0))
 (global $asm/core/limits (mut i32) (i32.const 0))
 (global $asm/core/slotTop (mut i32) (i32.const 0))
 (global $asm/core/limitCap (mut i32) (i32.const 0))
 (global $asm/core/nPrio (mut i32) (i32.const 0))
 (global $asm/core/ringHead (mut i32) (i32.const 0))
 (global $asm/core/prios (mut i32) (i32.const 0))
 (global $asm/core/ringCount (mut i32) (i32.const 0))
 (global $asm/core/edges (mut i32) (i32.const 0))
 (global $asm/core/seqs (mut i32) (i32.const 0))
 (global $asm/core/lims (mut i32) (i32.const 0))
 (global $asm/core/rdyCap (mut i32) (i32.const 0))
 (global $asm/core/edgeFreeCount (mut i32) (i32.const 0))
 (global $asm/core/wakeTail (mut i32) (i32.const -1))
 (global $asm/core/admLen (mut i32) (i32.const 0))
 (global $asm/core/ring (mut i32) (i32.const 0))
 (global $asm/core/wakeHead (mut i32) (i32.const -1))
 (global $asm/core/edgeFree (mut i32) (i32.const 0))
 (global $asm/core/scratch (mut i32) (i32.const 0))
 (global $asm/core/edgeCap (mut i32) (i32.const 0))
 (global $asm/core/edgeTop (mut i32) (i32.const 0))
 (global $asm/core/admCap (mut i32) (i32.const 0))
 (global $asm/core/dHeld (mut i32) (i32.const 0))
 (global $asm/core/dAdmitted (mut i32) (i32.const 0))
 (global $asm/core/failCap (mut i32) (i32.const 0))
 (global $asm/core/cancCap (mut i32) (i32.const 0))
 (global $asm/core/dirty (mut i32) (i32.const 0))
 (global $asm/core/scratchBytes (mut i32) (i32.const 0))
 (global $asm/core/admPtr (mut i32) (i32.const 0))
 (global $asm/core/nRetired (mut i32) (i32.const 0))
 (global $asm/core/seqNext (mut f64) (f64.const 0))
 (global $asm/core/heapStart (mut i32) (i32.const 0))
 (global $asm/core/H_IN_PTR i32 (i32.const 0))
 (global $asm/core/H_IN_CAP i32 (i32.const 4))
 (global $asm/core/H_READY_PTR i32 (i32.const 8))
 (global $asm/core/H_READY_LEN i32 (i32.const 12))
 (global $asm/core/H_FAILED_PTR i32 (i32.const 16))
 (global $asm/core/H_FAILED_LEN i32 (i32.const 20))
 (global $asm/core/H_CANCELLED_PTR i32 (i32.const 24))
 (global $asm/core/H_CANCELLED_LEN i32 (i32.const 28))
 (global $asm/core/H_ADMITTED_PTR i32 (i32.const 32))
 (global $asm/core/H_ADMITTED_LEN i32 (i32.const 36))
 (global $asm/core/H_ERR_INDEX i32 (i32.const 40))
 (global $asm/core/H_ERR_VALUE i32 (i32.const 44))
 (global $asm/core/H_WAITING i32 (i32.const 48))
 (global $asm/core/H_READY i32 (i32.const 52))
 (global $asm/core/H_HELD i32 (i32.const 56))
 (global $asm/core/H_ADMITTED i32 (i32.const 60))
 (global $asm/core/H_DONE i32 (i32.const 64))
 (global $asm/core/H_FAILED i32 (i32.const 68))
 (global $asm/core/H_CANCELLED i32 (i32.const 72))
 (global $asm/core/H_LIVE i32 (i32.const 76))
 (global $asm/core/H_SLOT_CAP i32 (i32.const 80))
 (global $asm/core/H_BYTES i32 (i32.const 84))
 (memory $0 0)
 (export "H_IN_PTR" (global $asm/core/H_IN_PTR))
 (export "H_IN_CAP" (global $asm/core/H_IN_CAP))
 (export "H_READY_PTR" (global $asm/core/H_READY_PTR))
 (export "H_READY_LEN" (global $asm/core/H_READY_LEN))
 (export "H_FAILED_PTR" (global $asm/core/H_FAILED_PTR))
 (export "H_FAILED_LEN" (global $asm/core/H_FAILED_LEN))
 (export "H_CANCELLED_PTR" (global $asm/core/H_CANCELLED_PTR))
 (export "H_CANCELLED_LEN" (global $asm/core/H_CANCELLED_LEN))
 (export "H_ADMITTED_PTR" (global $asm/core/H_ADMITTED_PTR))
 (export "H_ADMITTED_LEN" (global $asm/core/H_ADMITTED_LEN))
 (export "H_ERR_INDEX" (global $asm/core/H_ERR_INDEX))
 (export "H_ERR_VALUE" (global $asm/core/H_ERR_VALUE))
 (export "H_WAITING" (global $asm/core/H_WAITING))
 (export "H_READY" (global $asm/core/H_READY))
 (export "H_HELD" (global $asm/core/H_HELD))
 (export "H_ADMITTED" (global $asm/core/H_ADMITTED))
 (export "H_DONE" (global $asm/core/H_DONE))
 (export "H_FAILED" (global $asm/core/H_FAILED))
 (export "H_CANCELLED" (global $asm/core/H_CANCELLED))
 (export "H_LIVE" (global $asm/core/H_LIVE))
 (export "H_SLOT_CAP" (global $asm/core/H_SLOT_CAP))
 (export "H_BYTES" (global $asm/core/H_BYTES))
 (export "create" (func $asm/core/create))
 (export "destroy" (func $asm/core/destroy))
 (export "reset" (func $asm/core/reset))
 (export "reserveInput" (func $asm/core/reserveInput))
 (export "clearOutputs" (func $asm/core/clearOutputs))
 (export "state" (func $asm/core/state))
 (export "add" (func $asm/core/add))
 (export "addWith" (func $asm/core/addWith))
 (export "addBatch" (func $asm/core/addBatch))
 (export "complete" (func $asm/core/complete))
 (export "completeOne" (func $asm/core/completeOne))
 (export "cancel" (func $asm/core/cancel))
 (export "release" (func $asm/core/release))
 (export "admit" (func $asm/core/admit))
 (export "setLimit" (func $asm/core/setLimit))
 (export "giveBack" (func $asm/core/giveBack))
 (export "limitInfo" (func $asm/core/limitInfo))
 (export "memory" (memory $0))
 (func $asm/core/enter (param $0 i32)
  (local $1 i32)
  local.get $0
  global.get $asm/core/C
  i32.ne
  if
   global.get $asm/core/C
   if
    global.get $asm/core/C
    local.tee $1
    global.get $asm/core/rdyCap
    i32.store offset=88
    local.get $1
    global.get $asm/core/failCap
    i32.store offset=92
    local.get $1
    global.get $asm/core/cancCap
    i32.store offset=96
    local.get $1
    global.get $asm/core/slotTop
    i32.store offset=104
    local.get $1
    global.get $asm/core/slots
    i32.store offset=108
    local.get $1
    global.get $asm/core/seqs
    i32.store offset=152
    local.get $1
    global.get $asm/core/prios
    i32.store offset=184
    local.get $1
    global.get $asm/core/lims
    i32.store offset=188
    local.get $1
    global.get $asm/core/dirty
    i32.store offset=192
    local.get $1
    global.get $asm/core/nRetired
    i32.store offset=112
    local.get $1
    global.get $asm/core/ring
    i32.store offset=116
    local.get $1
    global.get $asm/core/ringHead
    i32.store offset=120
    local.get $1
    global.get $asm/core/ringCount
    i32.store offset=124
    local.get $1
    global.get $asm/core/edges
    i32.store offset=128
    local.get $1
    global.get $asm/core/edgeCap
    i32.store offset=132
    local.get $1
    global.get $asm/core/edgeTop
    i32.store offset=136
    local.get $1
    global.get $asm/core/edgeFree
    i32.store offset=140
    local.get $1
    global.get $asm/core/edgeFreeCount
    i32.store offset=144
    local.get $1
    global.get $asm/core/broken
    i32.store offset=148
    local.get $1
    global.get $asm/core/limits
    i32.store offset=156
    local.get $1
    global.get $asm/core/limitCap
    i32.store offset=160
    local.get $1
    global.get $asm/core/nPrio
    i32.store offset=164
    local.get $1
    global.get $asm/core/seqNext
    f64.store offset=168
    local.get $1
    global.get $asm/core/scratch
    i32.store offset=176
    local.get $1
    global.get $asm/core/scratchBytes
    i32.store offset=180
   end
   local.get $0
   global.set $asm/core/C
   local.get $0
   i32.load
   global.set $asm/core/inPtr
   local.get $0
   i32.load offset=4
   global.set $asm/core/inCap
   local.get $0
   i32.load offset=8
   global.set $asm/core/rdyPtr
   local.get $0
   i32.load offset=88
   global.set $asm/core/rdyCap
   local.get $0
   i32.load offset=16
   global.set $asm/core/failPtr
   local.get $0
   i32.load offset=92
   global.set $asm/core/failCap
   local.get $0
   i32.load offset=24
   global.set $asm/core/cancPtr
   local.get $0
   i32.load offset=96
   global.set $asm/core/cancCap
   local.get $0
   i32.load offset=48
   global.set $asm/core/nWaiting
   local.get $0
   i32.load offset=52
   global.set $asm/core/nReady
   local.get $0
   i32.load offset=64
   global.set $asm/core/nDone
   local.get $0
   i32.load offset=68
   global.set $asm/core/nFailed
   local.get $0
   i32.load offset=72
   global.set $asm/core/nCancelled
   local.get $0
   i32.load offset=76
   global.set $asm/core/nLive
   local.get $0
   i32.load offset=80
   global.set $asm/core/slotCap
   local.get $0
   i32.load offset=84
   global.set $asm/core/bytesHeld
   local.get $0
   i32.load offset=104
   global.set $asm/core/slotTop
   local.get $0
   i32.load offset=108
   global.set $asm/core/slots
   local.get $0
   i32.load offset=152
   global.set $asm/core/seqs
   local.get $0
   i32.load offset=184
   global.set $asm/core/prios
   local.get $0
   i32.load offset=188
   global.set $asm/core/lims
   local.get $0
   i32.load offset=192
   global.set $asm/core/dirty
   local.get $0
   i32.load offset=112
   global.set $asm/core/nRetired
   local.get $0
   i32.load offset=116
   global.set $asm/core/ring
   local.get $0
   i32.load offset=120
   global.set $asm/core/ringHead
   local.get $0
   i32.load offset=124
   global.set $asm/core/ringCount
   local.get $0
   i32.load offset=128
   global.set $asm/core/edges
   local.get $0
   i32.load offset=132
   global.set $asm/core/edgeCap
   local.get $0
   i32.load offset=136
   global.set $asm/core/edgeTop
   local.get $0
   i32.load offset=140
   global.set $asm/core/edgeFree
   local.get $0
   i32.load offset=144
   global.set $asm/core/edgeFreeCount
   local.get $0
   i32.load offset=148
   global.set $asm/core/broken
   local.get $0
   i32.load offset=156
   global.set $asm/core/limits
   local.get $0
   i32.load offset=160
   global.set $asm/core/limitCap
   local.get $0
   i32.load offset=164
   global.set $asm/core/nPrio
   local.get $0
   f64.load offset=168
   global.set $asm/core/seqNext
   local.get $0
   i32.load offset=176
   global.set $asm/core/scratch
   local.get $0
   i32.load offset=180
   global.set $asm/core/scratchBytes
  end
  local.get $0
  i32.load offset=12
  global.set $asm/core/rdyLen
  local.get $0
  i32.load offset=20
  global.set $asm/core/failLen
  local.get $0
  i32.load offset=28
  global.set $asm/core/cancLen
 )
 (func $asm/core/done (param $0 i32) (result i32)
  (local $1 i32)
  global.get $asm/core/C
  local.tee $1
  global.get $asm/core/inPtr
  i32.store
  local.get $1
  global.get $asm/core/inCap
  i32.store offset=4
  local.get $1
  global.get $asm/core/rdyPtr
  i32.store offset=8
  local.get $1
  global.get $asm/core/rdyLen
  i32.store offset=12
  local.get $1
  global.get $asm/core/failPtr
  i32.store offset=16
  local.get $1
  global.get $asm/core/failLen
  i32.store offset=20
  local.get $1
  global.get $asm/core/cancPtr
  i32.store offset=24
  local.get $1
  global.get $asm/core/cancLen
  i32.store offset=28
  local.get $1
  global.get $asm/core/nWaiting
  i32.store offset=48
  local.get $1
  global.get $asm/core/nReady
  i32.store offset=52
  local.get $1
  global.get $asm/core/nDone
  i32.store offset=64
  local.get $1
  global.get $asm/core/nFailed
  i32.store offset=68
  local.get $1
  global.get $asm/core/nCancelled
  i32.store offset=72
  local.get $1
  global.get $asm/core/nLive
  i32.store offset=76
  local.get $1
  global.get $asm/core/slotCap
  i32.store offset=80
  local.get $1
  global.get $asm/core/bytesHeld
  i32.store offset=84
  global.get $asm/core/broken
  if (result i32)
   global.get $asm/core/C
   i32.const -2
   i32.store offset=40
   global.get $asm/core/C
   i32.const 0
   i32.store offset=44
   global.get $asm/core/C
   local.tee $0
   global.get $asm/core/inPtr
   i32.store
   local.get $0
   global.get $asm/core/inCap
   i32.store offset=4
   local.get $0
   global.get $asm/core/rdyPtr
   i32.store offset=8
   local.get $0
   global.get $asm/core/rdyLen
   i32.store offset=12
   local.get $0
   global.get $asm/core/failPtr
   i32.store offset=16
   local.get $0
   global.get $asm/core/failLen
   i32.store offset=20
   local.get $0
   global.get $asm/core/cancPtr
   i32.store offset=24
   local.get $0
   global.get $asm/core/cancLen
   i32.store offset=28
   local.get $0
   global.get $asm/core/nWaiting
   i32.store offset=48
   local.get $0
   global.get $asm/core/nReady
   i32.store offset=52
   local.get $0
   global.get $asm/core/nDone
   i32.store offset=64
   local.get $0
   global.get $asm/core/nFailed
   i32.store offset=68
   local.get $0
   global.get $asm/core/nCancelled
   i32.store offset=72
   local.get $0
   global.get $asm/core/nLive
   i32.store offset=76
   local.get $0
   global.get $asm/core/slotCap
   i32.store offset=80
   local.get $0
   global.get $asm/core/bytesHeld
   i32.store offset=84
   i32.const -7
  else
   local.get $0
  end
 )
 (func $asm/core/serveWoken
  (local $0 i32)
  (local $1 i32)
  global.get $asm/core/C
  i32.load offset=32
  global.set $asm/core/admPtr
  global.get $asm/core/C
  i32.load offset=36
  global.set $asm/core/admLen
  global.get $asm/core/C
  i32.load offset=100
  global.set $asm/core/admCap
  i32.const 0
  global.set $asm/core/dHeld
  i32.const 0
  global.set $asm/core/dAdmitted
  loop $while-continue|0
   global.get $asm/core/wakeHead
   i32.const 0
   i32.ge_s
   if
    global.get $asm/core/limits
    global.get $asm/core/wakeHead
    local.tee $0
    i32.const 6
    i32.shl
    i32.add
    local.tee $1
    i32.load offset=44
    global.set $asm/core/wakeHead
    local.get $1
    i32.const -2
    i32.store offset=44
    local.get $0
    call $asm/core/serve
    br $while-continue|0
   end
  end
  i32.const -1
  global.set $asm/core/wakeTail
  global.get $asm/core/C
  global.get $asm/core/admPtr
  i32.store offset=32
  global.get $asm/core/C
  global.get $asm/core/admLen
  i32.store offset=36
  global.get $asm/core/C
  global.get $asm/core/admCap
  i32.store offset=100
  global.get $asm/core/C
  global.get $asm/core/dHeld
  global.get $asm/core/C
  i32.load offset=56
  i32.add
  i32.store offset=56
  global.get $asm/core/C
  global.get $asm/core/dAdmitted
  global.get $asm/core/C
  i32.load offset=60
  i32.add
  i32.store offset=60
 )
 (func $asm/core/growList (param $0 i32) (param $1 i32) (param $2 i32) (result i32)
  (local $3 i32)
  (local $4 i64)
  (local $5 i32)
  (local $6 i32)
  (local $7 i64)
  block $__inlined_func$asm/core/allocBlock$19
   local.get $2
   i32.const 1
   i32.shl
   i32.ctz
   i32.const 2
   i32.add
   local.tee $5
   i32.const 30
   i32.gt_u
   br_if $__inlined_func$asm/core/allocBlock$19
   local.get $5
   i32.const 2
   i32.shl
   i32.const 1024
   i32.add
   local.tee $6
   i32.load
   local.tee $3
   if
    local.get $6
    local.get $3
    i32.load
    i32.store
    i32.const 0
    global.set $asm/core/fresh
    br $__inlined_func$asm/core/allocBlock$19
   end
   global.get $asm/core/heapTop
   i64.extend_i32_u
   i64.const 1
   local.get $5
   i64.extend_i32_s
   i64.shl
   i64.add
   local.tee $4
   i64.const 2147418112
   i64.gt_u
   if
    i32.const 0
    local.set $3
    br $__inlined_func$asm/core/allocBlock$19
   end
   i32.const 1
   global.set $asm/core/fresh
   memory.size
   i64.extend_i32_s
   i64.const 16
   i64.shl
   local.tee $7
   local.get $4
   i64.lt_u
   if
    local.get $4
    local.get $7
    i64.sub
    i64.const 65535
    i64.add
    i64.const 16
    i64.shr_u
    i32.wrap_i64
    memory.grow
    i32.const 0
    i32.lt_s
    if
     i32.const 0
     local.set $3
     br $__inlined_func$asm/core/allocBlock$19
    end
   end
   global.get $asm/core/heapTop
   local.set $3
   local.get $4
   i32.wrap_i64
   global.set $asm/core/heapTop
  end
  local.get $3
  i32.eqz
  if
   i32.const 0
   return
  end
  local.get $3
  local.get $0
  local.get $1
  i32.const 2
  i32.shl
  memory.copy
  local.get $0
  local.get $2
  i32.ctz
  i32.const 2
  i32.shl
  i32.const 1032
  i32.add
  local.tee $1
  i32.load
  i32.store
  local.get $1
  local.get $0
  i32.store
  global.get $asm/core/bytesHeld
  local.get $2
  i32.const 2
  i32.shl
  i32.add
  global.set $asm/core/bytesHeld
  local.get $3
 )
 (func $asm/core/failDependents (param $0 i32) (param $1 i32) (param $2 i32) (result i32)
  (local $3 i32)
  (local $4 i32)
  (local $5 i32)
  (local $6 i32)
  (local $7 i32)
  local.get $1
  i32.load offset=8
  local.tee $3
  i32.const 0
  i32.lt_s
  if
   i32.const 0
   return
  end
  loop $while-continue|0
   local.get $3
   i32.const 0
   i32.ge_s
   if
    global.get $asm/core/edges
    local.get $3
    i32.const 3
    i32.shl
    i32.add
    local.tee $3
    i32.load
    local.set $4
    local.get $3
    i32.load offset=4
    local.set $3
    local.get $5
    i32.const 1
    i32.add
    local.set $5
    global.get $asm/core/slots
    local.get $4
    i32.const 2097151
    i32.and
    i32.const 4
    i32.shl
    i32.add
    local.tee $6
    i32.load
    local.get $4
    i32.ne
    br_if $while-continue|0
    local.get $6
    i32.load offset=4
    i32.const 7
    i32.and
    i32.const 1
    i32.ne
    br_if $while-continue|0
    local.get $6
    local.get $2
    i32.store offset=4
    local.get $7
    i32.const 1
    i32.add
    local.set $7
    local.get $2
    i32.const 4
    i32.eq
    if
     local.get $4
     local.get $0
     call $asm/core/pushFailed
    else
     local.get $4
     local.get $0
     call $asm/core/pushCancelled
    end
    br $while-continue|0
   end
  end
  local.get $5
  if
   global.get $asm/core/edges
   local.get $1
   i32.load offset=12
   i32.const 3
   i32.shl
   i32.add
   global.get $asm/core/edgeFree
   i32.store offset=4
   local.get $1
   i32.load offset=8
   global.set $asm/core/edgeFree
   global.get $asm/core/edgeFreeCount
   local.get $5
   i32.add
   global.set $asm/core/edgeFreeCount
   local.get $1
   i32.const -1
   i32.store offset=8
   local.get $1
   i32.const -1
   i32.store offset=12
  end
  local.get $7
 )
 (func $asm/core/spread (param $0 i32) (param $1 i32)
  (local $2 i32)
  local.get $1
  i32.const 4
  i32.eq
  if
   loop $while-continue|0
    global.get $asm/core/broken
    i32.eqz
    local.get $0
    global.get $asm/core/failLen
    i32.lt_s
    i32.and
    if
     global.get $asm/core/failPtr
     local.get $0
     i32.const 2
     i32.shl
     i32.add
     i32.load
     local.tee $1
     global.get $asm/core/slots
     local.get $1
     i32.const 2097151
     i32.and
     i32.const 4
     i32.shl
     i32.add
     i32.const 4
     call $asm/core/failDependents
     local.get $2
     i32.add
     local.set $2
     local.get $0
     i32.const 2
     i32.add
     local.set $0
     br $while-continue|0
    end
   end
   global.get $asm/core/nFailed
   local.get $2
   i32.add
   global.set $asm/core/nFailed
  else
   loop $while-continue|1
    global.get $asm/core/broken
    i32.eqz
    local.get $0
    global.get $asm/core/cancLen
    i32.lt_s
    i32.and
    if
     global.get $asm/core/cancPtr
     local.get $0
     i32.const 2
     i32.shl
     i32.add
     i32.load
     local.tee $1
     global.get $asm/core/slots
     local.get $1
     i32.const 2097151
     i32.and
     i32.const 4
     i32.shl
     i32.add
     i32.const 5
     call $asm/core/failDependents
     local.get $2
     i32.add
     local.set $2
     local.get $0
     i32.const 2
     i32.add
     local.set $0
     br $while-continue|1
    end
   end
   global.get $asm/core/nCancelled
   local.get $2
   i32.add
   global.set $asm/core/nCancelled
  end
  global.get $asm/core/nWaiting
  local.get $2
  i32.sub
  global.set $asm/core/nWaiting
 )
 (func $asm/core/pushCancelled (param $0 i32) (param $1 i32)
  (local $2 i32)
  global.get $asm/core/cancCap
  global.get $asm/core/cancLen
  i32.const 2
  i32.add
  i32.lt_s
  if
   global.get $asm/core/cancPtr
   global.get $asm/core/cancLen
   global.get $asm/core/cancCap
   call $asm/core/growList
   local.tee $2
   i32.eqz
   if
    i32.const 1
    global.set $asm/core/broken
    return
   end
   local.get $2
   global.set $asm/core/cancPtr
   global.get $asm/core/cancCap
   i32.const 1
   i32.shl
   global.set $asm/core/cancCap
  end
  global.get $asm/core/cancPtr
  global.get $asm/core/cancLen
  i32.const 2
  i32.shl
  i32.add
  local.tee $2
  local.get $0
  i32.store
  local.get $2
  local.get $1
  i32.store offset=4
  global.get $asm/core/cancLen
  i32.const 2
  i32.add
  global.set $asm/core/cancLen
 )
 (func $asm/core/place (param $0 i32) (param $1 i32) (param $2 i32) (param $3 i32) (param $4 f64) (param $5 i32) (param $6 i32)
  (local $7 i32)
  (local $8 i32)
  (local $9 i32)
  (local $10 i32)
  global.get $asm/core/slots
  local.get $0
  i32.const 2097151
  i32.and
  local.tee $9
  i32.const 4
  i32.shl
  i32.add
  local.set $8
  local.get $9
  i32.const 3
  i32.shl
  local.tee $9
  global.get $asm/core/seqs
  i32.add
  global.get $asm/core/seqNext
  f64.store
  global.get $asm/core/seqNext
  f64.const 1
  f64.add
  global.set $asm/core/seqNext
  local.get $4
  f64.const 0
  f64.ne
  if
   i32.const 1
   global.set $asm/core/dirty
   global.get $asm/core/prios
   local.get $9
   i32.add
   local.get $4
   f64.store
   global.get $asm/core/nPrio
   i32.const 1
   i32.add
   global.set $asm/core/nPrio
  end
  local.get $6
  if
   i32.const 1
   global.set $asm/core/dirty
   global.get $asm/core/lims
   local.get $0
   i32.const 2097151
   i32.and
   i32.const 4
   i32.shl
   i32.add
   local.set $9
   loop $for-loop|0
    local.get $6
    local.get $7
    i32.gt_s
    if
     local.get $9
     local.get $7
     i32.const 1
     i32.shl
     i32.add
     local.get $5
     local.get $7
     i32.const 2
     i32.shl
     i32.add
     i32.load
     i32.const 1
     i32.add
     i32.store16
     local.get $7
     i32.const 1
     i32.add
     local.set $7
     br $for-loop|0
    end
   end
   local.get $6
   i32.const 8
   i32.lt_s
   if
    local.get $9
    local.get $6
    i32.const 1
    i32.shl
    i32.add
    i32.const 0
    i32.store16
   end
  end
  local.get $8
  i32.const -1
  i32.store offset=8
  local.get $8
  i32.const -1
  i32.store offset=12
  i32.const 0
  local.set $7
  i32.const 0
  local.set $5
  loop $for-loop|1
   local.get $2
   local.get $5
   i32.gt_s
   if
    local.get $1
    local.get $5
    i32.const 2
    i32.shl
    i32.add
    i32.load
    local.tee $6
    i32.const 0
    i32.lt_s
    if
     local.get $3
     i32.const -1
     local.get $6
     i32.sub
     i32.const 2
     i32.shl
     i32.add
     i32.load
     local.set $6
    end
    global.get $asm/core/slots
    local.get $6
    i32.const 2097151
    i32.and
    i32.const 4
    i32.shl
    i32.add
    local.tee $9
    i32.load offset=4
    i32.const 7
    i32.and
    local.tee $10
    i32.const 3
    i32.ne
    if
     local.get $10
     i32.const 4
     i32.eq
     if
      local.get $8
      i32.const 4
      i32.store offset=4
      global.get $asm/core/nFailed
      i32.const 1
      i32.add
      global.set $asm/core/nFailed
      global.get $asm/core/nLive
      i32.const 1
      i32.add
      global.set $asm/core/nLive
      local.get $0
      local.get $6
      call $asm/core/pushFailed
      return
     end
     local.get $10
     i32.const 5
     i32.eq
     if
      local.get $8
      i32.const 5
      i32.store offset=4
      global.get $asm/core/nCancelled
      i32.const 1
      i32.add
      global.set $asm/core/nCancelled
      global.get $asm/core/nLive
      i32.const 1
      i32.add
      global.set $asm/core/nLive
      local.get $0
      local.get $6
      call $asm/core/pushCancelled
      return
     end
     local.get $7
     i32.const 1
     i32.add
     local.set $7
     global.get $asm/core/edgeFree
     local.tee $6
     i32.const 0
     i32.ge_s
     if
      global.get $asm/core/edges
      local.get $6
      i32.const 3
      i32.shl
      i32.add
      i32.load offset=4
      global.set $asm/core/edgeFree
      global.get $asm/core/edgeFreeCount
      i32.const 1
      i32.sub
      global.set $asm/core/edgeFreeCount
     else
      global.get $asm/core/edgeTop
      local.tee $6
      i32.const 1
      i32.add
      global.set $asm/core/edgeTop
     end
     global.get $asm/core/edges
     local.get $6
     i32.const 3
     i32.shl
     i32.add
     local.tee $10
     local.get $0
     i32.store
     local.get $10
     i32.const -1
     i32.store offset=4
     local.get $9
     i32.load offset=12
     local.tee $10
     i32.const 0
     i32.lt_s
     if
      local.get $9
      local.get $6
      i32.store offset=8
     else
      global.get $asm/core/edges
      local.get $10
      i32.const 3
      i32.shl
      i32.add
      local.get $6
      i32.store offset=4
     end
     local.get $9
     local.get $6
     i32.store offset=12
    end
    local.get $5
    i32.const 1
    i32.add
    local.set $5
    br $for-loop|1
   end
  end
  global.get $asm/core/nLive
  i32.const 1
  i32.add
  global.set $asm/core/nLive
  local.get $7
  i32.eqz
  if
   local.get $8
   i32.const 2
   i32.store offset=4
   global.get $asm/core/nReady
   i32.const 1
   i32.add
   global.set $asm/core/nReady
   block $__inlined_func$asm/core/pushReady$185
    global.get $asm/core/rdyLen
    global.get $asm/core/rdyCap
    i32.ge_s
    if
     global.get $asm/core/rdyPtr
     global.get $asm/core/rdyLen
     global.get $asm/core/rdyCap
     call $asm/core/growList
     local.tee $1
     i32.eqz
     if
      i32.const 1
      global.set $asm/core/broken
      br $__inlined_func$asm/core/pushReady$185
     end
     local.get $1
     global.set $asm/core/rdyPtr
     global.get $asm/core/rdyCap
     i32.const 1
     i32.shl
     global.set $asm/core/rdyCap
    end
    global.get $asm/core/rdyPtr
    global.get $asm/core/rdyLen
    i32.const 2
    i32.shl
    i32.add
    local.get $0
    i32.store
    global.get $asm/core/rdyLen
    i32.const 1
    i32.add
    global.set $asm/core/rdyLen
   end
   return
  end
  local.get $8
  local.get $7
  i32.const 3
  i32.shl
  i32.const 1
  i32.or
  i32.store offset=4
  global.get $asm/core/nWaiting
  i32.const 1
  i32.add
  global.set $asm/core/nWaiting
 )
 (func $asm/core/ensureSlots (param $0 i32) (result i32)
  (local $1 i32)
  (local $2 i32)
  (local $3 i32)
  (local $4 i32)
  (local $5 i32)
  (local $6 i64)
  (local $7 i32)
  (local $8 i32)
  (local $9 i32)
  (local $10 i32)
  (local $11 i64)
  (local $12 i32)
  (local $13 i32)
  local.get $0
  i64.extend_i32_s
  global.get $asm/core/nLive
  i64.extend_i32_s
  global.get $asm/core/nRetired
  i64.extend_i32_s
  i64.add
  i64.add
  local.tee $6
  i64.const 2097152
  i64.gt_s
  if
   i32.const -7
   return
  end
  global.get $asm/core/slotCap
  local.set $0
  loop $while-continue|0
   local.get $0
   i32.const 2097152
   i32.lt_s
   local.get $0
   i64.extend_i32_s
   local.get $6
   i64.const 1
   i64.shl
   i64.lt_s
   i32.and
   if
    local.get $0
    i32.const 1
    i32.shl
    local.set $0
    br $while-continue|0
   end
  end
  local.get $0
  global.get $asm/core/slotCap
  i32.eq
  if
   i32.const 0
   return
  end
  block $__inlined_func$asm/core/allocBlock$13
   local.get $0
   i32.ctz
   local.tee $10
   i32.const 4
   i32.add
   local.tee $5
   i32.const 30
   i32.gt_u
   br_if $__inlined_func$asm/core/allocBlock$13
   local.get $5
   i32.const 2
   i32.shl
   i32.const 1024
   i32.add
   local.tee $2
   i32.load
   local.tee $1
   if
    local.get $2
    local.get $1
    i32.load
    i32.store
    i32.const 0
    global.set $asm/core/fresh
    br $__inlined_func$asm/core/allocBlock$13
   end
   global.get $asm/core/heapTop
   i64.extend_i32_u
   i64.const 1
   local.get $5
   i64.extend_i32_s
   i64.shl
   i64.add
   local.tee $6
   i64.const 2147418112
   i64.gt_u
   if
    i32.const 0
    local.set $1
    br $__inlined_func$asm/core/allocBlock$13
   end
   i32.const 1
   global.set $asm/core/fresh
   memory.size
   i64.extend_i32_s
   i64.const 16
   i64.shl
   local.tee $11
   local.get $6
   i64.lt_u
   if
    local.get $6
    local.get $11
    i64.sub
    i64.const 65535
    i64.add
    i64.const 16
    i64.shr_u
    i32.wrap_i64
    memory.grow
    i32.const 0
    i32.lt_s
    if
     i32.const 0
     local.set $1
     br $__inlined_func$asm/core/allocBlock$13
    end
   end
   global.get $asm/core/heapTop
   local.set $1
   local.get $6
   i32.wrap_i64
   global.set $asm/core/heapTop
  end
  local.get $1
  local.set $2
  block $__inlined_func$asm/core/allocBlock$14
   local.get $10
   i32.const 3
   i32.add
   local.tee $4
   i32.const 30
   i32.gt_u
   if
    i32.const 0
    local.set $1
    br $__inlined_func$asm/core/allocBlock$14
   end
   local.get $4
   i32.const 2
   i32.shl
   i32.const 1024
   i32.add
   local.tee $3
   i32.load
   local.tee $1
   if
    local.get $3
    local.get $1
    i32.load
    i32.store
    i32.const 0
    global.set $asm/core/fresh
    br $__inlined_func$asm/core/allocBlock$14
   end
   global.get $asm/core/heapTop
   i64.extend_i32_u
   i64.const 1
   local.get $4
   i64.extend_i32_s
   i64.shl
   i64.add
   local.tee $6
   i64.const 2147418112
   i64.gt_u
   if
    i32.const 0
    local.set $1
    br $__inlined_func$asm/core/allocBlock$14
   end
   i32.const 1
   global.set $asm/core/fresh
   memory.size
   i64.extend_i32_s
   i64.const 16
   i64.shl
   local.tee $11
   local.get $6
   i64.lt_u
   if
    local.get $6
    local.get $11
    i64.sub
    i64.const 65535
    i64.add
    i64.const 16
    i64.shr_u
    i32.wrap_i64
    memory.grow
    i32.const 0
    i32.lt_s
    if
     i32.const 0
     local.set $1
     br $__inlined_func$asm/core/allocBlock$14
    end
   end
   global.get $asm/core/heapTop
   local.set $1
   local.get $6
   i32.wrap_i64
   global.set $asm/core/heapTop
  end
  local.get $1
  local.set $3
  block $__inlined_func$asm/core/allocBlock$15
   local.get $4
   i32.const 30
   i32.gt_s
   if
    i32.const 0
    local.set $1
    br $__inlined_func$asm/core/allocBlock$15
   end
   local.get $4
   i32.const 2
   i32.shl
   i32.const 1024
   i32.add
   local.tee $8
   i32.load
   local.tee $1
   if
    local.get $8
    local.get $1
    i32.load
    i32.store
    i32.const 0
    global.set $asm/core/fresh
    br $__inlined_func$asm/core/allocBlock$15
   end
   global.get $asm/core/heapTop
   i64.extend_i32_u
   i64.const 1
   local.get $4
   i64.extend_i32_s
   i64.shl
   i64.add
   local.tee $6
   i64.const 2147418112
   i64.gt_u
   if
    i32.const 0
    local.set $1
    br $__inlined_func$asm/core/allocBlock$15
   end
   i32.const 1
   global.set $asm/core/fresh
   memory.size
   i64.extend_i32_s
   i64.const 16
   i64.shl
   local.tee $11
   local.get $6
   i64.lt_u
   if
    local.get $6
    local.get $11
    i64.sub
    i64.const 65535
    i64.add
    i64.const 16
    i64.shr_u
    i32.wrap_i64
    memory.grow
    i32.const 0
    i32.lt_s
    if
     i32.const 0
     local.set $1
     br $__inlined_func$asm/core/allocBlock$15
    end
   end
   global.get $asm/core/heapTop
   local.set $1
   local.get $6
   i32.wrap_i64
   global.set $asm/core/heapTop
  end
  local.get $1
  local.set $4
  global.get $asm/core/fresh
  block $__inlined_func$asm/core/allocBlock$16
   local.get $5
   i32.const 30
   i32.gt_s
   if
    i32.const 0
    local.set $1
    br $__inlined_func$asm/core/allocBlock$16
   end
   local.get $5
   i32.const 2
   i32.shl
   i32.const 1024
   i32.add
   local.tee $8
   i32.load
   local.tee $1
   if
    local.get $8
    local.get $1
    i32.load
    i32.store
    i32.const 0
    global.set $asm/core/fresh
    br $__inlined_func$asm/core/allocBlock$16
   end
   global.get $asm/core/heapTop
   i64.extend_i32_u
   i64.const 1
   local.get $5
   i64.extend_i32_s
   i64.shl
   i64.add
   local.tee $6
   i64.const 2147418112
   i64.gt_u
   if
    i32.const 0
    local.set $1
    br $__inlined_func$asm/core/allocBlock$16
   end
   i32.const 1
   global.set $asm/core/fresh
   memory.size
   i64.extend_i32_s
   i64.const 16
   i64.shl
   local.tee $11
   local.get $6
   i64.lt_u
   if
    local.get $6
    local.get $11
    i64.sub
    i64.const 65535
    i64.add
    i64.const 16
    i64.shr_u
    i32.wrap_i64
    memory.grow
    i32.const 0
    i32.lt_s
    if
     i32.const 0
     local.set $1
     br $__inlined_func$asm/core/allocBlock$16
    end
   end
   global.get $asm/core/heapTop
   local.set $1
   local.get $6
   i32.wrap_i64
   global.set $asm/core/heapTop
  end
  local.get $1
  local.set $5
  global.get $asm/core/fresh
  local.set $13
  block $__inlined_func$asm/core/allocBlock$17
   local.get $10
   i32.const 2
   i32.add
   local.tee $8
   i32.const 30
   i32.gt_u
   if
    i32.const 0
    local.set $1
    br $__inlined_func$asm/core/allocBlock$17
   end
   local.get $8
   i32.const 2
   i32.shl
   i32.const 1024
   i32.add
   local.tee $9
   i32.load
   local.tee $1
   if
    local.get $9
    local.get $1
    i32.load
    i32.store
    i32.const 0
    global.set $asm/core/fresh
    br $__inlined_func$asm/core/allocBlock$17
   end
   global.get $asm/core/heapTop
   i64.extend_i32_u
   i64.const 1
   local.get $8
   i64.extend_i32_s
   i64.shl
   i64.add
   local.tee $6
   i64.const 2147418112
   i64.gt_u
   if
    i32.const 0
    local.set $1
    br $__inlined_func$asm/core/allocBlock$17
   end
   i32.const 1
   global.set $asm/core/fresh
   memory.size
   i64.extend_i32_s
   i64.const 16
   i64.shl
   local.tee $11
   local.get $6
   i64.lt_u
   if
    local.get $6
    local.get $11
    i64.sub
    i64.const 65535
    i64.add
    i64.const 16
    i64.shr_u
    i32.wrap_i64
    memory.grow
    i32.const 0
    i32.lt_s
    if
     i32.const 0
     local.set $1
     br $__inlined_func$asm/core/allocBlock$17
    end
   end
   global.get $asm/core/heapTop
   local.set $1
   local.get $6
   i32.wrap_i64
   global.set $asm/core/heapTop
  end
  local.get $1
  i32.eqz
  local.get $5
  i32.eqz
  local.get $4
  i32.eqz
  local.get $3
  i32.eqz
  local.get $2
  i32.eqz
  i32.or
  i32.or
  i32.or
  i32.or
  if
   local.get $2
   if
    local.get $2
    local.get $10
    i32.const 2
    i32.shl
    i32.const 1040
    i32.add
    local.tee $7
    i32.load
    i32.store
    local.get $7
    local.get $2
    i32.store
   end
   local.get $3
   if
    local.get $3
    local.get $0
    i32.ctz
    i32.const 2
    i32.shl
    i32.const 1036
    i32.add
    local.tee $2
    i32.load
    i32.store
    local.get $2
    local.get $3
    i32.store
   end
   local.get $4
   if
    local.get $4
    local.get $0
    i32.ctz
    i32.const 2
    i32.shl
    i32.const 1036
    i32.add
    local.tee $2
    i32.load
    i32.store
    local.get $2
    local.get $4
    i32.store
   end
   local.get $5
   if
    local.get $5
    local.get $0
    i32.ctz
    i32.const 2
    i32.shl
    i32.const 1040
    i32.add
    local.tee $2
    i32.load
    i32.store
    local.get $2
    local.get $5
    i32.store
   end
   local.get $1
   if
    local.get $1
    local.get $0
    i32.ctz
    i32.const 2
    i32.shl
    i32.const 1032
    i32.add
    local.tee $0
    i32.load
    i32.store
    local.get $0
    local.get $1
    i32.store
   end
   i32.const -100
   return
  end
  local.get $2
  global.get $asm/core/slots
  global.get $asm/core/slotTop
  i32.const 4
  i32.shl
  memory.copy
  local.get $3
  global.get $asm/core/seqs
  global.get $asm/core/slotTop
  i32.const 3
  i32.shl
  memory.copy
  global.get $asm/core/slotTop
  i32.const 0
  global.get $asm/core/dirty
  select
  local.tee $8
  if
   local.get $4
   global.get $asm/core/prios
   local.get $8
   i32.const 3
   i32.shl
   memory.copy
   local.get $5
   global.get $asm/core/lims
   local.get $8
   i32.const 4
   i32.shl
   memory.copy
  end
  i32.eqz
  if
   local.get $4
   local.get $8
   i32.const 3
   i32.shl
   i32.add
   i32.const 0
   local.get $0
   local.get $8
   i32.sub
   i32.const 3
   i32.shl
   memory.fill
  end
  local.get $13
  i32.eqz
  if
   local.get $5
   local.get $8
   i32.const 4
   i32.shl
   i32.add
   i32.const 0
   local.get $0
   local.get $8
   i32.sub
   i32.const 4
   i32.shl
   memory.fill
  end
  global.get $asm/core/slotCap
  i32.const 1
  i32.sub
  local.set $8
  loop $for-loop|1
   local.get $7
   global.get $asm/core/ringCount
   i32.lt_s
   if
    local.get $1
    local.get $7
    i32.const 2
    i32.shl
    i32.add
    global.get $asm/core/ring
    global.get $asm/core/ringHead
    local.get $7
    i32.add
    local.get $8
    i32.and
    i32.const 2
    i32.shl
    i32.add
    i32.load
    i32.store
    local.get $7
    i32.const 1
    i32.add
    local.set $7
    br $for-loop|1
   end
  end
  global.get $asm/core/slots
  local.tee $7
  global.get $asm/core/slotCap
  i32.ctz
  i32.const 2
  i32.shl
  local.tee $8
  i32.const 1040
  i32.add
  local.tee $9
  i32.load
  i32.store
  local.get $9
  local.get $7
  i32.store
  global.get $asm/core/seqs
  local.tee $7
  local.get $8
  i32.const 1036
  i32.add
  local.tee $10
  i32.load
  i32.store
  local.get $10
  local.get $7
  i32.store
  global.get $asm/core/prios
  local.tee $7
  local.get $10
  i32.load
  i32.store
  local.get $10
  local.get $7
  i32.store
  global.get $asm/core/lims
  local.tee $7
  local.get $9
  i32.load
  i32.store
  local.get $9
  local.get $7
  i32.store
  global.get $asm/core/ring
  local.tee $7
  local.get $8
  i32.const 1032
  i32.add
  local.tee $8
  i32.load
  i32.store
  local.get $8
  local.get $7
  i32.store
  global.get $asm/core/bytesHeld
  local.get $0
  global.get $asm/core/slotCap
  i32.sub
  i32.const 52
  i32.mul
  i32.add
  global.set $asm/core/bytesHeld
  local.get $2
  global.set $asm/core/slots
  local.get $3
  global.set $asm/core/seqs
  local.get $4
  global.set $asm/core/prios
  local.get $5
  global.set $asm/core/lims
  local.get $1
  global.set $asm/core/ring
  i32.const 0
  global.set $asm/core/ringHead
  local.get $0
  global.set $asm/core/slotCap
  i32.const 0
 )
 (func $asm/core/ensureEdges (param $0 i32) (result i32)
  (local $1 i32)
  (local $2 i64)
  (local $3 i64)
  (local $4 i32)
  (local $5 i32)
  local.get $0
  i64.extend_i32_s
  global.get $asm/core/edgeCap
  global.get $asm/core/edgeTop
  i32.sub
  i64.extend_i32_s
  global.get $asm/core/edgeFreeCount
  i64.extend_i32_s
  i64.add
  i64.le_s
  if
   i32.const 0
   return
  end
  global.get $asm/core/edgeCap
  local.set $1
  loop $while-continue|0
   local.get $0
   i64.extend_i32_s
   local.get $1
   global.get $asm/core/edgeTop
   i32.sub
   i64.extend_i32_s
   global.get $asm/core/edgeFreeCount
   i64.extend_i32_s
   i64.add
   i64.gt_s
   if
    local.get $1
    i32.const 134217728
    i32.ge_s
    if
     i32.const -100
     return
    end
    local.get $1
    i32.const 1
    i32.shl
    local.set $1
    br $while-continue|0
   end
  end
  block $__inlined_func$asm/core/allocBlock$18
   local.get $1
   i32.ctz
   i32.const 3
   i32.add
   local.tee $4
   i32.const 30
   i32.gt_u
   if
    i32.const 0
    local.set $0
    br $__inlined_func$asm/core/allocBlock$18
   end
   local.get $4
   i32.const 2
   i32.shl
   i32.const 1024
   i32.add
   local.tee $5
   i32.load
   local.tee $0
   if
    local.get $5
    local.get $0
    i32.load
    i32.store
    i32.const 0
    global.set $asm/core/fresh
    br $__inlined_func$asm/core/allocBlock$18
   end
   global.get $asm/core/heapTop
   i64.extend_i32_u
   i64.const 1
   local.get $4
   i64.extend_i32_s
   i64.shl
   i64.add
   local.tee $2
   i64.const 2147418112
   i64.gt_u
   if
    i32.const 0
    local.set $0
    br $__inlined_func$asm/core/allocBlock$18
   end
   i32.const 1
   global.set $asm/core/fresh
   memory.size
   i64.extend_i32_s
   i64.const 16
   i64.shl
   local.tee $3
   local.get $2
   i64.lt_u
   if
    local.get $2
    local.get $3
    i64.sub
    i64.const 65535
    i64.add
    i64.const 16
    i64.shr_u
    i32.wrap_i64
    memory.grow
    i32.const 0
    i32.lt_s
    if
     i32.const 0
     local.set $0
     br $__inlined_func$asm/core/allocBlock$18
    end
   end
   global.get $asm/core/heapTop
   local.set $0
   local.get $2
   i32.wrap_i64
   global.set $asm/core/heapTop
  end
  local.get $0
  i32.eqz
  if
   i32.const -100
   return
  end
  local.get $0
  global.get $asm/core/edges
  global.get $asm/core/edgeTop
  i32.const 3
  i32.shl
  memory.copy
  global.get $asm/core/edges
  local.tee $4
  global.get $asm/core/edgeCap
  i32.ctz
  i32.const 2
  i32.shl
  i32.const 1036
  i32.add
  local.tee $5
  i32.load
  i32.store
  local.get $5
  local.get $4
  i32.store
  global.get $asm/core/bytesHeld
  local.get $1
  global.get $asm/core/edgeCap
  i32.sub
  i32.const 3
  i32.shl
  i32.add
  global.set $asm/core/bytesHeld
  local.get $0
  global.set $asm/core/edges
  local.get $1
  global.set $asm/core/edgeCap
  i32.const 0
 )
 (func $asm/core/sortReady (param $0 i32)
  global.get $asm/core/broken
  global.get $asm/core/nPrio
  i32.eqz
  global.get $asm/core/rdyLen
  local.get $0
  i32.sub
  i32.const 2
  i32.lt_s
  i32.or
  i32.or
  if
   return
  end
  global.get $asm/core/rdyPtr
  local.get $0
  i32.const 2
  i32.shl
  i32.add
  global.get $asm/core/rdyLen
  local.get $0
  i32.sub
  call $asm/core/sortIds
  if
   i32.const 1
   global.set $asm/core/broken
  end
 )
 (func $asm/core/sortIds (param $0 i32) (param $1 i32) (result i32)
  (local $2 i32)
  (local $3 i32)
  (local $4 i32)
  (local $5 i32)
  (local $6 f64)
  (local $7 f64)
  (local $8 i32)
  (local $9 i32)
  (local $10 i32)
  (local $11 i64)
  (local $12 i32)
  (local $13 f64)
  (local $14 i64)
  (local $15 i32)
  (local $16 i32)
  (local $17 i32)
  local.get $1
  i32.const 2
  i32.lt_s
  if
   i32.const 0
   return
  end
  local.get $0
  i32.load
  local.set $2
  i32.const 1
  local.set $4
  loop $for-loop|0
   local.get $1
   local.get $4
   i32.gt_s
   if
    block $for-break0
     local.get $2
     local.set $5
     local.get $0
     local.get $4
     i32.const 2
     i32.shl
     i32.add
     i32.load
     local.set $2
     global.get $asm/core/nPrio
     if (result f64)
      global.get $asm/core/prios
      local.get $2
      i32.const 2097151
      i32.and
      i32.const 3
      i32.shl
      i32.add
      f64.load
     else
      f64.const 0
     end
     local.tee $7
     global.get $asm/core/nPrio
     if (result f64)
      global.get $asm/core/prios
      local.get $5
      i32.const 2097151
      i32.and
      i32.const 3
      i32.shl
      i32.add
      f64.load
     else
      f64.const 0
     end
     local.tee $6
     f64.gt
     if (result i32)
      i32.const 1
     else
      local.get $6
      local.get $7
      f64.eq
      if (result i32)
       global.get $asm/core/seqs
       local.get $2
       i32.const 2097151
       i32.and
       i32.const 3
       i32.shl
       i32.add
       f64.load
       global.get $asm/core/seqs
       local.get $5
       i32.const 2097151
       i32.and
       i32.const 3
       i32.shl
       i32.add
       f64.load
       f64.lt
      else
       i32.const 0
      end
     end
     br_if $for-break0
     local.get $4
     i32.const 1
     i32.add
     local.set $4
     br $for-loop|0
    end
   end
  end
  local.get $1
  local.get $4
  i32.eq
  if
   i32.const 0
   return
  end
  block $__inlined_func$asm/core/ensureScratch$121 (result i32)
   i32.const 0
   local.get $1
   i64.extend_i32_s
   i64.const 48
   i64.mul
   local.tee $11
   global.get $asm/core/scratchBytes
   i64.extend_i32_s
   i64.le_u
   br_if $__inlined_func$asm/core/ensureScratch$121
   drop
   i32.const -100
   i32.const 64
   local.get $11
   i64.const 1
   i64.sub
   i64.clz
   i32.wrap_i64
   i32.sub
   local.tee $8
   i32.const 30
   i32.gt_s
   local.tee $2
   br_if $__inlined_func$asm/core/ensureScratch$121
   drop
   block $__inlined_func$asm/core/allocBlock$22
    local.get $2
    if
     i32.const 0
     local.set $2
     br $__inlined_func$asm/core/allocBlock$22
    end
    local.get $8
    i32.const 2
    i32.shl
    i32.const 1024
    i32.add
    local.tee $4
    i32.load
    local.tee $2
    if
     local.get $4
     local.get $2
     i32.load
     i32.store
     i32.const 0
     global.set $asm/core/fresh
     br $__inlined_func$asm/core/allocBlock$22
    end
    global.get $asm/core/heapTop
    i64.extend_i32_u
    i64.const 1
    local.get $8
    i64.extend_i32_s
    i64.shl
    i64.add
    local.tee $11
    i64.const 2147418112
    i64.gt_u
    if
     i32.const 0
     local.set $2
     br $__inlined_func$asm/core/allocBlock$22
    end
    i32.const 1
    global.set $asm/core/fresh
    memory.size
    i64.extend_i32_s
    i64.const 16
    i64.shl
    local.tee $14
    local.get $11
    i64.lt_u
    if
     local.get $11
     local.get $14
     i64.sub
     i64.const 65535
     i64.add
     i64.const 16
     i64.shr_u
     i32.wrap_i64
     memory.grow
     i32.const 0
     i32.lt_s
     if
      i32.const 0
      local.set $2
      br $__inlined_func$asm/core/allocBlock$22
     end
    end
    global.get $asm/core/heapTop
    local.set $2
    local.get $11
    i32.wrap_i64
    global.set $asm/core/heapTop
   end
   i32.const -100
   local.get $2
   i32.eqz
   br_if $__inlined_func$asm/core/ensureScratch$121
   drop
   global.get $asm/core/scratch
   if
    global.get $asm/core/scratch
    local.tee $5
    global.get $asm/core/scratchBytes
    i32.ctz
    i32.const 2
    i32.shl
    i32.const 1024
    i32.add
    local.tee $4
    i32.load
    i32.store
    local.get $4
    local.get $5
    i32.store
   end
   global.get $asm/core/bytesHeld
   i32.const 1
   local.get $8
   i32.shl
   local.tee $4
   global.get $asm/core/scratchBytes
   i32.sub
   i32.add
   global.set $asm/core/bytesHeld
   local.get $2
   global.set $asm/core/scratch
   local.get $4
   global.set $asm/core/scratchBytes
   i32.const 0
  end
  local.tee $2
  if
   local.get $2
   return
  end
  global.get $asm/core/scratch
  local.set $2
  global.get $asm/core/scratch
  local.get $1
  i32.const 24
  i32.mul
  i32.add
  local.set $4
  loop $for-loop|1
   local.get $1
   local.get $3
   i32.gt_s
   if
    local.get $0
    local.get $3
    i32.const 2
    i32.shl
    i32.add
    i32.load
    local.set $8
    local.get $2
    local.get $3
    i32.const 24
    i32.mul
    i32.add
    local.tee $5
    global.get $asm/core/nPrio
    if (result f64)
     global.get $asm/core/prios
     local.get $8
     i32.const 2097151
     i32.and
     i32.const 3
     i32.shl
     i32.add
     f64.load
    else
     f64.const 0
    end
    f64.store
    local.get $5
    global.get $asm/core/seqs
    local.get $8
    i32.const 2097151
    i32.and
    i32.const 3
    i32.shl
    i32.add
    f64.load
    f64.store offset=8
    local.get $5
    local.get $8
    i32.store offset=16
    local.get $3
    i32.const 1
    i32.add
    local.set $3
    br $for-loop|1
   end
  end
  loop $for-loop|2
   local.get $1
   local.get $17
   i32.gt_s
   if
    local.get $17
    i32.const 16
    i32.add
    local.tee $3
    local.get $1
    local.get $1
    local.get $3
    i32.gt_s
    select
    local.set $10
    local.get $17
    i32.const 1
    i32.add
    local.set $5
    loop $for-loop|3
     local.get $5
     local.get $10
     i32.lt_s
     if
      local.get $2
      local.get $5
      i32.const 24
      i32.mul
      i32.add
      local.tee $3
      f64.load
      local.set $7
      local.get $3
      f64.load offset=8
      local.set $6
      local.get $3
      i32.load offset=16
      local.set $9
      local.get $5
      local.set $3
      loop $while-continue|4
       local.get $3
       local.get $17
       i32.gt_s
       if
        local.get $7
        local.get $2
        local.get $3
        i32.const 1
        i32.sub
        i32.const 24
        i32.mul
        i32.add
        local.tee $8
        f64.load
        local.tee $13
        f64.gt
        if (result i32)
         i32.const 1
        else
         local.get $7
         local.get $13
         f64.eq
         if (result i32)
          local.get $6
          local.get $8
          f64.load offset=8
          f64.lt
         else
          i32.const 0
         end
        end
        if
         local.get $8
         local.get $8
         i64.load
         i64.store offset=24
         local.get $8
         local.get $8
         i64.load offset=8
         i64.store offset=32
         local.get $8
         local.get $8
         i32.load offset=16
         i32.store offset=40
         local.get $3
         i32.const 1
         i32.sub
         local.set $3
         br $while-continue|4
        end
       end
      end
      local.get $3
      local.get $5
      i32.ne
      if
       local.get $2
       local.get $3
       i32.const 24
       i32.mul
       i32.add
       local.tee $3
       local.get $7
       f64.store
       local.get $3
       local.get $6
       f64.store offset=8
       local.get $3
       local.get $9
       i32.store offset=16
      end
      local.get $5
      i32.const 1
      i32.add
      local.set $5
      br $for-loop|3
     end
    end
    local.get $17
    i32.const 16
    i32.add
    local.set $17
    br $for-loop|2
   end
  end
  i32.const 16
  local.set $17
  loop $for-loop|5
   local.get $1
   local.get $17
   i32.gt_s
   if
    i32.const 0
    local.set $3
    loop $for-loop|6
     local.get $1
     local.get $3
     i32.gt_s
     if
      local.get $3
      local.get $17
      i32.const 1
      i32.shl
      i32.add
      local.tee $5
      local.get $1
      local.get $1
      local.get $5
      i32.gt_s
      select
      local.set $12
      local.get $3
      local.set $5
      local.get $3
      local.get $17
      i32.add
      local.tee $8
      local.get $1
      local.get $1
      local.get $8
      i32.gt_s
      select
      local.tee $10
      local.set $15
      local.get $4
      local.get $3
      i32.const 24
      i32.mul
      i32.add
      local.set $16
      loop $while-continue|0
       local.get $5
       local.get $10
       i32.lt_s
       local.get $12
       local.get $15
       i32.gt_s
       i32.and
       if
        local.get $2
        local.get $15
        i32.const 24
        i32.mul
        i32.add
        local.tee $8
        f64.load
        local.tee $7
        local.get $2
        local.get $5
        i32.const 24
        i32.mul
        i32.add
        local.tee $9
        f64.load
        local.tee $6
        f64.gt
        if (result i32)
         i32.const 1
        else
         local.get $6
         local.get $7
         f64.eq
         if (result i32)
          local.get $8
          f64.load offset=8
          local.get $9
          f64.load offset=8
          f64.lt
         else
          i32.const 0
         end
        end
        if
         local.get $16
         local.get $8
         i64.load
         i64.store
         local.get $16
         local.get $8
         i64.load offset=8
         i64.store offset=8
         local.get $16
         local.get $8
         i32.load offset=16
         i32.store offset=16
         local.get $15
         i32.const 1
         i32.add
         local.set $15
        else
         local.get $16
         local.get $9
         i64.load
         i64.store
         local.get $16
         local.get $9
         i64.load offset=8
         i64.store offset=8
         local.get $16
         local.get $9
         i32.load offset=16
         i32.store offset=16
         local.get $5
         i32.const 1
         i32.add
         local.set $5
        end
        local.get $16
        i32.const 24
        i32.add
        local.set $16
        br $while-continue|0
       end
      end
      local.get $5
      local.get $10
      i32.lt_s
      if
       local.get $16
       local.get $2
       local.get $5
       i32.const 24
       i32.mul
       i32.add
       local.get $10
       local.get $5
       i32.sub
       i32.const 24
       i32.mul
       memory.copy
      else
       local.get $12
       local.get $15
       i32.gt_s
       if
        local.get $16
        local.get $2
        local.get $15
        i32.const 24
        i32.mul
        i32.add
        local.get $12
        local.get $15
        i32.sub
        i32.const 24
        i32.mul
        memory.copy
       end
      end
      local.get $3
      local.get $17
      i32.const 1
      i32.shl
      i32.add
      local.set $3
      br $for-loop|6
     end
    end
    local.get $2
    local.get $4
    local.set $2
    local.set $4
    local.get $17
    i32.const 1
    i32.shl
    local.set $17
    br $for-loop|5
   end
  end
  i32.const 0
  local.set $3
  loop $for-loop|7
   local.get $1
   local.get $3
   i32.gt_s
   if
    local.get $0
    local.get $3
    i32.const 2
    i32.shl
    i32.add
    local.get $2
    local.get $3
    i32.const 24
    i32.mul
    i32.add
    i32.load offset=16
    i32.store
    local.get $3
    i32.const 1
    i32.add
    local.set $3
    br $for-loop|7
   end
  end
  i32.const 0
 )
 (func $asm/core/siftDown (param $0 i32) (param $1 i32) (param $2 i32) (param $3 f64) (param $4 f64) (param $5 i32)
  (local $6 i32)
  (local $7 i32)
  (local $8 i32)
  (local $9 f64)
  (local $10 f64)
  loop $for-loop|0
   block $for-break0
    local.get $2
    i32.const 1
    i32.shl
    i32.const 1
    i32.add
    local.tee $6
    local.get $1
    i32.ge_s
    br_if $for-break0
    local.get $0
    local.get $6
    i32.const 5
    i32.shl
    i32.add
    local.set $8
    local.get $6
    i32.const 1
    i32.add
    local.get $1
    i32.lt_s
    if
     local.get $8
     i32.const 32
     i32.add
     local.tee $7
     f64.load
     local.tee $9
     local.get $8
     f64.load
     local.tee $10
     f64.gt
     if (result i32)
      i32.const 1
     else
      local.get $9
      local.get $10
      f64.eq
      if (result i32)
       local.get $7
       f64.load offset=8
       local.get $8
       f64.load offset=8
       f64.lt
      else
       i32.const 0
      end
     end
     if
      local.get $7
      local.set $8
      local.get $6
      i32.const 1
      i32.add
      local.set $6
     end
    end
    local.get $8
    f64.load
    local.tee $9
    local.get $3
    f64.gt
    if (result i32)
     i32.const 1
    else
     local.get $3
     local.get $9
     f64.eq
     if (result i32)
      local.get $8
      f64.load offset=8
      local.get $4
      f64.lt
     else
      i32.const 0
     end
    end
    i32.eqz
    br_if $for-break0
    local.get $0
    local.get $2
    i32.const 5
    i32.shl
    i32.add
    local.tee $2
    local.get $8
    i64.load
    i64.store
    local.get $2
    local.get $8
    i64.load offset=8
    i64.store offset=8
    local.get $2
    local.get $8
    i32.load offset=16
    i32.store offset=16
    local.get $6
    local.set $2
    br $for-loop|0
   end
  end
  local.get $0
  local.get $2
  i32.const 5
  i32.shl
  i32.add
  local.tee $0
  local.get $3
  f64.store
  local.get $0
  local.get $4
  f64.store offset=8
  local.get $0
  local.get $5
  i32.store offset=16
 )
 (func $asm/core/pushFailed (param $0 i32) (param $1 i32)
  (local $2 i32)
  global.get $asm/core/failCap
  global.get $asm/core/failLen
  i32.const 2
  i32.add
  i32.lt_s
  if
   global.get $asm/core/failPtr
   global.get $asm/core/failLen
   global.get $asm/core/failCap
   call $asm/core/growList
   local.tee $2
   i32.eqz
   if
    i32.const 1
    global.set $asm/core/broken
    return
   end
   local.get $2
   global.set $asm/core/failPtr
   global.get $asm/core/failCap
   i32.const 1
   i32.shl
   global.set $asm/core/failCap
  end
  global.get $asm/core/failPtr
  global.get $asm/core/failLen
  i32.const 2
  i32.shl
  i32.add
  local.tee $2
  local.get $0
  i32.store
  local.get $2
  local.get $1
  i32.store offset=4
  global.get $asm/core/failLen
  i32.const 2
  i32.add
  global.set $asm/core/failLen
 )
 (func $asm/core/pushAdmitted (param $0 i32)
  (local $1 i32)
  global.get $asm/core/admLen
  global.get $asm/core/admCap
  i32.ge_s
  if
   global.get $asm/core/admPtr
   global.get $asm/core/admLen
   global.get $asm/core/admCap
   call $asm/core/growList
   local.tee $1
   i32.eqz
   if
    i32.const 1
    global.set $asm/core/broken
    return
   end
   local.get $1
   global.set $asm/core/admPtr
   global.get $asm/core/admCap
   i32.const 1
   i32.shl
   global.set $asm/core/admCap
  end
  global.get $asm/core/admPtr
  global.get $asm/core/admLen
  i32.const 2
  i32.shl
  i32.add
  local.get $0
  i32.store
  global.get $asm/core/admLen
  i32.const 1
  i32.add
  global.set $asm/core/admLen
 )
 (func $asm/core/popHeap (param $0 i32) (result i32)
  (local $1 i32)
  (local $2 i32)
  local.get $0
  i32.load offset=32
  local.tee $1
  i32.load offset=16
  local.get $0
  local.get $0
  i32.load offset=36
  i32.const 1
  i32.sub
  local.tee $0
  i32.store offset=36
  local.get $0
  i32.const 0
  i32.gt_s
  if
   local.get $1
   local.get $0
   i32.const 0
   local.get $1
   local.get $0
   i32.const 5
   i32.shl
   i32.add
   local.tee $0
   f64.load
   local.get $0
   f64.load offset=8
   local.get $0
   i32.load offset=16
   call $asm/core/siftDown
  end
 )
 (func $asm/core/finish (param $0 i32) (param $1 i32)
  (local $2 i32)
  (local $3 i32)
  (local $4 i32)
  (local $5 i32)
  (local $6 i32)
  (local $7 i32)
  (local $8 i32)
  (local $9 i32)
  global.get $asm/core/slots
  local.get $0
  i32.const 2097151
  i32.and
  i32.const 4
  i32.shl
  i32.add
  local.tee $2
  i32.load offset=4
  local.set $5
  local.get $2
  local.get $1
  i32.store offset=4
  local.get $5
  i32.const -9
  i32.and
  i32.const 2
  i32.eq
  if
   global.get $asm/core/nReady
   i32.const 1
   i32.sub
   global.set $asm/core/nReady
  else
   local.get $0
   local.get $5
   call $asm/core/dropClaims
  end
  local.get $1
  i32.const 3
  i32.eq
  if
   global.get $asm/core/nDone
   i32.const 1
   i32.add
   global.set $asm/core/nDone
   block $__inlined_func$asm/core/propagateDone$214
    local.get $2
    i32.load offset=8
    local.tee $0
    i32.const 0
    i32.lt_s
    br_if $__inlined_func$asm/core/propagateDone$214
    global.get $asm/core/edges
    local.set $5
    global.get $asm/core/slots
    local.set $6
    global.get $asm/core/rdyLen
    local.set $1
    loop $while-continue|0
     local.get $0
     i32.const 0
     i32.ge_s
     if
      local.get $5
      local.get $0
      i32.const 3
      i32.shl
      i32.add
      local.tee $0
      i32.load
      local.set $7
      local.get $0
      i32.load offset=4
      local.set $0
      local.get $3
      i32.const 1
      i32.add
      local.set $3
      local.get $6
      local.get $7
      i32.const 2097151
      i32.and
      i32.const 4
      i32.shl
      i32.add
      local.tee $8
      i32.load
      local.get $7
      i32.ne
      br_if $while-continue|0
      local.get $8
      i32.load offset=4
      local.tee $9
      i32.const 7
      i32.and
      i32.const 1
      i32.ne
      br_if $while-continue|0
      local.get $9
      i32.const 8
      i32.sub
      local.tee $9
      i32.const 1
      i32.eq
      if
       local.get $8
       i32.const 2
       i32.store offset=4
       local.get $4
       i32.const 1
       i32.add
       local.set $4
       local.get $1
       global.get $asm/core/rdyCap
       i32.ge_s
       if
        local.get $1
        global.set $asm/core/rdyLen
        global.get $asm/core/rdyPtr
        local.get $1
        global.get $asm/core/rdyCap
        call $asm/core/growList
        local.tee $8
        i32.eqz
        if
         i32.const 1
         global.set $asm/core/broken
         br $__inlined_func$asm/core/propagateDone$214
        end
        local.get $8
        global.set $asm/core/rdyPtr
        global.get $asm/core/rdyCap
        i32.const 1
        i32.shl
        global.set $asm/core/rdyCap
       end
       global.get $asm/core/rdyPtr
       local.get $1
       i32.const 2
       i32.shl
       i32.add
       local.get $7
       i32.store
       local.get $1
       i32.const 1
       i32.add
       local.set $1
      else
       local.get $8
       local.get $9
       i32.store offset=4
      end
      br $while-continue|0
     end
    end
    local.get $1
    global.set $asm/core/rdyLen
    global.get $asm/core/nWaiting
    local.get $4
    i32.sub
    global.set $asm/core/nWaiting
    global.get $asm/core/nReady
    local.get $4
    i32.add
    global.set $asm/core/nReady
    local.get $3
    if
     global.get $asm/core/edges
     local.get $2
     i32.load offset=12
     i32.const 3
     i32.shl
     i32.add
     global.get $asm/core/edgeFree
     i32.store offset=4
     local.get $2
     i32.load offset=8
     global.set $asm/core/edgeFree
     global.get $asm/core/edgeFreeCount
     local.get $3
     i32.add
     global.set $asm/core/edgeFreeCount
     local.get $2
     i32.const -1
     i32.store offset=8
     local.get $2
     i32.const -1
     i32.store offset=12
    end
   end
  else
   local.get $1
   i32.const 4
   i32.eq
   if
    global.get $asm/core/nFailed
    i32.const 1
    i32.add
    global.set $asm/core/nFailed
    global.get $asm/core/failLen
    local.get $0
    local.get $2
    i32.const 4
    call $asm/core/failDependents
    local.tee $0
    global.get $asm/core/nFailed
    i32.add
    global.set $asm/core/nFailed
    global.get $asm/core/nWaiting
    local.get $0
    i32.sub
    global.set $asm/core/nWaiting
    i32.const 4
    call $asm/core/spread
   else
    global.get $asm/core/nCancelled
    i32.const 1
    i32.add
    global.set $asm/core/nCancelled
    global.get $asm/core/cancLen
    local.get $0
    local.get $2
    i32.const 5
    call $asm/core/failDependents
    local.tee $0
    global.get $asm/core/nCancelled
    i32.add
    global.set $asm/core/nCancelled
    global.get $asm/core/nWaiting
    local.get $0
    i32.sub
    global.set $asm/core/nWaiting
    i32.const 5
    call $asm/core/spread
   end
  end
 )
 (func $asm/core/enqueue (param $0 i32) (param $1 i32)
  (local $2 i32)
  (local $3 i64)
  (local $4 f64)
  (local $5 f64)
  (local $6 i32)
  (local $7 i32)
  (local $8 i32)
  (local $9 f64)
  (local $10 i32)
  (local $11 i32)
  (local $12 i64)
  (local $13 i32)
  local.get $1
  i32.const 2097151
  i32.and
  i32.const 3
  i32.shl
  local.tee $6
  global.get $asm/core/seqs
  i32.add
  f64.load
  local.set $5
  global.get $asm/core/limits
  local.get $0
  i32.const 6
  i32.shl
  i32.add
  local.tee $7
  i32.load offset=24
  local.tee $8
  i32.eqz
  global.get $asm/core/nPrio
  if (result f64)
   global.get $asm/core/prios
   local.get $6
   i32.add
   f64.load
  else
   f64.const 0
  end
  local.tee $4
  local.get $7
  f64.load offset=48
  local.tee $9
  f64.lt
  i32.or
  if (result i32)
   i32.const 1
  else
   local.get $4
   local.get $9
   f64.eq
   if (result i32)
    local.get $7
    f64.load offset=56
    local.get $5
    f64.lt
   else
    i32.const 0
   end
  end
  if
   local.get $7
   i32.load offset=28
   local.tee $6
   local.get $8
   i32.eq
   if (result i32)
    block $__inlined_func$asm/core/allocBlock$20
     local.get $6
     i32.const 1
     i32.shl
     i32.const 16
     local.get $6
     select
     local.tee $10
     i32.ctz
     i32.const 2
     i32.add
     local.tee $2
     i32.const 30
     i32.gt_u
     if
      i32.const 0
      local.set $0
      br $__inlined_func$asm/core/allocBlock$20
     end
     local.get $2
     i32.const 2
     i32.shl
     i32.const 1024
     i32.add
     local.tee $11
     i32.load
     local.tee $0
     if
      local.get $11
      local.get $0
      i32.load
      i32.store
      i32.const 0
      global.set $asm/core/fresh
      br $__inlined_func$asm/core/allocBlock$20
     end
     global.get $asm/core/heapTop
     i64.extend_i32_u
     i64.const 1
     local.get $2
     i64.extend_i32_s
     i64.shl
     i64.add
     local.tee $3
     i64.const 2147418112
     i64.gt_u
     if
      i32.const 0
      local.set $0
      br $__inlined_func$asm/core/allocBlock$20
     end
     i32.const 1
     global.set $asm/core/fresh
     memory.size
     i64.extend_i32_s
     i64.const 16
     i64.shl
     local.tee $12
     local.get $3
     i64.lt_u
     if
      local.get $3
      local.get $12
      i64.sub
      i64.const 65535
      i64.add
      i64.const 16
      i64.shr_u
      i32.wrap_i64
      memory.grow
      i32.const 0
      i32.lt_s
      if
       i32.const 0
       local.set $0
       br $__inlined_func$asm/core/allocBlock$20
      end
     end
     global.get $asm/core/heapTop
     local.set $0
     local.get $3
     i32.wrap_i64
     global.set $asm/core/heapTop
    end
    local.get $0
    if (result i32)
     local.get $6
     if
      local.get $6
      local.get $7
      i32.load offset=20
      local.tee $11
      i32.sub
      i32.const 2
      i32.shl
      local.set $13
      local.get $0
      local.get $7
      i32.load offset=16
      local.tee $2
      local.get $11
      i32.const 2
      i32.shl
      local.tee $11
      i32.add
      local.get $13
      memory.copy
      local.get $0
      local.get $13
      i32.add
      local.get $2
      local.get $11
      memory.copy
      local.get $2
      local.get $6
      i32.ctz
      i32.const 2
      i32.shl
      i32.const 1032
      i32.add
      local.tee $11
      i32.load
      i32.store
      local.get $11
      local.get $2
      i32.store
     end
     global.get $asm/core/bytesHeld
     local.get $10
     local.get $6
     i32.sub
     i32.const 2
     i32.shl
     i32.add
     global.set $asm/core/bytesHeld
     local.get $7
     local.get $0
     i32.store offset=16
     local.get $7
     i32.const 0
     i32.store offset=20
     local.get $7
     local.get $10
     i32.store offset=28
     i32.const 1
    else
     i32.const 0
    end
   else
    i32.const 1
   end
   i32.eqz
   if
    i32.const 1
    global.set $asm/core/broken
    return
   end
   local.get $7
   i32.load offset=16
   local.get $7
   i32.load offset=20
   local.get $8
   i32.add
   local.get $7
   i32.load offset=28
   i32.const 1
   i32.sub
   i32.and
   i32.const 2
   i32.shl
   i32.add
   local.get $1
   i32.store
   local.get $7
   local.get $8
   i32.const 1
   i32.add
   i32.store offset=24
   local.get $7
   local.get $4
   f64.store offset=48
   local.get $7
   local.get $5
   f64.store offset=56
   return
  end
  local.get $7
  i32.load offset=36
  local.tee $0
  local.get $7
  i32.load offset=40
  local.tee $6
  i32.eq
  if (result i32)
   block $__inlined_func$asm/core/allocBlock$21
    local.get $6
    i32.const 1
    i32.shl
    i32.const 16
    local.get $6
    select
    local.tee $8
    i32.ctz
    i32.const 5
    i32.add
    local.tee $10
    i32.const 30
    i32.gt_u
    br_if $__inlined_func$asm/core/allocBlock$21
    local.get $10
    i32.const 2
    i32.shl
    i32.const 1024
    i32.add
    local.tee $11
    i32.load
    local.tee $2
    if
     local.get $11
     local.get $2
     i32.load
     i32.store
     i32.const 0
     global.set $asm/core/fresh
     br $__inlined_func$asm/core/allocBlock$21
    end
    global.get $asm/core/heapTop
    i64.extend_i32_u
    i64.const 1
    local.get $10
    i64.extend_i32_s
    i64.shl
    i64.add
    local.tee $3
    i64.const 2147418112
    i64.gt_u
    if
     i32.const 0
     local.set $2
     br $__inlined_func$asm/core/allocBlock$21
    end
    i32.const 1
    global.set $asm/core/fresh
    memory.size
    i64.extend_i32_s
    i64.const 16
    i64.shl
    local.tee $12
    local.get $3
    i64.lt_u
    if
     local.get $3
     local.get $12
     i64.sub
     i64.const 65535
     i64.add
     i64.const 16
     i64.shr_u
     i32.wrap_i64
     memory.grow
     i32.const 0
     i32.lt_s
     if
      i32.const 0
      local.set $2
      br $__inlined_func$asm/core/allocBlock$21
     end
    end
    global.get $asm/core/heapTop
    local.set $2
    local.get $3
    i32.wrap_i64
    global.set $asm/core/heapTop
   end
   local.get $2
   if (result i32)
    local.get $6
    if
     local.get $2
     local.get $7
     i32.load offset=32
     local.tee $10
     local.get $7
     i32.load offset=36
     i32.const 5
     i32.shl
     memory.copy
     local.get $10
     local.get $6
     i32.ctz
     i32.const 2
     i32.shl
     i32.const 1044
     i32.add
     local.tee $11
     i32.load
     i32.store
     local.get $11
     local.get $10
     i32.store
    end
    global.get $asm/core/bytesHeld
    local.get $8
    local.get $6
    i32.sub
    i32.const 5
    i32.shl
    i32.add
    global.set $asm/core/bytesHeld
    local.get $7
    local.get $2
    i32.store offset=32
    local.get $7
    local.get $8
    i32.store offset=40
    i32.const 1
   else
    i32.const 0
   end
  else
   i32.const 1
  end
  i32.eqz
  if
   i32.const 1
   global.set $asm/core/broken
   return
  end
  local.get $7
  local.get $0
  i32.const 1
  i32.add
  i32.store offset=36
  local.get $7
  i32.load offset=32
  local.set $6
  loop $while-continue|0
   local.get $0
   i32.const 0
   i32.gt_s
   if
    local.get $6
    local.get $0
    i32.const 1
    i32.sub
    i32.const 1
    i32.shr_s
    local.tee $2
    i32.const 5
    i32.shl
    i32.add
    local.tee $7
    f64.load
    local.tee $9
    local.get $4
    f64.lt
    if (result i32)
     i32.const 1
    else
     local.get $4
     local.get $9
     f64.eq
     if (result i32)
      local.get $5
      local.get $7
      f64.load offset=8
      f64.lt
     else
      i32.const 0
     end
    end
    if
     local.get $6
     local.get $0
     i32.const 5
     i32.shl
     i32.add
     local.tee $0
     local.get $7
     i64.load
     i64.store
     local.get $0
     local.get $7
     i64.load offset=8
     i64.store offset=8
     local.get $0
     local.get $7
     i32.load offset=16
     i32.store offset=16
     local.get $2
     local.set $0
     br $while-continue|0
    end
   end
  end
  local.get $6
  local.get $0
  i32.const 5
  i32.shl
  i32.add
  local.tee $0
  local.get $4
  f64.store
  local.get $0
  local.get $5
  f64.store offset=8
  local.get $0
  local.get $1
  i32.store offset=16
 )
 (func $asm/core/dropClaims (param $0 i32) (param $1 i32)
  (local $2 i32)
  (local $3 i32)
  local.get $1
  i32.const 7
  i32.and
  local.tee $2
  i32.const 2
  i32.eq
  if
   global.get $asm/core/nReady
   i32.const 1
   i32.sub
   global.set $asm/core/nReady
  else
   local.get $2
   i32.const 6
   i32.eq
   if
    global.get $asm/core/C
    global.get $asm/core/C
    i32.load offset=56
    i32.const 1
    i32.sub
    i32.store offset=56
    global.get $asm/core/limits
    local.get $1
    i32.const 4
    i32.shr_u
    local.tee $0
    i32.const 6
    i32.shl
    i32.add
    local.tee $1
    i32.load offset=12
    i32.const 1
    i32.add
    local.set $2
    local.get $1
    local.get $2
    i32.store offset=12
    local.get $2
    i32.const 32
    i32.ge_s
    if (result i32)
     local.get $1
     i32.load offset=24
     local.get $1
     i32.load offset=36
     i32.add
     local.get $2
     i32.const 1
     i32.shl
     i32.le_s
    else
     i32.const 0
    end
    if
     local.get $0
     local.get $1
     call $asm/core/compact
    end
   else
    global.get $asm/core/C
    global.get $asm/core/C
    i32.load offset=60
    i32.const 1
    i32.sub
    i32.store offset=60
    global.get $asm/core/lims
    local.get $0
    i32.const 2097151
    i32.and
    i32.const 4
    i32.shl
    i32.add
    local.set $2
    i32.const 0
    local.set $1
    loop $for-loop|0
     local.get $1
     i32.const 8
     i32.lt_s
     if
      local.get $2
      local.get $1
      i32.const 1
      i32.shl
      i32.add
      i32.load16_u
      i32.const 1
      i32.sub
      local.tee $3
      i32.const 0
      i32.ge_s
      if
       global.get $asm/core/limits
       local.get $3
       i32.const 6
       i32.shl
       i32.add
       local.tee $0
       i32.load offset=8
       i32.eqz
       if
        local.get $0
        local.get $0
        i32.load offset=4
        i32.const 1
        i32.sub
        i32.store offset=4
        local.get $0
        i32.load offset=44
        i32.const -2
        i32.eq
        if
         local.get $0
         i32.const -1
         i32.store offset=44
         global.get $asm/core/wakeTail
         i32.const 0
         i32.lt_s
         if
          local.get $3
          global.set $asm/core/wakeHead
         else
          global.get $asm/core/limits
          global.get $asm/core/wakeTail
          i32.const 6
          i32.shl
          i32.add
          local.get $3
          i32.store offset=44
         end
         local.get $3
         global.set $asm/core/wakeTail
        end
       end
       local.get $1
       i32.const 1
       i32.add
       local.set $1
       br $for-loop|0
      end
     end
    end
   end
  end
 )
 (func $asm/core/checkLive (param $0 i32) (result i32)
  (local $1 i32)
  (local $2 i32)
  block $__inlined_func$asm/core/idStatus$209 (result i32)
   i32.const -1
   local.get $0
   i32.const 2097151
   i32.and
   local.tee $1
   global.get $asm/core/slotTop
   i32.ge_s
   local.get $0
   i32.const 1073741824
   i32.ge_u
   i32.or
   br_if $__inlined_func$asm/core/idStatus$209
   drop
   global.get $asm/core/slots
   local.get $1
   i32.const 4
   i32.shl
   i32.add
   local.tee $2
   i32.load
   local.tee $1
   local.get $0
   i32.eq
   if
    i32.const 0
    local.get $2
    i32.load offset=4
    local.tee $1
    i32.const 7
    i32.and
    br_if $__inlined_func$asm/core/idStatus$209
    drop
    i32.const -2
    i32.const -1
    local.get $1
    select
    br $__inlined_func$asm/core/idStatus$209
   end
   i32.const -2
   i32.const -1
   local.get $0
   i32.const 21
   i32.shr_u
   local.get $1
   i32.const 21
   i32.shr_u
   i32.lt_s
   select
  end
  local.tee $1
  if
   local.get $1
   return
  end
  global.get $asm/core/slots
  local.get $0
  i32.const 2097151
  i32.and
  i32.const 4
  i32.shl
  i32.add
  i32.load offset=4
  local.tee $0
  i32.const 2
  i32.eq
  if
   i32.const 0
   return
  end
  local.get $0
  i32.const 7
  i32.and
  local.tee $1
  i32.const 1
  i32.eq
  if
   i32.const -4
   return
  end
  local.get $0
  i32.const 8
  i32.and
  i32.eqz
  local.get $1
  i32.const 7
  i32.eq
  local.get $1
  i32.const 6
  i32.eq
  i32.or
  i32.and
  if
   i32.const 0
   return
  end
  i32.const -3
 )
 (func $asm/core/state (param $0 i32) (param $1 i32) (result i32)
  (local $2 i32)
  local.get $0
  call $asm/core/enter
  block $__inlined_func$asm/core/idStatus$169 (result i32)
   i32.const -1
   local.get $1
   i32.const 2097151
   i32.and
   local.tee $0
   global.get $asm/core/slotTop
   i32.ge_s
   local.get $1
   i32.const 1073741824
   i32.ge_u
   i32.or
   br_if $__inlined_func$asm/core/idStatus$169
   drop
   global.get $asm/core/slots
   local.get $0
   i32.const 4
   i32.shl
   i32.add
   local.tee $2
   i32.load
   local.tee $0
   local.get $1
   i32.eq
   if
    i32.const 0
    local.get $2
    i32.load offset=4
    local.tee $0
    i32.const 7
    i32.and
    br_if $__inlined_func$asm/core/idStatus$169
    drop
    i32.const -2
    i32.const -1
    local.get $0
    select
    br $__inlined_func$asm/core/idStatus$169
   end
   i32.const -2
   i32.const -1
   local.get $1
   i32.const 21
   i32.shr_u
   local.get $0
   i32.const 21
   i32.shr_u
   i32.lt_s
   select
  end
  local.tee $0
  if
   global.get $asm/core/C
   i32.const 0
   i32.store offset=40
   global.get $asm/core/C
   local.get $1
   i32.store offset=44
   global.get $asm/core/C
   local.tee $1
   global.get $asm/core/inPtr
   i32.store
   local.get $1
   global.get $asm/core/inCap
   i32.store offset=4
   local.get $1
   global.get $asm/core/rdyPtr
   i32.store offset=8
   local.get $1
   global.get $asm/core/rdyLen
   i32.store offset=12
   local.get $1
   global.get $asm/core/failPtr
   i32.store offset=16
   local.get $1
   global.get $asm/core/failLen
   i32.store offset=20
   local.get $1
   global.get $asm/core/cancPtr
   i32.store offset=24
   local.get $1
   global.get $asm/core/cancLen
   i32.store offset=28
   local.get $1
   global.get $asm/core/nWaiting
   i32.store offset=48
   local.get $1
   global.get $asm/core/nReady
   i32.store offset=52
   local.get $1
   global.get $asm/core/nDone
   i32.store offset=64
   local.get $1
   global.get $asm/core/nFailed
   i32.store offset=68
   local.get $1
   global.get $asm/core/nCancelled
   i32.store offset=72
   local.get $1
   global.get $asm/core/nLive
   i32.store offset=76
   local.get $1
   global.get $asm/core/slotCap
   i32.store offset=80
   local.get $1
   global.get $asm/core/bytesHeld
   i32.store offset=84
   local.get $0
   return
  end
  global.get $asm/core/slots
  local.get $1
  i32.const 2097151
  i32.and
  i32.const 4
  i32.shl
  i32.add
  i32.load offset=4
  i32.const 7
  i32.and
 )
 (func $asm/core/setLimit (param $0 i32) (param $1 i32) (param $2 i32) (param $3 i32) (result i32)
  (local $4 i32)
  (local $5 i32)
  (local $6 i64)
  (local $7 i64)
  (local $8 i32)
  local.get $0
  call $asm/core/enter
  block $folding-inner1
   global.get $asm/core/broken
   if
    global.get $asm/core/C
    i32.const -2
    i32.store offset=40
    global.get $asm/core/C
    i32.const 0
    i32.store offset=44
    br $folding-inner1
   end
   local.get $1
   i32.const 4096
   i32.ge_u
   if
    global.get $asm/core/C
    i32.const -1
    i32.store offset=40
    global.get $asm/core/C
    local.get $1
    i32.store offset=44
    global.get $asm/core/C
    local.tee $0
    global.get $asm/core/inPtr
    i32.store
    local.get $0
    global.get $asm/core/inCap
    i32.store offset=4
    local.get $0
    global.get $asm/core/rdyPtr
    i32.store offset=8
    local.get $0
    global.get $asm/core/rdyLen
    i32.store offset=12
    local.get $0
    global.get $asm/core/failPtr
    i32.store offset=16
    local.get $0
    global.get $asm/core/failLen
    i32.store offset=20
    local.get $0
    global.get $asm/core/cancPtr
    i32.store offset=24
    local.get $0
    global.get $asm/core/cancLen
    i32.store offset=28
    local.get $0
    global.get $asm/core/nWaiting
    i32.store offset=48
    local.get $0
    global.get $asm/core/nReady
    i32.store offset=52
    local.get $0
    global.get $asm/core/nDone
    i32.store offset=64
    local.get $0
    global.get $asm/core/nFailed
    i32.store offset=68
    local.get $0
    global.get $asm/core/nCancelled
    i32.store offset=72
    local.get $0
    global.get $asm/core/nLive
    i32.store offset=76
    local.get $0
    global.get $asm/core/slotCap
    i32.store offset=80
    local.get $0
    global.get $asm/core/bytesHeld
    i32.store offset=84
    i32.const -9
    return
   end
   local.get $2
   i32.const 0
   i32.le_s
   local.get $2
   i32.const 1073741824
   i32.gt_s
   i32.or
   if
    global.get $asm/core/C
    i32.const -1
    i32.store offset=40
    global.get $asm/core/C
    local.get $2
    i32.store offset=44
    global.get $asm/core/C
    local.tee $0
    global.get $asm/core/inPtr
    i32.store
    local.get $0
    global.get $asm/core/inCap
    i32.store offset=4
    local.get $0
    global.get $asm/core/rdyPtr
    i32.store offset=8
    local.get $0
    global.get $asm/core/rdyLen
    i32.store offset=12
    local.get $0
    global.get $asm/core/failPtr
    i32.store offset=16
    local.get $0
    global.get $asm/core/failLen
    i32.store offset=20
    local.get $0
    global.get $asm/core/cancPtr
    i32.store offset=24
    local.get $0
    global.get $asm/core/cancLen
    i32.store offset=28
    local.get $0
    global.get $asm/core/nWaiting
    i32.store offset=48
    local.get $0
    global.get $asm/core/nReady
    i32.store offset=52
    local.get $0
    global.get $asm/core/nDone
    i32.store offset=64
    local.get $0
    global.get $asm/core/nFailed
    i32.store offset=68
    local.get $0
    global.get $asm/core/nCancelled
    i32.store offset=72
    local.get $0
    global.get $asm/core/nLive
    i32.store offset=76
    local.get $0
    global.get $asm/core/slotCap
    i32.store offset=80
    local.get $0
    global.get $asm/core/bytesHeld
    i32.store offset=84
    i32.const -11
    return
   end
   block $folding-inner0
    local.get $3
    i32.const 1
    i32.ne
    i32.const 0
    local.get $3
    select
    br_if $folding-inner0
    local.get $1
    global.get $asm/core/limitCap
    i32.lt_u
    if (result i32)
     global.get $asm/core/limits
     local.get $1
     i32.const 6
     i32.shl
     i32.add
     i32.load
     i32.const 0
     i32.gt_s
    else
     i32.const 0
    end
    if (result i32)
     global.get $asm/core/limits
     local.get $1
     i32.const 6
     i32.shl
     i32.add
     i32.load offset=8
     local.get $3
     i32.ne
    else
     i32.const 0
    end
    br_if $folding-inner0
    block $__inlined_func$asm/core/ensureLimits$270 (result i32)
     i32.const 0
     local.get $1
     i32.const 1
     i32.add
     local.tee $5
     global.get $asm/core/limitCap
     i32.le_s
     br_if $__inlined_func$asm/core/ensureLimits$270
     drop
     global.get $asm/core/limitCap
     i32.const 16
     global.get $asm/core/limitCap
     select
     local.set $0
     loop $while-continue|0
      local.get $0
      local.get $5
      i32.lt_s
      if
       local.get $0
       i32.const 1
       i32.shl
       local.set $0
       br $while-continue|0
      end
     end
     block $__inlined_func$asm/core/allocBlock$23
      local.get $0
      i32.ctz
      i32.const 6
      i32.add
      local.tee $5
      i32.const 30
      i32.gt_u
      br_if $__inlined_func$asm/core/allocBlock$23
      local.get $5
      i32.const 2
      i32.shl
      i32.const 1024
      i32.add
      local.tee $8
      i32.load
      local.tee $4
      if
       local.get $8
       local.get $4
       i32.load
       i32.store
       i32.const 0
       global.set $asm/core/fresh
       br $__inlined_func$asm/core/allocBlock$23
      end
      global.get $asm/core/heapTop
      i64.extend_i32_u
      i64.const 1
      local.get $5
      i64.extend_i32_s
      i64.shl
      i64.add
      local.tee $6
      i64.const 2147418112
      i64.gt_u
      if
       i32.const 0
       local.set $4
       br $__inlined_func$asm/core/allocBlock$23
      end
      i32.const 1
      global.set $asm/core/fresh
      memory.size
      i64.extend_i32_s
      i64.const 16
      i64.shl
      local.tee $7
      local.get $6
      i64.lt_u
      if
       local.get $6
       local.get $7
       i64.sub
       i64.const 65535
       i64.add
       i64.const 16
       i64.shr_u
       i32.wrap_i64
       memory.grow
       i32.const 0
       i32.lt_s
       if
        i32.const 0
        local.set $4
        br $__inlined_func$asm/core/allocBlock$23
       end
      end
      global.get $asm/core/heapTop
      local.set $4
      local.get $6
      i32.wrap_i64
      global.set $asm/core/heapTop
     end
     i32.const -100
     local.get $4
     i32.eqz
     br_if $__inlined_func$asm/core/ensureLimits$270
     drop
     global.get $asm/core/limitCap
     if
      local.get $4
      global.get $asm/core/limits
      global.get $asm/core/limitCap
      i32.const 6
      i32.shl
      memory.copy
      global.get $asm/core/limits
      local.tee $5
      global.get $asm/core/limitCap
      i32.ctz
      i32.const 2
      i32.shl
      i32.const 1048
      i32.add
      local.tee $8
      i32.load
      i32.store
      local.get $8
      local.get $5
      i32.store
     end
     local.get $4
     global.get $asm/core/limitCap
     i32.const 6
     i32.shl
     i32.add
     i32.const 0
     local.get $0
     global.get $asm/core/limitCap
     i32.sub
     i32.const 6
     i32.shl
     memory.fill
     global.get $asm/core/limitCap
     local.set $5
     loop $for-loop|1
      local.get $0
      local.get $5
      i32.gt_s
      if
       local.get $4
       local.get $5
       i32.const 6
       i32.shl
       i32.add
       i32.const -2
       i32.store offset=44
       local.get $5
       i32.const 1
       i32.add
       local.set $5
       br $for-loop|1
      end
     end
     global.get $asm/core/bytesHeld
     local.get $0
     global.get $asm/core/limitCap
     i32.sub
     i32.const 6
     i32.shl
     i32.add
     global.set $asm/core/bytesHeld
     local.get $4
     global.set $asm/core/limits
     local.get $0
     global.set $asm/core/limitCap
     i32.const 0
    end
    local.tee $0
    if
     local.get $0
     i32.const -100
     i32.eq
     if
      global.get $asm/core/C
      i32.const -2
      i32.store offset=40
      global.get $asm/core/C
      i32.const 0
      i32.store offset=44
     else
      global.get $asm/core/C
      i32.const -1
      i32.store offset=40
      global.get $asm/core/C
      i32.const 1
      i32.store offset=44
     end
     br $folding-inner1
    end
    global.get $asm/core/limits
    local.get $1
    i32.const 6
    i32.shl
    i32.add
    local.tee $0
    local.get $2
    i32.store
    local.get $0
    local.get $3
    i32.store offset=8
    global.get $asm/core/C
    i32.load offset=36
    local.set $3
    local.get $0
    i32.load offset=4
    local.get $2
    i32.lt_s
    if
     local.get $0
     i32.load offset=44
     i32.const -2
     i32.eq
     if
      local.get $0
      i32.const -1
      i32.store offset=44
      global.get $asm/core/wakeTail
      i32.const 0
      i32.lt_s
      if
       local.get $1
       global.set $asm/core/wakeHead
      else
       global.get $asm/core/limits
       global.get $asm/core/wakeTail
       i32.const 6
       i32.shl
       i32.add
       local.get $1
       i32.store offset=44
      end
      local.get $1
      global.set $asm/core/wakeTail
     end
    end
    call $asm/core/serveWoken
    global.get $asm/core/C
    i32.load offset=36
    local.get $3
    i32.sub
    call $asm/core/done
    return
   end
   global.get $asm/core/C
   i32.const -1
   i32.store offset=40
   global.get $asm/core/C
   local.get $3
   i32.store offset=44
   global.get $asm/core/C
   local.tee $0
   global.get $asm/core/inPtr
   i32.store
   local.get $0
   global.get $asm/core/inCap
   i32.store offset=4
   local.get $0
   global.get $asm/core/rdyPtr
   i32.store offset=8
   local.get $0
   global.get $asm/core/rdyLen
   i32.store offset=12
   local.get $0
   global.get $asm/core/failPtr
   i32.store offset=16
   local.get $0
   global.get $asm/core/failLen
   i32.store offset=20
   local.get $0
   global.get $asm/core/cancPtr
   i32.store offset=24
   local.get $0
   global.get $asm/core/cancLen
   i32.store offset=28
   local.get $0
   global.get $asm/core/nWaiting
   i32.store offset=48
   local.get $0
   global.get $asm/core/nReady
   i32.store offset=52
   local.get $0
   global.get $asm/core/nDone
   i32.store offset=64
   local.get $0
   global.get $asm/core/nFailed
   i32.store offset=68
   local.get $0
   global.get $asm/core/nCancelled
   i32.store offset=72
   local.get $0
   global.get $asm/core/nLive
   i32.store offset=76
   local.get $0
   global.get $asm/core/slotCap
   i32.store offset=80
   local.get $0
   global.get $asm/core/bytesHeld
   i32.store offset=84
   i32.const -12
   return
  end
  global.get $asm/core/C
  local.tee $0
  global.get $asm/core/inPtr
  i32.store
  local.get $0
  global.get $asm/core/inCap
  i32.store offset=4
  local.get $0
  global.get $asm/core/rdyPtr
  i32.store offset=8
  local.get $0
  global.get $asm/core/rdyLen
  i32.store offset=12
  local.get $0
  global.get $asm/core/failPtr
  i32.store offset=16
  local.get $0
  global.get $asm/core/failLen
  i32.store offset=20
  local.get $0
  global.get $asm/core/cancPtr
  i32.store offset=24
  local.get $0
  global.get $asm/core/cancLen
  i32.store offset=28
  local.get $0
  global.get $asm/core/nWaiting
  i32.store offset=48
  local.get $0
  global.get $asm/core/nReady
  i32.store offset=52
  local.get $0
  global.get $asm/core/nDone
  i32.store offset=64
  local.get $0
  global.get $asm/core/nFailed
  i32.store offset=68
  local.get $0
  global.get $asm/core/nCancelled
  i32.store offset=72
  local.get $0
  global.get $asm/core/nLive
  i32.store offset=76
  local.get $0
  global.get $asm/core/slotCap
  i32.store offset=80
  local.get $0
  global.get $asm/core/bytesHeld
  i32.store offset=84
  i32.const -7
 )
 (func $asm/core/serve (param $0 i32)
  (local $1 i32)
  (local $2 i32)
  (local $3 i32)
  (local $4 i32)
  (local $5 i32)
  (local $6 i32)
  (local $7 i32)
  (local $8 i32)
  (local $9 f64)
  (local $10 f64)
  (local $11 i32)
  (local $12 i32)
  local.get $0
  i32.const 4
  i32.shl
  i32.const 6
  i32.or
  local.set $6
  global.get $asm/core/limits
  local.get $0
  i32.const 6
  i32.shl
  i32.add
  local.tee $2
  i32.load offset=16
  local.set $7
  local.get $2
  i32.load offset=28
  i32.const 1
  i32.sub
  local.set $8
  local.get $2
  i32.load offset=20
  local.set $4
  local.get $2
  i32.load offset=24
  local.set $5
  loop $while-continue|0
   global.get $asm/core/broken
   if (result i32)
    i32.const 0
   else
    local.get $2
    i32.load offset=4
    local.get $2
    i32.load
    i32.lt_s
   end
   if
    block $while-break|0
     local.get $2
     i32.load offset=36
     local.set $11
     local.get $5
     if
      global.get $asm/core/slots
      local.get $7
      local.get $4
      i32.const 2
      i32.shl
      i32.add
      i32.load
      local.tee $3
      i32.const 2097151
      i32.and
      i32.const 4
      i32.shl
      i32.add
      local.tee $1
      i32.load
      local.get $3
      i32.eq
      if (result i32)
       local.get $1
       i32.load offset=4
       i32.const -9
       i32.and
       local.get $6
       i32.eq
      else
       i32.const 0
      end
      local.tee $12
      i32.eqz
      local.tee $1
      i32.eqz
      if
       local.get $11
       i32.eqz
       local.set $1
      end
      local.get $1
      if (result i32)
       local.get $1
      else
       local.get $2
       i32.load offset=32
       local.set $1
       global.get $asm/core/nPrio
       if (result f64)
        global.get $asm/core/prios
        local.get $3
        i32.const 2097151
        i32.and
        i32.const 3
        i32.shl
        i32.add
        f64.load
       else
        f64.const 0
       end
       local.tee $9
       local.get $1
       f64.load
       local.tee $10
       f64.gt
       if (result i32)
        i32.const 1
       else
        local.get $9
        local.get $10
        f64.eq
        if (result i32)
         global.get $asm/core/seqs
         local.get $3
         i32.const 2097151
         i32.and
         i32.const 3
         i32.shl
         i32.add
         f64.load
         local.get $1
         f64.load offset=8
         f64.lt
        else
         i32.const 0
        end
       end
      end
      if
       local.get $4
       i32.const 1
       i32.add
       local.get $8
       i32.and
       local.set $4
       local.get $5
       i32.const 1
       i32.sub
       local.set $5
       local.get $12
       i32.eqz
       if
        local.get $2
        local.get $2
        i32.load offset=12
        i32.const 1
        i32.sub
        i32.store offset=12
        br $while-continue|0
       end
      else
       local.get $2
       call $asm/core/popHeap
       local.set $3
      end
     else
      local.get $11
      i32.eqz
      br_if $while-break|0
      local.get $2
      call $asm/core/popHeap
      local.set $3
     end
     global.get $asm/core/slots
     local.get $3
     i32.const 2097151
     i32.and
     i32.const 4
     i32.shl
     i32.add
     local.tee $1
     i32.load
     local.get $3
     i32.eq
     if (result i32)
      local.get $1
      i32.load offset=4
      i32.const -9
      i32.and
      local.get $6
      i32.eq
     else
      i32.const 0
     end
     i32.eqz
     if
      local.get $2
      local.get $2
      i32.load offset=12
      i32.const 1
      i32.sub
      i32.store offset=12
      br $while-continue|0
     end
     global.get $asm/core/lims
     local.get $3
     i32.const 2097151
     i32.and
     i32.const 4
     i32.shl
     i32.add
     local.tee $11
     i32.load
     local.get $0
     i32.const 1
     i32.add
     i32.eq
     if (result i32)
      i32.const -1
     else
      i32.const 0
      local.set $1
      block $__inlined_func$asm/core/lacking$219 (result i32)
       loop $for-loop|0
        local.get $1
        i32.const 8
        i32.lt_s
        if
         i32.const -1
         local.get $11
         local.get $1
         i32.const 1
         i32.shl
         i32.add
         i32.load16_u
         i32.const 1
         i32.sub
         local.tee $12
         i32.const 0
         i32.lt_s
         br_if $__inlined_func$asm/core/lacking$219
         drop
         local.get $12
         global.get $asm/core/limits
         local.get $12
         i32.const 6
         i32.shl
         i32.add
         local.tee $12
         i32.load offset=4
         local.get $12
         i32.load
         i32.ge_s
         br_if $__inlined_func$asm/core/lacking$219
         drop
         local.get $1
         i32.const 1
         i32.add
         local.set $1
         br $for-loop|0
        end
       end
       i32.const -1
      end
     end
     local.tee $1
     i32.const 0
     i32.lt_s
     if
      i32.const 0
      local.set $1
      loop $for-loop|01
       local.get $1
       i32.const 8
       i32.lt_s
       if
        local.get $11
        local.get $1
        i32.const 1
        i32.shl
        i32.add
        i32.load16_u
        i32.const 1
        i32.sub
        local.tee $12
        i32.const 0
        i32.ge_s
        if
         global.get $asm/core/limits
         local.get $12
         i32.const 6
         i32.shl
         i32.add
         local.tee $12
         local.get $12
         i32.load offset=4
         i32.const 1
         i32.add
         i32.store offset=4
         local.get $1
         i32.const 1
         i32.add
         local.set $1
         br $for-loop|01
        end
       end
      end
      global.get $asm/core/slots
      local.get $3
      i32.const 2097151
      i32.and
      i32.const 4
      i32.shl
      i32.add
      i32.const 7
      i32.store offset=4
      global.get $asm/core/dHeld
      i32.const 1
      i32.sub
      global.set $asm/core/dHeld
      global.get $asm/core/dAdmitted
      i32.const 1
      i32.add
      global.set $asm/core/dAdmitted
      local.get $3
      call $asm/core/pushAdmitted
     else
      global.get $asm/core/slots
      local.get $3
      i32.const 2097151
      i32.and
      i32.const 4
      i32.shl
      i32.add
      local.get $1
      i32.const 4
      i32.shl
      i32.const 6
      i32.or
      i32.store offset=4
      local.get $1
      local.get $3
      call $asm/core/enqueue
     end
     br $while-continue|0
    end
   end
  end
  local.get $2
  local.get $4
  i32.store offset=20
  local.get $2
  local.get $5
  i32.store offset=24
 )
 (func $asm/core/reset (param $0 i32) (result i32)
  (local $1 i32)
  local.get $0
  call $asm/core/enter
  global.get $asm/core/dirty
  if
   global.get $asm/core/prios
   i32.const 0
   global.get $asm/core/slotTop
   i32.const 3
   i32.shl
   memory.fill
   global.get $asm/core/lims
   i32.const 0
   global.get $asm/core/slotTop
   i32.const 4
   i32.shl
   memory.fill
   i32.const 0
   global.set $asm/core/dirty
  end
  i32.const 0
  global.set $asm/core/rdyLen
  i32.const 0
  global.set $asm/core/failLen
  i32.const 0
  global.set $asm/core/cancLen
  i32.const 0
  global.set $asm/core/nWaiting
  i32.const 0
  global.set $asm/core/nReady
  global.get $asm/core/C
  i32.const 0
  i32.store offset=36
  global.get $asm/core/C
  i32.const 0
  i32.store offset=56
  global.get $asm/core/C
  i32.const 0
  i32.store offset=60
  i32.const 0
  global.set $asm/core/nDone
  i32.const 0
  global.set $asm/core/nFailed
  i32.const 0
  global.set $asm/core/nCancelled
  i32.const 0
  global.set $asm/core/nLive
  i32.const 0
  global.set $asm/core/slotTop
  i32.const 0
  global.set $asm/core/nRetired
  i32.const 0
  global.set $asm/core/ringHead
  i32.const 0
  global.set $asm/core/ringCount
  i32.const 0
  global.set $asm/core/edgeTop
  i32.const -1
  global.set $asm/core/edgeFree
  i32.const 0
  global.set $asm/core/edgeFreeCount
  i32.const 0
  global.set $asm/core/broken
  i32.const 0
  global.set $asm/core/nPrio
  f64.const 0
  global.set $asm/core/seqNext
  loop $for-loop|0
   local.get $1
   global.get $asm/core/limitCap
   i32.lt_s
   if
    global.get $asm/core/limits
    local.get $1
    i32.const 6
    i32.shl
    i32.add
    local.tee $0
    i32.const 0
    i32.store
    local.get $0
    i32.const 0
    i32.store offset=4
    local.get $0
    i32.const 0
    i32.store offset=8
    local.get $0
    i32.const 0
    i32.store offset=12
    local.get $0
    i32.const 0
    i32.store offset=20
    local.get $0
    i32.const 0
    i32.store offset=24
    local.get $0
    i32.const 0
    i32.store offset=36
    local.get $0
    i32.const -2
    i32.store offset=44
    local.get $1
    i32.const 1
    i32.add
    local.set $1
    br $for-loop|0
   end
  end
  i32.const -1
  global.set $asm/core/wakeHead
  i32.const -1
  global.set $asm/core/wakeTail
  global.get $asm/core/C
  local.tee $0
  global.get $asm/core/inPtr
  i32.store
  local.get $0
  global.get $asm/core/inCap
  i32.store offset=4
  local.get $0
  global.get $asm/core/rdyPtr
  i32.store offset=8
  local.get $0
  global.get $asm/core/rdyLen
  i32.store offset=12
  local.get $0
  global.get $asm/core/failPtr
  i32.store offset=16
  local.get $0
  global.get $asm/core/failLen
  i32.store offset=20
  local.get $0
  global.get $asm/core/cancPtr
  i32.store offset=24
  local.get $0
  global.get $asm/core/cancLen
  i32.store offset=28
  local.get $0
  global.get $asm/core/nWaiting
  i32.store offset=48
  local.get $0
  global.get $asm/core/nReady
  i32.store offset=52
  local.get $0
  global.get $asm/core/nDone
  i32.store offset=64
  local.get $0
  global.get $asm/core/nFailed
  i32.store offset=68
  local.get $0
  global.get $asm/core/nCancelled
  i32.store offset=72
  local.get $0
  global.get $asm/core/nLive
  i32.store offset=76
  local.get $0
  global.get $asm/core/slotCap
  i32.store offset=80
  local.get $0
  global.get $asm/core/bytesHeld
  i32.store offset=84
  i32.const 0
 )
 (func $asm/core/reserveInput (param $0 i32) (param $1 i32) (result i32)
  (local $2 i32)
  (local $3 i64)
  (local $4 i64)
  (local $5 i32)
  (local $6 i32)
  local.get $0
  call $asm/core/enter
  local.get $1
  global.get $asm/core/inCap
  i32.le_s
  if
   i32.const 0
   return
  end
  local.get $1
  i32.const 268435456
  i32.gt_s
  if
   global.get $asm/core/C
   i32.const -1
   i32.store offset=40
   global.get $asm/core/C
   local.get $1
   i32.store offset=44
   global.get $asm/core/C
   local.tee $0
   global.get $asm/core/inPtr
   i32.store
   local.get $0
   global.get $asm/core/inCap
   i32.store offset=4
   local.get $0
   global.get $asm/core/rdyPtr
   i32.store offset=8
   local.get $0
   global.get $asm/core/rdyLen
   i32.store offset=12
   local.get $0
   global.get $asm/core/failPtr
   i32.store offset=16
   local.get $0
   global.get $asm/core/failLen
   i32.store offset=20
   local.get $0
   global.get $asm/core/cancPtr
   i32.store offset=24
   local.get $0
   global.get $asm/core/cancLen
   i32.store offset=28
   local.get $0
   global.get $asm/core/nWaiting
   i32.store offset=48
   local.get $0
   global.get $asm/core/nReady
   i32.store offset=52
   local.get $0
   global.get $asm/core/nDone
   i32.store offset=64
   local.get $0
   global.get $asm/core/nFailed
   i32.store offset=68
   local.get $0
   global.get $asm/core/nCancelled
   i32.store offset=72
   local.get $0
   global.get $asm/core/nLive
   i32.store offset=76
   local.get $0
   global.get $asm/core/slotCap
   i32.store offset=80
   local.get $0
   global.get $asm/core/bytesHeld
   i32.store offset=84
   i32.const -8
   return
  end
  global.get $asm/core/inCap
  local.set $0
  loop $while-continue|0
   local.get $0
   local.get $1
   i32.lt_s
   if
    local.get $0
    i32.const 1
    i32.shl
    local.set $0
    br $while-continue|0
   end
  end
  block $__inlined_func$asm/core/allocBlock$12
   local.get $0
   i32.ctz
   i32.const 2
   i32.add
   local.tee $5
   i32.const 30
   i32.gt_u
   br_if $__inlined_func$asm/core/allocBlock$12
   local.get $5
   i32.const 2
   i32.shl
   i32.const 1024
   i32.add
   local.tee $6
   i32.load
   local.tee $2
   if
    local.get $6
    local.get $2
    i32.load
    i32.store
    i32.const 0
    global.set $asm/core/fresh
    br $__inlined_func$asm/core/allocBlock$12
   end
   global.get $asm/core/heapTop
   i64.extend_i32_u
   i64.const 1
   local.get $5
   i64.extend_i32_s
   i64.shl
   i64.add
   local.tee $3
   i64.const 2147418112
   i64.gt_u
   if
    i32.const 0
    local.set $2
    br $__inlined_func$asm/core/allocBlock$12
   end
   i32.const 1
   global.set $asm/core/fresh
   memory.size
   i64.extend_i32_s
   i64.const 16
   i64.shl
   local.tee $4
   local.get $3
   i64.lt_u
   if
    local.get $3
    local.get $4
    i64.sub
    i64.const 65535
    i64.add
    i64.const 16
    i64.shr_u
    i32.wrap_i64
    memory.grow
    i32.const 0
    i32.lt_s
    if
     i32.const 0
     local.set $2
     br $__inlined_func$asm/core/allocBlock$12
    end
   end
   global.get $asm/core/heapTop
   local.set $2
   local.get $3
   i32.wrap_i64
   global.set $asm/core/heapTop
  end
  local.get $2
  i32.eqz
  if
   global.get $asm/core/C
   i32.const -2
   i32.store offset=40
   global.get $asm/core/C
   local.get $1
   i32.store offset=44
   global.get $asm/core/C
   local.tee $0
   global.get $asm/core/inPtr
   i32.store
   local.get $0
   global.get $asm/core/inCap
   i32.store offset=4
   local.get $0
   global.get $asm/core/rdyPtr
   i32.store offset=8
   local.get $0
   global.get $asm/core/rdyLen
   i32.store offset=12
   local.get $0
   global.get $asm/core/failPtr
   i32.store offset=16
   local.get $0
   global.get $asm/core/failLen
   i32.store offset=20
   local.get $0
   global.get $asm/core/cancPtr
   i32.store offset=24
   local.get $0
   global.get $asm/core/cancLen
   i32.store offset=28
   local.get $0
   global.get $asm/core/nWaiting
   i32.store offset=48
   local.get $0
   global.get $asm/core/nReady
   i32.store offset=52
   local.get $0
   global.get $asm/core/nDone
   i32.store offset=64
   local.get $0
   global.get $asm/core/nFailed
   i32.store offset=68
   local.get $0
   global.get $asm/core/nCancelled
   i32.store offset=72
   local.get $0
   global.get $asm/core/nLive
   i32.store offset=76
   local.get $0
   global.get $asm/core/slotCap
   i32.store offset=80
   local.get $0
   global.get $asm/core/bytesHeld
   i32.store offset=84
   i32.const -7
   return
  end
  global.get $asm/core/inPtr
  local.tee $1
  global.get $asm/core/inCap
  i32.ctz
  i32.const 2
  i32.shl
  i32.const 1032
  i32.add
  local.tee $5
  i32.load
  i32.store
  local.get $5
  local.get $1
  i32.store
  global.get $asm/core/bytesHeld
  local.get $0
  global.get $asm/core/inCap
  i32.sub
  i32.const 2
  i32.shl
  i32.add
  global.set $asm/core/bytesHeld
  local.get $2
  global.set $asm/core/inPtr
  local.get $0
  global.set $asm/core/inCap
  global.get $asm/core/C
  local.tee $0
  global.get $asm/core/inPtr
  i32.store
  local.get $0
  global.get $asm/core/inCap
  i32.store offset=4
  local.get $0
  global.get $asm/core/rdyPtr
  i32.store offset=8
  local.get $0
  global.get $asm/core/rdyLen
  i32.store offset=12
  local.get $0
  global.get $asm/core/failPtr
  i32.store offset=16
  local.get $0
  global.get $asm/core/failLen
  i32.store offset=20
  local.get $0
  global.get $asm/core/cancPtr
  i32.store offset=24
  local.get $0
  global.get $asm/core/cancLen
  i32.store offset=28
  local.get $0
  global.get $asm/core/nWaiting
  i32.store offset=48
  local.get $0
  global.get $asm/core/nReady
  i32.store offset=52
  local.get $0
  global.get $asm/core/nDone
  i32.store offset=64
  local.get $0
  global.get $asm/core/nFailed
  i32.store offset=68
  local.get $0
  global.get $asm/core/nCancelled
  i32.store offset=72
  local.get $0
  global.get $asm/core/nLive
  i32.store offset=76
  local.get $0
  global.get $asm/core/slotCap
  i32.store offset=80
  local.get $0
  global.get $asm/core/bytesHeld
  i32.store offset=84
  i32.const 0
 )
 (func $asm/core/release (param $0 i32) (param $1 i32) (result i32)
  (local $2 i32)
  (local $3 i32)
  (local $4 i32)
  (local $5 i32)
  (local $6 i32)
  local.get $0
  call $asm/core/enter
  global.get $asm/core/broken
  if
   global.get $asm/core/C
   i32.const -2
   i32.store offset=40
   global.get $asm/core/C
   i32.const 0
   i32.store offset=44
   global.get $asm/core/C
   local.tee $0
   global.get $asm/core/inPtr
   i32.store
   local.get $0
   global.get $asm/core/inCap
   i32.store offset=4
   local.get $0
   global.get $asm/core/rdyPtr
   i32.store offset=8
   local.get $0
   global.get $asm/core/rdyLen
   i32.store offset=12
   local.get $0
   global.get $asm/core/failPtr
   i32.store offset=16
   local.get $0
   global.get $asm/core/failLen
   i32.store offset=20
   local.get $0
   global.get $asm/core/cancPtr
   i32.store offset=24
   local.get $0
   global.get $asm/core/cancLen
   i32.store offset=28
   local.get $0
   global.get $asm/core/nWaiting
   i32.store offset=48
   local.get $0
   global.get $asm/core/nReady
   i32.store offset=52
   local.get $0
   global.get $asm/core/nDone
   i32.store offset=64
   local.get $0
   global.get $asm/core/nFailed
   i32.store offset=68
   local.get $0
   global.get $asm/core/nCancelled
   i32.store offset=72
   local.get $0
   global.get $asm/core/nLive
   i32.store offset=76
   local.get $0
   global.get $asm/core/slotCap
   i32.store offset=80
   local.get $0
   global.get $asm/core/bytesHeld
   i32.store offset=84
   i32.const -7
   return
  end
  local.get $1
  global.get $asm/core/inCap
  i32.gt_u
  if
   global.get $asm/core/C
   i32.const -1
   i32.store offset=40
   global.get $asm/core/C
   local.get $1
   i32.store offset=44
   global.get $asm/core/C
   local.tee $0
   global.get $asm/core/inPtr
   i32.store
   local.get $0
   global.get $asm/core/inCap
   i32.store offset=4
   local.get $0
   global.get $asm/core/rdyPtr
   i32.store offset=8
   local.get $0
   global.get $asm/core/rdyLen
   i32.store offset=12
   local.get $0
   global.get $asm/core/failPtr
   i32.store offset=16
   local.get $0
   global.get $asm/core/failLen
   i32.store offset=20
   local.get $0
   global.get $asm/core/cancPtr
   i32.store offset=24
   local.get $0
   global.get $asm/core/cancLen
   i32.store offset=28
   local.get $0
   global.get $asm/core/nWaiting
   i32.store offset=48
   local.get $0
   global.get $asm/core/nReady
   i32.store offset=52
   local.get $0
   global.get $asm/core/nDone
   i32.store offset=64
   local.get $0
   global.get $asm/core/nFailed
   i32.store offset=68
   local.get $0
   global.get $asm/core/nCancelled
   i32.store offset=72
   local.get $0
   global.get $asm/core/nLive
   i32.store offset=76
   local.get $0
   global.get $asm/core/slotCap
   i32.store offset=80
   local.get $0
   global.get $asm/core/bytesHeld
   i32.store offset=84
   i32.const -8
   return
  end
  global.get $asm/core/inPtr
  local.set $3
  i32.const 0
  local.set $0
  loop $for-loop|0
   local.get $0
   local.get $1
   i32.lt_s
   if
    block $__inlined_func$asm/core/idStatus$238 (result i32)
     i32.const -1
     local.get $3
     local.get $0
     i32.const 2
     i32.shl
     i32.add
     i32.load
     local.tee $4
     i32.const 2097151
     i32.and
     local.tee $2
     global.get $asm/core/slotTop
     i32.ge_s
     local.get $4
     i32.const 1073741824
     i32.ge_u
     i32.or
     br_if $__inlined_func$asm/core/idStatus$238
     drop
     global.get $asm/core/slots
     local.get $2
     i32.const 4
     i32.shl
     i32.add
     local.tee $2
     i32.load
     local.tee $5
     local.get $4
     i32.eq
     if
      i32.const 0
      local.get $2
      i32.load offset=4
      local.tee $2
      i32.const 7
      i32.and
      br_if $__inlined_func$asm/core/idStatus$238
      drop
      i32.const -2
      i32.const -1
      local.get $2
      select
      br $__inlined_func$asm/core/idStatus$238
     end
     i32.const -2
     i32.const -1
     local.get $4
     i32.const 21
     i32.shr_u
     local.get $5
     i32.const 21
     i32.shr_u
     i32.lt_s
     select
    end
    local.tee $2
    i32.eqz
    if
     global.get $asm/core/slots
     local.get $4
     i32.const 2097151
     i32.and
     i32.const 4
     i32.shl
     i32.add
     i32.load offset=4
     local.tee $5
     i32.const 7
     i32.and
     local.set $6
     i32.const -2
     local.get $2
     local.get $5
     i32.const 8
     i32.and
     select
     i32.const -5
     local.get $6
     i32.const 5
     i32.le_u
     local.get $6
     i32.const 3
     i32.ge_u
     i32.and
     select
     local.set $2
    end
    local.get $2
    if
     i32.const 0
     local.set $1
     loop $for-loop|01
      local.get $0
      local.get $1
      i32.gt_s
      if
       global.get $asm/core/slots
       local.get $3
       local.get $1
       i32.const 2
       i32.shl
       i32.add
       i32.load
       i32.const 2097151
       i32.and
       i32.const 4
       i32.shl
       i32.add
       local.tee $5
       local.get $5
       i32.load offset=4
       i32.const -9
       i32.and
       i32.store offset=4
       local.get $1
       i32.const 1
       i32.add
       local.set $1
       br $for-loop|01
      end
     end
     global.get $asm/core/C
     local.get $0
     i32.store offset=40
     global.get $asm/core/C
     local.get $4
     i32.store offset=44
     global.get $asm/core/C
     local.tee $0
     global.get $asm/core/inPtr
     i32.store
     local.get $0
     global.get $asm/core/inCap
     i32.store offset=4
     local.get $0
     global.get $asm/core/rdyPtr
     i32.store offset=8
     local.get $0
     global.get $asm/core/rdyLen
     i32.store offset=12
     local.get $0
     global.get $asm/core/failPtr
     i32.store offset=16
     local.get $0
     global.get $asm/core/failLen
     i32.store offset=20
     local.get $0
     global.get $asm/core/cancPtr
     i32.store offset=24
     local.get $0
     global.get $asm/core/cancLen
     i32.store offset=28
     local.get $0
     global.get $asm/core/nWaiting
     i32.store offset=48
     local.get $0
     global.get $asm/core/nReady
     i32.store offset=52
     local.get $0
     global.get $asm/core/nDone
     i32.store offset=64
     local.get $0
     global.get $asm/core/nFailed
     i32.store offset=68
     local.get $0
     global.get $asm/core/nCancelled
     i32.store offset=72
     local.get $0
     global.get $asm/core/nLive
     i32.store offset=76
     local.get $0
     global.get $asm/core/slotCap
     i32.store offset=80
     local.get $0
     global.get $asm/core/bytesHeld
     i32.store offset=84
     local.get $2
     return
    end
    global.get $asm/core/slots
    local.get $4
    i32.const 2097151
    i32.and
    i32.const 4
    i32.shl
    i32.add
    local.tee $2
    local.get $2
    i32.load offset=4
    i32.const 8
    i32.or
    i32.store offset=4
    local.get $0
    i32.const 1
    i32.add
    local.set $0
    br $for-loop|0
   end
  end
  global.get $asm/core/slotCap
  i32.const 1
  i32.sub
  local.set $2
  i32.const 0
  local.set $0
  loop $for-loop|1
   local.get $0
   local.get $1
   i32.lt_s
   if
    global.get $asm/core/slots
    local.get $3
    local.get $0
    i32.const 2
    i32.shl
    i32.add
    i32.load
    local.tee $4
    i32.const 2097151
    i32.and
    i32.const 4
    i32.shl
    i32.add
    local.tee $5
    i32.load offset=4
    i32.const 7
    i32.and
    local.tee $6
    i32.const 3
    i32.eq
    if
     global.get $asm/core/nDone
     i32.const 1
     i32.sub
     global.set $asm/core/nDone
    else
     local.get $6
     i32.const 4
     i32.eq
     if
      global.get $asm/core/nFailed
      i32.const 1
      i32.sub
      global.set $asm/core/nFailed
     else
      global.get $asm/core/nCancelled
      i32.const 1
      i32.sub
      global.set $asm/core/nCancelled
     end
    end
    global.get $asm/core/nLive
    i32.const 1
    i32.sub
    global.set $asm/core/nLive
    global.get $asm/core/nPrio
    if
     global.get $asm/core/prios
     local.get $4
     i32.const 2097151
     i32.and
     i32.const 3
     i32.shl
     i32.add
     local.tee $6
     f64.load
     f64.const 0
     f64.ne
     if
      global.get $asm/core/nPrio
      i32.const 1
      i32.sub
      global.set $asm/core/nPrio
      local.get $6
      f64.const 0
      f64.store
     end
    end
    global.get $asm/core/limitCap
    if
     global.get $asm/core/lims
     local.get $4
     i32.const 2097151
     i32.and
     i32.const 4
     i32.shl
     i32.add
     i32.const 0
     i32.store16
    end
    local.get $4
    i32.const 21
    i32.shr_u
    i32.const 511
    i32.eq
    if
     local.get $5
     i32.const 16
     i32.store offset=4
     global.get $asm/core/nRetired
     i32.const 1
     i32.add
     global.set $asm/core/nRetired
    else
     local.get $5
     local.get $4
     i32.const 2097152
     i32.add
     i32.store
     local.get $5
     i32.const 0
     i32.store offset=4
     global.get $asm/core/ring
     global.get $asm/core/ringHead
     global.get $asm/core/ringCount
     i32.add
     local.get $2
     i32.and
     i32.const 2
     i32.shl
     i32.add
     local.get $4
     i32.const 2097151
     i32.and
     i32.store
     global.get $asm/core/ringCount
     i32.const 1
     i32.add
     global.set $asm/core/ringCount
    end
    local.get $0
    i32.const 1
    i32.add
    local.set $0
    br $for-loop|1
   end
  end
  global.get $asm/core/C
  local.tee $0
  global.get $asm/core/inPtr
  i32.store
  local.get $0
  global.get $asm/core/inCap
  i32.store offset=4
  local.get $0
  global.get $asm/core/rdyPtr
  i32.store offset=8
  local.get $0
  global.get $asm/core/rdyLen
  i32.store offset=12
  local.get $0
  global.get $asm/core/failPtr
  i32.store offset=16
  local.get $0
  global.get $asm/core/failLen
  i32.store offset=20
  local.get $0
  global.get $asm/core/cancPtr
  i32.store offset=24
  local.get $0
  global.get $asm/core/cancLen
  i32.store offset=28
  local.get $0
  global.get $asm/core/nWaiting
  i32.store offset=48
  local.get $0
  global.get $asm/core/nReady
  i32.store offset=52
  local.get $0
  global.get $asm/core/nDone
  i32.store offset=64
  local.get $0
  global.get $asm/core/nFailed
  i32.store offset=68
  local.get $0
  global.get $asm/core/nCancelled
  i32.store offset=72
  local.get $0
  global.get $asm/core/nLive
  i32.store offset=76
  local.get $0
  global.get $asm/core/slotCap
  i32.store offset=80
  local.get $0
  global.get $asm/core/bytesHeld
  i32.store offset=84
  i32.const 0
 )
 (func $asm/core/limitInfo (param $0 i32) (param $1 i32) (result i32)
  local.get $0
  call $asm/core/enter
  local.get $1
  global.get $asm/core/limitCap
  i32.lt_u
  if (result i32)
   global.get $asm/core/limits
   local.get $1
   i32.const 6
   i32.shl
   i32.add
   i32.load
   i32.const 0
   i32.gt_s
  else
   i32.const 0
  end
  i32.eqz
  if
   global.get $asm/core/C
   i32.const -1
   i32.store offset=40
   global.get $asm/core/C
   local.get $1
   i32.store offset=44
   global.get $asm/core/C
   local.tee $0
   global.get $asm/core/inPtr
   i32.store
   local.get $0
   global.get $asm/core/inCap
   i32.store offset=4
   local.get $0
   global.get $asm/core/rdyPtr
   i32.store offset=8
   local.get $0
   global.get $asm/core/rdyLen
   i32.store offset=12
   local.get $0
   global.get $asm/core/failPtr
   i32.store offset=16
   local.get $0
   global.get $asm/core/failLen
   i32.store offset=20
   local.get $0
   global.get $asm/core/cancPtr
   i32.store offset=24
   local.get $0
   global.get $asm/core/cancLen
   i32.store offset=28
   local.get $0
   global.get $asm/core/nWaiting
   i32.store offset=48
   local.get $0
   global.get $asm/core/nReady
   i32.store offset=52
   local.get $0
   global.get $asm/core/nDone
   i32.store offset=64
   local.get $0
   global.get $asm/core/nFailed
   i32.store offset=68
   local.get $0
   global.get $asm/core/nCancelled
   i32.store offset=72
   local.get $0
   global.get $asm/core/nLive
   i32.store offset=76
   local.get $0
   global.get $asm/core/slotCap
   i32.store offset=80
   local.get $0
   global.get $asm/core/bytesHeld
   i32.store offset=84
   i32.const -9
   return
  end
  global.get $asm/core/inPtr
  global.get $asm/core/limits
  local.get $1
  i32.const 6
  i32.shl
  i32.add
  local.tee $0
  i32.load
  i32.store
  global.get $asm/core/inPtr
  local.get $0
  i32.load offset=4
  i32.store offset=4
  global.get $asm/core/inPtr
  local.get $0
  i32.load offset=8
  i32.store offset=8
  i32.const 0
 )
 (func $asm/core/giveBack (param $0 i32) (param $1 i32) (param $2 i32) (result i32)
  (local $3 i32)
  local.get $0
  call $asm/core/enter
  global.get $asm/core/broken
  if
   global.get $asm/core/C
   i32.const -2
   i32.store offset=40
   global.get $asm/core/C
   i32.const 0
   i32.store offset=44
   global.get $asm/core/C
   local.tee $0
   global.get $asm/core/inPtr
   i32.store
   local.get $0
   global.get $asm/core/inCap
   i32.store offset=4
   local.get $0
   global.get $asm/core/rdyPtr
   i32.store offset=8
   local.get $0
   global.get $asm/core/rdyLen
   i32.store offset=12
   local.get $0
   global.get $asm/core/failPtr
   i32.store offset=16
   local.get $0
   global.get $asm/core/failLen
   i32.store offset=20
   local.get $0
   global.get $asm/core/cancPtr
   i32.store offset=24
   local.get $0
   global.get $asm/core/cancLen
   i32.store offset=28
   local.get $0
   global.get $asm/core/nWaiting
   i32.store offset=48
   local.get $0
   global.get $asm/core/nReady
   i32.store offset=52
   local.get $0
   global.get $asm/core/nDone
   i32.store offset=64
   local.get $0
   global.get $asm/core/nFailed
   i32.store offset=68
   local.get $0
   global.get $asm/core/nCancelled
   i32.store offset=72
   local.get $0
   global.get $asm/core/nLive
   i32.store offset=76
   local.get $0
   global.get $asm/core/slotCap
   i32.store offset=80
   local.get $0
   global.get $asm/core/bytesHeld
   i32.store offset=84
   i32.const -7
   return
  end
  local.get $1
  global.get $asm/core/limitCap
  i32.lt_u
  if (result i32)
   global.get $asm/core/limits
   local.get $1
   i32.const 6
   i32.shl
   i32.add
   i32.load
   i32.const 0
   i32.gt_s
  else
   i32.const 0
  end
  i32.eqz
  if
   global.get $asm/core/C
   i32.const -1
   i32.store offset=40
   global.get $asm/core/C
   local.get $1
   i32.store offset=44
   global.get $asm/core/C
   local.tee $0
   global.get $asm/core/inPtr
   i32.store
   local.get $0
   global.get $asm/core/inCap
   i32.store offset=4
   local.get $0
   global.get $asm/core/rdyPtr
   i32.store offset=8
   local.get $0
   global.get $asm/core/rdyLen
   i32.store offset=12
   local.get $0
   global.get $asm/core/failPtr
   i32.store offset=16
   local.get $0
   global.get $asm/core/failLen
   i32.store offset=20
   local.get $0
   global.get $asm/core/cancPtr
   i32.store offset=24
   local.get $0
   global.get $asm/core/cancLen
   i32.store offset=28
   local.get $0
   global.get $asm/core/nWaiting
   i32.store offset=48
   local.get $0
   global.get $asm/core/nReady
   i32.store offset=52
   local.get $0
   global.get $asm/core/nDone
   i32.store offset=64
   local.get $0
   global.get $asm/core/nFailed
   i32.store offset=68
   local.get $0
   global.get $asm/core/nCancelled
   i32.store offset=72
   local.get $0
   global.get $asm/core/nLive
   i32.store offset=76
   local.get $0
   global.get $asm/core/slotCap
   i32.store offset=80
   local.get $0
   global.get $asm/core/bytesHeld
   i32.store offset=84
   i32.const -9
   return
  end
  global.get $asm/core/limits
  local.get $1
  i32.const 6
  i32.shl
  i32.add
  local.tee $0
  i32.load offset=8
  i32.const 1
  i32.ne
  if
   global.get $asm/core/C
   i32.const -1
   i32.store offset=40
   global.get $asm/core/C
   local.get $1
   i32.store offset=44
   global.get $asm/core/C
   local.tee $0
   global.get $asm/core/inPtr
   i32.store
   local.get $0
   global.get $asm/core/inCap
   i32.store offset=4
   local.get $0
   global.get $asm/core/rdyPtr
   i32.store offset=8
   local.get $0
   global.get $asm/core/rdyLen
   i32.store offset=12
   local.get $0
   global.get $asm/core/failPtr
   i32.store offset=16
   local.get $0
   global.get $asm/core/failLen
   i32.store offset=20
   local.get $0
   global.get $asm/core/cancPtr
   i32.store offset=24
   local.get $0
   global.get $asm/core/cancLen
   i32.store offset=28
   local.get $0
   global.get $asm/core/nWaiting
   i32.store offset=48
   local.get $0
   global.get $asm/core/nReady
   i32.store offset=52
   local.get $0
   global.get $asm/core/nDone
   i32.store offset=64
   local.get $0
   global.get $asm/core/nFailed
   i32.store offset=68
   local.get $0
   global.get $asm/core/nCancelled
   i32.store offset=72
   local.get $0
   global.get $asm/core/nLive
   i32.store offset=76
   local.get $0
   global.get $asm/core/slotCap
   i32.store offset=80
   local.get $0
   global.get $asm/core/bytesHeld
   i32.store offset=84
   i32.const -13
   return
  end
  local.get $2
  i32.const 0
  i32.lt_s
  if (result i32)
   i32.const 1
  else
   local.get $2
   local.get $0
   i32.load offset=4
   i32.gt_s
  end
  if
   global.get $asm/core/C
   i32.const -1
   i32.store offset=40
   global.get $asm/core/C
   local.get $2
   i32.store offset=44
   global.get $asm/core/C
   local.tee $0
   global.get $asm/core/inPtr
   i32.store
   local.get $0
   global.get $asm/core/inCap
   i32.store offset=4
   local.get $0
   global.get $asm/core/rdyPtr
   i32.store offset=8
   local.get $0
   global.get $asm/core/rdyLen
   i32.store offset=12
   local.get $0
   global.get $asm/core/failPtr
   i32.store offset=16
   local.get $0
   global.get $asm/core/failLen
   i32.store offset=20
   local.get $0
   global.get $asm/core/cancPtr
   i32.store offset=24
   local.get $0
   global.get $asm/core/cancLen
   i32.store offset=28
   local.get $0
   global.get $asm/core/nWaiting
   i32.store offset=48
   local.get $0
   global.get $asm/core/nReady
   i32.store offset=52
   local.get $0
   global.get $asm/core/nDone
   i32.store offset=64
   local.get $0
   global.get $asm/core/nFailed
   i32.store offset=68
   local.get $0
   global.get $asm/core/nCancelled
   i32.store offset=72
   local.get $0
   global.get $asm/core/nLive
   i32.store offset=76
   local.get $0
   global.get $asm/core/slotCap
   i32.store offset=80
   local.get $0
   global.get $asm/core/bytesHeld
   i32.store offset=84
   i32.const -17
   return
  end
  global.get $asm/core/C
  i32.load offset=36
  local.set $3
  local.get $2
  if
   local.get $0
   local.get $0
   i32.load offset=4
   local.get $2
   i32.sub
   i32.store offset=4
   global.get $asm/core/limits
   local.get $1
   i32.const 6
   i32.shl
   i32.add
   local.tee $0
   i32.load offset=44
   i32.const -2
   i32.eq
   if
    local.get $0
    i32.const -1
    i32.store offset=44
    global.get $asm/core/wakeTail
    i32.const 0
    i32.lt_s
    if
     local.get $1
     global.set $asm/core/wakeHead
    else
     global.get $asm/core/limits
     global.get $asm/core/wakeTail
     i32.const 6
     i32.shl
     i32.add
     local.get $1
     i32.store offset=44
    end
    local.get $1
    global.set $asm/core/wakeTail
   end
   call $asm/core/serveWoken
  end
  global.get $asm/core/C
  i32.load offset=36
  local.get $3
  i32.sub
  call $asm/core/done
 )
 (func $asm/core/destroy (param $0 i32)
  (local $1 i32)
  (local $2 i32)
  (local $3 i32)
  (local $4 i32)
  (local $5 i32)
  local.get $0
  i32.const 0
  i32.le_s
  if
   return
  end
  local.get $0
  call $asm/core/enter
  i32.const 0
  global.set $asm/core/C
  global.get $asm/core/inPtr
  local.tee $2
  global.get $asm/core/inCap
  i32.ctz
  i32.const 2
  i32.shl
  i32.const 1032
  i32.add
  local.tee $3
  i32.load
  i32.store
  local.get $3
  local.get $2
  i32.store
  global.get $asm/core/rdyPtr
  local.tee $2
  global.get $asm/core/rdyCap
  i32.ctz
  i32.const 2
  i32.shl
  i32.const 1032
  i32.add
  local.tee $3
  i32.load
  i32.store
  local.get $3
  local.get $2
  i32.store
  global.get $asm/core/failPtr
  local.tee $2
  global.get $asm/core/failCap
  i32.ctz
  i32.const 2
  i32.shl
  i32.const 1032
  i32.add
  local.tee $3
  i32.load
  i32.store
  local.get $3
  local.get $2
  i32.store
  global.get $asm/core/cancPtr
  local.tee $2
  global.get $asm/core/cancCap
  i32.ctz
  i32.const 2
  i32.shl
  i32.const 1032
  i32.add
  local.tee $3
  i32.load
  i32.store
  local.get $3
  local.get $2
  i32.store
  local.get $0
  i32.load offset=32
  local.tee $2
  local.get $0
  i32.load offset=100
  i32.ctz
  i32.const 2
  i32.shl
  i32.const 1032
  i32.add
  local.tee $3
  i32.load
  i32.store
  local.get $3
  local.get $2
  i32.store
  global.get $asm/core/slots
  local.tee $2
  global.get $asm/core/slotCap
  i32.ctz
  i32.const 2
  i32.shl
  local.tee $3
  i32.const 1040
  i32.add
  local.tee $4
  i32.load
  i32.store
  local.get $4
  local.get $2
  i32.store
  global.get $asm/core/seqs
  local.tee $5
  local.get $3
  i32.const 1036
  i32.add
  local.tee $2
  i32.load
  i32.store
  local.get $2
  local.get $5
  i32.store
  global.get $asm/core/prios
  local.tee $5
  local.get $2
  i32.load
  i32.store
  local.get $2
  local.get $5
  i32.store
  global.get $asm/core/lims
  local.tee $2
  local.get $4
  i32.load
  i32.store
  local.get $4
  local.get $2
  i32.store
  global.get $asm/core/ring
  local.tee $2
  local.get $3
  i32.const 1032
  i32.add
  local.tee $3
  i32.load
  i32.store
  local.get $3
  local.get $2
  i32.store
  global.get $asm/core/edges
  local.tee $2
  global.get $asm/core/edgeCap
  i32.ctz
  i32.const 2
  i32.shl
  i32.const 1036
  i32.add
  local.tee $3
  i32.load
  i32.store
  local.get $3
  local.get $2
  i32.store
  global.get $asm/core/scratch
  if
   global.get $asm/core/scratch
   local.tee $2
   global.get $asm/core/scratchBytes
   i32.ctz
   i32.const 2
   i32.shl
   i32.const 1024
   i32.add
   local.tee $3
   i32.load
   i32.store
   local.get $3
   local.get $2
   i32.store
  end
  loop $for-loop|0
   local.get $1
   global.get $asm/core/limitCap
   i32.lt_s
   if
    global.get $asm/core/limits
    local.get $1
    i32.const 6
    i32.shl
    i32.add
    local.tee $2
    i32.load offset=28
    local.tee $3
    if
     local.get $2
     i32.load offset=16
     local.tee $4
     local.get $3
     i32.ctz
     i32.const 2
     i32.shl
     i32.const 1032
     i32.add
     local.tee $3
     i32.load
     i32.store
     local.get $3
     local.get $4
     i32.store
    end
    local.get $2
    i32.load offset=40
    local.tee $3
    if
     local.get $2
     i32.load offset=32
     local.tee $2
     local.get $3
     i32.ctz
     i32.const 2
     i32.shl
     i32.const 1044
     i32.add
     local.tee $3
     i32.load
     i32.store
     local.get $3
     local.get $2
     i32.store
    end
    local.get $1
    i32.const 1
    i32.add
    local.set $1
    br $for-loop|0
   end
  end
  global.get $asm/core/limitCap
  if
   global.get $asm/core/limits
   local.tee $1
   global.get $asm/core/limitCap
   i32.ctz
   i32.const 2
   i32.shl
   i32.const 1048
   i32.add
   local.tee $2
   i32.load
   i32.store
   local.get $2
   local.get $1
   i32.store
  end
  local.get $0
  i32.const 0
  i32.const 256
  memory.fill
  local.get $0
  i32.const 1056
  i32.load
  i32.store
  i32.const 1056
  local.get $0
  i32.store
 )
 (func $asm/core/create (result i32)
  (local $0 i32)
  (local $1 i32)
  (local $2 i32)
  (local $3 i32)
  (local $4 i32)
  (local $5 i32)
  (local $6 i32)
  (local $7 i32)
  (local $8 i32)
  (local $9 i32)
  (local $10 i32)
  (local $11 i32)
  (local $12 i64)
  (local $13 i64)
  block $__inlined_func$asm/core/initHeap$1
   global.get $asm/core/heapStart
   br_if $__inlined_func$asm/core/initHeap$1
   i32.const 1152
   global.set $asm/core/heapStart
   i32.const 1152
   global.set $asm/core/heapTop
   memory.size
   i32.const 16
   i32.shl
   local.tee $0
   i32.const 1152
   i32.lt_u
   if
    i32.const 66687
    local.get $0
    i32.sub
    i32.const 16
    i32.shr_u
    memory.grow
    i32.const 0
    i32.lt_s
    if
     i32.const 0
     global.set $asm/core/heapStart
     br $__inlined_func$asm/core/initHeap$1
    end
   end
   i32.const 1024
   i32.const 0
   i32.const 128
   memory.fill
  end
  global.get $asm/core/heapStart
  i32.eqz
  if
   i32.const -7
   return
  end
  block $__inlined_func$asm/core/allocBlock
   i32.const 1056
   i32.load
   local.tee $0
   if
    i32.const 1056
    local.get $0
    i32.load
    i32.store
    i32.const 0
    global.set $asm/core/fresh
    br $__inlined_func$asm/core/allocBlock
   end
   global.get $asm/core/heapTop
   i64.extend_i32_u
   i64.const 256
   i64.add
   local.tee $12
   i64.const 2147418112
   i64.gt_u
   if
    i32.const 0
    local.set $0
    br $__inlined_func$asm/core/allocBlock
   end
   i32.const 1
   global.set $asm/core/fresh
   memory.size
   i64.extend_i32_s
   i64.const 16
   i64.shl
   local.tee $13
   local.get $12
   i64.lt_u
   if
    local.get $12
    local.get $13
    i64.sub
    i64.const 65535
    i64.add
    i64.const 16
    i64.shr_u
    i32.wrap_i64
    memory.grow
    i32.const 0
    i32.lt_s
    if
     i32.const 0
     local.set $0
     br $__inlined_func$asm/core/allocBlock
    end
   end
   global.get $asm/core/heapTop
   local.set $0
   local.get $12
   i32.wrap_i64
   global.set $asm/core/heapTop
  end
  local.get $0
  local.tee $1
  i32.eqz
  if
   i32.const -7
   return
  end
  local.get $1
  i32.const 0
  i32.const 256
  memory.fill
  block $__inlined_func$asm/core/allocBlock$1
   i32.const 1072
   i32.load
   local.tee $0
   if
    i32.const 1072
    local.get $0
    i32.load
    i32.store
    i32.const 0
    global.set $asm/core/fresh
    br $__inlined_func$asm/core/allocBlock$1
   end
   global.get $asm/core/heapTop
   i64.extend_i32_u
   i64.const 4096
   i64.add
   local.tee $12
   i64.const 2147418112
   i64.gt_u
   if
    i32.const 0
    local.set $0
    br $__inlined_func$asm/core/allocBlock$1
   end
   i32.const 1
   global.set $asm/core/fresh
   memory.size
   i64.extend_i32_s
   i64.const 16
   i64.shl
   local.tee $13
   local.get $12
   i64.lt_u
   if
    local.get $12
    local.get $13
    i64.sub
    i64.const 65535
    i64.add
    i64.const 16
    i64.shr_u
    i32.wrap_i64
    memory.grow
    i32.const 0
    i32.lt_s
    if
     i32.const 0
     local.set $0
     br $__inlined_func$asm/core/allocBlock$1
    end
   end
   global.get $asm/core/heapTop
   local.set $0
   local.get $12
   i32.wrap_i64
   global.set $asm/core/heapTop
  end
  local.get $0
  local.set $4
  block $__inlined_func$asm/core/allocBlock$2
   i32.const 1064
   i32.load
   local.tee $0
   if
    i32.const 1064
    local.get $0
    i32.load
    i32.store
    i32.const 0
    global.set $asm/core/fresh
    br $__inlined_func$asm/core/allocBlock$2
   end
   global.get $asm/core/heapTop
   i64.extend_i32_u
   i64.const 1024
   i64.add
   local.tee $12
   i64.const 2147418112
   i64.gt_u
   if
    i32.const 0
    local.set $0
    br $__inlined_func$asm/core/allocBlock$2
   end
   i32.const 1
   global.set $asm/core/fresh
   memory.size
   i64.extend_i32_s
   i64.const 16
   i64.shl
   local.tee $13
   local.get $12
   i64.lt_u
   if
    local.get $12
    local.get $13
    i64.sub
    i64.const 65535
    i64.add
    i64.const 16
    i64.shr_u
    i32.wrap_i64
    memory.grow
    i32.const 0
    i32.lt_s
    if
     i32.const 0
     local.set $0
     br $__inlined_func$asm/core/allocBlock$2
    end
   end
   global.get $asm/core/heapTop
   local.set $0
   local.get $12
   i32.wrap_i64
   global.set $asm/core/heapTop
  end
  local.get $0
  local.set $5
  block $__inlined_func$asm/core/allocBlock$3
   i32.const 1064
   i32.load
   local.tee $0
   if
    i32.const 1064
    local.get $0
    i32.load
    i32.store
    i32.const 0
    global.set $asm/core/fresh
    br $__inlined_func$asm/core/allocBlock$3
   end
   global.get $asm/core/heapTop
   i64.extend_i32_u
   i64.const 1024
   i64.add
   local.tee $12
   i64.const 2147418112
   i64.gt_u
   if
    i32.const 0
    local.set $0
    br $__inlined_func$asm/core/allocBlock$3
   end
   i32.const 1
   global.set $asm/core/fresh
   memory.size
   i64.extend_i32_s
   i64.const 16
   i64.shl
   local.tee $13
   local.get $12
   i64.lt_u
   if
    local.get $12
    local.get $13
    i64.sub
    i64.const 65535
    i64.add
    i64.const 16
    i64.shr_u
    i32.wrap_i64
    memory.grow
    i32.const 0
    i32.lt_s
    if
     i32.const 0
     local.set $0
     br $__inlined_func$asm/core/allocBlock$3
    end
   end
   global.get $asm/core/heapTop
   local.set $0
   local.get $12
   i32.wrap_i64
   global.set $asm/core/heapTop
  end
  local.get $0
  local.set $6
  block $__inlined_func$asm/core/allocBlock$4
   i32.const 1064
   i32.load
   local.tee $0
   if
    i32.const 1064
    local.get $0
    i32.load
    i32.store
    i32.const 0
    global.set $asm/core/fresh
    br $__inlined_func$asm/core/allocBlock$4
   end
   global.get $asm/core/heapTop
   i64.extend_i32_u
   i64.const 1024
   i64.add
   local.tee $12
   i64.const 2147418112
   i64.gt_u
   if
    i32.const 0
    local.set $0
    br $__inlined_func$asm/core/allocBlock$4
   end
   i32.const 1
   global.set $asm/core/fresh
   memory.size
   i64.extend_i32_s
   i64.const 16
   i64.shl
   local.tee $13
   local.get $12
   i64.lt_u
   if
    local.get $12
    local.get $13
    i64.sub
    i64.const 65535
    i64.add
    i64.const 16
    i64.shr_u
    i32.wrap_i64
    memory.grow
    i32.const 0
    i32.lt_s
    if
     i32.const 0
     local.set $0
     br $__inlined_func$asm/core/allocBlock$4
    end
   end
   global.get $asm/core/heapTop
   local.set $0
   local.get $12
   i32.wrap_i64
   global.set $asm/core/heapTop
  end
  local.get $0
  local.set $7
  block $__inlined_func$asm/core/allocBlock$5
   i32.const 1064
   i32.load
   local.tee $0
   if
    i32.const 1064
    local.get $0
    i32.load
    i32.store
    i32.const 0
    global.set $asm/core/fresh
    br $__inlined_func$asm/core/allocBlock$5
   end
   global.get $asm/core/heapTop
   i64.extend_i32_u
   i64.const 1024
   i64.add
   local.tee $12
   i64.const 2147418112
   i64.gt_u
   if
    i32.const 0
    local.set $0
    br $__inlined_func$asm/core/allocBlock$5
   end
   i32.const 1
   global.set $asm/core/fresh
   memory.size
   i64.extend_i32_s
   i64.const 16
   i64.shl
   local.tee $13
   local.get $12
   i64.lt_u
   if
    local.get $12
    local.get $13
    i64.sub
    i64.const 65535
    i64.add
    i64.const 16
    i64.shr_u
    i32.wrap_i64
    memory.grow
    i32.const 0
    i32.lt_s
    if
     i32.const 0
     local.set $0
     br $__inlined_func$asm/core/allocBlock$5
    end
   end
   global.get $asm/core/heapTop
   local.set $0
   local.get $12
   i32.wrap_i64
   global.set $asm/core/heapTop
  end
  local.get $0
  local.set $8
  block $__inlined_func$asm/core/allocBlock$6
   i32.const 1080
   i32.load
   local.tee $0
   if
    i32.const 1080
    local.get $0
    i32.load
    i32.store
    i32.const 0
    global.set $asm/core/fresh
    br $__inlined_func$asm/core/allocBlock$6
   end
   global.get $asm/core/heapTop
   i64.extend_i32_u
   i64.const 16384
   i64.add
   local.tee $12
   i64.const 2147418112
   i64.gt_u
   if
    i32.const 0
    local.set $0
    br $__inlined_func$asm/core/allocBlock$6
   end
   i32.const 1
   global.set $asm/core/fresh
   memory.size
   i64.extend_i32_s
   i64.const 16
   i64.shl
   local.tee $13
   local.get $12
   i64.lt_u
   if
    local.get $12
    local.get $13
    i64.sub
    i64.const 65535
    i64.add
    i64.const 16
    i64.shr_u
    i32.wrap_i64
    memory.grow
    i32.const 0
    i32.lt_s
    if
     i32.const 0
     local.set $0
     br $__inlined_func$asm/core/allocBlock$6
    end
   end
   global.get $asm/core/heapTop
   local.set $0
   local.get $12
   i32.wrap_i64
   global.set $asm/core/heapTop
  end
  local.get $0
  local.set $9
  block $__inlined_func$asm/core/allocBlock$7
   i32.const 1076
   i32.load
   local.tee $0
   if
    i32.const 1076
    local.get $0
    i32.load
    i32.store
    i32.const 0
    global.set $asm/core/fresh
    br $__inlined_func$asm/core/allocBlock$7
   end
   global.get $asm/core/heapTop
   i64.extend_i32_u
   i64.const -8192
   i64.sub
   local.tee $12
   i64.const 2147418112
   i64.gt_u
   if
    i32.const 0
    local.set $0
    br $__inlined_func$asm/core/allocBlock$7
   end
   i32.const 1
   global.set $asm/core/fresh
   memory.size
   i64.extend_i32_s
   i64.const 16
   i64.shl
   local.tee $13
   local.get $12
   i64.lt_u
   if
    local.get $12
    local.get $13
    i64.sub
    i64.const 65535
    i64.add
    i64.const 16
    i64.shr_u
    i32.wrap_i64
    memory.grow
    i32.const 0
    i32.lt_s
    if
     i32.const 0
     local.set $0
     br $__inlined_func$asm/core/allocBlock$7
    end
   end
   global.get $asm/core/heapTop
   local.set $0
   local.get $12
   i32.wrap_i64
   global.set $asm/core/heapTop
  end
  local.get $0
  local.set $10
  block $__inlined_func$asm/core/allocBlock$8
   i32.const 1076
   i32.load
   local.tee $0
   if
    i32.const 1076
    local.get $0
    i32.load
    i32.store
    i32.const 0
    global.set $asm/core/fresh
    br $__inlined_func$asm/core/allocBlock$8
   end
   global.get $asm/core/heapTop
   i64.extend_i32_u
   i64.const -8192
   i64.sub
   local.tee $12
   i64.const 2147418112
   i64.gt_u
   if
    i32.const 0
    local.set $0
    br $__inlined_func$asm/core/allocBlock$8
   end
   i32.const 1
   global.set $asm/core/fresh
   memory.size
   i64.extend_i32_s
   i64.const 16
   i64.shl
   local.tee $13
   local.get $12
   i64.lt_u
   if
    local.get $12
    local.get $13
    i64.sub
    i64.const 65535
    i64.add
    i64.const 16
    i64.shr_u
    i32.wrap_i64
    memory.grow
    i32.const 0
    i32.lt_s
    if
     i32.const 0
     local.set $0
     br $__inlined_func$asm/core/allocBlock$8
    end
   end
   global.get $asm/core/heapTop
   local.set $0
   local.get $12
   i32.wrap_i64
   global.set $asm/core/heapTop
  end
  local.get $0
  local.set $2
  block $__inlined_func$asm/core/allocBlock$9
   i32.const 1080
   i32.load
   local.tee $0
   if
    i32.const 1080
    local.get $0
    i32.load
    i32.store
    i32.const 0
    global.set $asm/core/fresh
    br $__inlined_func$asm/core/allocBlock$9
   end
   global.get $asm/core/heapTop
   i64.extend_i32_u
   i64.const 16384
   i64.add
   local.tee $12
   i64.const 2147418112
   i64.gt_u
   if
    i32.const 0
    local.set $0
    br $__inlined_func$asm/core/allocBlock$9
   end
   i32.const 1
   global.set $asm/core/fresh
   memory.size
   i64.extend_i32_s
   i64.const 16
   i64.shl
   local.tee $13
   local.get $12
   i64.lt_u
   if
    local.get $12
    local.get $13
    i64.sub
    i64.const 65535
    i64.add
    i64.const 16
    i64.shr_u
    i32.wrap_i64
    memory.grow
    i32.const 0
    i32.lt_s
    if
     i32.const 0
     local.set $0
     br $__inlined_func$asm/core/allocBlock$9
    end
   end
   global.get $asm/core/heapTop
   local.set $0
   local.get $12
   i32.wrap_i64
   global.set $asm/core/heapTop
  end
  local.get $0
  local.set $3
  block $__inlined_func$asm/core/allocBlock$10
   i32.const 1072
   i32.load
   local.tee $0
   if
    i32.const 1072
    local.get $0
    i32.load
    i32.store
    i32.const 0
    global.set $asm/core/fresh
    br $__inlined_func$asm/core/allocBlock$10
   end
   global.get $asm/core/heapTop
   i64.extend_i32_u
   i64.const 4096
   i64.add
   local.tee $12
   i64.const 2147418112
   i64.gt_u
   if
    i32.const 0
    local.set $0
    br $__inlined_func$asm/core/allocBlock$10
   end
   i32.const 1
   global.set $asm/core/fresh
   memory.size
   i64.extend_i32_s
   i64.const 16
   i64.shl
   local.tee $13
   local.get $12
   i64.lt_u
   if
    local.get $12
    local.get $13
    i64.sub
    i64.const 65535
    i64.add
    i64.const 16
    i64.shr_u
    i32.wrap_i64
    memory.grow
    i32.const 0
    i32.lt_s
    if
     i32.const 0
     local.set $0
     br $__inlined_func$asm/core/allocBlock$10
    end
   end
   global.get $asm/core/heapTop
   local.set $0
   local.get $12
   i32.wrap_i64
   global.set $asm/core/heapTop
  end
  local.get $0
  local.set $11
  block $__inlined_func$asm/core/allocBlock$11
   i32.const 1076
   i32.load
   local.tee $0
   if
    i32.const 1076
    local.get $0
    i32.load
    i32.store
    i32.const 0
    global.set $asm/core/fresh
    br $__inlined_func$asm/core/allocBlock$11
   end
   global.get $asm/core/heapTop
   i64.extend_i32_u
   i64.const -8192
   i64.sub
   local.tee $12
   i64.const 2147418112
   i64.gt_u
   if
    i32.const 0
    local.set $0
    br $__inlined_func$asm/core/allocBlock$11
   end
   i32.const 1
   global.set $asm/core/fresh
   memory.size
   i64.extend_i32_s
   i64.const 16
   i64.shl
   local.tee $13
   local.get $12
   i64.lt_u
   if
    local.get $12
    local.get $13
    i64.sub
    i64.const 65535
    i64.add
    i64.const 16
    i64.shr_u
    i32.wrap_i64
    memory.grow
    i32.const 0
    i32.lt_s
    if
     i32.const 0
     local.set $0
     br $__inlined_func$asm/core/allocBlock$11
    end
   end
   global.get $asm/core/heapTop
   local.set $0
   local.get $12
   i32.wrap_i64
   global.set $asm/core/heapTop
  end
  local.get $0
  i32.eqz
  local.get $11
  i32.eqz
  local.get $3
  i32.eqz
  local.get $2
  i32.eqz
  local.get $10
  i32.eqz
  local.get $9
  i32.eqz
  local.get $8
  i32.eqz
  local.get $7
  i32.eqz
  local.get $6
  i32.eqz
  local.get $5
  i32.eqz
  local.get $4
  i32.eqz
  i32.or
  i32.or
  i32.or
  i32.or
  i32.or
  i32.or
  i32.or
  i32.or
  i32.or
  i32.or
  if
   i32.const -7
   return
  end
  local.get $1
  local.get $4
  i32.store
  local.get $1
  i32.const 1024
  i32.store offset=4
  local.get $1
  local.get $5
  i32.store offset=8
  local.get $1
  i32.const 256
  i32.store offset=88
  local.get $1
  local.get $6
  i32.store offset=16
  local.get $1
  i32.const 256
  i32.store offset=92
  local.get $1
  local.get $7
  i32.store offset=24
  local.get $1
  i32.const 256
  i32.store offset=96
  local.get $1
  local.get $8
  i32.store offset=32
  local.get $1
  i32.const 256
  i32.store offset=100
  local.get $1
  local.get $9
  i32.store offset=108
  local.get $1
  local.get $10
  i32.store offset=152
  local.get $1
  local.get $2
  i32.store offset=184
  local.get $1
  local.get $3
  i32.store offset=188
  local.get $2
  i32.const 0
  i32.const 8192
  memory.fill
  local.get $3
  i32.const 0
  i32.const 16384
  memory.fill
  local.get $1
  local.get $11
  i32.store offset=116
  local.get $1
  i32.const 1024
  i32.store offset=80
  local.get $1
  local.get $0
  i32.store offset=128
  local.get $1
  i32.const 1024
  i32.store offset=132
  local.get $1
  i32.const -1
  i32.store offset=140
  local.get $1
  i32.const 69888
  i32.store offset=84
  local.get $1
 )
 (func $asm/core/completeOne (param $0 i32) (param $1 i32) (param $2 i32) (result i32)
  local.get $0
  call $asm/core/enter
  global.get $asm/core/broken
  if
   global.get $asm/core/C
   i32.const -2
   i32.store offset=40
   global.get $asm/core/C
   i32.const 0
   i32.store offset=44
   global.get $asm/core/C
   local.tee $0
   global.get $asm/core/inPtr
   i32.store
   local.get $0
   global.get $asm/core/inCap
   i32.store offset=4
   local.get $0
   global.get $asm/core/rdyPtr
   i32.store offset=8
   local.get $0
   global.get $asm/core/rdyLen
   i32.store offset=12
   local.get $0
   global.get $asm/core/failPtr
   i32.store offset=16
   local.get $0
   global.get $asm/core/failLen
   i32.store offset=20
   local.get $0
   global.get $asm/core/cancPtr
   i32.store offset=24
   local.get $0
   global.get $asm/core/cancLen
   i32.store offset=28
   local.get $0
   global.get $asm/core/nWaiting
   i32.store offset=48
   local.get $0
   global.get $asm/core/nReady
   i32.store offset=52
   local.get $0
   global.get $asm/core/nDone
   i32.store offset=64
   local.get $0
   global.get $asm/core/nFailed
   i32.store offset=68
   local.get $0
   global.get $asm/core/nCancelled
   i32.store offset=72
   local.get $0
   global.get $asm/core/nLive
   i32.store offset=76
   local.get $0
   global.get $asm/core/slotCap
   i32.store offset=80
   local.get $0
   global.get $asm/core/bytesHeld
   i32.store offset=84
   i32.const -7
   return
  end
  local.get $1
  call $asm/core/checkLive
  local.tee $0
  if
   global.get $asm/core/C
   i32.const 0
   i32.store offset=40
   global.get $asm/core/C
   local.get $1
   i32.store offset=44
   global.get $asm/core/C
   local.tee $1
   global.get $asm/core/inPtr
   i32.store
   local.get $1
   global.get $asm/core/inCap
   i32.store offset=4
   local.get $1
   global.get $asm/core/rdyPtr
   i32.store offset=8
   local.get $1
   global.get $asm/core/rdyLen
   i32.store offset=12
   local.get $1
   global.get $asm/core/failPtr
   i32.store offset=16
   local.get $1
   global.get $asm/core/failLen
   i32.store offset=20
   local.get $1
   global.get $asm/core/cancPtr
   i32.store offset=24
   local.get $1
   global.get $asm/core/cancLen
   i32.store offset=28
   local.get $1
   global.get $asm/core/nWaiting
   i32.store offset=48
   local.get $1
   global.get $asm/core/nReady
   i32.store offset=52
   local.get $1
   global.get $asm/core/nDone
   i32.store offset=64
   local.get $1
   global.get $asm/core/nFailed
   i32.store offset=68
   local.get $1
   global.get $asm/core/nCancelled
   i32.store offset=72
   local.get $1
   global.get $asm/core/nLive
   i32.store offset=76
   local.get $1
   global.get $asm/core/slotCap
   i32.store offset=80
   local.get $1
   global.get $asm/core/bytesHeld
   i32.store offset=84
   local.get $0
   return
  end
  local.get $2
  i32.const 3
  i32.lt_s
  local.get $2
  i32.const 5
  i32.gt_s
  i32.or
  if
   global.get $asm/core/C
   i32.const 0
   i32.store offset=40
   global.get $asm/core/C
   local.get $2
   i32.store offset=44
   global.get $asm/core/C
   local.tee $0
   global.get $asm/core/inPtr
   i32.store
   local.get $0
   global.get $asm/core/inCap
   i32.store offset=4
   local.get $0
   global.get $asm/core/rdyPtr
   i32.store offset=8
   local.get $0
   global.get $asm/core/rdyLen
   i32.store offset=12
   local.get $0
   global.get $asm/core/failPtr
   i32.store offset=16
   local.get $0
   global.get $asm/core/failLen
   i32.store offset=20
   local.get $0
   global.get $asm/core/cancPtr
   i32.store offset=24
   local.get $0
   global.get $asm/core/cancLen
   i32.store offset=28
   local.get $0
   global.get $asm/core/nWaiting
   i32.store offset=48
   local.get $0
   global.get $asm/core/nReady
   i32.store offset=52
   local.get $0
   global.get $asm/core/nDone
   i32.store offset=64
   local.get $0
   global.get $asm/core/nFailed
   i32.store offset=68
   local.get $0
   global.get $asm/core/nCancelled
   i32.store offset=72
   local.get $0
   global.get $asm/core/nLive
   i32.store offset=76
   local.get $0
   global.get $asm/core/slotCap
   i32.store offset=80
   local.get $0
   global.get $asm/core/bytesHeld
   i32.store offset=84
   i32.const -6
   return
  end
  global.get $asm/core/rdyLen
  local.set $0
  local.get $1
  local.get $2
  call $asm/core/finish
  global.get $asm/core/wakeHead
  i32.const 0
  i32.ge_s
  if
   call $asm/core/serveWoken
  end
  global.get $asm/core/nPrio
  if
   local.get $0
   call $asm/core/sortReady
  end
  i32.const 0
  call $asm/core/done
 )
 (func $asm/core/complete (param $0 i32) (param $1 i32) (result i32)
  (local $2 i32)
  (local $3 i32)
  (local $4 i32)
  (local $5 i32)
  (local $6 i32)
  local.get $0
  call $asm/core/enter
  global.get $asm/core/broken
  if
   global.get $asm/core/C
   i32.const -2
   i32.store offset=40
   global.get $asm/core/C
   i32.const 0
   i32.store offset=44
   global.get $asm/core/C
   local.tee $0
   global.get $asm/core/inPtr
   i32.store
   local.get $0
   global.get $asm/core/inCap
   i32.store offset=4
   local.get $0
   global.get $asm/core/rdyPtr
   i32.store offset=8
   local.get $0
   global.get $asm/core/rdyLen
   i32.store offset=12
   local.get $0
   global.get $asm/core/failPtr
   i32.store offset=16
   local.get $0
   global.get $asm/core/failLen
   i32.store offset=20
   local.get $0
   global.get $asm/core/cancPtr
   i32.store offset=24
   local.get $0
   global.get $asm/core/cancLen
   i32.store offset=28
   local.get $0
   global.get $asm/core/nWaiting
   i32.store offset=48
   local.get $0
   global.get $asm/core/nReady
   i32.store offset=52
   local.get $0
   global.get $asm/core/nDone
   i32.store offset=64
   local.get $0
   global.get $asm/core/nFailed
   i32.store offset=68
   local.get $0
   global.get $asm/core/nCancelled
   i32.store offset=72
   local.get $0
   global.get $asm/core/nLive
   i32.store offset=76
   local.get $0
   global.get $asm/core/slotCap
   i32.store offset=80
   local.get $0
   global.get $asm/core/bytesHeld
   i32.store offset=84
   i32.const -7
   return
  end
  local.get $1
  i32.const 0
  i32.lt_s
  if (result i32)
   i32.const 1
  else
   global.get $asm/core/inCap
   i64.extend_i32_s
   local.get $1
   i64.extend_i32_s
   i64.const 1
   i64.shl
   i64.lt_s
  end
  if
   global.get $asm/core/C
   i32.const -1
   i32.store offset=40
   global.get $asm/core/C
   local.get $1
   i32.store offset=44
   global.get $asm/core/C
   local.tee $0
   global.get $asm/core/inPtr
   i32.store
   local.get $0
   global.get $asm/core/inCap
   i32.store offset=4
   local.get $0
   global.get $asm/core/rdyPtr
   i32.store offset=8
   local.get $0
   global.get $asm/core/rdyLen
   i32.store offset=12
   local.get $0
   global.get $asm/core/failPtr
   i32.store offset=16
   local.get $0
   global.get $asm/core/failLen
   i32.store offset=20
   local.get $0
   global.get $asm/core/cancPtr
   i32.store offset=24
   local.get $0
   global.get $asm/core/cancLen
   i32.store offset=28
   local.get $0
   global.get $asm/core/nWaiting
   i32.store offset=48
   local.get $0
   global.get $asm/core/nReady
   i32.store offset=52
   local.get $0
   global.get $asm/core/nDone
   i32.store offset=64
   local.get $0
   global.get $asm/core/nFailed
   i32.store offset=68
   local.get $0
   global.get $asm/core/nCancelled
   i32.store offset=72
   local.get $0
   global.get $asm/core/nLive
   i32.store offset=76
   local.get $0
   global.get $asm/core/slotCap
   i32.store offset=80
   local.get $0
   global.get $asm/core/bytesHeld
   i32.store offset=84
   i32.const -8
   return
  end
  global.get $asm/core/inPtr
  local.tee $5
  local.get $1
  i32.const 2
  i32.shl
  i32.add
  local.set $6
  loop $for-loop|0
   local.get $1
   local.get $3
   i32.gt_s
   if
    local.get $3
    i32.const 2
    i32.shl
    local.tee $2
    local.get $5
    i32.add
    i32.load
    local.tee $0
    call $asm/core/checkLive
    local.set $4
    local.get $4
    if (result i32)
     local.get $0
    else
     local.get $2
     local.get $6
     i32.add
     i32.load
     local.tee $2
     i32.const 3
     i32.lt_s
     local.get $2
     i32.const 5
     i32.gt_s
     i32.or
     if (result i32)
      i32.const -6
      local.set $4
      local.get $2
     else
      local.get $0
     end
    end
    local.set $2
    local.get $4
    if
     i32.const 0
     local.set $1
     loop $for-loop|01
      local.get $1
      local.get $3
      i32.lt_s
      if
       global.get $asm/core/slots
       local.get $5
       local.get $1
       i32.const 2
       i32.shl
       i32.add
       i32.load
       i32.const 2097151
       i32.and
       i32.const 4
       i32.shl
       i32.add
       local.tee $0
       local.get $0
       i32.load offset=4
       i32.const -9
       i32.and
       i32.store offset=4
       local.get $1
       i32.const 1
       i32.add
       local.set $1
       br $for-loop|01
      end
     end
     global.get $asm/core/C
     local.get $3
     i32.store offset=40
     global.get $asm/core/C
     local.get $2
     i32.store offset=44
     global.get $asm/core/C
     local.tee $0
     global.get $asm/core/inPtr
     i32.store
     local.get $0
     global.get $asm/core/inCap
     i32.store offset=4
     local.get $0
     global.get $asm/core/rdyPtr
     i32.store offset=8
     local.get $0
     global.get $asm/core/rdyLen
     i32.store offset=12
     local.get $0
     global.get $asm/core/failPtr
     i32.store offset=16
     local.get $0
     global.get $asm/core/failLen
     i32.store offset=20
     local.get $0
     global.get $asm/core/cancPtr
     i32.store offset=24
     local.get $0
     global.get $asm/core/cancLen
     i32.store offset=28
     local.get $0
     global.get $asm/core/nWaiting
     i32.store offset=48
     local.get $0
     global.get $asm/core/nReady
     i32.store offset=52
     local.get $0
     global.get $asm/core/nDone
     i32.store offset=64
     local.get $0
     global.get $asm/core/nFailed
     i32.store offset=68
     local.get $0
     global.get $asm/core/nCancelled
     i32.store offset=72
     local.get $0
     global.get $asm/core/nLive
     i32.store offset=76
     local.get $0
     global.get $asm/core/slotCap
     i32.store offset=80
     local.get $0
     global.get $asm/core/bytesHeld
     i32.store offset=84
     local.get $4
     return
    end
    global.get $asm/core/slots
    local.get $0
    i32.const 2097151
    i32.and
    i32.const 4
    i32.shl
    i32.add
    local.tee $0
    local.get $0
    i32.load offset=4
    i32.const 8
    i32.or
    i32.store offset=4
    local.get $3
    i32.const 1
    i32.add
    local.set $3
    br $for-loop|0
   end
  end
  global.get $asm/core/rdyLen
  local.set $2
  i32.const 0
  local.set $0
  loop $for-loop|1
   global.get $asm/core/broken
   i32.eqz
   local.get $0
   local.get $1
   i32.lt_s
   i32.and
   if
    local.get $0
    i32.const 2
    i32.shl
    local.tee $3
    local.get $5
    i32.add
    i32.load
    local.get $3
    local.get $6
    i32.add
    i32.load
    call $asm/core/finish
    local.get $0
    i32.const 1
    i32.add
    local.set $0
    br $for-loop|1
   end
  end
  global.get $asm/core/wakeHead
  i32.const 0
  i32.ge_s
  if
   call $asm/core/serveWoken
  end
  global.get $asm/core/nPrio
  if
   local.get $2
   call $asm/core/sortReady
  end
  i32.const 0
  call $asm/core/done
 )
 (func $asm/core/compact (param $0 i32) (param $1 i32)
  (local $2 i32)
  (local $3 i32)
  (local $4 i32)
  (local $5 i32)
  (local $6 i32)
  (local $7 i32)
  (local $8 i32)
  (local $9 i32)
  local.get $0
  i32.const 4
  i32.shl
  i32.const 6
  i32.or
  local.set $4
  local.get $1
  i32.load offset=24
  local.tee $5
  if
   local.get $1
   i32.load offset=16
   local.set $6
   local.get $1
   i32.load offset=20
   local.set $7
   local.get $1
   i32.load offset=28
   i32.const 1
   i32.sub
   local.set $8
   i32.const 0
   local.set $0
   loop $for-loop|0
    local.get $2
    local.get $5
    i32.lt_s
    if
     global.get $asm/core/slots
     local.get $6
     local.get $2
     local.get $7
     i32.add
     local.get $8
     i32.and
     i32.const 2
     i32.shl
     i32.add
     i32.load
     local.tee $3
     i32.const 2097151
     i32.and
     i32.const 4
     i32.shl
     i32.add
     local.tee $9
     i32.load
     local.get $3
     i32.eq
     if (result i32)
      local.get $9
      i32.load offset=4
      i32.const -9
      i32.and
      local.get $4
      i32.eq
     else
      i32.const 0
     end
     if
      local.get $0
      local.get $2
      i32.ne
      if
       local.get $6
       local.get $0
       local.get $7
       i32.add
       local.get $8
       i32.and
       i32.const 2
       i32.shl
       i32.add
       local.get $3
       i32.store
      end
      local.get $0
      i32.const 1
      i32.add
      local.set $0
     end
     local.get $2
     i32.const 1
     i32.add
     local.set $2
     br $for-loop|0
    end
   end
   local.get $1
   local.get $0
   i32.store offset=24
  end
  local.get $1
  i32.load offset=36
  local.tee $3
  if
   local.get $1
   i32.load offset=32
   local.set $5
   i32.const 0
   local.set $2
   i32.const 0
   local.set $0
   loop $for-loop|1
    local.get $0
    local.get $3
    i32.lt_s
    if
     global.get $asm/core/slots
     local.get $5
     local.get $0
     i32.const 5
     i32.shl
     i32.add
     local.tee $6
     i32.load offset=16
     local.tee $7
     i32.const 2097151
     i32.and
     i32.const 4
     i32.shl
     i32.add
     local.tee $8
     i32.load
     local.get $7
     i32.eq
     if (result i32)
      local.get $8
      i32.load offset=4
      i32.const -9
      i32.and
      local.get $4
      i32.eq
     else
      i32.const 0
     end
     if
      local.get $0
      local.get $2
      i32.ne
      if
       local.get $5
       local.get $2
       i32.const 5
       i32.shl
       i32.add
       local.tee $7
       local.get $6
       i64.load
       i64.store
       local.get $7
       local.get $6
       i64.load offset=8
       i64.store offset=8
       local.get $7
       local.get $6
       i32.load offset=16
       i32.store offset=16
      end
      local.get $2
      i32.const 1
      i32.add
      local.set $2
     end
     local.get $0
     i32.const 1
     i32.add
     local.set $0
     br $for-loop|1
    end
   end
   local.get $1
   local.get $2
   i32.store offset=36
   local.get $2
   i32.const 1
   i32.shr_s
   i32.const 1
   i32.sub
   local.set $0
   loop $for-loop|2
    local.get $0
    i32.const 0
    i32.ge_s
    if
     local.get $5
     local.get $2
     local.get $0
     local.get $5
     local.get $0
     i32.const 5
     i32.shl
     i32.add
     local.tee $3
     f64.load
     local.get $3
     f64.load offset=8
     local.get $3
     i32.load offset=16
     call $asm/core/siftDown
     local.get $0
     i32.const 1
     i32.sub
     local.set $0
     br $for-loop|2
    end
   end
  end
  local.get $1
  i32.const 0
  i32.store offset=12
 )
 (func $asm/core/clearOutputs (param $0 i32)
  local.get $0
  i32.const 0
  i32.store offset=12
  local.get $0
  i32.const 0
  i32.store offset=20
  local.get $0
  i32.const 0
  i32.store offset=28
  local.get $0
  i32.const 0
  i32.store offset=36
 )
 (func $asm/core/cancel (param $0 i32) (param $1 i32) (result i32)
  (local $2 i32)
  (local $3 i32)
  (local $4 i32)
  (local $5 i32)
  (local $6 i32)
  (local $7 i32)
  (local $8 i32)
  local.get $0
  call $asm/core/enter
  global.get $asm/core/broken
  if
   global.get $asm/core/C
   i32.const -2
   i32.store offset=40
   global.get $asm/core/C
   i32.const 0
   i32.store offset=44
   global.get $asm/core/C
   local.tee $0
   global.get $asm/core/inPtr
   i32.store
   local.get $0
   global.get $asm/core/inCap
   i32.store offset=4
   local.get $0
   global.get $asm/core/rdyPtr
   i32.store offset=8
   local.get $0
   global.get $asm/core/rdyLen
   i32.store offset=12
   local.get $0
   global.get $asm/core/failPtr
   i32.store offset=16
   local.get $0
   global.get $asm/core/failLen
   i32.store offset=20
   local.get $0
   global.get $asm/core/cancPtr
   i32.store offset=24
   local.get $0
   global.get $asm/core/cancLen
   i32.store offset=28
   local.get $0
   global.get $asm/core/nWaiting
   i32.store offset=48
   local.get $0
   global.get $asm/core/nReady
   i32.store offset=52
   local.get $0
   global.get $asm/core/nDone
   i32.store offset=64
   local.get $0
   global.get $asm/core/nFailed
   i32.store offset=68
   local.get $0
   global.get $asm/core/nCancelled
   i32.store offset=72
   local.get $0
   global.get $asm/core/nLive
   i32.store offset=76
   local.get $0
   global.get $asm/core/slotCap
   i32.store offset=80
   local.get $0
   global.get $asm/core/bytesHeld
   i32.store offset=84
   i32.const -7
   return
  end
  local.get $1
  global.get $asm/core/inCap
  i32.gt_u
  if
   global.get $asm/core/C
   i32.const -1
   i32.store offset=40
   global.get $asm/core/C
   local.get $1
   i32.store offset=44
   global.get $asm/core/C
   local.tee $0
   global.get $asm/core/inPtr
   i32.store
   local.get $0
   global.get $asm/core/inCap
   i32.store offset=4
   local.get $0
   global.get $asm/core/rdyPtr
   i32.store offset=8
   local.get $0
   global.get $asm/core/rdyLen
   i32.store offset=12
   local.get $0
   global.get $asm/core/failPtr
   i32.store offset=16
   local.get $0
   global.get $asm/core/failLen
   i32.store offset=20
   local.get $0
   global.get $asm/core/cancPtr
   i32.store offset=24
   local.get $0
   global.get $asm/core/cancLen
   i32.store offset=28
   local.get $0
   global.get $asm/core/nWaiting
   i32.store offset=48
   local.get $0
   global.get $asm/core/nReady
   i32.store offset=52
   local.get $0
   global.get $asm/core/nDone
   i32.store offset=64
   local.get $0
   global.get $asm/core/nFailed
   i32.store offset=68
   local.get $0
   global.get $asm/core/nCancelled
   i32.store offset=72
   local.get $0
   global.get $asm/core/nLive
   i32.store offset=76
   local.get $0
   global.get $asm/core/slotCap
   i32.store offset=80
   local.get $0
   global.get $asm/core/bytesHeld
   i32.store offset=84
   i32.const -8
   return
  end
  global.get $asm/core/inPtr
  local.set $3
  i32.const 0
  local.set $0
  loop $for-loop|0
   local.get $0
   local.get $1
   i32.lt_s
   if
    block $__inlined_func$asm/core/idStatus$234 (result i32)
     i32.const -1
     local.get $3
     local.get $0
     i32.const 2
     i32.shl
     i32.add
     i32.load
     local.tee $4
     i32.const 2097151
     i32.and
     local.tee $5
     global.get $asm/core/slotTop
     i32.ge_s
     local.get $4
     i32.const 1073741824
     i32.ge_u
     i32.or
     br_if $__inlined_func$asm/core/idStatus$234
     drop
     global.get $asm/core/slots
     local.get $5
     i32.const 4
     i32.shl
     i32.add
     local.tee $5
     i32.load
     local.tee $6
     local.get $4
     i32.eq
     if
      i32.const 0
      local.get $5
      i32.load offset=4
      local.tee $5
      i32.const 7
      i32.and
      br_if $__inlined_func$asm/core/idStatus$234
      drop
      i32.const -2
      i32.const -1
      local.get $5
      select
      br $__inlined_func$asm/core/idStatus$234
     end
     i32.const -2
     i32.const -1
     local.get $4
     i32.const 21
     i32.shr_u
     local.get $6
     i32.const 21
     i32.shr_u
     i32.lt_s
     select
    end
    local.tee $5
    if
     global.get $asm/core/C
     local.get $0
     i32.store offset=40
     global.get $asm/core/C
     local.get $4
     i32.store offset=44
     global.get $asm/core/C
     local.tee $0
     global.get $asm/core/inPtr
     i32.store
     local.get $0
     global.get $asm/core/inCap
     i32.store offset=4
     local.get $0
     global.get $asm/core/rdyPtr
     i32.store offset=8
     local.get $0
     global.get $asm/core/rdyLen
     i32.store offset=12
     local.get $0
     global.get $asm/core/failPtr
     i32.store offset=16
     local.get $0
     global.get $asm/core/failLen
     i32.store offset=20
     local.get $0
     global.get $asm/core/cancPtr
     i32.store offset=24
     local.get $0
     global.get $asm/core/cancLen
     i32.store offset=28
     local.get $0
     global.get $asm/core/nWaiting
     i32.store offset=48
     local.get $0
     global.get $asm/core/nReady
     i32.store offset=52
     local.get $0
     global.get $asm/core/nDone
     i32.store offset=64
     local.get $0
     global.get $asm/core/nFailed
     i32.store offset=68
     local.get $0
     global.get $asm/core/nCancelled
     i32.store offset=72
     local.get $0
     global.get $asm/core/nLive
     i32.store offset=76
     local.get $0
     global.get $asm/core/slotCap
     i32.store offset=80
     local.get $0
     global.get $asm/core/bytesHeld
     i32.store offset=84
     local.get $5
     return
    end
    local.get $0
    i32.const 1
    i32.add
    local.set $0
    br $for-loop|0
   end
  end
  i32.const 0
  local.set $0
  loop $for-loop|1
   global.get $asm/core/broken
   i32.eqz
   local.get $0
   local.get $1
   i32.lt_s
   i32.and
   if
    block $for-continue|1
     global.get $asm/core/slots
     local.get $3
     local.get $0
     i32.const 2
     i32.shl
     i32.add
     i32.load
     local.tee $4
     i32.const 2097151
     i32.and
     i32.const 4
     i32.shl
     i32.add
     local.tee $6
     i32.load offset=4
     local.tee $5
     i32.const 7
     i32.and
     local.tee $7
     i32.const 1
     i32.eq
     if
      global.get $asm/core/nWaiting
      i32.const 1
      i32.sub
      global.set $asm/core/nWaiting
     else
      local.get $5
      i32.const 7
      i32.and
      local.tee $8
      i32.const 5
      i32.le_u
      local.get $8
      i32.const 3
      i32.ge_u
      i32.and
      br_if $for-continue|1
     end
     local.get $6
     i32.const 5
     i32.store offset=4
     local.get $7
     i32.const 1
     i32.ne
     if
      local.get $4
      local.get $5
      call $asm/core/dropClaims
     end
     global.get $asm/core/nCancelled
     i32.const 1
     i32.add
     global.set $asm/core/nCancelled
     local.get $2
     i32.const 1
     i32.add
     local.set $2
     global.get $asm/core/cancLen
     local.get $4
     i32.const -1
     call $asm/core/pushCancelled
     i32.const 5
     call $asm/core/spread
    end
    local.get $0
    i32.const 1
    i32.add
    local.set $0
    br $for-loop|1
   end
  end
  global.get $asm/core/wakeHead
  i32.const 0
  i32.ge_s
  if
   call $asm/core/serveWoken
  end
  local.get $2
  call $asm/core/done
 )
 (func $asm/core/admit (param $0 i32) (param $1 i32) (result i32)
  (local $2 i32)
  (local $3 i32)
  (local $4 i32)
  (local $5 i32)
  (local $6 i32)
  (local $7 i32)
  (local $8 i32)
  local.get $0
  call $asm/core/enter
  block $folding-inner0
   global.get $asm/core/broken
   if
    global.get $asm/core/C
    i32.const -2
    i32.store offset=40
    global.get $asm/core/C
    i32.const 0
    i32.store offset=44
    br $folding-inner0
   end
   local.get $1
   global.get $asm/core/inCap
   i32.gt_u
   if
    global.get $asm/core/C
    i32.const -1
    i32.store offset=40
    global.get $asm/core/C
    local.get $1
    i32.store offset=44
    global.get $asm/core/C
    local.tee $0
    global.get $asm/core/inPtr
    i32.store
    local.get $0
    global.get $asm/core/inCap
    i32.store offset=4
    local.get $0
    global.get $asm/core/rdyPtr
    i32.store offset=8
    local.get $0
    global.get $asm/core/rdyLen
    i32.store offset=12
    local.get $0
    global.get $asm/core/failPtr
    i32.store offset=16
    local.get $0
    global.get $asm/core/failLen
    i32.store offset=20
    local.get $0
    global.get $asm/core/cancPtr
    i32.store offset=24
    local.get $0
    global.get $asm/core/cancLen
    i32.store offset=28
    local.get $0
    global.get $asm/core/nWaiting
    i32.store offset=48
    local.get $0
    global.get $asm/core/nReady
    i32.store offset=52
    local.get $0
    global.get $asm/core/nDone
    i32.store offset=64
    local.get $0
    global.get $asm/core/nFailed
    i32.store offset=68
    local.get $0
    global.get $asm/core/nCancelled
    i32.store offset=72
    local.get $0
    global.get $asm/core/nLive
    i32.store offset=76
    local.get $0
    global.get $asm/core/slotCap
    i32.store offset=80
    local.get $0
    global.get $asm/core/bytesHeld
    i32.store offset=84
    i32.const -8
    return
   end
   global.get $asm/core/inPtr
   local.set $4
   loop $for-loop|0
    local.get $1
    local.get $2
    i32.gt_s
    if
     block $__inlined_func$asm/core/idStatus$245 (result i32)
      i32.const -1
      local.get $4
      local.get $2
      i32.const 2
      i32.shl
      i32.add
      i32.load
      local.tee $5
      i32.const 2097151
      i32.and
      local.tee $0
      global.get $asm/core/slotTop
      i32.ge_s
      local.get $5
      i32.const 1073741824
      i32.ge_u
      i32.or
      br_if $__inlined_func$asm/core/idStatus$245
      drop
      global.get $asm/core/slots
      local.get $0
      i32.const 4
      i32.shl
      i32.add
      local.tee $0
      i32.load
      local.tee $6
      local.get $5
      i32.eq
      if
       i32.const 0
       local.get $0
       i32.load offset=4
       local.tee $0
       i32.const 7
       i32.and
       br_if $__inlined_func$asm/core/idStatus$245
       drop
       i32.const -2
       i32.const -1
       local.get $0
       select
       br $__inlined_func$asm/core/idStatus$245
      end
      i32.const -2
      i32.const -1
      local.get $5
      i32.const 21
      i32.shr_u
      local.get $6
      i32.const 21
      i32.shr_u
      i32.lt_s
      select
     end
     local.tee $0
     i32.eqz
     if
      global.get $asm/core/slots
      local.get $5
      i32.const 2097151
      i32.and
      i32.const 4
      i32.shl
      i32.add
      i32.load offset=4
      local.tee $0
      i32.const 7
      i32.and
      local.set $6
      local.get $0
      i32.const 2
      i32.eq
      if (result i32)
       i32.const 0
      else
       local.get $6
       i32.const 1
       i32.eq
       if (result i32)
        i32.const -4
       else
        i32.const -16
        i32.const -3
        local.get $6
        i32.const 6
        i32.eq
        local.get $6
        i32.const 2
        i32.eq
        i32.or
        local.get $6
        i32.const 7
        i32.eq
        i32.or
        select
       end
      end
      local.set $0
     end
     local.get $0
     if
      i32.const 0
      local.set $1
      loop $for-loop|01
       local.get $1
       local.get $2
       i32.lt_s
       if
        global.get $asm/core/slots
        local.get $4
        local.get $1
        i32.const 2
        i32.shl
        i32.add
        i32.load
        i32.const 2097151
        i32.and
        i32.const 4
        i32.shl
        i32.add
        local.tee $3
        local.get $3
        i32.load offset=4
        i32.const -9
        i32.and
        i32.store offset=4
        local.get $1
        i32.const 1
        i32.add
        local.set $1
        br $for-loop|01
       end
      end
      global.get $asm/core/C
      local.get $2
      i32.store offset=40
      global.get $asm/core/C
      local.get $5
      i32.store offset=44
      global.get $asm/core/C
      local.tee $1
      global.get $asm/core/inPtr
      i32.store
      local.get $1
      global.get $asm/core/inCap
      i32.store offset=4
      local.get $1
      global.get $asm/core/rdyPtr
      i32.store offset=8
      local.get $1
      global.get $asm/core/rdyLen
      i32.store offset=12
      local.get $1
      global.get $asm/core/failPtr
      i32.store offset=16
      local.get $1
      global.get $asm/core/failLen
      i32.store offset=20
      local.get $1
      global.get $asm/core/cancPtr
      i32.store offset=24
      local.get $1
      global.get $asm/core/cancLen
      i32.store offset=28
      local.get $1
      global.get $asm/core/nWaiting
      i32.store offset=48
      local.get $1
      global.get $asm/core/nReady
      i32.store offset=52
      local.get $1
      global.get $asm/core/nDone
      i32.store offset=64
      local.get $1
      global.get $asm/core/nFailed
      i32.store offset=68
      local.get $1
      global.get $asm/core/nCancelled
      i32.store offset=72
      local.get $1
      global.get $asm/core/nLive
      i32.store offset=76
      local.get $1
      global.get $asm/core/slotCap
      i32.store offset=80
      local.get $1
      global.get $asm/core/bytesHeld
      i32.store offset=84
      local.get $0
      return
     end
     global.get $asm/core/slots
     local.get $5
     i32.const 2097151
     i32.and
     i32.const 4
     i32.shl
     i32.add
     i32.const 10
     i32.store offset=4
     local.get $2
     i32.const 1
     i32.add
     local.set $2
     br $for-loop|0
    end
   end
   local.get $4
   local.get $1
   call $asm/core/sortIds
   local.tee $0
   if
    i32.const 0
    local.set $2
    loop $for-loop|03
     local.get $1
     local.get $2
     i32.gt_s
     if
      global.get $asm/core/slots
      local.get $4
      local.get $2
      i32.const 2
      i32.shl
      i32.add
      i32.load
      i32.const 2097151
      i32.and
      i32.const 4
      i32.shl
      i32.add
      local.tee $3
      local.get $3
      i32.load offset=4
      i32.const -9
      i32.and
      i32.store offset=4
      local.get $2
      i32.const 1
      i32.add
      local.set $2
      br $for-loop|03
     end
    end
    local.get $0
    i32.const -100
    i32.eq
    if
     global.get $asm/core/C
     i32.const -2
     i32.store offset=40
     global.get $asm/core/C
     i32.const 0
     i32.store offset=44
    else
     global.get $asm/core/C
     i32.const -1
     i32.store offset=40
     global.get $asm/core/C
     local.get $1
     i32.store offset=44
    end
    br $folding-inner0
   end
   global.get $asm/core/C
   i32.load offset=32
   global.set $asm/core/admPtr
   global.get $asm/core/C
   i32.load offset=36
   global.set $asm/core/admLen
   global.get $asm/core/C
   i32.load offset=100
   global.set $asm/core/admCap
   i32.const 0
   global.set $asm/core/dHeld
   i32.const 0
   global.set $asm/core/dAdmitted
   global.get $asm/core/admLen
   local.set $5
   loop $for-loop|1
    global.get $asm/core/broken
    i32.eqz
    local.get $1
    local.get $3
    i32.gt_s
    i32.and
    if
     local.get $4
     local.get $3
     i32.const 2
     i32.shl
     i32.add
     i32.load
     local.tee $6
     i32.const 2097151
     i32.and
     i32.const 4
     i32.shl
     local.tee $0
     global.get $asm/core/lims
     i32.add
     local.set $7
     global.get $asm/core/slots
     local.get $0
     i32.add
     local.set $2
     global.get $asm/core/nReady
     i32.const 1
     i32.sub
     global.set $asm/core/nReady
     i32.const 0
     local.set $0
     block $__inlined_func$asm/core/lacking$241 (result i32)
      loop $for-loop|00
       local.get $0
       i32.const 8
       i32.lt_s
       if
        i32.const -1
        local.get $7
        local.get $0
        i32.const 1
        i32.shl
        i32.add
        i32.load16_u
        i32.const 1
        i32.sub
        local.tee $8
        i32.const 0
        i32.lt_s
        br_if $__inlined_func$asm/core/lacking$241
        drop
        local.get $8
        global.get $asm/core/limits
        local.get $8
        i32.const 6
        i32.shl
        i32.add
        local.tee $8
        i32.load offset=4
        local.get $8
        i32.load
        i32.ge_s
        br_if $__inlined_func$asm/core/lacking$241
        drop
        local.get $0
        i32.const 1
        i32.add
        local.set $0
        br $for-loop|00
       end
      end
      i32.const -1
     end
     local.tee $0
     i32.const 0
     i32.lt_s
     if
      i32.const 0
      local.set $0
      loop $for-loop|001
       local.get $0
       i32.const 8
       i32.lt_s
       if
        local.get $7
        local.get $0
        i32.const 1
        i32.shl
        i32.add
        i32.load16_u
        i32.const 1
        i32.sub
        local.tee $8
        i32.const 0
        i32.ge_s
        if
         global.get $asm/core/limits
         local.get $8
         i32.const 6
         i32.shl
         i32.add
         local.tee $8
         local.get $8
         i32.load offset=4
         i32.const 1
         i32.add
         i32.store offset=4
         local.get $0
         i32.const 1
         i32.add
         local.set $0
         br $for-loop|001
        end
       end
      end
      local.get $2
      i32.const 7
      i32.store offset=4
      global.get $asm/core/dAdmitted
      i32.const 1
      i32.add
      global.set $asm/core/dAdmitted
      local.get $6
      call $asm/core/pushAdmitted
     else
      local.get $2
      local.get $0
      i32.const 4
      i32.shl
      i32.const 6
      i32.or
      i32.store offset=4
      global.get $asm/core/dHeld
      i32.const 1
      i32.add
      global.set $asm/core/dHeld
      local.get $0
      local.get $6
      call $asm/core/enqueue
     end
     local.get $3
     i32.const 1
     i32.add
     local.set $3
     br $for-loop|1
    end
   end
   global.get $asm/core/C
   global.get $asm/core/admPtr
   i32.store offset=32
   global.get $asm/core/C
   global.get $asm/core/admLen
   i32.store offset=36
   global.get $asm/core/C
   global.get $asm/core/admCap
   i32.store offset=100
   global.get $asm/core/C
   global.get $asm/core/dHeld
   global.get $asm/core/C
   i32.load offset=56
   i32.add
   i32.store offset=56
   global.get $asm/core/C
   global.get $asm/core/dAdmitted
   global.get $asm/core/C
   i32.load offset=60
   i32.add
   i32.store offset=60
   global.get $asm/core/admLen
   local.get $5
   i32.sub
   call $asm/core/done
   return
  end
  global.get $asm/core/C
  local.tee $0
  global.get $asm/core/inPtr
  i32.store
  local.get $0
  global.get $asm/core/inCap
  i32.store offset=4
  local.get $0
  global.get $asm/core/rdyPtr
  i32.store offset=8
  local.get $0
  global.get $asm/core/rdyLen
  i32.store offset=12
  local.get $0
  global.get $asm/core/failPtr
  i32.store offset=16
  local.get $0
  global.get $asm/core/failLen
  i32.store offset=20
  local.get $0
  global.get $asm/core/cancPtr
  i32.store offset=24
  local.get $0
  global.get $asm/core/cancLen
  i32.store offset=28
  local.get $0
  global.get $asm/core/nWaiting
  i32.store offset=48
  local.get $0
  global.get $asm/core/nReady
  i32.store offset=52
  local.get $0
  global.get $asm/core/nDone
  i32.store offset=64
  local.get $0
  global.get $asm/core/nFailed
  i32.store offset=68
  local.get $0
  global.get $asm/core/nCancelled
  i32.store offset=72
  local.get $0
  global.get $asm/core/nLive
  i32.store offset=76
  local.get $0
  global.get $asm/core/slotCap
  i32.store offset=80
  local.get $0
  global.get $asm/core/bytesHeld
  i32.store offset=84
  i32.const -7
 )
 (func $asm/core/addWith (param $0 i32) (param $1 i32) (param $2 i32) (param $3 f64) (result i32)
  (local $4 i32)
  (local $5 i32)
  (local $6 i32)
  (local $7 i32)
  local.get $0
  call $asm/core/enter
  block $folding-inner1
   global.get $asm/core/broken
   if
    global.get $asm/core/C
    i32.const -2
    i32.store offset=40
    global.get $asm/core/C
    i32.const 0
    i32.store offset=44
    br $folding-inner1
   end
   block $folding-inner0
    local.get $1
    global.get $asm/core/inCap
    i32.gt_u
    if
     global.get $asm/core/C
     i32.const -1
     i32.store offset=40
     global.get $asm/core/C
     local.get $1
     i32.store offset=44
     br $folding-inner0
    end
    local.get $3
    local.get $3
    f64.sub
    f64.const 0
    f64.ne
    if
     global.get $asm/core/C
     i32.const -1
     i32.store offset=40
     global.get $asm/core/C
     i32.const 0
     i32.store offset=44
     global.get $asm/core/C
     local.tee $0
     global.get $asm/core/inPtr
     i32.store
     local.get $0
     global.get $asm/core/inCap
     i32.store offset=4
     local.get $0
     global.get $asm/core/rdyPtr
     i32.store offset=8
     local.get $0
     global.get $asm/core/rdyLen
     i32.store offset=12
     local.get $0
     global.get $asm/core/failPtr
     i32.store offset=16
     local.get $0
     global.get $asm/core/failLen
     i32.store offset=20
     local.get $0
     global.get $asm/core/cancPtr
     i32.store offset=24
     local.get $0
     global.get $asm/core/cancLen
     i32.store offset=28
     local.get $0
     global.get $asm/core/nWaiting
     i32.store offset=48
     local.get $0
     global.get $asm/core/nReady
     i32.store offset=52
     local.get $0
     global.get $asm/core/nDone
     i32.store offset=64
     local.get $0
     global.get $asm/core/nFailed
     i32.store offset=68
     local.get $0
     global.get $asm/core/nCancelled
     i32.store offset=72
     local.get $0
     global.get $asm/core/nLive
     i32.store offset=76
     local.get $0
     global.get $asm/core/slotCap
     i32.store offset=80
     local.get $0
     global.get $asm/core/bytesHeld
     i32.store offset=84
     i32.const -10
     return
    end
    local.get $2
    i32.const 8
    i32.gt_u
    if
     global.get $asm/core/C
     i32.const -1
     i32.store offset=40
     global.get $asm/core/C
     local.get $2
     i32.store offset=44
     global.get $asm/core/C
     local.tee $0
     global.get $asm/core/inPtr
     i32.store
     local.get $0
     global.get $asm/core/inCap
     i32.store offset=4
     local.get $0
     global.get $asm/core/rdyPtr
     i32.store offset=8
     local.get $0
     global.get $asm/core/rdyLen
     i32.store offset=12
     local.get $0
     global.get $asm/core/failPtr
     i32.store offset=16
     local.get $0
     global.get $asm/core/failLen
     i32.store offset=20
     local.get $0
     global.get $asm/core/cancPtr
     i32.store offset=24
     local.get $0
     global.get $asm/core/cancLen
     i32.store offset=28
     local.get $0
     global.get $asm/core/nWaiting
     i32.store offset=48
     local.get $0
     global.get $asm/core/nReady
     i32.store offset=52
     local.get $0
     global.get $asm/core/nDone
     i32.store offset=64
     local.get $0
     global.get $asm/core/nFailed
     i32.store offset=68
     local.get $0
     global.get $asm/core/nCancelled
     i32.store offset=72
     local.get $0
     global.get $asm/core/nLive
     i32.store offset=76
     local.get $0
     global.get $asm/core/slotCap
     i32.store offset=80
     local.get $0
     global.get $asm/core/bytesHeld
     i32.store offset=84
     i32.const -14
     return
    end
    global.get $asm/core/inCap
    i64.extend_i32_s
    local.get $1
    i64.extend_i32_s
    local.get $2
    i64.extend_i32_s
    i64.add
    i64.lt_s
    if
     global.get $asm/core/C
     i32.const -1
     i32.store offset=40
     global.get $asm/core/C
     local.get $2
     i32.store offset=44
     br $folding-inner0
    end
    global.get $asm/core/inPtr
    local.set $5
    i32.const 0
    local.set $0
    block $__inlined_func$asm/core/checkDeps$68 (result i32)
     loop $for-loop|0
      local.get $0
      local.get $1
      i32.lt_s
      if
       block $__inlined_func$asm/core/idStatus$197 (result i32)
        i32.const -1
        local.get $5
        local.get $0
        i32.const 2
        i32.shl
        i32.add
        i32.load
        local.tee $4
        i32.const 2097151
        i32.and
        local.tee $6
        global.get $asm/core/slotTop
        i32.ge_s
        local.get $4
        i32.const 1073741824
        i32.ge_u
        i32.or
        br_if $__inlined_func$asm/core/idStatus$197
        drop
        global.get $asm/core/slots
        local.get $6
        i32.const 4
        i32.shl
        i32.add
        local.tee $6
        i32.load
        local.tee $7
        local.get $4
        i32.eq
        if
         i32.const 0
         local.get $6
         i32.load offset=4
         local.tee $6
         i32.const 7
         i32.and
         br_if $__inlined_func$asm/core/idStatus$197
         drop
         i32.const -2
         i32.const -1
         local.get $6
         select
         br $__inlined_func$asm/core/idStatus$197
        end
        i32.const -2
        i32.const -1
        local.get $4
        i32.const 21
        i32.shr_u
        local.get $7
        i32.const 21
        i32.shr_u
        i32.lt_s
        select
       end
       local.tee $6
       if
        global.get $asm/core/C
        local.get $0
        i32.store offset=40
        global.get $asm/core/C
        local.get $4
        i32.store offset=44
        global.get $asm/core/C
        local.tee $0
        global.get $asm/core/inPtr
        i32.store
        local.get $0
        global.get $asm/core/inCap
        i32.store offset=4
        local.get $0
        global.get $asm/core/rdyPtr
        i32.store offset=8
        local.get $0
        global.get $asm/core/rdyLen
        i32.store offset=12
        local.get $0
        global.get $asm/core/failPtr
        i32.store offset=16
        local.get $0
        global.get $asm/core/failLen
        i32.store offset=20
        local.get $0
        global.get $asm/core/cancPtr
        i32.store offset=24
        local.get $0
        global.get $asm/core/cancLen
        i32.store offset=28
        local.get $0
        global.get $asm/core/nWaiting
        i32.store offset=48
        local.get $0
        global.get $asm/core/nReady
        i32.store offset=52
        local.get $0
        global.get $asm/core/nDone
        i32.store offset=64
        local.get $0
        global.get $asm/core/nFailed
        i32.store offset=68
        local.get $0
        global.get $asm/core/nCancelled
        i32.store offset=72
        local.get $0
        global.get $asm/core/nLive
        i32.store offset=76
        local.get $0
        global.get $asm/core/slotCap
        i32.store offset=80
        local.get $0
        global.get $asm/core/bytesHeld
        i32.store offset=84
        local.get $6
        br $__inlined_func$asm/core/checkDeps$68
       end
       local.get $0
       i32.const 1
       i32.add
       local.set $0
       br $for-loop|0
      end
     end
     i32.const 0
    end
    local.tee $0
    if
     local.get $0
     return
    end
    local.get $5
    local.get $1
    i32.const 2
    i32.shl
    i32.add
    local.set $6
    i32.const 0
    local.set $0
    loop $for-loop|00
     local.get $0
     local.get $2
     i32.lt_s
     if
      local.get $6
      local.get $0
      i32.const 2
      i32.shl
      i32.add
      i32.load
      local.tee $7
      global.get $asm/core/limitCap
      i32.lt_u
      if (result i32)
       global.get $asm/core/limits
       local.get $7
       i32.const 6
       i32.shl
       i32.add
       i32.load
       i32.const 0
       i32.gt_s
      else
       i32.const 0
      end
      i32.eqz
      if
       global.get $asm/core/C
       local.get $0
       i32.store offset=40
       global.get $asm/core/C
       local.get $7
       i32.store offset=44
       global.get $asm/core/C
       local.tee $0
       global.get $asm/core/inPtr
       i32.store
       local.get $0
       global.get $asm/core/inCap
       i32.store offset=4
       local.get $0
       global.get $asm/core/rdyPtr
       i32.store offset=8
       local.get $0
       global.get $asm/core/rdyLen
       i32.store offset=12
       local.get $0
       global.get $asm/core/failPtr
       i32.store offset=16
       local.get $0
       global.get $asm/core/failLen
       i32.store offset=20
       local.get $0
       global.get $asm/core/cancPtr
       i32.store offset=24
       local.get $0
       global.get $asm/core/cancLen
       i32.store offset=28
       local.get $0
       global.get $asm/core/nWaiting
       i32.store offset=48
       local.get $0
       global.get $asm/core/nReady
       i32.store offset=52
       local.get $0
       global.get $asm/core/nDone
       i32.store offset=64
       local.get $0
       global.get $asm/core/nFailed
       i32.store offset=68
       local.get $0
       global.get $asm/core/nCancelled
       i32.store offset=72
       local.get $0
       global.get $asm/core/nLive
       i32.store offset=76
       local.get $0
       global.get $asm/core/slotCap
       i32.store offset=80
       local.get $0
       global.get $asm/core/bytesHeld
       i32.store offset=84
       i32.const -9
       return
      end
      i32.const 0
      local.set $4
      loop $for-loop|1
       local.get $0
       local.get $4
       i32.gt_s
       if
        local.get $6
        local.get $4
        i32.const 2
        i32.shl
        i32.add
        i32.load
        local.get $7
        i32.eq
        if
         global.get $asm/core/C
         local.get $0
         i32.store offset=40
         global.get $asm/core/C
         local.get $7
         i32.store offset=44
         global.get $asm/core/C
         local.tee $0
         global.get $asm/core/inPtr
         i32.store
         local.get $0
         global.get $asm/core/inCap
         i32.store offset=4
         local.get $0
         global.get $asm/core/rdyPtr
         i32.store offset=8
         local.get $0
         global.get $asm/core/rdyLen
         i32.store offset=12
         local.get $0
         global.get $asm/core/failPtr
         i32.store offset=16
         local.get $0
         global.get $asm/core/failLen
         i32.store offset=20
         local.get $0
         global.get $asm/core/cancPtr
         i32.store offset=24
         local.get $0
         global.get $asm/core/cancLen
         i32.store offset=28
         local.get $0
         global.get $asm/core/nWaiting
         i32.store offset=48
         local.get $0
         global.get $asm/core/nReady
         i32.store offset=52
         local.get $0
         global.get $asm/core/nDone
         i32.store offset=64
         local.get $0
         global.get $asm/core/nFailed
         i32.store offset=68
         local.get $0
         global.get $asm/core/nCancelled
         i32.store offset=72
         local.get $0
         global.get $asm/core/nLive
         i32.store offset=76
         local.get $0
         global.get $asm/core/slotCap
         i32.store offset=80
         local.get $0
         global.get $asm/core/bytesHeld
         i32.store offset=84
         i32.const -15
         return
        end
        local.get $4
        i32.const 1
        i32.add
        local.set $4
        br $for-loop|1
       end
      end
      local.get $0
      i32.const 1
      i32.add
      local.set $0
      br $for-loop|00
     end
    end
    i32.const 1
    call $asm/core/ensureSlots
    local.tee $0
    i32.eqz
    if
     local.get $1
     call $asm/core/ensureEdges
     local.set $0
    end
    local.get $0
    if
     local.get $0
     i32.const -100
     i32.eq
     if
      global.get $asm/core/C
      i32.const -2
      i32.store offset=40
      global.get $asm/core/C
      i32.const 0
      i32.store offset=44
     else
      global.get $asm/core/C
      i32.const -1
      i32.store offset=40
      global.get $asm/core/C
      i32.const 1
      i32.store offset=44
     end
     br $folding-inner1
    end
    block $__inlined_func$asm/core/allocSlot$69
     global.get $asm/core/slotTop
     global.get $asm/core/slotCap
     i32.lt_s
     if
      global.get $asm/core/slotTop
      local.tee $0
      i32.const 1
      i32.add
      global.set $asm/core/slotTop
      global.get $asm/core/slots
      local.get $0
      i32.const 4
      i32.shl
      i32.add
      local.get $0
      i32.store
      br $__inlined_func$asm/core/allocSlot$69
     end
     global.get $asm/core/ring
     global.get $asm/core/ringHead
     i32.const 2
     i32.shl
     i32.add
     i32.load
     local.set $0
     global.get $asm/core/ringHead
     i32.const 1
     i32.add
     global.get $asm/core/slotCap
     i32.const 1
     i32.sub
     i32.and
     global.set $asm/core/ringHead
     global.get $asm/core/ringCount
     i32.const 1
     i32.sub
     global.set $asm/core/ringCount
     global.get $asm/core/slots
     local.get $0
     i32.const 4
     i32.shl
     i32.add
     i32.load
     local.set $0
    end
    local.get $0
    local.get $5
    local.get $1
    i32.const 0
    local.get $3
    local.get $6
    local.get $2
    call $asm/core/place
    local.get $0
    call $asm/core/done
    return
   end
   global.get $asm/core/C
   local.tee $0
   global.get $asm/core/inPtr
   i32.store
   local.get $0
   global.get $asm/core/inCap
   i32.store offset=4
   local.get $0
   global.get $asm/core/rdyPtr
   i32.store offset=8
   local.get $0
   global.get $asm/core/rdyLen
   i32.store offset=12
   local.get $0
   global.get $asm/core/failPtr
   i32.store offset=16
   local.get $0
   global.get $asm/core/failLen
   i32.store offset=20
   local.get $0
   global.get $asm/core/cancPtr
   i32.store offset=24
   local.get $0
   global.get $asm/core/cancLen
   i32.store offset=28
   local.get $0
   global.get $asm/core/nWaiting
   i32.store offset=48
   local.get $0
   global.get $asm/core/nReady
   i32.store offset=52
   local.get $0
   global.get $asm/core/nDone
   i32.store offset=64
   local.get $0
   global.get $asm/core/nFailed
   i32.store offset=68
   local.get $0
   global.get $asm/core/nCancelled
   i32.store offset=72
   local.get $0
   global.get $asm/core/nLive
   i32.store offset=76
   local.get $0
   global.get $asm/core/slotCap
   i32.store offset=80
   local.get $0
   global.get $asm/core/bytesHeld
   i32.store offset=84
   i32.const -8
   return
  end
  global.get $asm/core/C
  local.tee $0
  global.get $asm/core/inPtr
  i32.store
  local.get $0
  global.get $asm/core/inCap
  i32.store offset=4
  local.get $0
  global.get $asm/core/rdyPtr
  i32.store offset=8
  local.get $0
  global.get $asm/core/rdyLen
  i32.store offset=12
  local.get $0
  global.get $asm/core/failPtr
  i32.store offset=16
  local.get $0
  global.get $asm/core/failLen
  i32.store offset=20
  local.get $0
  global.get $asm/core/cancPtr
  i32.store offset=24
  local.get $0
  global.get $asm/core/cancLen
  i32.store offset=28
  local.get $0
  global.get $asm/core/nWaiting
  i32.store offset=48
  local.get $0
  global.get $asm/core/nReady
  i32.store offset=52
  local.get $0
  global.get $asm/core/nDone
  i32.store offset=64
  local.get $0
  global.get $asm/core/nFailed
  i32.store offset=68
  local.get $0
  global.get $asm/core/nCancelled
  i32.store offset=72
  local.get $0
  global.get $asm/core/nLive
  i32.store offset=76
  local.get $0
  global.get $asm/core/slotCap
  i32.store offset=80
  local.get $0
  global.get $asm/core/bytesHeld
  i32.store offset=84
  i32.const -7
 )
 (func $asm/core/addBatch (param $0 i32) (param $1 i32) (param $2 i32) (result i32)
  (local $3 i32)
  (local $4 i32)
  (local $5 i32)
  (local $6 i32)
  (local $7 i32)
  (local $8 i32)
  (local $9 i32)
  local.get $0
  call $asm/core/enter
  block $folding-inner2
   global.get $asm/core/broken
   if
    global.get $asm/core/C
    i32.const -2
    i32.store offset=40
    global.get $asm/core/C
    i32.const 0
    i32.store offset=44
    br $folding-inner2
   end
   block $folding-inner1
    local.get $1
    i32.const 0
    i32.lt_s
    if
     global.get $asm/core/C
     i32.const -1
     i32.store offset=40
     global.get $asm/core/C
     local.get $1
     i32.store offset=44
     br $folding-inner1
    end
    local.get $2
    i32.const 0
    i32.lt_s
    if (result i32)
     i32.const 1
    else
     global.get $asm/core/inCap
     i64.extend_i32_s
     local.get $1
     i64.extend_i32_s
     local.get $2
     i64.extend_i32_s
     i64.add
     i64.lt_s
    end
    if
     global.get $asm/core/C
     i32.const -1
     i32.store offset=40
     global.get $asm/core/C
     local.get $2
     i32.store offset=44
     br $folding-inner1
    end
    global.get $asm/core/inPtr
    local.tee $5
    local.get $1
    i32.const 2
    i32.shl
    i32.add
    local.set $6
    block $folding-inner0
     loop $for-loop|0
      local.get $1
      local.get $4
      i32.gt_s
      if
       local.get $5
       local.get $4
       i32.const 2
       i32.shl
       i32.add
       i32.load
       local.tee $0
       local.get $2
       local.get $3
       i32.sub
       i32.gt_s
       local.get $0
       i32.const 0
       i32.lt_s
       i32.or
       if
        global.get $asm/core/C
        local.get $4
        i32.store offset=40
        br $folding-inner0
       end
       local.get $0
       local.get $3
       i32.add
       local.set $8
       loop $for-loop|1
        local.get $3
        local.get $8
        i32.lt_s
        if
         local.get $6
         local.get $3
         i32.const 2
         i32.shl
         i32.add
         i32.load
         local.tee $0
         i32.const 0
         i32.lt_s
         if
          i32.const -1
          local.get $0
          i32.sub
          local.get $4
          i32.ge_s
          if
           global.get $asm/core/C
           local.get $3
           i32.store offset=40
           br $folding-inner0
          end
         else
          block $__inlined_func$asm/core/idStatus$207 (result i32)
           i32.const -1
           local.get $0
           i32.const 2097151
           i32.and
           local.tee $7
           global.get $asm/core/slotTop
           i32.ge_s
           local.get $0
           i32.const 1073741824
           i32.ge_u
           i32.or
           br_if $__inlined_func$asm/core/idStatus$207
           drop
           global.get $asm/core/slots
           local.get $7
           i32.const 4
           i32.shl
           i32.add
           local.tee $9
           i32.load
           local.tee $7
           local.get $0
           i32.eq
           if
            i32.const 0
            local.get $9
            i32.load offset=4
            local.tee $7
            i32.const 7
            i32.and
            br_if $__inlined_func$asm/core/idStatus$207
            drop
            i32.const -2
            i32.const -1
            local.get $7
            select
            br $__inlined_func$asm/core/idStatus$207
           end
           i32.const -2
           i32.const -1
           local.get $0
           i32.const 21
           i32.shr_u
           local.get $7
           i32.const 21
           i32.shr_u
           i32.lt_s
           select
          end
          local.tee $7
          if
           global.get $asm/core/C
           local.get $3
           i32.store offset=40
           global.get $asm/core/C
           local.get $0
           i32.store offset=44
           global.get $asm/core/C
           local.tee $0
           global.get $asm/core/inPtr
           i32.store
           local.get $0
           global.get $asm/core/inCap
           i32.store offset=4
           local.get $0
           global.get $asm/core/rdyPtr
           i32.store offset=8
           local.get $0
           global.get $asm/core/rdyLen
           i32.store offset=12
           local.get $0
           global.get $asm/core/failPtr
           i32.store offset=16
           local.get $0
           global.get $asm/core/failLen
           i32.store offset=20
           local.get $0
           global.get $asm/core/cancPtr
           i32.store offset=24
           local.get $0
           global.get $asm/core/cancLen
           i32.store offset=28
           local.get $0
           global.get $asm/core/nWaiting
           i32.store offset=48
           local.get $0
           global.get $asm/core/nReady
           i32.store offset=52
           local.get $0
           global.get $asm/core/nDone
           i32.store offset=64
           local.get $0
           global.get $asm/core/nFailed
           i32.store offset=68
           local.get $0
           global.get $asm/core/nCancelled
           i32.store offset=72
           local.get $0
           global.get $asm/core/nLive
           i32.store offset=76
           local.get $0
           global.get $asm/core/slotCap
           i32.store offset=80
           local.get $0
           global.get $asm/core/bytesHeld
           i32.store offset=84
           local.get $7
           return
          end
         end
         local.get $3
         i32.const 1
         i32.add
         local.set $3
         br $for-loop|1
        end
       end
       local.get $4
       i32.const 1
       i32.add
       local.set $4
       br $for-loop|0
      end
     end
     local.get $1
     call $asm/core/ensureSlots
     local.tee $0
     i32.eqz
     if
      local.get $3
      call $asm/core/ensureEdges
      local.set $0
     end
     local.get $0
     if
      local.get $0
      i32.const -100
      i32.eq
      if
       global.get $asm/core/C
       i32.const -2
       i32.store offset=40
       global.get $asm/core/C
       i32.const 0
       i32.store offset=44
      else
       global.get $asm/core/C
       i32.const -1
       i32.store offset=40
       global.get $asm/core/C
       local.get $1
       i32.store offset=44
      end
      br $folding-inner2
     end
     i32.const 0
     local.set $3
     i32.const 0
     local.set $0
     loop $for-loop|2
      local.get $0
      local.get $1
      i32.lt_s
      if
       local.get $5
       local.get $0
       i32.const 2
       i32.shl
       i32.add
       local.tee $4
       i32.load
       local.set $7
       block $__inlined_func$asm/core/allocSlot$70
        global.get $asm/core/slotTop
        global.get $asm/core/slotCap
        i32.lt_s
        if
         global.get $asm/core/slotTop
         local.tee $2
         i32.const 1
         i32.add
         global.set $asm/core/slotTop
         global.get $asm/core/slots
         local.get $2
         i32.const 4
         i32.shl
         i32.add
         local.get $2
         i32.store
         br $__inlined_func$asm/core/allocSlot$70
        end
        global.get $asm/core/ring
        global.get $asm/core/ringHead
        i32.const 2
        i32.shl
        i32.add
        i32.load
        local.set $2
        global.get $asm/core/ringHead
        i32.const 1
        i32.add
        global.get $asm/core/slotCap
        i32.const 1
        i32.sub
        i32.and
        global.set $asm/core/ringHead
        global.get $asm/core/ringCount
        i32.const 1
        i32.sub
        global.set $asm/core/ringCount
        global.get $asm/core/slots
        local.get $2
        i32.const 4
        i32.shl
        i32.add
        i32.load
        local.set $2
       end
       local.get $2
       local.get $6
       local.get $3
       i32.const 2
       i32.shl
       i32.add
       local.get $7
       local.get $5
       f64.const 0
       i32.const 0
       i32.const 0
       call $asm/core/place
       local.get $4
       local.get $2
       i32.store
       local.get $3
       local.get $7
       i32.add
       local.set $3
       local.get $0
       i32.const 1
       i32.add
       local.set $0
       br $for-loop|2
      end
     end
     i32.const 0
     call $asm/core/done
     return
    end
    global.get $asm/core/C
    local.get $0
    i32.store offset=44
   end
   global.get $asm/core/C
   local.tee $0
   global.get $asm/core/inPtr
   i32.store
   local.get $0
   global.get $asm/core/inCap
   i32.store offset=4
   local.get $0
   global.get $asm/core/rdyPtr
   i32.store offset=8
   local.get $0
   global.get $asm/core/rdyLen
   i32.store offset=12
   local.get $0
   global.get $asm/core/failPtr
   i32.store offset=16
   local.get $0
   global.get $asm/core/failLen
   i32.store offset=20
   local.get $0
   global.get $asm/core/cancPtr
   i32.store offset=24
   local.get $0
   global.get $asm/core/cancLen
   i32.store offset=28
   local.get $0
   global.get $asm/core/nWaiting
   i32.store offset=48
   local.get $0
   global.get $asm/core/nReady
   i32.store offset=52
   local.get $0
   global.get $asm/core/nDone
   i32.store offset=64
   local.get $0
   global.get $asm/core/nFailed
   i32.store offset=68
   local.get $0
   global.get $asm/core/nCancelled
   i32.store offset=72
   local.get $0
   global.get $asm/core/nLive
   i32.store offset=76
   local.get $0
   global.get $asm/core/slotCap
   i32.store offset=80
   local.get $0
   global.get $asm/core/bytesHeld
   i32.store offset=84
   i32.const -8
   return
  end
  global.get $asm/core/C
  local.tee $0
  global.get $asm/core/inPtr
  i32.store
  local.get $0
  global.get $asm/core/inCap
  i32.store offset=4
  local.get $0
  global.get $asm/core/rdyPtr
  i32.store offset=8
  local.get $0
  global.get $asm/core/rdyLen
  i32.store offset=12
  local.get $0
  global.get $asm/core/failPtr
  i32.store offset=16
  local.get $0
  global.get $asm/core/failLen
  i32.store offset=20
  local.get $0
  global.get $asm/core/cancPtr
  i32.store offset=24
  local.get $0
  global.get $asm/core/cancLen
  i32.store offset=28
  local.get $0
  global.get $asm/core/nWaiting
  i32.store offset=48
  local.get $0
  global.get $asm/core/nReady
  i32.store offset=52
  local.get $0
  global.get $asm/core/nDone
  i32.store offset=64
  local.get $0
  global.get $asm/core/nFailed
  i32.store offset=68
  local.get $0
  global.get $asm/core/nCancelled
  i32.store offset=72
  local.get $0
  global.get $asm/core/nLive
  i32.store offset=76
  local.get $0
  global.get $asm/core/slotCap
  i32.store offset=80
  local.get $0
  global.get $asm/core/bytesHeld
  i32.store offset=84
  i32.const -7
 )
 (func $asm/core/add (param $0 i32) (param $1 i32) (result i32)
  (local $2 i32)
  (local $3 i32)
  (local $4 i32)
  (local $5 i32)
  local.get $0
  call $asm/core/enter
  block $folding-inner0
   global.get $asm/core/broken
   if
    global.get $asm/core/C
    i32.const -2
    i32.store offset=40
    global.get $asm/core/C
    i32.const 0
    i32.store offset=44
    br $folding-inner0
   end
   local.get $1
   global.get $asm/core/inCap
   i32.gt_u
   if
    global.get $asm/core/C
    i32.const -1
    i32.store offset=40
    global.get $asm/core/C
    local.get $1
    i32.store offset=44
    global.get $asm/core/C
    local.tee $0
    global.get $asm/core/inPtr
    i32.store
    local.get $0
    global.get $asm/core/inCap
    i32.store offset=4
    local.get $0
    global.get $asm/core/rdyPtr
    i32.store offset=8
    local.get $0
    global.get $asm/core/rdyLen
    i32.store offset=12
    local.get $0
    global.get $asm/core/failPtr
    i32.store offset=16
    local.get $0
    global.get $asm/core/failLen
    i32.store offset=20
    local.get $0
    global.get $asm/core/cancPtr
    i32.store offset=24
    local.get $0
    global.get $asm/core/cancLen
    i32.store offset=28
    local.get $0
    global.get $asm/core/nWaiting
    i32.store offset=48
    local.get $0
    global.get $asm/core/nReady
    i32.store offset=52
    local.get $0
    global.get $asm/core/nDone
    i32.store offset=64
    local.get $0
    global.get $asm/core/nFailed
    i32.store offset=68
    local.get $0
    global.get $asm/core/nCancelled
    i32.store offset=72
    local.get $0
    global.get $asm/core/nLive
    i32.store offset=76
    local.get $0
    global.get $asm/core/slotCap
    i32.store offset=80
    local.get $0
    global.get $asm/core/bytesHeld
    i32.store offset=84
    i32.const -8
    return
   end
   global.get $asm/core/inPtr
   local.set $3
   loop $for-loop|0
    local.get $1
    local.get $2
    i32.gt_s
    if
     block $__inlined_func$asm/core/idStatus$188 (result i32)
      i32.const -1
      local.get $3
      local.get $2
      i32.const 2
      i32.shl
      i32.add
      i32.load
      local.tee $4
      i32.const 2097151
      i32.and
      local.tee $0
      global.get $asm/core/slotTop
      i32.ge_s
      local.get $4
      i32.const 1073741824
      i32.ge_u
      i32.or
      br_if $__inlined_func$asm/core/idStatus$188
      drop
      global.get $asm/core/slots
      local.get $0
      i32.const 4
      i32.shl
      i32.add
      local.tee $5
      i32.load
      local.tee $0
      local.get $4
      i32.eq
      if
       i32.const 0
       local.get $5
       i32.load offset=4
       local.tee $0
       i32.const 7
       i32.and
       br_if $__inlined_func$asm/core/idStatus$188
       drop
       i32.const -2
       i32.const -1
       local.get $0
       select
       br $__inlined_func$asm/core/idStatus$188
      end
      i32.const -2
      i32.const -1
      local.get $4
      i32.const 21
      i32.shr_u
      local.get $0
      i32.const 21
      i32.shr_u
      i32.lt_s
      select
     end
     local.tee $0
     if
      global.get $asm/core/C
      local.get $2
      i32.store offset=40
      global.get $asm/core/C
      local.get $4
      i32.store offset=44
      global.get $asm/core/C
      local.tee $1
      global.get $asm/core/inPtr
      i32.store
      local.get $1
      global.get $asm/core/inCap
      i32.store offset=4
      local.get $1
      global.get $asm/core/rdyPtr
      i32.store offset=8
      local.get $1
      global.get $asm/core/rdyLen
      i32.store offset=12
      local.get $1
      global.get $asm/core/failPtr
      i32.store offset=16
      local.get $1
      global.get $asm/core/failLen
      i32.store offset=20
      local.get $1
      global.get $asm/core/cancPtr
      i32.store offset=24
      local.get $1
      global.get $asm/core/cancLen
      i32.store offset=28
      local.get $1
      global.get $asm/core/nWaiting
      i32.store offset=48
      local.get $1
      global.get $asm/core/nReady
      i32.store offset=52
      local.get $1
      global.get $asm/core/nDone
      i32.store offset=64
      local.get $1
      global.get $asm/core/nFailed
      i32.store offset=68
      local.get $1
      global.get $asm/core/nCancelled
      i32.store offset=72
      local.get $1
      global.get $asm/core/nLive
      i32.store offset=76
      local.get $1
      global.get $asm/core/slotCap
      i32.store offset=80
      local.get $1
      global.get $asm/core/bytesHeld
      i32.store offset=84
      local.get $0
      return
     end
     local.get $2
     i32.const 1
     i32.add
     local.set $2
     br $for-loop|0
    end
   end
   i32.const 1
   call $asm/core/ensureSlots
   local.tee $0
   i32.eqz
   if
    local.get $1
    call $asm/core/ensureEdges
    local.set $0
   end
   local.get $0
   if
    local.get $0
    i32.const -100
    i32.eq
    if
     global.get $asm/core/C
     i32.const -2
     i32.store offset=40
     global.get $asm/core/C
     i32.const 0
     i32.store offset=44
    else
     global.get $asm/core/C
     i32.const -1
     i32.store offset=40
     global.get $asm/core/C
     i32.const 1
     i32.store offset=44
    end
    br $folding-inner0
   end
   block $__inlined_func$asm/core/allocSlot$64
    global.get $asm/core/slotTop
    global.get $asm/core/slotCap
    i32.lt_s
    if
     global.get $asm/core/slotTop
     local.tee $0
     i32.const 1
     i32.add
     global.set $asm/core/slotTop
     global.get $asm/core/slots
     local.get $0
     i32.const 4
     i32.shl
     i32.add
     local.get $0
     i32.store
     br $__inlined_func$asm/core/allocSlot$64
    end
    global.get $asm/core/ring
    global.get $asm/core/ringHead
    i32.const 2
    i32.shl
    i32.add
    i32.load
    local.set $0
    global.get $asm/core/ringHead
    i32.const 1
    i32.add
    global.get $asm/core/slotCap
    i32.const 1
    i32.sub
    i32.and
    global.set $asm/core/ringHead
    global.get $asm/core/ringCount
    i32.const 1
    i32.sub
    global.set $asm/core/ringCount
    global.get $asm/core/slots
    local.get $0
    i32.const 4
    i32.shl
    i32.add
    i32.load
    local.set $0
   end
   local.get $0
   local.get $3
   local.get $1
   i32.const 0
   f64.const 0
   i32.const 0
   i32.const 0
   call $asm/core/place
   global.get $asm/core/C
   local.tee $1
   global.get $asm/core/inPtr
   i32.store
   local.get $1
   global.get $asm/core/inCap
   i32.store offset=4
   local.get $1
   global.get $asm/core/rdyPtr
   i32.store offset=8
   local.get $1
   global.get $asm/core/rdyLen
   i32.store offset=12
   local.get $1
   global.get $asm/core/failPtr
   i32.store offset=16
   local.get $1
   global.get $asm/core/failLen
   i32.store offset=20
   local.get $1
   global.get $asm/core/cancPtr
   i32.store offset=24
   local.get $1
   global.get $asm/core/cancLen
   i32.store offset=28
   local.get $1
   global.get $asm/core/nWaiting
   i32.store offset=48
   local.get $1
   global.get $asm/core/nReady
   i32.store offset=52
   local.get $1
   global.get $asm/core/nDone
   i32.store offset=64
   local.get $1
   global.get $asm/core/nFailed
   i32.store offset=68
   local.get $1
   global.get $asm/core/nCancelled
   i32.store offset=72
   local.get $1
   global.get $asm/core/nLive
   i32.store offset=76
   local.get $1
   global.get $asm/core/slotCap
   i32.store offset=80
   local.get $1
   global.get $asm/core/bytesHeld
   i32.store offset=84
   global.get $asm/core/broken
   if (result i32)
    global.get $asm/core/C
    i32.const -2
    i32.store offset=40
    global.get $asm/core/C
    i32.const 0
    i32.store offset=44
    global.get $asm/core/C
    local.tee $0
    global.get $asm/core/inPtr
    i32.store
    local.get $0
    global.get $asm/core/inCap
    i32.store offset=4
    local.get $0
    global.get $asm/core/rdyPtr
    i32.store offset=8
    local.get $0
    global.get $asm/core/rdyLen
    i32.store offset=12
    local.get $0
    global.get $asm/core/failPtr
    i32.store offset=16
    local.get $0
    global.get $asm/core/failLen
    i32.store offset=20
    local.get $0
    global.get $asm/core/cancPtr
    i32.store offset=24
    local.get $0
    global.get $asm/core/cancLen
    i32.store offset=28
    local.get $0
    global.get $asm/core/nWaiting
    i32.store offset=48
    local.get $0
    global.get $asm/core/nReady
    i32.store offset=52
    local.get $0
    global.get $asm/core/nDone
    i32.store offset=64
    local.get $0
    global.get $asm/core/nFailed
    i32.store offset=68
    local.get $0
    global.get $asm/core/nCancelled
    i32.store offset=72
    local.get $0
    global.get $asm/core/nLive
    i32.store offset=76
    local.get $0
    global.get $asm/core/slotCap
    i32.store offset=80
    local.get $0
    global.get $asm/core/bytesHeld
    i32.store offset=84
    i32.const -7
   else
    local.get $0
   end
   return
  end
  global.get $asm/core/C
  local.tee $0
  global.get $asm/core/inPtr
  i32.store
  local.get $0
  global.get $asm/core/inCap
  i32.store offset=4
  local.get $0
  global.get $asm/core/rdyPtr
  i32.store offset=8
  local.get $0
  global.get $asm/core/rdyLen
  i32.store offset=12
  local.get $0
  global.get $asm/core/failPtr
  i32.store offset=16
  local.get $0
  global.get $asm/core/failLen
  i32.store offset=20
  local.get $0
  global.get $asm/core/cancPtr
  i32.store offset=24
  local.get $0
  global.get $asm/core/cancLen
  i32.store offset=28
  local.get $0
  global.get $asm/core/nWaiting
  i32.store offset=48
  local.get $0
  global.get $asm/core/nReady
  i32.store offset=52
  local.get $0
  global.get $asm/core/nDone
  i32.store offset=64
  local.get $0
  global.get $asm/core/nFailed
  i32.store offset=68
  local.get $0
  global.get $asm/core/nCancelled
  i32.store offset=72
  local.get $0
  global.get $asm/core/nLive
  i32.store offset=76
  local.get $0
  global.get $asm/core/slotCap
  i32.store offset=80
  local.get $0
  global.get $asm/core/bytesHeld
  i32.store offset=84
  i32.const -7
 )
)
