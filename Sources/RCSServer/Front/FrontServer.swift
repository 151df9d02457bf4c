import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// The public listener, in front of Vapor (which listens on a private Unix
/// socket). Vapor hands a request to the application only once its first
/// body byte has arrived, so it can never answer `Expect: 100-continue`: a
/// client that waits for `100 Continue` (curl does, for a second, on every
/// upload over 1 MiB; litmus's http suite waits 30) would stall. The front
/// parses each request head, answers `100 Continue` at once when asked, and
/// passes the request on unchanged; responses come back as bytes. It also
/// terminates TLS and tells the application the client's address.
enum FrontServer {
    /// The header carrying the client's address to the application; a client cannot set it.
    static let clientAddressHeader = "RCS-Client-Address"
    /// Recordings are large: read up to 1 MiB at a time, not NIO's default 64 KiB.
    static let largeReads = AdaptiveRecvByteBufferAllocator(minimum: 64 << 10, initial: 256 << 10, maximum: 1 << 20)

    static func start(host: String, port: Int, tls: NIOSSLContext?, backend: SocketAddress,
                      group: EventLoopGroup, logger: Logger) async throws -> Channel {
        try await ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(ChannelOptions.maxMessagesPerRead, value: 16)
            .childChannelOption(ChannelOptions.recvAllocator, value: FrontServer.largeReads)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let operations = channel.pipeline.syncOperations
                    if let tls { try operations.addHandler(NIOSSLServerHandler(context: tls)) }
                    try operations.addHandler(HTTPResponseEncoder())
                    try operations.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .forwardBytes)))
                    try operations.addHandler(FrontConnectionHandler(backend: backend, logger: logger))
                }
            }
            .bind(host: host, port: port)
            .get()
    }
}

/// One client connection: request parts go to a backend connection of its own.
final class FrontConnectionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let backendAddress: SocketAddress
    private let logger: Logger
    private var backend: Channel?
    private var pending: [HTTPClientRequestPart] = []
    private var connecting = false
    private var clientAddress = "unknown"

    init(backend: SocketAddress, logger: Logger) {
        self.backendAddress = backend
        self.logger = logger
    }

    func channelActive(context: ChannelHandlerContext) {
        clientAddress = context.channel.remoteAddress?.ipAddress ?? "unknown"
        connecting = true
        let client = context.channel
        let loop = context.eventLoop
        // Both connections live on this event loop: these boxes never cross threads.
        let encoderContext = NIOLoopBound(try? context.pipeline.syncOperations.context(handlerType: HTTPResponseEncoder.self),
                                          eventLoop: loop)
        let handler = NIOLoopBound(self, eventLoop: loop)
        ClientBootstrap(group: loop)
            .channelOption(ChannelOptions.recvAllocator, value: FrontServer.largeReads)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(HTTPRequestEncoder())
                    try channel.pipeline.syncOperations.addHandler(
                        BackendConnectionHandler(client: client, clientEncoder: encoderContext.value))
                }
            }
            .connect(to: backendAddress)
            .hop(to: loop)
            .whenComplete { result in
                handler.value.connected(result, client: client)
            }
    }

    private func connected(_ result: Result<Channel, Error>, client: Channel) {
                connecting = false
                switch result {
                case let .success(channel):
                    guard client.isActive else { channel.close(promise: nil); return }
                    backend = channel
                    for part in pending { channel.write(part, promise: nil) }
                    pending.removeAll()
                    channel.flush()
                case let .failure(error):
                    logger.error("front: cannot reach the application: \(error)")
                    let head = HTTPResponseHead(version: .http1_1, status: .serviceUnavailable,
                                                headers: ["content-length": "0", "connection": "close"])
                    client.write(HTTPServerResponsePart.head(head), promise: nil)
                    client.writeAndFlush(HTTPServerResponsePart.end(nil)).whenComplete { _ in client.close(promise: nil) }
                }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case var .head(head):
            head.headers.remove(name: FrontServer.clientAddressHeader)
            head.headers.add(name: FrontServer.clientAddressHeader, value: clientAddress)
            if head.version == .http1_1,
               head.headers[canonicalForm: "expect"].contains(where: { $0.lowercased() == "100-continue" }) {
                head.headers.remove(name: "expect")
                context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .continue))), promise: nil)
            }
            forward(.head(HTTPRequestHead(version: head.version, method: head.method, uri: head.uri, headers: head.headers)))
        case let .body(buffer):
            forward(.body(.byteBuffer(buffer)))
        case let .end(trailers):
            forward(.end(trailers))
            backend?.flush()
        }
    }

    private func forward(_ part: HTTPClientRequestPart) {
        if let backend { backend.write(part, promise: nil) } else { pending.append(part) }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        backend?.flush()
    }

    /// Backpressure: stop reading responses while the client cannot take them.
    func channelWritabilityChanged(context: ChannelHandlerContext) {
        _ = backend?.setOption(ChannelOptions.autoRead, value: context.channel.isWritable)
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        backend?.close(promise: nil)
        backend = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // A malformed request (the decoder's error): answer 400 and close.
        if error is HTTPParserError {
            let head = HTTPResponseHead(version: .http1_1, status: .badRequest, headers: ["content-length": "0", "connection": "close"])
            let channel = context.channel
            let written = context.eventLoop.makePromise(of: Void.self)
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: written)
            written.futureResult.whenComplete { _ in channel.close(promise: nil) }
            return
        }
        context.close(promise: nil)
    }
}

/// The application's side: response bytes go straight to the client, below
/// its HTTP encoder (they are already HTTP).
final class BackendConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let client: Channel
    private let clientEncoder: ChannelHandlerContext?

    init(client: Channel, clientEncoder: ChannelHandlerContext?) {
        self.client = client
        self.clientEncoder = clientEncoder
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let clientEncoder else { return }
        clientEncoder.write(data, promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        clientEncoder?.flush()
    }

    /// Backpressure: stop reading the client's body while the application cannot take it.
    func channelWritabilityChanged(context: ChannelHandlerContext) {
        _ = client.setOption(ChannelOptions.autoRead, value: context.channel.isWritable)
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        // The application closed (Connection: close, or shutdown): close the client once written.
        clientEncoder?.flush()
        client.close(promise: nil)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}
