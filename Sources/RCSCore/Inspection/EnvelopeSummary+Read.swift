extension EnvelopeSummary {
    /// Reads just the header of the envelope in a file (never its content).
    public static func read(path: String) throws -> EnvelopeSummary {
        try read(BufferedReader(FileDescriptorSource(path: path), capacity: 1 << 16))
    }

    /// Reads the header of an envelope held in memory (one carried in metadata).
    public static func read(bytes: [UInt8]) throws -> EnvelopeSummary {
        try read(BufferedReader(MemorySource(bytes), capacity: 1 << 16))
    }

    static func read(_ reader: BufferedReader) throws -> EnvelopeSummary {
        let input = try EnvelopeInput(reader, bufferCapacity: 1 << 16)
        return EnvelopeSummary(try EnvelopeReader(input.der).readHeader(), encoding: input.encoding)
    }
}
