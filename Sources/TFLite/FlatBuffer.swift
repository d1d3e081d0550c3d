// A small, bounds-checked FlatBuffers reader: just what the TensorFlow Lite schema needs.
//
// Every offset and length read from the file is validated before use, so a hostile or
// corrupt file produces a `FlatBufferError`, never a trap or an out-of-bounds read.
// Format reference: https://flatbuffers.dev/internals/ (little-endian; tables reach their
// vtable through a signed 32-bit offset; references are unsigned 32-bit offsets relative
// to the place they are stored at).

public struct FlatBufferError: Error, CustomStringConvertible, Equatable {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// Read-only view of flatbuffer bytes. The owner keeps the memory alive.
public struct FlatBuffer {
    public let bytes: UnsafeRawBufferPointer

    public init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    @inline(__always)
    func check(_ offset: Int, _ size: Int, _ what: @autoclosure () -> String) throws {
        guard offset >= 0, size >= 0, offset <= bytes.count - size else {
            throw FlatBufferError("\(what()) at byte \(offset) (+\(size)) lies outside the \(bytes.count)-byte file")
        }
    }

    func load<T: FixedWidthInteger>(_ offset: Int, as: T.Type, _ what: @autoclosure () -> String) throws -> T {
        try check(offset, MemoryLayout<T>.size, what())
        return T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    /// The root table: the file starts with its offset.
    public func root() throws -> Table {
        let offset = Int(try load(0, as: UInt32.self, "root offset"))
        return try table(at: offset, "root table")
    }

    /// The 4-byte file identifier after the root offset ("TFL3" for TensorFlow Lite), if present.
    public var identifier: String? {
        guard bytes.count >= 8 else { return nil }
        return String(decoding: bytes[4..<8], as: UTF8.self)
    }

    func table(at position: Int, _ what: @autoclosure () -> String) throws -> Table {
        let soffset = Int(try load(position, as: Int32.self, "\(what()) vtable offset"))
        let vtable = position - soffset
        let vtableSize = Int(try load(vtable, as: UInt16.self, "\(what()) vtable"))
        guard vtableSize >= 4, vtableSize % 2 == 0 else {
            throw FlatBufferError("\(what()) has a malformed vtable (size \(vtableSize))")
        }
        try check(vtable, vtableSize, "\(what()) vtable")
        let inlineSize = Int(try load(vtable + 2, as: UInt16.self, "\(what()) vtable"))
        try check(position, inlineSize, "\(what())")
        return Table(buffer: self, position: position, vtable: vtable,
                     fieldCount: (vtableSize - 4) / 2, inlineSize: inlineSize, name: what())
    }
}

/// A table: fields are looked up through its vtable by index (declaration order in the schema).
public struct Table {
    let buffer: FlatBuffer
    let position: Int
    let vtable: Int
    let fieldCount: Int
    let inlineSize: Int
    let name: String

    /// Offset of field `index` from the table start, or nil when absent (default value).
    private func fieldOffset(_ index: Int, size: Int) throws -> Int? {
        guard index < fieldCount else { return nil }
        let relative = Int(try buffer.load(vtable + 4 + 2 * index, as: UInt16.self, "\(name) vtable"))
        guard relative != 0 else { return nil }
        guard relative + size <= inlineSize else {
            throw FlatBufferError("\(name) field \(index) lies outside its table")
        }
        return position + relative
    }

    public func scalar<T: FixedWidthInteger>(_ index: Int, default value: T) throws -> T {
        guard let at = try fieldOffset(index, size: MemoryLayout<T>.size) else { return value }
        return try buffer.load(at, as: T.self, "\(name) field \(index)")
    }

    public func float(_ index: Int, default value: Float) throws -> Float {
        guard let at = try fieldOffset(index, size: 4) else { return value }
        return Float(bitPattern: try buffer.load(at, as: UInt32.self, "\(name) field \(index)"))
    }

    public func bool(_ index: Int, default value: Bool) throws -> Bool {
        try scalar(index, default: UInt8(value ? 1 : 0)) != 0
    }

    /// Follows the reference stored in field `index`.
    private func reference(_ index: Int) throws -> Int? {
        guard let at = try fieldOffset(index, size: 4) else { return nil }
        let target = Int(try buffer.load(at, as: UInt32.self, "\(name) field \(index)"))
        return at + target
    }

    public func table(_ index: Int, _ what: String) throws -> Table? {
        guard let at = try reference(index) else { return nil }
        return try buffer.table(at: at, what)
    }

    public func vector(_ index: Int, elementSize: Int, _ what: String) throws -> Vector? {
        guard let at = try reference(index) else { return nil }
        let count = Int(try buffer.load(at, as: UInt32.self, "\(what) length"))
        try buffer.check(at + 4, count * elementSize, what)
        return Vector(buffer: buffer, start: at + 4, count: count, elementSize: elementSize, name: what)
    }

    public func string(_ index: Int, _ what: String) throws -> String? {
        guard let vector = try vector(index, elementSize: 1, what) else { return nil }
        return String(decoding: vector.raw, as: UTF8.self)
    }
}

/// A vector of scalars or of table references, already checked to lie inside the buffer.
public struct Vector {
    let buffer: FlatBuffer
    public let start: Int
    public let count: Int
    let elementSize: Int
    let name: String

    public var raw: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: buffer.bytes[start..<start + count * elementSize])
    }

    public func scalars<T: FixedWidthInteger>(_ type: T.Type) -> [T] {
        precondition(MemoryLayout<T>.size == elementSize)
        return (0..<count).map { T(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * elementSize, as: T.self)) }
    }

    public func floats() -> [Float] {
        scalars(UInt32.self).map(Float.init(bitPattern:))
    }

    public func tables() throws -> [Table] {
        try (0..<count).map { i in
            let at = start + i * 4
            let target = Int(try buffer.load(at, as: UInt32.self, "\(name)[\(i)]"))
            return try buffer.table(at: at + target, "\(name)[\(i)]")
        }
    }
}
