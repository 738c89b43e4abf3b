import Foundation

/// Rows of a trace handed from the thread that computes them to a background queue that writes them, so that
/// a run's integration and the writing of its trace use two cores: the caller only copies the numbers.
///
/// Rows travel in blocks of 4096; in a block each row is its value count, the time, then the values. At most
/// two blocks are in flight, and three blocks are reused (memory does not grow with the run, and no block is
/// mapped afresh). The first error of `consume` is kept: later blocks are not consumed, and the error is thrown
/// by the next `append` that hands a block over, or by `drain()`.
public final class TraceRowQueue: @unchecked Sendable {
    // Thread use: `fill` (the block being filled) and `handed` belong to the caller; the store's consumer runs
    // on `queue`. The queue's blocks hold the store, not this object, so its deinit runs on its owner's thread.
    /// Writes one block of rows (per row: value count, time, values), on the queue.
    public typealias Consumer = @Sendable (UnsafeBufferPointer<Double>) throws -> Void
    /// Rows per block.
    public static let blockRows = 4096
    private let store: Store
    private let queue: DispatchQueue
    private let inFlight = DispatchSemaphore(value: 2)
    /// The block being filled, behind a pointer so that the per-row path has no exclusivity checks.
    @usableFromInline struct Block: @unchecked Sendable {
        @usableFromInline var values: UnsafeMutablePointer<Double>
        @usableFromInline var used: Int
        @usableFromInline var rows: Int
    }
    @usableFromInline let fill: UnsafeMutablePointer<Block>
    /// Rows handed to the queue, counted from the file's first row (a resumed file's rows included).
    private var handed: Int

    /// A queue for rows of at most `maxValues` values after the time; `rowsBefore` rows are already in the file.
    public init(label: String, maxValues: Int, rowsBefore: Int = 0, consume: @escaping Consumer) {
        queue = DispatchQueue(label: label)
        store = Store(blocks: 3, blockCapacity: (maxValues + 2) * Self.blockRows, consume: consume)
        fill = .allocate(capacity: 1)
        fill.initialize(to: Block(values: store.takeBlock(), used: 0, rows: 0))
        handed = rowsBefore
    }

    deinit {
        queue.sync {}
        store.returnBlock(fill.pointee.values)
        fill.deallocate()
    }

    /// Copies one row into the block being filled, and hands the block over when it is full. (Inlinable: the
    /// per-row path of a sink in another module is as short as in this one.)
    @inlinable @inline(__always)
    public func append(time: Double, values: UnsafeBufferPointer<Double>) throws {
        let b = fill.pointee.values + fill.pointee.used
        b[0] = Double(values.count)
        b[1] = time
        if let v = values.baseAddress { (b + 2).update(from: v, count: values.count) }
        fill.pointee.used += 2 + values.count
        fill.pointee.rows += 1
        if fill.pointee.rows == TraceRowQueue.blockRows { try handOver() }
    }

    /// The rows given so far, counted from the file's first row.
    public var rows: Int { handed + fill.pointee.rows }

    /// The first error of the consumer, if any.
    public var failure: (any Error)? { store.failure }

    /// Gives the filled block to the queue (waiting while two blocks are in flight).
    @usableFromInline func handOver() throws {
        if let failure = store.failure { throw failure }
        let full = fill.pointee
        guard full.rows > 0 else { return }
        inFlight.wait()
        // Three blocks: the one handed over, at most one other in flight, so one is free.
        fill.pointee = Block(values: store.takeBlock(), used: 0, rows: 0)
        handed += full.rows
        let store = self.store, inFlight = self.inFlight
        queue.async {
            defer { store.returnBlock(full.values); inFlight.signal() }
            store.consume(UnsafeBufferPointer(start: full.values, count: full.used))
        }
    }

    /// Hands over the pending rows and waits until every row is consumed; throws the consumer's first error.
    public func drain() throws {
        try handOver()
        queue.sync {}
        if let failure = store.failure { throw failure }
    }

    /// Waits for the blocks in flight and drops the rows not yet handed over: what a killed process loses.
    package func dropPending() {
        queue.sync {}
        fill.pointee.used = 0
        fill.pointee.rows = 0
    }

    /// The free blocks, the consumer and its first error: what the queue works on.
    private final class Store: @unchecked Sendable {
        private let lock = NSLock()
        private var error: (any Error)?
        private var free: [UnsafeMutablePointer<Double>]
        private let consumer: Consumer

        init(blocks: Int, blockCapacity: Int, consume: @escaping Consumer) {
            free = (0..<blocks).map { _ in .allocate(capacity: blockCapacity) }
            consumer = consume
        }
        deinit { for b in free { b.deallocate() } }

        /// A free block (the queue keeps at most two in flight, so there is always one).
        func takeBlock() -> UnsafeMutablePointer<Double> { lock.withLock { free.removeLast() } }
        /// Gives a consumed block back.
        func returnBlock(_ b: UnsafeMutablePointer<Double>) { lock.withLock { free.append(b) } }

        var failure: (any Error)? { lock.withLock { error } }

        /// Consumes a block unless an earlier one failed; keeps the first error.
        func consume(_ b: UnsafeBufferPointer<Double>) {
            guard failure == nil else { return }
            do { try consumer(b) } catch { lock.withLock { if self.error == nil { self.error = error } } }
        }
    }
}
