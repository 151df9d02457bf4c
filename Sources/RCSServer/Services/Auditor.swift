import Fluent
import Vapor

/// Writes audit events with who, from where and the request id.
struct Auditor {
    let request: Request

    func record(_ action: String, outcome: String = "success", tenant: String? = nil, target: String? = nil,
                detail: String? = nil) async {
        let event = AuditEvent()
        event.at = Date()
        event.actor = request.principal?.auditName ?? "anonymous"
        event.action = action
        event.tenant = tenant ?? request.principal?.tenantName
        event.target = target
        event.outcome = outcome
        event.remoteAddress = request.clientAddress
        event.requestID = request.headers.first(name: "X-Request-ID") ?? request.id
        event.detail = detail
        do {
            try await event.create(on: request.db)
        } catch {
            // An audit that cannot be written is an operational emergency: say so loudly.
            request.logger.critical("audit event \(action) could not be written: \(error)")
        }
        request.logger.info("audit", metadata: ["action": .string(action), "outcome": .string(outcome),
                                                 "actor": .string(event.actor), "target": .string(target ?? "")])
    }
}
