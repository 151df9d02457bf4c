internal import CLibXML2
import Foundation

/// One element of a WebDAV request body, copied out of libxml2 into Swift.
public struct DAVXMLElement: Sendable {
    /// Namespace URI ("DAV:" for WebDAV's own elements), nil when none.
    public let namespace: String?
    public let name: String
    public let children: [DAVXMLElement]
    /// The element's own text (concatenated text children).
    public let text: String
    /// The element serialized on its own, with every namespace it uses
    /// declared on it: what a dead property or a lock owner stores verbatim.
    public let xml: String
    /// `xml:lang` in scope, when given.
    public let language: String?

    public func isDAV(_ name: String) -> Bool { namespace == "DAV:" && self.name == name }
    public func child(dav name: String) -> DAVXMLElement? { children.first { $0.isDAV(name) } }
}

/// Parses untrusted XML bodies safely: no DTDs at all (so no entity
/// expansion, no external entities), no network, bounded size, depth and
/// element count.
public enum DAVXML {
    public static let maxBytes = 1 << 20
    public static let maxDepth = 64
    public static let maxElements = 10_000

    public static func parse(_ bytes: [UInt8]) throws -> DAVXMLElement {
        guard bytes.count <= maxBytes else { throw RCSError(.malformedEnvelope, "the XML body is larger than \(maxBytes >> 20) MiB") }
        // A DTD is the only way to declare entities: refuse it before any parsing.
        if bytes.firstRange(of: Array("<!DOCTYPE".utf8)) != nil || bytes.firstRange(of: Array("<!ENTITY".utf8)) != nil {
            throw RCSError(.malformedEnvelope, "XML bodies with a DTD or entity declarations are not accepted")
        }
        guard !bytes.isEmpty, let context = xmlNewParserCtxt() else { throw RCSError(.malformedEnvelope, "the XML body is empty") }
        defer { xmlFreeParserCtxt(context) }
        rcs_xml_refuse_dtds(context)
        let parsed = bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                xmlCtxtReadMemory(context, $0, Int32(buffer.count), "request.xml", nil, rcs_xml_safe_options())
            }
        }
        // Namespace errors (an undeclared prefix, xmlns:p="") leave a document but clear nsWellFormed.
        guard let document = parsed, context.pointee.wellFormed != 0, context.pointee.nsWellFormed != 0 else {
            if let parsed { xmlFreeDoc(parsed) }
            xmlResetLastError()
            throw RCSError(.malformedEnvelope, "the body is not well-formed XML (with namespaces)")
        }
        defer { xmlFreeDoc(document) }
        // The byte search above misses other encodings (UTF-16...): check what the parser saw.
        guard document.pointee.intSubset == nil, document.pointee.extSubset == nil else {
            throw RCSError(.malformedEnvelope, "XML bodies with a DTD or entity declarations are not accepted")
        }
        guard let root = xmlDocGetRootElement(document) else { throw RCSError(.malformedEnvelope, "the XML body has no root element") }
        var count = 0
        return try convert(root, document: document, depth: 0, count: &count, language: nil)
    }

    private static func convert(_ node: xmlNodePtr, document: xmlDocPtr, depth: Int, count: inout Int,
                                language inherited: String?) throws -> DAVXMLElement {
        guard depth < maxDepth else { throw RCSError(.malformedEnvelope, "the XML body is nested more than \(maxDepth) levels") }
        count += 1
        guard count <= maxElements else { throw RCSError(.malformedEnvelope, "the XML body has more than \(maxElements) elements") }
        var language = inherited
        if let lang = xmlNodeGetLang(node) {
            language = String(cString: lang)
            rcs_xml_free(lang)
        }
        var children: [DAVXMLElement] = []
        var text = ""
        var child = node.pointee.children
        while let current = child {
            switch current.pointee.type {
            case XML_ELEMENT_NODE:
                children.append(try convert(current, document: document, depth: depth + 1, count: &count, language: language))
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                if let content = current.pointee.content { text += String(cString: content) }
            case XML_ENTITY_REF_NODE:
                throw RCSError(.malformedEnvelope, "entity references are not accepted")
            default:
                break
            }
            child = current.pointee.next
        }
        let namespace = node.pointee.ns.flatMap { $0.pointee.href }.map { String(cString: $0) }
        let name = String(cString: node.pointee.name)
        return DAVXMLElement(namespace: namespace, name: name, children: children, text: text,
                             xml: serialize(node, document: document), language: language)
    }

    /// The element alone, with the namespace declarations it needs.
    private static func serialize(_ node: xmlNodePtr, document: xmlDocPtr) -> String {
        guard let copy = xmlNewDoc("1.0") else { return "" }
        defer { xmlFreeDoc(copy) }
        guard let element = xmlDocCopyNode(node, copy, 1) else { return "" }
        xmlDocSetRootElement(copy, element)
        xmlReconciliateNs(copy, element)
        guard let buffer = xmlBufferCreate() else { return "" }
        defer { xmlBufferFree(buffer) }
        xmlNodeDump(buffer, copy, element, 0, 0)
        guard let content = xmlBufferContent(buffer) else { return "" }
        return String(cString: content)
    }

    /// Text escaped for XML content and attribute values.
    public static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&apos;"
            default: result.append(character)
            }
        }
        return result
    }
}
