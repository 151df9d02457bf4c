internal import COpenSSL
import Foundation

extension ChainVerifier {
    /// Everything `X509_verify_cert` can be asked to check beyond the defaults
    /// of `verify(_:at:)`. `Options()` behaves like `verify(_:at: Date())`:
    /// the current time, auth level 2 (112-bit security), nothing else.
    public struct Options: Sendable {
        /// When the chain must be valid.
        public enum ValidationTime: Sendable, Equatable {
            /// The current time (OpenSSL's default).
            case now
            /// A given time (whole seconds; fractions are dropped).
            case at(Date)
            /// Validity dates are not checked at all (`X509_V_FLAG_NO_CHECK_TIME`).
            case unchecked
        }

        /// RFC 5280 6.1.1 policy inputs. Setting `Options.policy` turns on
        /// `X509_V_FLAG_POLICY_CHECK`.
        public struct PolicyCheck: Sendable, Equatable {
            /// user-initial-policy-set as dotted OIDs; empty means {anyPolicy}.
            public var initialPolicies: [String]
            /// initial-explicit-policy (`X509_V_FLAG_EXPLICIT_POLICY`).
            public var explicitPolicy: Bool
            /// initial-policy-mapping-inhibit (`X509_V_FLAG_INHIBIT_MAP`).
            public var inhibitPolicyMapping: Bool
            /// initial-any-policy-inhibit (`X509_V_FLAG_INHIBIT_ANY`).
            public var inhibitAnyPolicy: Bool

            public init(initialPolicies: [String] = [], explicitPolicy: Bool = false,
                        inhibitPolicyMapping: Bool = false, inhibitAnyPolicy: Bool = false) {
                self.initialPolicies = initialPolicies
                self.explicitPolicy = explicitPolicy
                self.inhibitPolicyMapping = inhibitPolicyMapping
                self.inhibitAnyPolicy = inhibitAnyPolicy
            }
        }

        /// The name the end-entity certificate must hold.
        public enum ExpectedName: Sendable, Equatable {
            /// A DNS name (`X509_VERIFY_PARAM_set1_host`). Partial wildcards
            /// such as `f*.example.com` are refused unless allowed.
            case host(String, allowPartialWildcards: Bool = false)
            /// An e-mail address (`X509_VERIFY_PARAM_set1_email`).
            case email(String)
            /// An IPv4 or IPv6 address in text form (`X509_VERIFY_PARAM_set1_ip_asc`).
            case ipAddress(String)
        }

        /// OpenSSL's X509_PURPOSE_* (checks key usage / extended key usage
        /// of the leaf and the CAs for one use).
        public enum Purpose: Sendable, Equatable {
            case clientAuth, serverAuth, nsServerAuth, smimeSign, smimeEncrypt, crlSign, any, ocspHelper, timeStampSign
        }

        public var time: ValidationTime
        /// CRLs to check against (all of them are searched, indirect CRLs included).
        public var crls: [CertificateRevocationList]
        /// Check the leaf against a CRL (`X509_V_FLAG_CRL_CHECK`); a missing CRL is an error.
        public var crlCheck: Bool
        /// Check every certificate in the chain (`X509_V_FLAG_CRL_CHECK_ALL`, implies `crlCheck`).
        public var crlCheckAll: Bool
        /// Indirect CRLs, CRL issuers, partitioned CRLs (`X509_V_FLAG_EXTENDED_CRL_SUPPORT`).
        public var extendedCRL: Bool
        /// Apply delta CRLs (`X509_V_FLAG_USE_DELTAS`).
        public var useDeltas: Bool
        /// Certificate policy processing; nil leaves it off (OpenSSL's default).
        public var policy: PolicyCheck?
        /// Stricter encoding and extension rules (`X509_V_FLAG_X509_STRICT`).
        public var strict: Bool
        /// Accept a chain that ends at any trusted certificate, not only at a
        /// self-signed root (`X509_V_FLAG_PARTIAL_CHAIN`).
        public var partialChain: Bool
        /// Minimum security level of keys and signatures (OpenSSL auth level:
        /// 1 = 80 bits, 2 = 112 bits, 3 = 128 bits ...); nil checks nothing.
        public var authLevel: Int?
        public var expectedName: ExpectedName?
        /// Most intermediates allowed between the leaf and the trust anchor
        /// (`X509_VERIFY_PARAM_set_depth`); nil is OpenSSL's default (100).
        public var maxDepth: Int?
        public var purpose: Purpose?

        public init(time: ValidationTime = .now,
                    crls: [CertificateRevocationList] = [],
                    crlCheck: Bool = false,
                    crlCheckAll: Bool = false,
                    extendedCRL: Bool = false,
                    useDeltas: Bool = false,
                    policy: PolicyCheck? = nil,
                    strict: Bool = false,
                    partialChain: Bool = false,
                    authLevel: Int? = 2,
                    expectedName: ExpectedName? = nil,
                    maxDepth: Int? = nil,
                    purpose: Purpose? = nil) {
            self.time = time
            self.crls = crls
            self.crlCheck = crlCheck
            self.crlCheckAll = crlCheckAll
            self.extendedCRL = extendedCRL
            self.useDeltas = useDeltas
            self.policy = policy
            self.strict = strict
            self.partialChain = partialChain
            self.authLevel = authLevel
            self.expectedName = expectedName
            self.maxDepth = maxDepth
            self.purpose = purpose
        }

        /// `X509_V_FLAG_*` bits these options ask for.
        var verifyFlags: UInt {
            var flags: UInt = 0
            if time == .unchecked { flags |= UInt(X509_V_FLAG_NO_CHECK_TIME) }
            if crlCheck || crlCheckAll { flags |= UInt(X509_V_FLAG_CRL_CHECK) }
            if crlCheckAll { flags |= UInt(X509_V_FLAG_CRL_CHECK_ALL) }
            if extendedCRL { flags |= UInt(X509_V_FLAG_EXTENDED_CRL_SUPPORT) }
            if useDeltas { flags |= UInt(X509_V_FLAG_USE_DELTAS) }
            if let policy {
                flags |= UInt(X509_V_FLAG_POLICY_CHECK)
                if policy.explicitPolicy { flags |= UInt(X509_V_FLAG_EXPLICIT_POLICY) }
                if policy.inhibitPolicyMapping { flags |= UInt(X509_V_FLAG_INHIBIT_MAP) }
                if policy.inhibitAnyPolicy { flags |= UInt(X509_V_FLAG_INHIBIT_ANY) }
            }
            if strict { flags |= UInt(X509_V_FLAG_X509_STRICT) }
            if partialChain { flags |= UInt(X509_V_FLAG_PARTIAL_CHAIN) }
            return flags
        }

        /// Sets these options on an initialised `X509_STORE_CTX`. The CRLs are
        /// handed to the context separately (`ChainVerifier.verify`).
        func apply(to ctx: OpaquePointer) throws {
            guard let param = X509_STORE_CTX_get0_param(ctx) else {
                throw OpenSSLErrorQueue.error(.internalError, "the verify context has no parameters")
            }
            switch time {
            case .now, .unchecked: break
            case let .at(date): X509_VERIFY_PARAM_set_time(param, time_t(date.timeIntervalSince1970.rounded(.down)))
            }
            let flags = verifyFlags
            if flags != 0, X509_VERIFY_PARAM_set_flags(param, flags) != 1 {
                throw OpenSSLErrorQueue.error(.internalError, "cannot set the verify flags")
            }
            if let policy {
                for oid in policy.initialPolicies {
                    // no_name = 1: only a dotted OID, never a short or long name.
                    guard let object = OBJ_txt2obj(oid, 1) else {
                        throw OpenSSLErrorQueue.error(.wrongKind, "\"\(oid)\" is not a policy OID (dotted form, e.g. 2.5.29.32.0)")
                    }
                    guard X509_VERIFY_PARAM_add0_policy(param, object) == 1 else {
                        ASN1_OBJECT_free(object)
                        throw OpenSSLErrorQueue.error(.internalError, "cannot add the policy \(oid)")
                    }
                }
            }
            if let authLevel {
                X509_VERIFY_PARAM_set_auth_level(param, Int32(clamping: authLevel))
            }
            if let maxDepth {
                guard maxDepth >= 0 else { throw RCSError(.wrongKind, "the maximum chain depth cannot be negative (\(maxDepth))") }
                X509_VERIFY_PARAM_set_depth(param, Int32(clamping: maxDepth))
            }
            if let expectedName { try Self.apply(expectedName, to: param) }
            if let purpose, X509_STORE_CTX_set_purpose(ctx, purpose.openSSLValue) != 1 {
                throw OpenSSLErrorQueue.error(.internalError, "cannot set the certificate purpose")
            }
        }

        private static func apply(_ name: ExpectedName, to param: OpaquePointer) throws {
            switch name {
            case let .host(host, allowPartialWildcards):
                // An empty name would clear the check instead of failing it.
                guard !host.isEmpty, !host.utf8.contains(0) else {
                    throw RCSError(.wrongKind, "the expected host name is empty or holds a NUL byte")
                }
                X509_VERIFY_PARAM_set_hostflags(param, allowPartialWildcards ? 0 : UInt32(X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS))
                guard X509_VERIFY_PARAM_set1_host(param, host, host.utf8.count) == 1 else {
                    throw OpenSSLErrorQueue.error(.wrongKind, "cannot check for the host name \"\(host)\"")
                }
            case let .email(email):
                guard !email.isEmpty, !email.utf8.contains(0) else {
                    throw RCSError(.wrongKind, "the expected e-mail address is empty or holds a NUL byte")
                }
                guard X509_VERIFY_PARAM_set1_email(param, email, email.utf8.count) == 1 else {
                    throw OpenSSLErrorQueue.error(.wrongKind, "cannot check for the e-mail address \"\(email)\"")
                }
            case let .ipAddress(address):
                guard X509_VERIFY_PARAM_set1_ip_asc(param, address) == 1 else {
                    throw OpenSSLErrorQueue.error(.wrongKind, "\"\(address)\" is not an IPv4 or IPv6 address")
                }
            }
        }
    }
}

extension ChainVerifier.Options.Purpose {
    var openSSLValue: Int32 {
        switch self {
        case .clientAuth: X509_PURPOSE_SSL_CLIENT
        case .serverAuth: X509_PURPOSE_SSL_SERVER
        case .nsServerAuth: X509_PURPOSE_NS_SSL_SERVER
        case .smimeSign: X509_PURPOSE_SMIME_SIGN
        case .smimeEncrypt: X509_PURPOSE_SMIME_ENCRYPT
        case .crlSign: X509_PURPOSE_CRL_SIGN
        case .any: X509_PURPOSE_ANY
        case .ocspHelper: X509_PURPOSE_OCSP_HELPER
        case .timeStampSign: X509_PURPOSE_TIMESTAMP_SIGN
        }
    }
}
